// Picks the kernel implementation for this thread: the native SIMD kernels when the addon is
// loaded, the TypeScript reference kernels otherwise (or when RINGVEC_NO_ADDON=1).
// RINGVEC_KERNELS=typescript|scalar|avx2|avx512 pins one (benchmarks, debugging); an ISA the CPU
// lacks falls back to the best one it has.

import { loadAddon } from '../native/addon.js';
import { createNativeKernels } from './native-kernels.js';
import { typescriptQuantizedKernels, type QuantizedKernels } from './quantized-kernels.js';
import { typescriptKernels } from './typescript-kernels.js';
import type { VectorKernels } from './vector-kernels.js';

export type { KernelOp, VectorKernels } from './vector-kernels.js';
export type { QuantizedKernels } from './quantized-kernels.js';
export { typescriptKernels } from './typescript-kernels.js';
export { typescriptQuantizedKernels } from './quantized-kernels.js';
export { createNativeKernels } from './native-kernels.js';

export type Kernels = VectorKernels & QuantizedKernels;

const typescript: Kernels = { ...typescriptKernels, ...typescriptQuantizedKernels };

let selected: Kernels | undefined;

function select(): Kernels {
  const wanted = process.env['RINGVEC_KERNELS'];
  if (wanted === 'typescript') return typescript;
  const addon = loadAddon();
  if (addon === null) return typescript;
  const table =
    (wanted !== undefined ? addon.kernels[wanted] : undefined) ?? addon.kernels[addon.kernelIsa];
  return table === undefined ? typescript : createNativeKernels(table);
}

/** The kernels this thread uses. */
export function getKernels(): Kernels {
  return (selected ??= select());
}

/** The TypeScript reference kernels (contract tests, RINGVEC_KERNELS=typescript). */
export function getTypescriptKernels(): Kernels {
  return typescript;
}
