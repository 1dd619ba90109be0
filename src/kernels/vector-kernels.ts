// The contract of the float32 distance kernels, shared by the native SIMD implementation and the
// TypeScript fallback. Both must return bit-identical results, so the arithmetic is fixed here:
//
//   - inputs are float32; every term is computed in float64 (a product of two float32 is exact
//     in float64, so a fused multiply-add and a multiply-then-add agree for dot products);
//   - term i is added to accumulator acc[i % 8] in increasing i;
//   - the result is ((acc0+acc1)+(acc2+acc3)) + ((acc4+acc5)+(acc6+acc7)), then stored as float32.
//
// Scores follow one convention everywhere: greater = closer. `dot` returns the dot product,
// `l2sq` returns minus the squared Euclidean distance, `l1` minus the Manhattan distance.
// Cosine is `dot` over vectors normalised at insert time.

export type KernelOp = 'dot' | 'l2sq' | 'l1';

export interface VectorKernels {
  /** Which implementation runs: 'typescript', 'native-avx512', 'native-avx2', 'native-scalar'. */
  readonly implementation: string;

  /**
   * out[i] = score(query, row offsets[i]) for i < count, where row r starts at float index
   * r * strideFloats of `base` and has query.length elements.
   */
  scoreOffsets(
    op: KernelOp,
    query: Float32Array,
    base: Float32Array,
    strideFloats: number,
    offsets: Uint32Array,
    count: number,
    out: Float32Array,
  ): void;

  /** out[i] = score(query, row first + i) for i < count (a contiguous scan). */
  scoreRange(
    op: KernelOp,
    query: Float32Array,
    base: Float32Array,
    strideFloats: number,
    first: number,
    count: number,
    out: Float32Array,
  ): void;

  /** Score of a[aStart .. aStart+dim) against b[bStart .. bStart+dim). */
  pair(
    op: KernelOp,
    a: Float32Array,
    aStart: number,
    b: Float32Array,
    bStart: number,
    dim: number,
  ): number;
}
