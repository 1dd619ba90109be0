// Binary quantization, Qdrant 1.19's encodings (lib/quantization/src/encoded_vectors_binary.rs).
//
// Storage encodings, bit j of a row at byte j >> 3, bit j & 7 (Qdrant's little-endian u128 words;
// a row is padded with zero bits to a multiple of 128):
//  - one_bit:            bit i = x_i > 0                                  (dim bits)
//  - two_bits:           z = (x_i − mean_i) / stddev_i over the data;
//                        bit i = z > −2/3, bit dim+i = z ≥ 2/3            (2·dim bits)
//  - one_and_half_bits:  two_bits, but the second bits of dims 2k and 2k+1 are OR-ed into
//                        bit dim+k                                        (⌈1.5·dim⌉ bits)
//   (a dimension with stddev < f32::EPSILON falls back to bit i = x_i > 0, second bit 0.)
//
// Query encodings:
//  - 'default' / 'binary': the query is encoded like a stored vector; x = popcount(q XOR v).
//  - 'scalar4bits' / 'scalar8bits' (asymmetric): the query (for two_bits: [q, q]; for 1.5 bits:
//    [q, max(q_2k, q_2k+1)]) is quantized to b-bit codes c_j over [−max|q|, max|q|], and
//    x = Σ_j (v_j ? M − c_j : c_j) / M with M = 2^b − 1, Qdrant's "XOR of a scalar with a bit".
//    Computed as (Σc + M·popcount(v) − 2·Σ_j c_j·v_j) / M, where Σ c_j·v_j comes from the
//    kernels' bit-plane primitive (plane p holds bit p of every code) and popcount(v) from
//    xorPopcount against zeros.
// Score = dim − 2x for every distance (greater = closer), as Qdrant's (dim − x) − x: an estimate of
// agreement, not on the float scale, so binary rescoring is on by default (Qdrant's default).

import { errors, RingvecError } from '../common/errors.js';
import { getKernels, type Kernels } from '../kernels/index.js';
import { Int32Scratch } from './kernel-op.js';
import { QuantizedBuffer, metaEnum, metaInt, type OpenOptions } from './quantized-buffer.js';
import type {
  BinaryEncoding,
  BinaryQueryEncoding,
  Distance,
  QuantizationConfig,
  QuantizedScorer,
  QuantizedVectors,
  QuantizeOptions,
  Quantizer,
} from './quantizer.js';
import { checkDim, checkSourceDim, forEachBatch, type VectorSource } from './vector-source.js';

const ENCODINGS: readonly BinaryEncoding[] = ['one_bit', 'two_bits', 'one_and_half_bits'];
const QUERY_ENCODINGS: readonly BinaryQueryEncoding[] = [
  'default',
  'binary',
  'scalar4bits',
  'scalar8bits',
];
/** Half-width of two_bits' "zero" band, in standard deviations (Qdrant's SIGMAS, float32). */
const SIGMAS = Math.fround(2 / 3);
const F32_EPSILON = 1.1920929e-7;

export interface BinaryQuantizerOptions {
  readonly encoding?: BinaryEncoding;
  readonly queryEncoding?: BinaryQueryEncoding;
}

/** Bits of one encoded vector before padding. */
function bitsFor(dim: number, encoding: BinaryEncoding): number {
  switch (encoding) {
    case 'one_bit':
      return dim;
    case 'two_bits':
      return 2 * dim;
    case 'one_and_half_bits':
      return Math.ceil((3 * dim) / 2);
  }
}

/** Row size in bytes: the bits rounded up to whole 128-bit words (Qdrant stores u128). */
export function binaryRowBytes(dim: number, encoding: BinaryEncoding): number {
  return Math.ceil(Math.max(1, bitsFor(dim, encoding)) / 128) * 16;
}

/** Per-dimension mean and sample standard deviation (Welford), float32 like Qdrant's. */
interface VectorStats {
  readonly mean: Float32Array;
  readonly stddev: Float32Array;
}

