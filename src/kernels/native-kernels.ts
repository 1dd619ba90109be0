// The native SIMD kernels (native/src/kernels.c) behind the kernel contracts. A thin adapter:
// the C side validates every argument (a bad offset is a RangeError, never a wild read) and
// returns results bit-identical to the TypeScript reference, so this file only maps op names to
// the C op codes and names the instruction set in `implementation`.

import { NATIVE_OP, type NativeKernelTable } from '../native/addon.js';
import type { QuantizedKernels } from './quantized-kernels.js';
import type { KernelOp, VectorKernels } from './vector-kernels.js';

function opCode(op: KernelOp): number {
  return op === 'dot' ? NATIVE_OP.dot : op === 'l2sq' ? NATIVE_OP.l2sq : NATIVE_OP.l1;
}

/** Kernels backed by one ISA table of the addon; `implementation` is 'native-<isa>'. */
export function createNativeKernels(table: NativeKernelTable): VectorKernels & QuantizedKernels {
  // Bound once: each call is then a single N-API transition with no extra allocation.
  const scoreOffsets = table.scoreOffsets.bind(table);
  const scoreRange = table.scoreRange.bind(table);
  const pair = table.pair.bind(table);
  return {
    implementation: `native-${table.isa}`,
    scoreOffsets(op, query, base, strideFloats, offsets, count, out) {
      scoreOffsets(opCode(op), query, base, strideFloats, offsets, count, out);
    },
    scoreRange(op, query, base, strideFloats, first, count, out) {
      scoreRange(opCode(op), query, base, strideFloats, first, count, out);
    },
    pair(op, a, aStart, b, bStart, dim) {
      return pair(opCode(op), a, aStart, b, bStart, dim);
    },
    u8DotOffsets: table.u8DotOffsets.bind(table),
    xorPopcountOffsets: table.xorPopcountOffsets.bind(table),
    andPopcountOffsets: table.andPopcountOffsets.bind(table),
    pqLookupOffsets: table.pqLookupOffsets.bind(table),
  };
}
