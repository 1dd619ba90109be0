// The quantization contract. A `Quantizer` learns an encoding from the original vectors
// (`train`) and streams every vector through it (`encode`) into `QuantizedVectors`: compact codes
// in one SharedArrayBuffer that score a query approximately, through the quantized kernel
// primitives, in the kernels' convention (greater = closer, same scale as the float scores where
// the encoding allows it). Search uses them to pick candidates, then rescores the best ones with
// the original vectors (rescore.ts).
//
// Three implementations follow Qdrant 1.19 (lib/quantization): scalar int8, product (k-means
// codebooks) and binary (1, 1.5 or 2 bits per dimension, with optional scalar query encodings).

import type { PointScorer, StoredPointScorer } from '../kernels/point-scorer.js';
import type { VectorSource } from './vector-source.js';

/** Qdrant's distance names. Cosine expects vectors (and queries) normalised at insert time. */
export type Distance = 'Cosine' | 'Euclid' | 'Dot' | 'Manhattan';

export type QuantizationKind = 'scalar' | 'product' | 'binary';

export type CompressionRatio = 'x4' | 'x8' | 'x16' | 'x32' | 'x64';
export type BinaryEncoding = 'one_bit' | 'two_bits' | 'one_and_half_bits';
export type BinaryQueryEncoding = 'default' | 'binary' | 'scalar4bits' | 'scalar8bits';

// Qdrant's `quantization_config` as it appears on the wire and in collection config. Only the
// fields that change the encoding are read here; placement (`always_ram`, `memory`) belongs to the
// segment layer and is ignored.
export interface ScalarQuantizationConfig {
  readonly type: 'int8';
  /** In [0.5, 1]. Unset = the whole range of values (Qdrant's default). */
  readonly quantile?: number;
}
export interface ProductQuantizationConfig {
  readonly compression: CompressionRatio;
}
export interface BinaryQuantizationConfig {
  /** Default one_bit. */
  readonly encoding?: BinaryEncoding;
  /** Default 'default', which is 'binary' (the query is encoded like the stored vectors). */
  readonly query_encoding?: BinaryQueryEncoding;
}
export type QuantizationConfig =
  | { readonly scalar: ScalarQuantizationConfig }
  | { readonly product: ProductQuantizationConfig }
  | { readonly binary: BinaryQuantizationConfig };

/**
 * Progress of a build. `phase` says which pass runs and what `done`/`total` count:
 *  - 'scan':   a full pass over the originals for statistics (points);
 *  - 'sample': reading the training sample (points of the sample);
 *  - 'train':  k-means, one step per subspace (subspaces);
 *  - 'encode': the encoding pass (points).
 */
export interface QuantizationProgress {
  readonly phase: 'scan' | 'sample' | 'train' | 'encode';
  readonly done: number;
  readonly total: number;
}

export interface QuantizeOptions {
  /** Vectors per `readBatch` call. Default: about 16 MiB of float32 per batch. */
  readonly batchSize?: number;
  /** Called after every batch (and every k-means subspace). Must be cheap. */
  readonly onProgress?: (progress: QuantizationProgress) => void;
  /** Aborts the build between batches; the promise rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

/** Scoring never touches the originals, so it is always synchronous. */
export interface QuantizedScorer extends PointScorer {
  scoreOffsets(offsets: Uint32Array, count: number, out: Float32Array): undefined;
}

export interface Quantizer {
  readonly kind: QuantizationKind;
  readonly dim: number;
  readonly distance: Distance;
  /** True once `train` has completed. */
  readonly trained: boolean;
  /**
   * Learns the encoding parameters from the source (a sample, or one statistics pass, depending
   * on the quantizer). Reads through `readRows` when the source has it and only a sample is needed.
   */
  train(source: VectorSource, options?: QuantizeOptions): Promise<void>;
  /**
   * Encodes every vector of the source, in order, batch by batch (offset i of the result is vector
   * i of the source). Never holds more than one batch of originals. Requires `train` first.
   */
  encode(source: VectorSource, options?: QuantizeOptions): Promise<QuantizedVectors>;
}

/**
 * Encoded vectors in RAM. Immutable once built. Offsets are the source's offsets 0 … count-1.
 * As a StoredPointScorer it scores stored points against each other (HNSW construction).
 */
export interface QuantizedVectors extends StoredPointScorer {
  readonly kind: QuantizationKind;
  readonly dim: number;
  readonly distance: Distance;
  readonly count: number;
  /** The Qdrant config this encoding implements (normalised: defaults filled in). */
  readonly config: QuantizationConfig;
  /** Bytes of one encoded vector (codes + per-vector correction). */
  readonly bytesPerVector: number;
  /** Total RAM held (the whole buffer: header, codebooks or statistics, codes). */
  readonly ramSizeBytes: number;
  /** Qdrant's default for `rescore` when a search does not say: true for binary only. */
  readonly defaultRescore: boolean;
  /**
   * Everything lives in this buffer, in the serialised layout: post it to a worker_thread and
   * open it there with `openQuantizedVectors(new Uint8Array(buffer), { verify: false })`, no copy.
   */
  readonly buffer: SharedArrayBuffer;
  /** Scorer for a float query of `dim` elements (normalised by the caller for Cosine). */
  scorer(query: Float32Array): QuantizedScorer;
  /** Scorer whose query is stored point `offset`. */
  scorerFor(offset: number): QuantizedScorer;
  /** Score between two stored points. */
  pair(a: number, b: number): number;
  /** The serialised form: a view of `buffer` (no copy). Write it to a file as is. */
  toBytes(): Uint8Array;
}
