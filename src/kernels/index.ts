// Picks the kernel implementation for this thread: the native SIMD kernels when the addon is
// loaded, the TypeScript reference kernels otherwise (or when RINGVEC_NO_ADDON=1).

import { typescriptQuantizedKernels, type QuantizedKernels } from './quantized-kernels.js';
import { typescriptKernels } from './typescript-kernels.js';
import type { VectorKernels } from './vector-kernels.js';

export type { KernelOp, VectorKernels } from './vector-kernels.js';
export type { QuantizedKernels } from './quantized-kernels.js';
export { typescriptKernels } from './typescript-kernels.js';
export { typescriptQuantizedKernels } from './quantized-kernels.js';

export type Kernels = VectorKernels & QuantizedKernels;

const typescript: Kernels = { ...typescriptKernels, ...typescriptQuantizedKernels };

/** The kernels this thread uses. */
export function getKernels(): Kernels {
  return typescript;
}
export type { PointScorer, StoredPointScorer } from './point-scorer.js';
