// SipHash-2-4 over point ids, for the `slice` condition. Qdrant fixes this hash as public API
// (`slice_point_id_hash` in lib/segment/src/types.rs): zero key, input = the id's 8 little-endian
// bytes (integer id) or its 16 RFC 4122 bytes (UUID), so clients can predict slice membership.
// 64-bit arithmetic is done on pairs of uint32 in module-level registers: no allocation per hash.

import type { PointId } from '../common/point-id.js';

// v0..v3 as (hi, lo) uint32 pairs, and the message word.
let v0h = 0,
  v0l = 0,
  v1h = 0,
  v1l = 0,
  v2h = 0,
  v2l = 0,
  v3h = 0,
  v3l = 0;

function sipRound(): void {
  let lo: number, hi: number;
  // v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32)
  lo = (v0l + v1l) >>> 0;
  v0h = (v0h + v1h + (lo < v0l ? 1 : 0)) >>> 0;
  v0l = lo;
  hi = ((v1h << 13) | (v1l >>> 19)) >>> 0;
  lo = ((v1l << 13) | (v1h >>> 19)) >>> 0;
  v1h = (hi ^ v0h) >>> 0;
  v1l = (lo ^ v0l) >>> 0;
  [v0h, v0l] = [v0l, v0h];
  // v2 += v3; v3 = rotl(v3, 16); v3 ^= v2
  lo = (v2l + v3l) >>> 0;
  v2h = (v2h + v3h + (lo < v2l ? 1 : 0)) >>> 0;
  v2l = lo;
  hi = ((v3h << 16) | (v3l >>> 16)) >>> 0;
  lo = ((v3l << 16) | (v3h >>> 16)) >>> 0;
  v3h = (hi ^ v2h) >>> 0;
  v3l = (lo ^ v2l) >>> 0;
  // v0 += v3; v3 = rotl(v3, 21); v3 ^= v0
  lo = (v0l + v3l) >>> 0;
  v0h = (v0h + v3h + (lo < v0l ? 1 : 0)) >>> 0;
  v0l = lo;
  hi = ((v3h << 21) | (v3l >>> 11)) >>> 0;
  lo = ((v3l << 21) | (v3h >>> 11)) >>> 0;
  v3h = (hi ^ v0h) >>> 0;
  v3l = (lo ^ v0l) >>> 0;
  // v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32)
  lo = (v2l + v1l) >>> 0;
  v2h = (v2h + v1h + (lo < v2l ? 1 : 0)) >>> 0;
  v2l = lo;
  hi = ((v1h << 17) | (v1l >>> 15)) >>> 0;
  lo = ((v1l << 17) | (v1h >>> 15)) >>> 0;
  v1h = (hi ^ v2h) >>> 0;
  v1l = (lo ^ v2l) >>> 0;
  [v2h, v2l] = [v2l, v2h];
}

function absorb(mh: number, ml: number): void {
  v3h = (v3h ^ mh) >>> 0;
  v3l = (v3l ^ ml) >>> 0;
  sipRound();
  sipRound();
  v0h = (v0h ^ mh) >>> 0;
  v0l = (v0l ^ ml) >>> 0;
}

const readLe32 = (b: Uint8Array, at: number): number =>
  ((b[at] ?? 0) | ((b[at + 1] ?? 0) << 8) | ((b[at + 2] ?? 0) << 16) | ((b[at + 3] ?? 0) << 24)) >>>
  0;

/**
 * SipHash-2-4 of `bytes` with the 128-bit key (k0, k1) given as four little-endian uint32 words
 * (k0 low, k0 high, k1 low, k1 high). Result as [hi, lo] uint32 words in `out`.
 */
export function sipHash24(
  bytes: Uint8Array,
  key: readonly [number, number, number, number],
  out: Uint32Array,
): void {
  const [k0l, k0h, k1l, k1h] = key;
  v0h = (k0h ^ 0x736f6d65) >>> 0;
  v0l = (k0l ^ 0x70736575) >>> 0;
  v1h = (k1h ^ 0x646f7261) >>> 0;
  v1l = (k1l ^ 0x6e646f6d) >>> 0;
  v2h = (k0h ^ 0x6c796765) >>> 0;
  v2l = (k0l ^ 0x6e657261) >>> 0;
  v3h = (k1h ^ 0x74656462) >>> 0;
  v3l = (k1l ^ 0x79746573) >>> 0;
  const full = bytes.length - (bytes.length % 8);
  for (let at = 0; at < full; at += 8) absorb(readLe32(bytes, at + 4), readLe32(bytes, at));
  // Last block: remaining bytes, length in the top byte.
  let ml = 0;
  let mh = (bytes.length & 0xff) << 24;
  for (let i = full; i < bytes.length; i++) {
    const shift = (i - full) * 8;
    if (shift < 32) ml |= bytes[i]! << shift;
    else mh |= bytes[i]! << (shift - 32);
  }
  absorb(mh >>> 0, ml >>> 0);
  v2l = (v2l ^ 0xff) >>> 0;
  sipRound();
  sipRound();
  sipRound();
  sipRound();
  out[0] = (v0h ^ v1h ^ v2h ^ v3h) >>> 0;
  out[1] = (v0l ^ v1l ^ v2l ^ v3l) >>> 0;
}

const ZERO_KEY = [0, 0, 0, 0] as const;
const scratch8 = new Uint8Array(8);
const scratch16 = new Uint8Array(16);
const scratchView8 = new DataView(scratch8.buffer);
const result = new Uint32Array(2);

/** Fills `result` with Qdrant's slice hash of a point id. */
function hashPointId(id: PointId): void {
  if (typeof id === 'string') {
    const hex = id.replace(/-/g, '');
    for (let i = 0; i < 16; i++) scratch16[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
    sipHash24(scratch16, ZERO_KEY, result);
  } else {
    if (typeof id === 'number') {
      scratchView8.setUint32(0, id >>> 0, true);
      scratchView8.setUint32(4, Math.floor(id / 4294967296) >>> 0, true);
    } else {
      scratchView8.setBigUint64(0, id, true);
    }
    sipHash24(scratch8, ZERO_KEY, result);
  }
}

/** Qdrant's `slice_point_id_hash` as a bigint (for tests and diagnostics). */
export function slicePointIdHash(id: PointId): bigint {
  hashPointId(id);
  return (BigInt(result[0]!) << 32n) | BigInt(result[1]!);
}

/** hash(id) % total, with total a uint32 >= 1. */
export function sliceOf(id: PointId, total: number): number {
  hashPointId(id);
  const hi = result[0]! % total;
  const r = (((hi * 65536) % total) * 65536) % total;
  return (r + (result[1]! % total)) % total;
}
