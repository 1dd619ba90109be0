// Test support: a deliberately naive interpreter of the filter AST, written straight from Qdrant's
// checker (query_checker.rs / condition_checker.rs) with no compilation, caching or indexes. The
// compiled filters (with and without payload indexes) are compared against it on random data.
// Text matching here is the no-index meaning (substrings); tests with text indexes pass a
// `text` override implementing the index's meaning.

import type { PointId } from '../../common/point-id.js';
import { parseDatetime } from '../datetime.js';
import type { Condition, FieldCondition, Filter, Match } from '../filter-types.js';
import { haversineMeters } from '../geo.js';
import {
  arrayKey,
  extendJsonPath,
  formatJsonPath,
  getValuesAtPath,
  type JsonObject,
  type JsonPath,
} from '../json-path.js';
import { sliceOf } from '../siphash.js';

export interface ReferencePoint {
  readonly id: PointId;
  readonly payload: JsonObject | undefined;
  readonly vectors: ReadonlySet<string>;
}

/** Full-text meaning for a key (canonical path): strings considered together → match? */
export type TextOverride = (
  key: string,
  match: Match,
  strings: readonly string[],
  scope: 'point' | 'value',
) => boolean | undefined;

const isObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function asI64(v: unknown): bigint | null {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : null;
  if (typeof v === 'bigint') return v >= -(2n ** 63n) && v < 2n ** 63n ? v : null;
  return null;
}

function asF64(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return null;
}

function inRange(x: number, r: { gt?: number; gte?: number; lt?: number; lte?: number }): boolean {
  return (
    (r.lt === undefined || x < r.lt) &&
    (r.gt === undefined || x > r.gt) &&
    (r.lte === undefined || x <= r.lte) &&
    (r.gte === undefined || x >= r.gte)
  );
}

function pointInRing(ring: readonly { lon: number; lat: number }[], x: number, y: number): number {
  // 0 outside, 1 inside, 2 boundary
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[i]!;
    const b = ring[j]!;
    const cross = (a.lon - b.lon) * (y - b.lat) - (a.lat - b.lat) * (x - b.lon);
    if (
      cross === 0 &&
      x >= Math.min(a.lon, b.lon) &&
      x <= Math.max(a.lon, b.lon) &&
      y >= Math.min(a.lat, b.lat) &&
      y <= Math.max(a.lat, b.lat)
    ) {
      return 2;
    }
    if (a.lat > y !== b.lat > y && x < ((b.lon - a.lon) * (y - a.lat)) / (b.lat - a.lat) + a.lon) {
      inside = !inside;
    }
  }
  return inside ? 1 : 0;
}

