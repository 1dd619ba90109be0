// The one abstraction every search structure scores through: "how close is the query to the
// stored point at this offset". HNSW traverses through it, plain scans and rescoring use it, and
// quantized storages implement it. Scores follow the kernels' convention: greater = closer.

export interface PointScorer {
  /**
   * out[i] = score(query, point offsets[i]) for i < count.
   * Returns undefined when done synchronously, or a promise when the vectors come from disk
   * through an asynchronous BatchReader (io_uring, pread). Callers await only in that case.
   */
  scoreOffsets(offsets: Uint32Array, count: number, out: Float32Array): Promise<void> | undefined;
}

/** What building a graph needs: scores between stored points. Always synchronous (RAM data). */
export interface StoredPointScorer {
  /** Number of points, addressed by offsets 0 … count-1. */
  readonly count: number;
  /** A scorer whose query is the stored point `offset`. */
  scorerFor(offset: number): PointScorer;
  /** Score between two stored points. */
  pair(a: number, b: number): number;
  /**
   * Optional batched pair(): out[i] = score(stored point `offset`, stored point offsets[i]) for
   * i < count, synchronously. HNSW construction scores its neighbour-selection heuristic
   * through it (one kernel call per batch instead of one per pair, which is what makes native
   * kernels pay off); without it, it falls back to scorerFor(offset).scoreOffsets(…).
   */
  scoreStoredOffsets?(offset: number, offsets: Uint32Array, count: number, out: Float32Array): void;
}
