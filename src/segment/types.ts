// Core vocabulary of the segment layer: distances and the score convention, vector
// configuration, and the shared state a segment exposes to any thread.

import type { KernelOp } from '../kernels/index.js';
import type { RecordFileLayout } from '../storage-io/batch-reader.js';

export type Distance = 'Cosine' | 'Euclid' | 'Dot' | 'Manhattan';
export const DISTANCES: readonly Distance[] = ['Cosine', 'Euclid', 'Dot', 'Manhattan'];

export function kernelOpOf(distance: Distance): KernelOp {
  return distance === 'Euclid' ? 'l2sq' : distance === 'Manhattan' ? 'l1' : 'dot';
}

/**
 * Internal scores are similarities (greater = closer): dot for Cosine/Dot, −d² for Euclid, −d for
 * Manhattan. Qdrant reports Euclid and Manhattan as distances; this converts for the response.
 */
export function externalScore(distance: Distance, similarity: number): number {
  if (distance === 'Euclid') return Math.sqrt(Math.max(0, -similarity));
  if (distance === 'Manhattan') return -similarity;
  return similarity;
}

/** The internal similarity bound equivalent to Qdrant's `score_threshold` for this distance. */
export function internalThreshold(distance: Distance, threshold: number): number {
  if (distance === 'Euclid') return -(threshold * threshold);
  if (distance === 'Manhattan') return -threshold;
  return threshold;
}

/** Whether a larger external score is better (Cosine, Dot) or a smaller one (distances). */
export function higherIsBetter(distance: Distance): boolean {
  return distance === 'Cosine' || distance === 'Dot';
}

/** Cosine vectors are stored normalised, so Cosine scoring is a dot product. */
export function normalizeInPlace(vector: Float32Array): void {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i]! * vector[i]!;
  if (sum === 0) return;
  const inv = 1 / Math.sqrt(sum);
  for (let i = 0; i < vector.length; i++) vector[i] = vector[i]! * inv;
}

export interface SegmentVectorConfig {
  name: string;
  dim: number;
  distance: Distance;
  onDisk: boolean;
}

/** One named vector of a segment, as any thread sees it. */
export interface SharedVectorState {
  name: string;
  dim: number;
  distance: Distance;
  onDisk: boolean;
  /** The vector file (always present; the source of truth on disk). */
  file: RecordFileLayout;
  /** A RAM copy of the records when `onDisk` is false (float32, stride = dim). */
  ram: SharedArrayBuffer | null;
  /** Bitmap: the point has no value for this vector (deleted vector or never set). */
  missing: SharedArrayBuffer;
  /** Serialised HNSW graph shared across threads, when the segment is indexed. */
  hnsw: SharedArrayBuffer | null;
  /** Quantized vectors shared across threads, when quantization is configured and built. */
  quantized: SharedArrayBuffer | null;
}

/** Everything a search thread needs about a segment. Structured-cloneable (SABs + primitives). */
export interface SharedSegmentState {
  id: string;
  handle: number;
  /** Bumped whenever a shared buffer is replaced (requantization, new payload indexes). */
  revision: number;
  sealed: boolean;
  vectors: SharedVectorState[];
  /** Int32Array(1): number of points whose data is complete (readers scan [0, count)). */
  count: SharedArrayBuffer;
  deleted: SharedArrayBuffer;
  /** Float64Array: operation number of each point's last change (Qdrant's point version). */
  versions: SharedArrayBuffer;
  /** POINT_ID_BYTES per point. */
  ids: SharedArrayBuffer;
  /** Uint32Array: position of each point's payload blob in `payloadArena` (0 = empty). */
  payloadIndex: SharedArrayBuffer;
  payloadArena: SharedArrayBuffer;
  /** Serialised payload indexes by key (shared), built with the segment. */
  payloadIndexes: Record<string, SharedArrayBuffer>;
  /** Bitmap: the point's payload changed after the payload indexes were built. */
  stale: SharedArrayBuffer;
}