/** Encodes x[from … from+dim) into row[0 … rowBytes), which must be zeroed. */
function encodeVector(
  x: Float32Array,
  from: number,
  dim: number,
  encoding: BinaryEncoding,
  stats: VectorStats | undefined,
  row: Uint8Array,
  at: number,
): void {
  if (encoding === 'one_bit' || stats === undefined) {
    for (let i = 0; i < dim; i++) if (x[from + i]! > 0) row[at + (i >> 3)]! |= 1 << (i & 7);
    return;
  }
  const half = encoding === 'one_and_half_bits';
  for (let i = 0; i < dim; i++) {
    const value = x[from + i]!;
    const sd = stats.stddev[i]!;
    let first: boolean;
    let second: boolean;
    if (sd < F32_EPSILON) {
      first = value > 0;
      second = false;
    } else {
      const z = (value - stats.mean[i]!) / sd;
      first = z > -SIGMAS;
      second = z >= SIGMAS;
    }
    if (first) row[at + (i >> 3)]! |= 1 << (i & 7);
    if (second) {
      const j = dim + (half ? i >> 1 : i);
      row[at + (j >> 3)]! |= 1 << (j & 7);
    }
  }
}

export class BinaryQuantizer implements Quantizer {
  readonly kind = 'binary';
  readonly encoding: BinaryEncoding;
  readonly queryEncoding: BinaryQueryEncoding;
  private stats: VectorStats | undefined;
  private isTrained = false;

  constructor(
    readonly dim: number,
    readonly distance: Distance,
    options: BinaryQuantizerOptions = {},
  ) {
    checkDim(dim);
    this.encoding = options.encoding ?? 'one_bit';
    this.queryEncoding = options.queryEncoding ?? 'default';
    if (!ENCODINGS.includes(this.encoding)) {
      throw new RingvecError(
        'bad_input',
        `encoding must be one of ${ENCODINGS.join(', ')}, got ${String(this.encoding)}`,
      );
    }
    if (!QUERY_ENCODINGS.includes(this.queryEncoding)) {
      throw new RingvecError(
        'bad_input',
        `query_encoding must be one of ${QUERY_ENCODINGS.join(', ')}, got ${String(this.queryEncoding)}`,
      );
    }
  }

  get trained(): boolean {
    return this.isTrained;
  }

  /**
   * one_bit needs nothing; two_bits and one_and_half_bits need one pass for per-dimension mean and
   * standard deviation. (Qdrant also computes them for scalar query encodings, which never read
   * them; that pass is skipped here.)
   */
  async train(source: VectorSource, options?: QuantizeOptions): Promise<void> {
    checkSourceDim(source, this.dim);
    if (this.encoding !== 'one_bit') {
      const dim = this.dim;
      const mean = new Float64Array(dim);
      const m2 = new Float64Array(dim);
      let count = 0;
      await forEachBatch(source, 'scan', options, (batch, _first, n) => {
        for (let i = 0; i < n; i++) {
          count++;
          const row = i * dim;
          for (let j = 0; j < dim; j++) {
            const value = batch[row + j]!;
            const delta = value - mean[j]!;
            mean[j]! += delta / count;
            m2[j]! += delta * (value - mean[j]!);
          }
        }
      });
      const stddev = new Float32Array(dim);
      if (count > 1) for (let j = 0; j < dim; j++) stddev[j] = Math.sqrt(m2[j]! / (count - 1));
      this.stats = { mean: Float32Array.from(mean), stddev };
    }
    this.isTrained = true;
  }

