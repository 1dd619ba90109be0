// Scalar int8 quantization, Qdrant's math (lib/quantization/src/encoded_vectors_u8.rs).
//
// One global range [offset, offset + 127·alpha] for all dimensions (not per dimension): value x
// becomes the code c = round(clamp((x - offset) / alpha, 0, 127)), so x ≈ alpha·c + offset. The
// range is the data's min/max, or, with `quantile`, a central interval of a 5000-vector sample.
//
// Scores come from one integer kernel pass plus a per-vector correction stored next to the codes,
// so that they approximate the float scores on the same scale (greater = closer):
//
//   Dot/Cosine  Σ(αq+o)(αv+o) = α²·Σ q·v + (α·o·Σq) + (α·o·Σv + dim·o²)
//   Euclid     -Σ(αq-αv)²     = 2α²·Σ q·v − (α²·Σq²) − (α²·Σv²)
//   Manhattan  -Σ|αq-αv|      = −α·Σ|q−v|
//
// i.e. score = multiplier·raw + queryCorrection + vectorCorrection[offset]. The vector correction
// (float32) includes Qdrant's `shift` (dim·o² for Dot; 0 otherwise). Unlike Qdrant, rows are not
// padded to 16 bytes: the kernels handle any dim, and padding would only cost RAM.

import { errors, RingvecError } from '../common/errors.js';
import { getKernels, type Kernels } from '../kernels/index.js';
import { Int32Scratch } from './kernel-op.js';
import {
  QuantizedBuffer,
  metaEnum,
  metaInt,
  metaNumber,
  type OpenOptions,
} from './quantized-buffer.js';
import type {
  Distance,
  QuantizationConfig,
  QuantizedScorer,
  QuantizedVectors,
  QuantizeOptions,
  Quantizer,
} from './quantizer.js';
import { SeededRandom } from './seeded-random.js';
import {
  checkDim,
  checkSourceDim,
  forEachBatch,
  readSample,
  type VectorSource,
} from './vector-source.js';

/** Vectors sampled to estimate the quantile interval (Qdrant's quantile::SAMPLE_SIZE). */
export const SCALAR_QUANTILE_SAMPLE_SIZE = 5000;
const MAX_CODE = 127;

export interface ScalarQuantizerOptions {
  /** In [0.5, 1]. Unset or 1 = the whole range of values. */
  readonly quantile?: number;
  /** Seed of the sample used for the quantile. */
  readonly seed?: number;
}

interface ScalarParams {
  readonly alpha: number;
  readonly offset: number;
  readonly multiplier: number;
  /** Qdrant's `shift`: the dim·o² term of Dot, kept inside every vector correction. */
  readonly shift: number;
}

function paramsFor(distance: Distance, dim: number, alpha: number, offset: number): ScalarParams {
  const f = Math.fround;
  switch (distance) {
    case 'Dot':
    case 'Cosine':
      return { alpha, offset, multiplier: f(alpha * alpha), shift: f(dim * offset * offset) };
    case 'Euclid':
      return { alpha, offset, multiplier: f(2 * alpha * alpha), shift: 0 };
    case 'Manhattan':
      return { alpha, offset, multiplier: f(-alpha), shift: 0 };
  }
}

function encodeValue(value: number, alpha: number, offset: number): number {
  if (!(alpha > 0)) return 0;
  const i = (value - offset) / alpha;
  return Math.round(i < 0 ? 0 : i > MAX_CODE ? MAX_CODE : i);
}

/**
 * Encodes one vector into `codes[at … at+dim)` and returns its correction term:
 * the part of the score that depends only on this vector (see the header).
 */
function encodeVector(
  distance: Distance,
  p: ScalarParams,
  vector: Float32Array,
  from: number,
  dim: number,
  codes: Uint8Array,
  at: number,
): number {
  let sum = 0;
  let sumSq = 0;
  for (let j = 0; j < dim; j++) {
    const c = encodeValue(vector[from + j]!, p.alpha, p.offset);
    codes[at + j] = c;
    sum += c;
    sumSq += c * c;
  }
  switch (distance) {
    case 'Dot':
    case 'Cosine':
      return p.alpha * p.offset * sum;
    case 'Euclid':
      return -(sumSq * p.alpha * p.alpha);
    case 'Manhattan':
      return 0;
  }
}

