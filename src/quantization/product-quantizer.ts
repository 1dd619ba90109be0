// Product quantization, Qdrant's scheme (lib/quantization/src/encoded_vectors_pq.rs).
//
// The vector is cut into consecutive subspaces of `bucket` dimensions (x4 → 1, x8 → 2, x16 → 4,
// x32 → 8, x64 → 16; the last one may be shorter). Each subspace has its own codebook of 256
// centroids, trained with k-means on a sample of 10 000 vectors; a vector is stored as one byte
// per subspace, the index of its nearest centroid by Euclidean distance (whatever the metric).
//
// A query becomes a lookup table: for each subspace s and centroid c, the score between the query's
// piece and the centroid (dot; −squared L2; −L1). A stored vector's score is the sum of its
// subspaces' entries (kernels' pqLookupOffsets), which approximates the float score on the same
// scale, greater = closer.
//
// Centroid layout (the 'centroids' section, float32): subspace s with `len` dimensions starting at
// dimension `start` occupies [256·start, 256·(start + len)), centroid c at 256·start + c·len.

import { errors, RingvecError } from '../common/errors.js';
import { getKernels, type Kernels } from '../kernels/index.js';
import { CentroidIndex, kmeans } from './kmeans.js';
import { QuantizedBuffer, metaEnum, metaInt, type OpenOptions } from './quantized-buffer.js';
import type {
  CompressionRatio,
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
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';

/** Qdrant's PQ constants (encoded_vectors_pq.rs). */
export const PQ_CENTROIDS = 256;
export const PQ_KMEANS_SAMPLE_SIZE = 10_000;
export const PQ_KMEANS_MAX_ITERATIONS = 100;
export const PQ_KMEANS_ACCURACY = 1e-5;

const COMPRESSIONS: readonly CompressionRatio[] = ['x4', 'x8', 'x16', 'x32', 'x64'];

/** Dimensions per subspace for a compression ratio (Qdrant's get_bucket_size). */
export function bucketSize(compression: CompressionRatio): number {
  switch (compression) {
    case 'x4':
      return 1;
    case 'x8':
      return 2;
    case 'x16':
      return 4;
    case 'x32':
      return 8;
    case 'x64':
      return 16;
  }
}

export interface ProductQuantizerOptions {
  readonly compression: CompressionRatio;
  /** Vectors sampled for k-means (default 10 000, as Qdrant). */
  readonly sampleSize?: number;
  /** Centroid updates per subspace at most (default 100, as Qdrant). */
  readonly maxIterations?: number;
  /** Stop when the summed centroid movement is below this (default 1e-5, as Qdrant). */
  readonly accuracy?: number;
  readonly seed?: number;
}

/** Subspace s covers dimensions [start, start + len). */
interface Subspace {
  readonly start: number;
  readonly len: number;
}

function divide(dim: number, bucket: number): Subspace[] {
  const out: Subspace[] = [];
  for (let start = 0; start < dim; start += bucket) {
    out.push({ start, len: Math.min(bucket, dim - start) });
  }
  return out;
}

/** Score of a[ai …] against b[bi …] over len elements, in the kernels' convention. */
function pieceScore(
  distance: Distance,
  a: Float32Array,
  ai: number,
  b: Float32Array,
  bi: number,
  len: number,
): number {
  let sum = 0;
  switch (distance) {
    case 'Dot':
    case 'Cosine':
      for (let j = 0; j < len; j++) sum += a[ai + j]! * b[bi + j]!;
      return sum;
    case 'Euclid':
      for (let j = 0; j < len; j++) {
        const d = a[ai + j]! - b[bi + j]!;
        sum += d * d;
      }
      return -sum;
    case 'Manhattan':
      for (let j = 0; j < len; j++) sum += Math.abs(a[ai + j]! - b[bi + j]!);
      return -sum;
  }
}

export class ProductQuantizer implements Quantizer {
  readonly kind = 'product';
  readonly compression: CompressionRatio;
  private readonly subspaces: Subspace[];
  private centroids: Float32Array | undefined;
  private readonly sampleSize: number;
  private readonly maxIterations: number;
  private readonly accuracy: number;
  private readonly seed: number;

  constructor(
    readonly dim: number,
    readonly distance: Distance,
    options: ProductQuantizerOptions,
  ) {
    checkDim(dim);
    if (!COMPRESSIONS.includes(options.compression)) {
      throw new RingvecError(
        'bad_input',
        `compression must be one of ${COMPRESSIONS.join(', ')}, got ${String(options.compression)}`,
      );
    }
    this.compression = options.compression;
    this.subspaces = divide(dim, bucketSize(options.compression));
    this.sampleSize = positiveInt(options.sampleSize ?? PQ_KMEANS_SAMPLE_SIZE, 'sampleSize');
    this.maxIterations = positiveInt(
      options.maxIterations ?? PQ_KMEANS_MAX_ITERATIONS,
      'maxIterations',
    );
    this.accuracy = options.accuracy ?? PQ_KMEANS_ACCURACY;
    this.seed = options.seed ?? 0x9e3779b9;
  }

  get trained(): boolean {
    return this.centroids !== undefined;
  }

  async train(source: VectorSource, options?: QuantizeOptions): Promise<void> {
    checkSourceDim(source, this.dim);
    const dim = this.dim;
    const count = source.count;
    const centroids = new Float32Array(PQ_CENTROIDS * dim);
    if (count <= PQ_CENTROIDS) {
      // Too few vectors for k-means: the vectors themselves are the centroids, the rest zeros.
      await forEachBatch(source, 'scan', options, (batch, first, n) => {
        for (let i = 0; i < n; i++) {
          for (const { start, len } of this.subspaces) {
            const to = PQ_CENTROIDS * start + (first + i) * len;
            centroids.set(batch.subarray(i * dim + start, i * dim + start + len), to);
          }
        }
      });
      this.centroids = centroids;
      return;
    }
    const random = new SeededRandom(this.seed);
    const indices = random.sampleIndices(count, Math.max(this.sampleSize, PQ_CENTROIDS + 1));
    const sample = await readSample(source, indices, options);
    const n = indices.length;
    const total = this.subspaces.length;
    for (let s = 0; s < total; s++) {
      options?.signal?.throwIfAborted();
      const { start, len } = this.subspaces[s]!;
      const piece = new Float32Array(n * len);
      for (let i = 0; i < n; i++)
        piece.set(sample.subarray(i * dim + start, i * dim + start + len), i * len);
      const book = kmeans(piece, n, len, PQ_CENTROIDS, {
        maxIterations: this.maxIterations,
        accuracy: this.accuracy,
        random,
      });
      centroids.set(book, PQ_CENTROIDS * start);
      options?.onProgress?.({ phase: 'train', done: s + 1, total });
      if (s + 1 < total) await yieldToEventLoop();
    }
    this.centroids = centroids;
  }

  async encode(source: VectorSource, options?: QuantizeOptions): Promise<ProductQuantizedVectors> {
    const centroids = this.centroids;
    if (centroids === undefined) {
      throw new RingvecError('service', 'ProductQuantizer.encode before train');
    }
    checkSourceDim(source, this.dim);
    const dim = this.dim;
    const count = source.count;
    const subspaces = this.subspaces;
    const stride = subspaces.length;
    const buffer = QuantizedBuffer.allocate(
      { kind: 'product', dim, count, distance: this.distance, compression: this.compression },
      [
        { name: 'centroids', bytes: centroids.byteLength },
        { name: 'codes', bytes: count * stride },
      ],
    );
    buffer.f32('centroids', centroids.length).set(centroids);
    const codes = buffer.u8('codes', count * stride);
    const indexes = subspaces.map(
      ({ start, len }) =>
        new CentroidIndex(
          centroids.subarray(PQ_CENTROIDS * start, PQ_CENTROIDS * (start + len)),
          PQ_CENTROIDS,
          len,
        ),
    );
    await forEachBatch(source, 'encode', options, (batch, first, n) => {
      for (let i = 0; i < n; i++) {
        const at = (first + i) * stride;
        for (let s = 0; s < stride; s++) {
          codes[at + s] = indexes[s]!.nearest(batch, i * dim + subspaces[s]!.start);
        }
      }
    });
    buffer.seal();
    return new ProductQuantizedVectors(buffer);
  }
}

export class ProductQuantizedVectors implements QuantizedVectors {
  readonly kind = 'product';
  readonly defaultRescore = false;
  readonly dim: number;
  readonly count: number;
  readonly distance: Distance;
  readonly compression: CompressionRatio;
  readonly config: QuantizationConfig;
  /** One byte per subspace. */
  readonly bytesPerVector: number;
  readonly codes: Uint8Array;
  readonly centroids: Float32Array;
  private readonly subspaces: Subspace[];
  readonly kernels: Kernels = getKernels();

  /** Wraps an encoded buffer (validated by QuantizedBuffer.open or freshly encoded). */
  constructor(private readonly data: QuantizedBuffer) {
    const meta = data.meta;
    if (meta.kind !== 'product') {
      throw new RingvecError(
        'service',
        `expected product quantized data, got ${String(meta.kind)}`,
      );
    }
    this.dim = metaInt(meta, 'dim', 65536);
    checkDim(this.dim);
    this.count = metaInt(meta, 'count');
    this.distance = metaEnum(meta, 'distance', ['Cosine', 'Euclid', 'Dot', 'Manhattan']);
    this.compression = metaEnum(meta, 'compression', COMPRESSIONS);
    this.config = { product: { compression: this.compression } };
    this.subspaces = divide(this.dim, bucketSize(this.compression));
    this.bytesPerVector = this.subspaces.length;
    this.centroids = data.f32('centroids', PQ_CENTROIDS * this.dim);
    this.codes = data.u8('codes', this.count * this.bytesPerVector);
  }

  /** Opens serialised bytes (see QuantizedBuffer.open for copying and validation). */
  static fromBuffer(bytes: Uint8Array, options?: OpenOptions): ProductQuantizedVectors {
    return new ProductQuantizedVectors(QuantizedBuffer.open(bytes, options));
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

  /** The lookup table of a query given as one float piece per subspace. */
  private lookupTable(
    pieceOf: (s: Subspace, index: number) => [Float32Array, number],
  ): Float32Array {
    const lut = new Float32Array(this.subspaces.length * PQ_CENTROIDS);
    const centroids = this.centroids;
    this.subspaces.forEach((subspace, s) => {
      const [query, from] = pieceOf(subspace, s);
      const { start, len } = subspace;
      const book = PQ_CENTROIDS * start;
      for (let c = 0; c < PQ_CENTROIDS; c++) {
        lut[s * PQ_CENTROIDS + c] = pieceScore(
          this.distance,
          query,
          from,
          centroids,
          book + c * len,
          len,
        );
      }
    });
    return lut;
  }

  scorer(query: Float32Array): QuantizedScorer {
    if (query.length !== this.dim) throw errors.wrongDimension(this.dim, query.length);
    return new ProductScorer(
      this,
      this.lookupTable(({ start }) => [query, start]),
    );
  }

  /** Qdrant scores stored pairs between their centroids; so does this (exactly, via a table). */
  scorerFor(offset: number): QuantizedScorer {
    this.checkOffset(offset);
    const row = offset * this.bytesPerVector;
    return new ProductScorer(
      this,
      this.lookupTable(({ start, len }, s) => [
        this.centroids,
        PQ_CENTROIDS * start + this.codes[row + s]! * len,
      ]),
    );
  }

  pair(a: number, b: number): number {
    this.checkOffset(a);
    this.checkOffset(b);
    const stride = this.bytesPerVector;
    let sum = 0;
    // Same arithmetic as scorerFor(a) on b: float32 table entries summed in float64, in order.
    this.subspaces.forEach(({ start, len }, s) => {
      const book = PQ_CENTROIDS * start;
      sum += Math.fround(
        pieceScore(
          this.distance,
          this.centroids,
          book + this.codes[a * stride + s]! * len,
          this.centroids,
          book + this.codes[b * stride + s]! * len,
          len,
        ),
      );
    });
    return Math.fround(sum);
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

class ProductScorer implements QuantizedScorer {
  constructor(
    private readonly vectors: ProductQuantizedVectors,
    private readonly lut: Float32Array,
  ) {}

  scoreOffsets(offsets: Uint32Array, count: number, out: Float32Array): undefined {
    const v = this.vectors;
    v.kernels.pqLookupOffsets(
      this.lut,
      v.bytesPerVector,
      v.codes,
      v.bytesPerVector,
      offsets,
      count,
      out,
    );
    return undefined;
  }
}

function positiveInt(value: number, name: string): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new RingvecError('bad_input', `${name} must be a positive integer, got ${value}`);
  }
  return value;
}
