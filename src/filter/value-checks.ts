// Payload-value semantics of field conditions, as Qdrant's ValueChecker
// (lib/segment/src/payload_storage/condition_checker.rs): what a single selected value, or a
// single leaf of it, must be for a condition to hold. compile-filter.ts applies these to the
// values a key path selects; indexes reuse the classifications (`leafI64`, `leafGeo`).
//
// Numbers: a payload integer is an i64 when it is a safe-integer `number` or a `bigint` in i64
// range. JSON `5.0` arrives from JSON.parse as 5 and therefore counts as an integer here (Qdrant
// keeps it a float); nothing downstream of JSON.parse can tell them apart.

import { parseDatetime } from './datetime.js';
import type { FieldCondition, IntegerValue, Match, RangeBounds } from './filter-types.js';
import {
  geoBoundingBoxPredicate,
  geoPolygonPredicate,
  geoRadiusPredicate,
  type GeoPredicate,
} from './geo.js';
import { getOwn, isJsonObject } from './json-path.js';

export type ValuePredicate = (value: unknown) => boolean;

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const SAFE_MIN = BigInt(Number.MIN_SAFE_INTEGER);
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);

/** The leaf as an i64 (`number` when safe, else `bigint`), or null if it is not one. */
export function leafI64(leaf: unknown): IntegerValue | null {
  if (typeof leaf === 'number') return Number.isSafeInteger(leaf) ? leaf : null;
  if (typeof leaf === 'bigint') {
    if (leaf < I64_MIN || leaf > I64_MAX) return null;
    return leaf >= SAFE_MIN && leaf <= SAFE_MAX ? Number(leaf) : leaf;
  }
  return null;
}

/** The leaf as an f64 (any JSON number), or null. */
export function leafF64(leaf: unknown): number | null {
  if (typeof leaf === 'number') return leaf;
  if (typeof leaf === 'bigint') return Number(leaf);
  return null;
}

/** `{lon, lat}` with numeric lon and lat (extra fields allowed), or null. */
export function leafGeo(leaf: unknown): { lon: number; lat: number } | null {
  if (!isJsonObject(leaf)) return null;
  const lon = leafF64(getOwn(leaf, 'lon'));
  const lat = leafF64(getOwn(leaf, 'lat'));
  return lon === null || lat === null ? null : { lon, lat };
}

/** Unicode White_Space, as Rust's `split_whitespace` uses it. */
export const WHITESPACE =
  /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u;

export function splitWhitespace(text: string): string[] {
  return text.split(WHITESPACE).filter((token) => token.length > 0);
}

/** Small sets are scanned, large ones hashed (Qdrant switches at 13 items too). */
function membership<T>(items: readonly T[]): (value: T) => boolean {
  if (items.length < 13) return (value) => items.includes(value);
  const set = new Set(items);
  return (value) => set.has(value);
}

/** Leaf predicate of a `match` on payload values (no text index). */
export function matchLeafPredicate(match: Match): ValuePredicate {
  switch (match.kind) {
    case 'value': {
      const expected = match.value;
      if (typeof expected === 'string' || typeof expected === 'boolean') {
        return (leaf) => leaf === expected;
      }
      return (leaf) => leafI64(leaf) === expected;
    }
    case 'text':
    case 'phrase': {
      const text = match.text;
      return (leaf) => typeof leaf === 'string' && leaf.includes(text);
    }
    case 'text_any': {
      const tokens = splitWhitespace(match.text);
      return (leaf) => typeof leaf === 'string' && tokens.some((t) => leaf.includes(t));
    }
    case 'prefix': {
      const prefix = match.prefix;
      return (leaf) => typeof leaf === 'string' && leaf.startsWith(prefix);
    }
    case 'any': {
      if (match.values.type === 'strings') {
        const has = membership(match.values.items);
        return (leaf) => typeof leaf === 'string' && has(leaf);
      }
      const has = membership(match.values.items);
      return (leaf) => {
        const n = leafI64(leaf);
        return n !== null && has(n);
      };
    }
    case 'except': {
      if (match.values.type === 'strings') {
        const has = membership(match.values.items);
        return (leaf) => (typeof leaf === 'string' ? !has(leaf) : leaf !== null);
      }
      const has = membership(match.values.items);
      return (leaf) => {
        if (leaf === null) return false;
        const n = leafI64(leaf);
        return n === null || !has(n);
      };
    }
  }
}

/** Qdrant's `check_range`: every bound that is set must hold. */
export function rangePredicate(bounds: RangeBounds<number>): (x: number) => boolean {
  const { gt, gte, lt, lte } = bounds;
  // Fold each side to its tighter bound; no NaN can come from JSON.
  const loOpen = gt !== undefined && (gte === undefined || gt >= gte);
  const lo = loOpen ? gt : (gte ?? -Infinity);
  const hiOpen = lt !== undefined && (lte === undefined || lt <= lte);
  const hi = hiOpen ? lt : (lte ?? Infinity);
  if (loOpen && hiOpen) return (x) => x > lo && x < hi;
  if (loOpen) return (x) => x > lo && x <= hi;
  if (hiOpen) return (x) => x >= lo && x < hi;
  return (x) => x >= lo && x <= hi;
}