  async encode(source: VectorSource, options?: QuantizeOptions): Promise<BinaryQuantizedVectors> {
    if (!this.isTrained) throw new RingvecError('service', 'BinaryQuantizer.encode before train');
    checkSourceDim(source, this.dim);
    const dim = this.dim;
    const count = source.count;
    const rowBytes = binaryRowBytes(dim, this.encoding);
    const stats = this.stats;
    const buffer = QuantizedBuffer.allocate(
      {
        kind: 'binary',
        dim,
        count,
        distance: this.distance,
        encoding: this.encoding,
        query_encoding: this.queryEncoding,
      },
      [
        ...(stats === undefined ? [] : [{ name: 'stats', bytes: 8 * dim }]),
        { name: 'codes', bytes: count * rowBytes },
      ],
    );
    if (stats !== undefined) {
      const section = buffer.f32('stats', 2 * dim);
      section.set(stats.mean, 0);
      section.set(stats.stddev, dim);
    }
    const codes = buffer.u8('codes', count * rowBytes);
    await forEachBatch(source, 'encode', options, (batch, first, n) => {
      for (let i = 0; i < n; i++) {
        encodeVector(batch, i * dim, dim, this.encoding, stats, codes, (first + i) * rowBytes);
      }
    });
    buffer.seal();
    return new BinaryQuantizedVectors(buffer);
  }
}

export class BinaryQuantizedVectors implements QuantizedVectors {
  readonly kind = 'binary';
  readonly defaultRescore = true;
  readonly dim: number;
  readonly count: number;
  readonly distance: Distance;
  readonly encoding: BinaryEncoding;
  readonly queryEncoding: BinaryQueryEncoding;
  readonly config: QuantizationConfig;
  /** Bytes per row (bits padded to 128-bit words). */
  readonly bytesPerVector: number;
  readonly codes: Uint8Array;
  private readonly stats: VectorStats | undefined;
  /** An all-zero row: xorPopcount against it is popcount(row). */
  readonly zeros: Uint8Array;
  readonly kernels: Kernels = getKernels();

  /** Wraps an encoded buffer (validated by QuantizedBuffer.open or freshly encoded). */
  constructor(private readonly data: QuantizedBuffer) {
    const meta = data.meta;
    if (meta.kind !== 'binary') {
      throw new RingvecError('service', `expected binary quantized data, got ${String(meta.kind)}`);
    }
    this.dim = metaInt(meta, 'dim', 65536);
    checkDim(this.dim);
    this.count = metaInt(meta, 'count');
    this.distance = metaEnum(meta, 'distance', ['Cosine', 'Euclid', 'Dot', 'Manhattan']);
    this.encoding = metaEnum(meta, 'encoding', ENCODINGS);
    this.queryEncoding = metaEnum(meta, 'query_encoding', QUERY_ENCODINGS);
    this.config = { binary: { encoding: this.encoding, query_encoding: this.queryEncoding } };
    this.bytesPerVector = binaryRowBytes(this.dim, this.encoding);
    if (this.encoding !== 'one_bit') {
      const section = data.f32('stats', 2 * this.dim);
      this.stats = { mean: section.subarray(0, this.dim), stddev: section.subarray(this.dim) };
    }
    this.codes = data.u8('codes', this.count * this.bytesPerVector);
    this.zeros = new Uint8Array(this.bytesPerVector);
  }

  /** Opens serialised bytes (see QuantizedBuffer.open for copying and validation). */
  static fromBuffer(bytes: Uint8Array, options?: OpenOptions): BinaryQuantizedVectors {
    return new BinaryQuantizedVectors(QuantizedBuffer.open(bytes, options));
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
    const rowBytes = this.bytesPerVector;
    if (this.queryEncoding === 'default' || this.queryEncoding === 'binary') {
      const row = new Uint8Array(rowBytes);
      encodeVector(query, 0, this.dim, this.encoding, this.stats, row, 0);
      return new BinaryXorScorer(this, row);
    }
    const bits = this.queryEncoding === 'scalar4bits' ? 4 : 8;
    return this.scalarQueryScorer(query, bits);
  }

