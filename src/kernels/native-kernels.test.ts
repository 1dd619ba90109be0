// Native kernels (every ISA table the CPU runs) against the TypeScript references: bit-identical
// results on random inputs over awkward dims and strides, and RangeErrors instead of wild reads.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadAddon } from '../native/addon.js';
import { createNativeKernels } from './native-kernels.js';
import { typescriptQuantizedKernels } from './quantized-kernels.js';
import { typescriptKernels } from './typescript-kernels.js';
import type { KernelOp } from './vector-kernels.js';
import { getKernels } from './index.js';

const addon = loadAddon();
const DIMS = [1, 7, 8, 9, 100, 128, 768, 1536];
const OPS: KernelOp[] = ['dot', 'l2sq', 'l1'];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Values spread over many binades so rounding differences would show. */
function randomFloats(n: number, next: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (next() * 2 - 1) * 2 ** Math.floor(next() * 16 - 8);
  return out;
}

function sameBits(actual: Float32Array, expected: Float32Array, what: string): void {
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  for (let i = 0; i < e.length; i++) {
    if (a[i] !== e[i]) assert.fail(`${what}: index ${i}: ${actual[i]} !== ${expected[i]}`);
  }
}

const tables = addon === null ? [] : Object.values(addon.kernels).filter((t) => t !== undefined);

test('native kernels are available when the addon is loaded', (t) => {
  if (addon === null) return t.skip('addon not loaded');
  assert.ok(tables.length >= 2, 'scalar plus at least one SIMD table on x86-64');
  assert.equal(
    getKernels().implementation.startsWith('native-'),
    process.env['RINGVEC_KERNELS'] !== 'typescript',
  );
});

for (const table of tables) {
  const native = createNativeKernels(table!);
  test(`${native.implementation}: float kernels bit-identical to TypeScript`, () => {
    const next = rng(42);
    for (const dim of DIMS) {
      for (const stride of [dim, dim + 3]) {
        const rows = 37;
        const base = randomFloats(rows * stride + dim, next);
        const query = randomFloats(dim, next);
        const offsets = Uint32Array.from({ length: 23 }, () => Math.floor(next() * rows));
        for (const op of OPS) {
          const what = `${op} dim ${dim} stride ${stride}`;
          const expected = new Float32Array(offsets.length);
          const actual = new Float32Array(offsets.length);
          typescriptKernels.scoreOffsets(
            op,
            query,
            base,
            stride,
            offsets,
            offsets.length,
            expected,
          );
          native.scoreOffsets(op, query, base, stride, offsets, offsets.length, actual);
          sameBits(actual, expected, `scoreOffsets ${what}`);

          const first = 3;
          const count = rows - first;
          const expectedRange = new Float32Array(count);
          const actualRange = new Float32Array(count);
          typescriptKernels.scoreRange(op, query, base, stride, first, count, expectedRange);
          native.scoreRange(op, query, base, stride, first, count, actualRange);
          sameBits(actualRange, expectedRange, `scoreRange ${what}`);

          const aStart = Math.floor(next() * 5);
          const bStart = stride * 2 + 1;
          assert.ok(
            Object.is(
              native.pair(op, base, aStart, base, bStart, dim),
              typescriptKernels.pair(op, base, aStart, base, bStart, dim),
            ),
            `pair ${what}`,
          );
        }
      }
    }
  });

  test(`${native.implementation}: quantized kernels identical to TypeScript`, () => {
    const next = rng(7);
    for (const dim of DIMS) {
      const stride = dim + 5;
      const rows = 29;
      const base = Uint8Array.from({ length: rows * stride }, () => Math.floor(next() * 256));
      const offsets = Uint32Array.from({ length: 19 }, () => Math.floor(next() * rows));
      const query = Uint8Array.from({ length: dim }, () => Math.floor(next() * 256));
      const n = offsets.length;
      const e = new Int32Array(n);
      const a = new Int32Array(n);
      typescriptQuantizedKernels.u8DotOffsets(query, base, stride, offsets, n, e);
      native.u8DotOffsets(query, base, stride, offsets, n, a);
      assert.deepEqual(a, e, `u8Dot dim ${dim}`);
      typescriptQuantizedKernels.xorPopcountOffsets(query, base, stride, offsets, n, e);
      native.xorPopcountOffsets(query, base, stride, offsets, n, a);
      assert.deepEqual(a, e, `xorPopcount dim ${dim}`);

      const planes = 4;
      const planeQuery = Uint8Array.from({ length: planes * dim }, () => Math.floor(next() * 256));
      typescriptQuantizedKernels.andPopcountOffsets(
        planeQuery,
        planes,
        dim,
        base,
        stride,
        offsets,
        n,
        e,
      );
      native.andPopcountOffsets(planeQuery, planes, dim, base, stride, offsets, n, a);
      assert.deepEqual(a, e, `andPopcount dim ${dim}`);

      const subspaces = Math.min(dim, stride);
      const lut = randomFloats(subspaces * 256, next);
      const ef = new Float32Array(n);
      const af = new Float32Array(n);
      typescriptQuantizedKernels.pqLookupOffsets(lut, subspaces, base, stride, offsets, n, ef);
      native.pqLookupOffsets(lut, subspaces, base, stride, offsets, n, af);
      sameBits(af, ef, `pqLookup subspaces ${subspaces}`);
    }
  });

  test(`${native.implementation}: out-of-range rows throw instead of reading past the buffer`, () => {
    const base = new Float32Array(16);
    const query = new Float32Array(8);
    const out = new Float32Array(1);
    assert.throws(
      () => native.scoreOffsets('dot', query, base, 8, Uint32Array.of(2), 1, out),
      RangeError,
    );
    assert.throws(
      () => native.scoreRange('l1', query, base, 8, 1, 2, new Float32Array(2)),
      RangeError,
    );
    assert.throws(
      () => native.scoreOffsets('dot', query, base, 8, Uint32Array.of(0), 2, out),
      RangeError,
    );
    assert.throws(
      () =>
        native.u8DotOffsets(
          new Uint8Array(4),
          new Uint8Array(8),
          4,
          Uint32Array.of(5),
          1,
          new Int32Array(1),
        ),
      RangeError,
    );
  });
}