/** Datetime parsing memo for one compiled condition, bounded so it cannot grow without limit. */
export function datetimeParser(): (text: string) => number | null {
  let cache = new Map<string, number | null>();
  return (text) => {
    let micros = cache.get(text);
    if (micros === undefined) {
      micros = parseDatetime(text);
      if (cache.size >= 4096) cache = new Map();
      cache.set(text, micros);
    }
    return micros;
  };
}

function geoLeaf(predicate: GeoPredicate): ValuePredicate {
  return (leaf) => {
    const p = leafGeo(leaf);
    return p !== null && predicate(p.lon, p.lat);
  };
}

function countOf(value: unknown): number {
  if (value === null) return 0;
  return Array.isArray(value) ? value.length : 1;
}

export function countPredicate(bounds: RangeBounds<number>): (count: number) => boolean {
  const { gt, gte, lt, lte } = bounds;
  return (count) =>
    (lt === undefined || count < lt) &&
    (gt === undefined || count > gt) &&
    (lte === undefined || count <= lte) &&
    (gte === undefined || count >= gte);
}

/**
 * Qdrant's `FieldCondition::check` for one selected value, and `check_empty` for a key that
 * selects nothing. `textValue`, when given, replaces everything for text-type matches (a
 * full-text index on the key: its tokenizer decides, per string).
 */
export interface FieldValueCheck {
  readonly check: ValuePredicate;
  readonly whenMissing: boolean;
}

export function fieldValueCheck(
  condition: FieldCondition,
  textValue?: (strings: readonly string[]) => boolean,
): FieldValueCheck {
  const { valuesCount, isEmpty, isNull } = condition;
  let whenMissing = false;
  if (valuesCount !== undefined) whenMissing = countPredicate(valuesCount)(0);
  else if (isEmpty !== undefined) whenMissing = isEmpty;
  else if (isNull !== undefined) whenMissing = !isNull;

  if (textValue !== undefined) {
    const one: string[] = [''];
    return {
      whenMissing,
      check: (value) => {
        if (typeof value === 'string') {
          one[0] = value;
          return textValue(one);
        }
        if (!Array.isArray(value)) return false;
        for (const leaf of value) {
          if (typeof leaf === 'string') {
            one[0] = leaf;
            if (textValue(one)) return true;
          }
        }
        return false;
      },
    };
  }

  if (valuesCount !== undefined) {
    const inRange = countPredicate(valuesCount);
    return { whenMissing, check: (value) => inRange(countOf(value)) };
  }
  if (isEmpty !== undefined) {
    return {
      whenMissing,
      check: (value) =>
        value === null
          ? isEmpty
          : Array.isArray(value)
            ? (value.length === 0) === isEmpty
            : !isEmpty,
    };
  }
  if (isNull !== undefined) {
    return {
      whenMissing,
      check: (value) =>
        value === null ? isNull : Array.isArray(value) ? value.includes(null) === isNull : !isNull,
    };
  }

  const leaf = fieldLeafPredicate(condition);
  return {
    whenMissing,
    check: (value) => {
      if (!Array.isArray(value)) return leaf(value);
      for (const element of value) if (leaf(element)) return true;
      return false;
    },
  };
}

/** OR of the value sub-conditions (match, range, geo_*) on one leaf. */
export function fieldLeafPredicate(condition: FieldCondition): ValuePredicate {
  const parts: ValuePredicate[] = [];
  if (condition.match !== undefined) parts.push(matchLeafPredicate(condition.match));
  const range = condition.range;
  if (range !== undefined) {
    const inRange = rangePredicate(range);
    if (range.kind === 'float') {
      parts.push((leaf) => {
        const x = leafF64(leaf);
        return x !== null && inRange(x);
      });
    } else {
      const parse = datetimeParser();
      parts.push((leaf) => {
        if (typeof leaf !== 'string') return false;
        const micros = parse(leaf);
        return micros !== null && inRange(micros);
      });
    }
  }
  if (condition.geoRadius !== undefined)
    parts.push(geoLeaf(geoRadiusPredicate(condition.geoRadius)));
  if (condition.geoBoundingBox !== undefined) {
    parts.push(geoLeaf(geoBoundingBoxPredicate(condition.geoBoundingBox)));
  }
  if (condition.geoPolygon !== undefined) {
    parts.push(geoLeaf(geoPolygonPredicate(condition.geoPolygon)));
  }
  if (parts.length === 0) return () => false;
  if (parts.length === 1) return parts[0]!;
  return (leaf) => {
    for (const part of parts) if (part(leaf)) return true;
    return false;
  };
}

/** `is_empty` condition over the selected values: each is null or [] (vacuously true). */
export function valuesAreEmpty(values: readonly unknown[]): boolean {
  for (const v of values) {
    if (v === null) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    return false;
  }
  return true;
}

/** `is_null` condition over the selected values: some value is null. */
export function valuesHaveNull(values: readonly unknown[]): boolean {
  return values.includes(null);
}

/** True for the match kinds whose meaning a full-text index redefines. */
export function isTextMatch(match: Match | undefined): boolean {
  return (
    match !== undefined &&
    (match.kind === 'text' || match.kind === 'text_any' || match.kind === 'phrase')
  );
}