  private scalarQueryScorer(query: Float32Array, bits: number): QuantizedScorer {
    const dim = this.dim;
    let extended: Float32Array;
    switch (this.encoding) {
      case 'one_bit':
        extended = query;
        break;
      case 'two_bits':
        extended = new Float32Array(2 * dim);
        extended.set(query, 0);
        extended.set(query, dim);
        break;
      case 'one_and_half_bits':
        extended = new Float32Array(dim + Math.ceil(dim / 2));
        extended.set(query, 0);
        for (let k = 0; 2 * k < dim; k++) {
          const a = query[2 * k]!;
          extended[dim + k] = 2 * k + 1 < dim ? Math.max(a, query[2 * k + 1]!) : a;
        }
        break;
    }
    let maxAbs = 0;
    for (let j = 0; j < dim; j++) maxAbs = Math.max(maxAbs, Math.abs(query[j]!));
    const levels = (1 << bits) - 1;
    const delta = Math.fround((2 * maxAbs) / levels);
    const rowBytes = this.bytesPerVector;
    const planes = new Uint8Array(bits * rowBytes);
    let codeSum = 0;
    for (let j = 0; j < extended.length; j++) {
      const code =
        delta > F32_EPSILON ? Math.round((extended[j]! + maxAbs) / delta) % (levels + 1) : 0;
      codeSum += code;
      for (let p = 0; p < bits; p++) {
        if ((code >> p) & 1) planes[p * rowBytes + (j >> 3)]! |= 1 << (j & 7);
      }
    }
    return new BinaryScalarQueryScorer(this, planes, bits, codeSum);
  }

  scorerFor(offset: number): QuantizedScorer {
    this.checkOffset(offset);
    const rowBytes = this.bytesPerVector;
    return new BinaryXorScorer(
      this,
      this.codes.subarray(offset * rowBytes, (offset + 1) * rowBytes),
    );
  }

  pair(a: number, b: number): number {
    this.checkOffset(b);
    const out = new Float32Array(1);
    this.scorerFor(a).scoreOffsets(Uint32Array.of(b), 1, out);
    return out[0]!;
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

/** Symmetric: score = dim − 2·popcount(q XOR v). */
class BinaryXorScorer implements QuantizedScorer {
  private readonly scratch = new Int32Scratch();

  constructor(
    private readonly vectors: BinaryQuantizedVectors,
    private readonly query: Uint8Array,
  ) {}

  scoreOffsets(offsets: Uint32Array, count: number, out: Float32Array): undefined {
    const v = this.vectors;
    const xor = this.scratch.get(count);
    v.kernels.xorPopcountOffsets(this.query, v.codes, v.bytesPerVector, offsets, count, xor);
    const dim = v.dim;
    for (let i = 0; i < count; i++) out[i] = dim - 2 * xor[i]!;
    return undefined;
  }
}

/** Asymmetric: b-bit query codes as bit-planes against 1-bit rows (see the file header). */
class BinaryScalarQueryScorer implements QuantizedScorer {
  private readonly andScratch = new Int32Scratch();
  private readonly popScratch = new Int32Scratch();
  private readonly levels: number;

  constructor(
    private readonly vectors: BinaryQuantizedVectors,
    private readonly planes: Uint8Array,
    private readonly bits: number,
    private readonly codeSum: number,
  ) {
    this.levels = (1 << bits) - 1;
  }

  scoreOffsets(offsets: Uint32Array, count: number, out: Float32Array): undefined {
    const v = this.vectors;
    const rowBytes = v.bytesPerVector;
    const and = this.andScratch.get(count);
    const pop = this.popScratch.get(count);
    v.kernels.andPopcountOffsets(
      this.planes,
      this.bits,
      rowBytes,
      v.codes,
      rowBytes,
      offsets,
      count,
      and,
    );
    v.kernels.xorPopcountOffsets(v.zeros, v.codes, rowBytes, offsets, count, pop);
    const { dim } = v;
    const m = this.levels;
    const base = this.codeSum;
    for (let i = 0; i < count; i++) {
      const x = (base + m * pop[i]! - 2 * and[i]!) / m;
      out[i] = dim - 2 * x;
    }
    return undefined;
  }
}
