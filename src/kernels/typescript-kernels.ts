// Pure TypeScript float32 kernels: the reference implementation of vector-kernels.ts's contract
// and the fallback when the native addon is not available.

import type { KernelOp, VectorKernels } from './vector-kernels.js';

const f32 = new Float32Array(1);

function toF32(value: number): number {
  f32[0] = value;
  return f32[0];
}

function dot(a: Float32Array, ai: number, b: Float32Array, bi: number, dim: number): number {
  let a0 = 0,
    a1 = 0,
    a2 = 0,
    a3 = 0,
    a4 = 0,
    a5 = 0,
    a6 = 0,
    a7 = 0;
  let i = 0;
  for (; i + 8 <= dim; i += 8) {
    a0 += a[ai + i]! * b[bi + i]!;
    a1 += a[ai + i + 1]! * b[bi + i + 1]!;
    a2 += a[ai + i + 2]! * b[bi + i + 2]!;
    a3 += a[ai + i + 3]! * b[bi + i + 3]!;
    a4 += a[ai + i + 4]! * b[bi + i + 4]!;
    a5 += a[ai + i + 5]! * b[bi + i + 5]!;
    a6 += a[ai + i + 6]! * b[bi + i + 6]!;
    a7 += a[ai + i + 7]! * b[bi + i + 7]!;
  }
  const rest = dim - i;
  if (rest > 0) a0 += a[ai + i]! * b[bi + i]!;
  if (rest > 1) a1 += a[ai + i + 1]! * b[bi + i + 1]!;
  if (rest > 2) a2 += a[ai + i + 2]! * b[bi + i + 2]!;
  if (rest > 3) a3 += a[ai + i + 3]! * b[bi + i + 3]!;
  if (rest > 4) a4 += a[ai + i + 4]! * b[bi + i + 4]!;
  if (rest > 5) a5 += a[ai + i + 5]! * b[bi + i + 5]!;
  if (rest > 6) a6 += a[ai + i + 6]! * b[bi + i + 6]!;
  return a0 + a1 + (a2 + a3) + (a4 + a5 + (a6 + a7));
}

function l2sq(a: Float32Array, ai: number, b: Float32Array, bi: number, dim: number): number {
  let a0 = 0,
    a1 = 0,
    a2 = 0,
    a3 = 0,
    a4 = 0,
    a5 = 0,
    a6 = 0,
    a7 = 0;
  let d = 0;
  let i = 0;
  for (; i + 8 <= dim; i += 8) {
    d = a[ai + i]! - b[bi + i]!;
    a0 += d * d;
    d = a[ai + i + 1]! - b[bi + i + 1]!;
    a1 += d * d;
    d = a[ai + i + 2]! - b[bi + i + 2]!;
    a2 += d * d;
    d = a[ai + i + 3]! - b[bi + i + 3]!;
    a3 += d * d;
    d = a[ai + i + 4]! - b[bi + i + 4]!;
    a4 += d * d;
    d = a[ai + i + 5]! - b[bi + i + 5]!;
    a5 += d * d;
    d = a[ai + i + 6]! - b[bi + i + 6]!;
    a6 += d * d;
    d = a[ai + i + 7]! - b[bi + i + 7]!;
    a7 += d * d;
  }
  const acc = [a0, a1, a2, a3, a4, a5, a6, a7];
  for (let j = 0; i < dim; i++, j++) {
    d = a[ai + i]! - b[bi + i]!;
    acc[j] = acc[j]! + d * d;
  }
  return -(acc[0]! + acc[1]! + (acc[2]! + acc[3]!) + (acc[4]! + acc[5]! + (acc[6]! + acc[7]!)));
}

function l1(a: Float32Array, ai: number, b: Float32Array, bi: number, dim: number): number {
  const acc = [0, 0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < dim; i++) {
    const j = i & 7;
    acc[j] = acc[j]! + Math.abs(a[ai + i]! - b[bi + i]!);
  }
  return -(acc[0]! + acc[1]! + (acc[2]! + acc[3]!) + (acc[4]! + acc[5]! + (acc[6]! + acc[7]!)));
}

type PairFn = (a: Float32Array, ai: number, b: Float32Array, bi: number, dim: number) => number;

function pairFn(op: KernelOp): PairFn {
  return op === 'dot' ? dot : op === 'l2sq' ? l2sq : l1;
}

export const typescriptKernels: VectorKernels = {
  implementation: 'typescript',

  scoreOffsets(op, query, base, strideFloats, offsets, count, out) {
    const fn = pairFn(op);
    const dim = query.length;
    for (let i = 0; i < count; i++) out[i] = fn(query, 0, base, offsets[i]! * strideFloats, dim);
  },

  scoreRange(op, query, base, strideFloats, first, count, out) {
    const fn = pairFn(op);
    const dim = query.length;
    for (let i = 0; i < count; i++) out[i] = fn(query, 0, base, (first + i) * strideFloats, dim);
  },

  pair(op, a, aStart, b, bStart, dim) {
    return toF32(pairFn(op)(a, aStart, b, bStart, dim));
  },
};
