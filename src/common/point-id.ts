// User-facing point ids: unsigned 64-bit integers or UUIDs. Internally every segment addresses
// points by a dense `PointOffset`; the two are never mixed (see segment/id-tracker.ts).
//
// Representation: a safe integer (< 2^53) is a `number`, a larger u64 is a `bigint`, a UUID is its
// canonical lowercase hyphenated string. Each id therefore has exactly one representation, so ids
// can be used as `Map` keys directly (Map compares bigints by value).

import { RingvecError } from './errors.js';

export type PointId = number | bigint | string;
/** Dense index of a point inside one segment. */
export type PointOffset = number;

export const U64_MAX = 0xffff_ffff_ffff_ffffn;
const UUID_HEX = /^[0-9a-f]{32}$/;

/** Canonical UUID string from any accepted form (hyphenated, simple, braced, urn:uuid:), or null. */
export function canonicalUuid(text: string): string | null {
  let s = text.trim().toLowerCase();
  if (s.startsWith('urn:uuid:')) s = s.slice(9);
  if (s.startsWith('{') && s.endsWith('}')) s = s.slice(1, -1);
  let hex: string;
  if (s.length === 36) {
    if (s[8] !== '-' || s[13] !== '-' || s[18] !== '-' || s[23] !== '-') return null;
    hex = s.slice(0, 8) + s.slice(9, 13) + s.slice(14, 18) + s.slice(19, 23) + s.slice(24);
  } else if (s.length === 32) {
    hex = s;
  } else {
    return null;
  }
  if (!UUID_HEX.test(hex)) return null;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Normalise a JSON value into a PointId, or throw a format error naming the value. */
export function parsePointId(value: unknown, where = 'id'): PointId {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value >= 0) return value;
    throw new RingvecError(
      'format',
      `Format error in JSON body: ${where}: value ${value} is not a valid point ID, valid values are either an unsigned integer or a UUID`,
    );
  }
  if (typeof value === 'bigint') {
    if (value >= 0n && value <= U64_MAX) {
      return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
    }
    throw new RingvecError(
      'format',
      `Format error in JSON body: ${where}: value ${value} is not a valid point ID, valid values are either an unsigned integer or a UUID`,
    );
  }
  if (typeof value === 'string') {
    const uuid = canonicalUuid(value);
    if (uuid !== null) return uuid;
    throw new RingvecError(
      'format',
      `Format error in JSON body: ${where}: value ${value} is not a valid point ID, valid values are either an unsigned integer or a UUID`,
    );
  }
  throw new RingvecError(
    'format',
    `Format error in JSON body: ${where}: expected an unsigned integer or a UUID string`,
  );
}

export function isUuidId(id: PointId): id is string {
  return typeof id === 'string';
}

/** Human-readable form used in messages ("No point with id 18446744073709551615 found"). */
export function formatPointId(id: PointId): string {
  return typeof id === 'string' ? id : id.toString();
}

/**
 * Total order used wherever Qdrant orders by id (scroll): integers first, ascending, then UUIDs
 * ordered by their 128-bit value (lexicographic order of the canonical hex string is the same).
 */
export function comparePointIds(a: PointId, b: PointId): number {
  const aIsUuid = typeof a === 'string';
  const bIsUuid = typeof b === 'string';
  if (aIsUuid !== bIsUuid) return aIsUuid ? 1 : -1;
  if (aIsUuid) return a < (b as string) ? -1 : a > (b as string) ? 1 : 0;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = BigInt(a);
  const y = BigInt(b as number | bigint);
  return x < y ? -1 : x > y ? 1 : 0;
}

// Binary form used by id files and the WAL: [kind u8][16 bytes]. kind 0 = u64, stored little-endian
// in the first 8 of the 16 bytes (the rest zero); kind 1 = UUID, its 16 bytes in network order.
export const POINT_ID_BYTES = 17;

/** Writes `id` at `pos` as [kind u8][16 bytes]: u64 little-endian in the first 8, or UUID bytes. */
export function writePointId(view: DataView, pos: number, id: PointId): void {
  if (typeof id === 'string') {
    view.setUint8(pos, 1);
    const hex = id.replace(/-/g, '');
    for (let i = 0; i < 16; i++)
      view.setUint8(pos + 1 + i, parseInt(hex.slice(i * 2, i * 2 + 2), 16));
  } else {
    view.setUint8(pos, 0);
    view.setBigUint64(pos + 1, BigInt(id), true);
    view.setBigUint64(pos + 9, 0n, true);
  }
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function readPointId(view: DataView, pos: number): PointId {
  if (view.getUint8(pos) === 1) {
    let hex = '';
    for (let i = 0; i < 16; i++) hex += HEX[view.getUint8(pos + 1 + i)];
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  const value = view.getBigUint64(pos + 1, true);
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}
