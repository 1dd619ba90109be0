import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sipHash24, sliceOf, slicePointIdHash } from './siphash.js';

// The reference vectors of the SipHash paper: key 00..0f, message 00..(n-1).
const VECTORS: [number, bigint][] = [
  [0, 0x726fdb47dd0e0e31n],
  [1, 0x74f839c593dc67fdn],
  [7, 0xab0200f58b01d137n],
  [8, 0x93f5f5799a932462n],
  [15, 0xa129ca6149be45e5n],
  [16, 0x3f2acc7f57c29bdbn],
];

test('SipHash-2-4 matches the reference vectors', () => {
  const key = [0x03020100, 0x07060504, 0x0b0a0908, 0x0f0e0d0c] as const;
  const out = new Uint32Array(2);
  for (const [length, expected] of VECTORS) {
    const msg = Uint8Array.from({ length }, (_, i) => i);
    sipHash24(msg, key, out);
    assert.equal((BigInt(out[0]!) << 32n) | BigInt(out[1]!), expected, `length ${length}`);
  }
});

test('slice hash is consistent across id representations and partitions ids', () => {
  assert.equal(slicePointIdHash(5), slicePointIdHash(5n));
  assert.notEqual(slicePointIdHash(5), slicePointIdHash(6));
  assert.equal(typeof slicePointIdHash('550e8400-e29b-41d4-a716-446655440000'), 'bigint');
  const big = 2n ** 63n + 12345n;
  assert.equal(sliceOf(big, 7), Number(slicePointIdHash(big) % 7n));
  for (let id = 0; id < 200; id++) {
    for (const total of [1, 2, 3, 1000, 4294967295]) {
      assert.equal(sliceOf(id, total), Number(slicePointIdHash(id) % BigInt(total)));
    }
  }
  // Slices with total 4 nest inside slices with total 2.
  for (let id = 0; id < 100; id++) assert.equal(sliceOf(id, 4) % 2, sliceOf(id, 2));
});