function matchOne(m: Match, v: unknown): boolean {
  switch (m.kind) {
    case 'value':
      if (typeof m.value === 'string' || typeof m.value === 'boolean') return v === m.value;
      return asI64(v) !== null && asI64(v) === BigInt(m.value);
    case 'text':
    case 'phrase':
      return typeof v === 'string' && v.includes(m.text);
    case 'text_any': {
      if (typeof v !== 'string') return false;
      const tokens = m.text
        .split(/[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u)
        .filter((t) => t !== '');
      return tokens.some((t) => v.includes(t));
    }
    case 'prefix':
      return typeof v === 'string' && v.startsWith(m.prefix);
    case 'any':
      if (m.values.type === 'strings') return typeof v === 'string' && m.values.items.includes(v);
      return asI64(v) !== null && m.values.items.some((i) => BigInt(i) === asI64(v));
    case 'except':
      if (v === null) return false;
      if (m.values.type === 'strings')
        return typeof v === 'string' ? !m.values.items.includes(v) : true;
      if (asI64(v) === null) return true;
      return !m.values.items.some((i) => BigInt(i) === asI64(v));
  }
}

function leafMatches(c: FieldCondition, v: unknown): boolean {
  if (c.match !== undefined && matchOne(c.match, v)) return true;
  if (c.range !== undefined) {
    if (c.range.kind === 'float') {
      const x = asF64(v);
      if (x !== null && inRange(x, c.range)) return true;
    } else if (typeof v === 'string') {
      const t = parseDatetime(v);
      if (t !== null && inRange(t, c.range)) return true;
    }
  }
  const geo =
    isObject(v) && asF64(v['lon']) !== null && asF64(v['lat']) !== null
      ? { lon: asF64(v['lon'])!, lat: asF64(v['lat'])! }
      : null;
  if (geo !== null) {
    if (c.geoRadius !== undefined) {
      const d = haversineMeters(c.geoRadius.center.lon, c.geoRadius.center.lat, geo.lon, geo.lat);
      if (d < c.geoRadius.radius) return true;
    }
    if (c.geoBoundingBox !== undefined) {
      const { topLeft: tl, bottomRight: br } = c.geoBoundingBox;
      const lonOk =
        tl.lon > br.lon
          ? geo.lon > tl.lon || geo.lon < br.lon
          : tl.lon < geo.lon && geo.lon < br.lon;
      if (lonOk && br.lat < geo.lat && geo.lat < tl.lat) return true;
    }
    if (c.geoPolygon !== undefined) {
      if (
        pointInRing(c.geoPolygon.exterior, geo.lon, geo.lat) === 1 &&
        (c.geoPolygon.interiors ?? []).every((h) => pointInRing(h, geo.lon, geo.lat) === 0)
      ) {
        return true;
      }
    }
  }
  return false;
}

function countOf(v: unknown): number {
  return v === null ? 0 : Array.isArray(v) ? v.length : 1;
}

function checkValue(c: FieldCondition, v: unknown): boolean {
  if (c.valuesCount !== undefined) return inRange(countOf(v), c.valuesCount);
  if (c.isEmpty !== undefined) {
    if (v === null) return c.isEmpty;
    if (Array.isArray(v)) return (v.length === 0) === c.isEmpty;
    return !c.isEmpty;
  }
  if (c.isNull !== undefined) {
    if (v === null) return c.isNull;
    if (Array.isArray(v)) return v.some((x) => x === null) === c.isNull;
    return !c.isNull;
  }
  return Array.isArray(v) ? v.some((x) => leafMatches(c, x)) : leafMatches(c, v);
}

function checkEmpty(c: FieldCondition): boolean {
  if (c.valuesCount !== undefined) return inRange(0, c.valuesCount);
  if (c.isEmpty !== undefined) return c.isEmpty;
  if (c.isNull !== undefined) return !c.isNull;
  return false;
}

const stringsOf = (v: unknown): string[] =>
  typeof v === 'string'
    ? [v]
    : Array.isArray(v)
      ? v.filter((x): x is string => typeof x === 'string')
      : [];

interface Scope {
  readonly nestedPrefix: JsonPath | null;
  readonly point: ReferencePoint;
  readonly text: TextOverride | undefined;
}

function checkField(c: FieldCondition, payload: JsonObject | undefined, scope: Scope): boolean {
  const values = getValuesAtPath(payload, c.key);
  if (values.length === 0) return checkEmpty(c);
  const match = c.match;
  if (
    scope.text !== undefined &&
    match !== undefined &&
    ['text', 'text_any', 'phrase'].includes(match.kind)
  ) {
    const text = scope.text;
    const fullKey = formatJsonPath(
      scope.nestedPrefix === null ? c.key : extendJsonPath(scope.nestedPrefix, c.key),
    );
    if (text(fullKey, match, [], 'point') !== undefined) {
      // The key has a text index: its tokenizer decides, for the point or per string.
      if (scope.nestedPrefix === null)
        return text(fullKey, match, values.flatMap(stringsOf), 'point')!;
      return values.some((v) => stringsOf(v).some((s) => text(fullKey, match, [s], 'value')));
    }
  }
  return values.some((v) => checkValue(c, v));
}

function checkCondition(c: Condition, payload: JsonObject | undefined, scope: Scope): boolean {
  const nested = scope.nestedPrefix !== null;
  switch (c.kind) {
    case 'filter':
      return checkFilterIn(c.filter, payload, scope);
    case 'field':
      return checkField(c, payload, scope);
    case 'is_empty':
      return getValuesAtPath(payload, c.key).every(
        (v) => v === null || (Array.isArray(v) && v.length === 0),
      );
    case 'is_null':
      return getValuesAtPath(payload, c.key).some((v) => v === null);
    case 'has_id':
      return !nested && c.ids.has(scope.point.id);
    case 'has_vector':
      return !nested && scope.point.vectors.has(c.vector);
    case 'slice':
      return !nested && sliceOf(scope.point.id, c.total) === c.index;
    case 'nested': {
      const path = arrayKey(c.key);
      const prefix = scope.nestedPrefix === null ? path : extendJsonPath(scope.nestedPrefix, path);
      return getValuesAtPath(payload, path).some(
        (v) => isObject(v) && checkFilterIn(c.filter, v, { ...scope, nestedPrefix: prefix }),
      );
    }
  }
}

function checkFilterIn(f: Filter, payload: JsonObject | undefined, scope: Scope): boolean {
  const check = (c: Condition) => checkCondition(c, payload, scope);
  const nested = scope.nestedPrefix !== null;
  if (f.should !== undefined) {
    if (f.should.length === 0) {
      if (nested) return false;
    } else if (!f.should.some(check)) {
      return false;
    }
  }
  if (
    f.minShould !== undefined &&
    f.minShould.conditions.filter(check).length < f.minShould.minCount
  ) {
    return false;
  }
  if (f.must !== undefined && !f.must.every(check)) return false;
  if (f.mustNot !== undefined && f.mustNot.some(check)) return false;
  return true;
}

/** Does `point` pass `filter`, by the book? */
export function referenceCheck(
  filter: Filter,
  point: ReferencePoint,
  text?: TextOverride,
): boolean {
  return checkFilterIn(filter, point.payload, { nestedPrefix: null, point, text });
}