/** Moves the k-th smallest value of a[lo … hi] to position k (Hoare quickselect). */
function select(a: Float32Array, k: number, lo: number, hi: number): void {
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // Median of three as pivot.
    let x = a[lo]!;
    let y = a[mid]!;
    const z = a[hi]!;
    if (x > y) [x, y] = [y, x];
    const pivot = z < x ? x : z > y ? y : z;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

/**
 * Qdrant's quantile interval (quantile.rs, find_quantile_interval): the smallest and largest of
 * the sampled values strictly between sorted positions `cut` and `len − cut`. Warning: the cut is
 * computed from the number of sampled *vectors*, not of values, in float32 — reproduced as is so
 * a given `quantile` yields Qdrant's range. Returns null when the sample is too small to cut.
 */
export function quantileInterval(
  values: Float32Array,
  vectorCount: number,
  quantile: number,
): readonly [number, number] | null {
  const f = Math.fround;
  const len = values.length;
  if (len < 4) return null;
  const cutFromQuantile = Math.floor(f(f(f(vectorCount) * f(1 - f(quantile))) / 2));
  const cut = Math.max(1, Math.min(Math.floor((len - 1) / 2), cutFromQuantile));
  if (len - 2 * cut - 1 < 2) return null;
  const a = Float32Array.from(values);
  const high = len - cut - 1;
  select(a, high, 0, len - 1);
  select(a, cut + 1, 0, high - 1);
  return [a[cut + 1]!, a[high]!];
}

export class ScalarQuantizer implements Quantizer {
  readonly kind = 'scalar';
  private params: ScalarParams | undefined;
  private readonly quantile: number | undefined;
  private readonly seed: number;

  constructor(
    readonly dim: number,
    readonly distance: Distance,
    options: ScalarQuantizerOptions = {},
  ) {
    checkDim(dim);
    const q = options.quantile;
    if (q !== undefined && !(q >= 0.5 && q <= 1)) {
      throw new RingvecError('bad_input', `quantile must be in [0.5, 1.0], got ${q}`);
    }
    this.quantile = q;
    this.seed = options.seed ?? 0x5ca1a7;
  }

  get trained(): boolean {
    return this.params !== undefined;
  }

  async train(source: VectorSource, options?: QuantizeOptions): Promise<void> {
    checkSourceDim(source, this.dim);
    const count = source.count;
    let range: readonly [number, number] | null = null;
    if (count === 0) {
      range = [0, 0];
    } else if (this.quantile !== undefined && this.quantile < 1 && count >= MAX_CODE) {
      const indices = new SeededRandom(this.seed).sampleIndices(count, SCALAR_QUANTILE_SAMPLE_SIZE);
      const sample = await readSample(source, indices, options);
      range = quantileInterval(sample, indices.length, this.quantile);
    }
    if (range === null) {
      let min = Infinity;
      let max = -Infinity;
      await forEachBatch(source, 'scan', options, (batch, _first, n) => {
        for (let i = 0, end = n * this.dim; i < end; i++) {
          const v = batch[i]!;
          if (v < min) min = v;
          if (v > max) max = v;
        }
      });
      range = [min, max];
    }
    const [min, max] = range;
    const alpha = Math.fround((max - min) / MAX_CODE);
    this.params = paramsFor(this.distance, this.dim, alpha, Math.fround(min));
  }

  async encode(source: VectorSource, options?: QuantizeOptions): Promise<ScalarQuantizedVectors> {
    const p = this.params;
    if (p === undefined) throw new RingvecError('service', 'ScalarQuantizer.encode before train');
    checkSourceDim(source, this.dim);
    const dim = this.dim;
    const count = source.count;
    const buffer = QuantizedBuffer.allocate(
      {
        kind: 'scalar',
        dim,
        count,
        distance: this.distance,
        ...(this.quantile === undefined ? {} : { quantile: this.quantile }),
        alpha: p.alpha,
        offset: p.offset,
        multiplier: p.multiplier,
        shift: p.shift,
      },
      [
        { name: 'codes', bytes: count * dim },
        { name: 'corrections', bytes: count * 4 },
      ],
    );
    const codes = buffer.u8('codes', count * dim);
    const corrections = buffer.f32('corrections', count);
    await forEachBatch(source, 'encode', options, (batch, first, n) => {
      for (let i = 0; i < n; i++) {
        const c = encodeVector(this.distance, p, batch, i * dim, dim, codes, (first + i) * dim);
        corrections[first + i] = c + p.shift;
      }
    });
    buffer.seal();
    return new ScalarQuantizedVectors(buffer);
  }
}

export class ScalarQuantizedVectors implements QuantizedVectors {
  readonly kind = 'scalar';
  readonly defaultRescore = false;
  readonly dim: number;
  readonly count: number;
  readonly distance: Distance;
  readonly config: QuantizationConfig;
  readonly bytesPerVector: number;
  /** Codes, row r at [r·dim, (r+1)·dim). */
  readonly codes: Uint8Array;
  /** Per-vector correction (see the file header), shift included. */
  readonly corrections: Float32Array;
  private readonly params: ScalarParams;
  readonly kernels: Kernels = getKernels();

  /** Wraps an encoded buffer (validated by QuantizedBuffer.open or freshly encoded). */
  constructor(private readonly data: QuantizedBuffer) {
    const meta = data.meta;
    if (meta.kind !== 'scalar') {
      throw new RingvecError('service', `expected scalar quantized data, got ${String(meta.kind)}`);
    }
    this.dim = metaInt(meta, 'dim', 65536);
    checkDim(this.dim);
    this.count = metaInt(meta, 'count');
    this.distance = metaEnum(meta, 'distance', ['Cosine', 'Euclid', 'Dot', 'Manhattan']);
    const quantile = meta.quantile === undefined ? undefined : metaNumber(meta, 'quantile');
    this.config = { scalar: { type: 'int8', ...(quantile === undefined ? {} : { quantile }) } };
    this.params = {
      alpha: metaNumber(meta, 'alpha'),
      offset: metaNumber(meta, 'offset'),
      multiplier: metaNumber(meta, 'multiplier'),
      shift: metaNumber(meta, 'shift'),
    };
    this.codes = data.u8('codes', this.count * this.dim);
    this.corrections = data.f32('corrections', this.count);
    this.bytesPerVector = this.dim + 4;
  }

  /** Opens serialised bytes (see QuantizedBuffer.open for copying and validation). */
  static fromBuffer(bytes: Uint8Array, options?: OpenOptions): ScalarQuantizedVectors {
    return new ScalarQuantizedVectors(QuantizedBuffer.open(bytes, options));
  }

  get buffer(): SharedArrayBuffer {
    return this.data.buffer;
  }

  get ramSizeBytes(): number {
    return this.data.byteLength;
  }

  toBytes(): Uint8Array {
    return this.data.bytes();
  }

  scorer(query: Float32Array): QuantizedScorer {
    if (query.length !== this.dim) throw errors.wrongDimension(this.dim, query.length);
    const codes = new Uint8Array(this.dim);
    const correction = encodeVector(this.distance, this.params, query, 0, this.dim, codes, 0);
    return new ScalarScorer(this, codes, correction);
  }

  scorerFor(offset: number): QuantizedScorer {
    this.checkOffset(offset);
    const codes = this.codes.subarray(offset * this.dim, (offset + 1) * this.dim);
    // The stored correction carries the shift once; a query must not carry it again.
    return new ScalarScorer(this, codes, this.corrections[offset]! - this.params.shift);
  }

  pair(a: number, b: number): number {
    this.checkOffset(b);
    const out = new Float32Array(1);
    this.scorerFor(a).scoreOffsets(Uint32Array.of(b), 1, out);
    return out[0]!;
  }

  /** score = multiplier·raw + queryCorrection + corrections[offset]. */
  finish(
    raw: Int32Array,
    queryCorrection: number,
    offsets: Uint32Array,
    count: number,
    out: Float32Array,
  ): void {
    const m = this.params.multiplier;
    const corrections = this.corrections;
    for (let i = 0; i < count; i++)
      out[i] = m * raw[i]! + queryCorrection + corrections[offsets[i]!]!;
  }

  private checkOffset(offset: number): void {
    if (!Number.isInteger(offset) || offset < 0 || offset >= this.count) {
      throw new RingvecError(
        'service',
        `point offset ${offset} out of range (${this.count} points)`,
      );
    }
  }
}

class ScalarScorer implements QuantizedScorer {
  private readonly scratch = new Int32Scratch();

  constructor(
    private readonly vectors: ScalarQuantizedVectors,
    private readonly query: Uint8Array,
    private readonly correction: number,
  ) {}

  scoreOffsets(offsets: Uint32Array, count: number, out: Float32Array): undefined {
    const v = this.vectors;
    const raw = this.scratch.get(count);
    if (v.distance === 'Manhattan') {
      u8L1Offsets(this.query, v.codes, v.dim, offsets, count, raw);
    } else {
      v.kernels.u8DotOffsets(this.query, v.codes, v.dim, offsets, count, raw);
    }
    v.finish(raw, this.correction, offsets, count, out);
    return undefined;
  }
}

/**
 * out[i] = Σ_j |query[j] − row[j]|. Warning: the quantized kernel contract has no L1 primitive
 * yet, so Manhattan scores here in TypeScript; move it to kernels/ (u8L1Offsets) with a SIMD twin.
 */
function u8L1Offsets(
  query: Uint8Array,
  base: Uint8Array,
  strideBytes: number,
  offsets: Uint32Array,
  count: number,
  out: Int32Array,
): void {
  const dims = query.length;
  for (let i = 0; i < count; i++) {
    const start = offsets[i]! * strideBytes;
    let sum = 0;
    for (let j = 0; j < dims; j++) {
      const d = query[j]! - base[start + j]!;
      sum += d < 0 ? -d : d;
    }
    out[i] = sum;
  }
}
