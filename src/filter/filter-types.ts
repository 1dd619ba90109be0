// The filter AST: Qdrant's `Filter` and `Condition` shapes (lib/segment/src/types.rs) after
// validation by parse-filter.ts. Keys are parsed JsonPaths, datetimes are instants, point ids are
// normalised, so evaluation (compile-filter.ts) and estimation never re-parse anything.
// `filterToJson` writes the AST back in Qdrant's JSON form (e.g. for the WAL or telemetry).

import type { PointId } from '../common/point-id.js';
import { formatJsonPath, type JsonPath } from './json-path.js';
import { formatDatetime } from './datetime.js';

export interface Filter {
  /** At least one must match (an empty list: see compile-filter.ts). */
  readonly should?: readonly Condition[];
  /** At least `minCount` of `conditions` must match. */
  readonly minShould?: MinShould;
  readonly must?: readonly Condition[];
  readonly mustNot?: readonly Condition[];
}

export interface MinShould {
  readonly conditions: readonly Condition[];
  /** >= 1 (validated). */
  readonly minCount: number;
}

export type Condition =
  | FieldCondition
  | IsEmptyCondition
  | IsNullCondition
  | HasIdCondition
  | HasVectorCondition
  | SliceCondition
  | NestedCondition
  | FilterCondition;

/**
 * `{key, match | range | geo_* | values_count | is_empty | is_null}`. At least one of the
 * sub-conditions is set (validated); when several are set, Qdrant's precedence applies
 * (values_count, then is_empty, then is_null, else any of the others).
 */
export interface FieldCondition {
  readonly kind: 'field';
  readonly key: JsonPath;
  readonly match?: Match;
  readonly range?: RangeCondition;
  readonly geoBoundingBox?: GeoBoundingBox;
  readonly geoRadius?: GeoRadius;
  readonly geoPolygon?: GeoPolygon;
  readonly valuesCount?: ValuesCount;
  readonly isEmpty?: boolean;
  readonly isNull?: boolean;
}

/** `{is_empty: {key}}`: every selected value is null or [] (or there is none). */
export interface IsEmptyCondition {
  readonly kind: 'is_empty';
  readonly key: JsonPath;
}

/** `{is_null: {key}}`: some selected value is null. */
export interface IsNullCondition {
  readonly kind: 'is_null';
  readonly key: JsonPath;
}

export interface HasIdCondition {
  readonly kind: 'has_id';
  /** Normalised ids (see common/point-id.ts), deduplicated. */
  readonly ids: ReadonlySet<PointId>;
}

export interface HasVectorCondition {
  readonly kind: 'has_vector';
  readonly vector: string;
}

/** `{slice: {total, index}}`: SipHash-2-4(id) % total == index. */
export interface SliceCondition {
  readonly kind: 'slice';
  readonly total: number;
  readonly index: number;
}

export interface NestedCondition {
  readonly kind: 'nested';
  /** As written; evaluation walks `arrayKey(key)`. */
  readonly key: JsonPath;
  readonly filter: Filter;
}

export interface FilterCondition {
  readonly kind: 'filter';
  readonly filter: Filter;
}

/** Integers are `number` when safe, `bigint` otherwise (always within i64). */
export type IntegerValue = number | bigint;

export type Match =
  | { readonly kind: 'value'; readonly value: string | IntegerValue | boolean }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'text_any'; readonly text: string }
  | { readonly kind: 'phrase'; readonly text: string }
  | { readonly kind: 'prefix'; readonly prefix: string }
  | { readonly kind: 'any'; readonly values: AnyValues }
  | { readonly kind: 'except'; readonly values: AnyValues };

/** Qdrant's AnyVariants: a list of strings or a list of integers (an empty list is `strings`). */
export type AnyValues =
  | { readonly type: 'strings'; readonly items: readonly string[] }
  | { readonly type: 'integers'; readonly items: readonly IntegerValue[] };

export interface RangeBounds<T> {
  readonly gt?: T;
  readonly gte?: T;
  readonly lt?: T;
  readonly lte?: T;
}

/** Numeric bounds compare as f64; datetime bounds are microseconds since the Unix epoch (UTC). */
export type RangeCondition =
  | ({ readonly kind: 'float' } & RangeBounds<number>)
  | ({ readonly kind: 'datetime' } & RangeBounds<number>);

export interface GeoPoint {
  readonly lon: number;
  readonly lat: number;
}

export interface GeoBoundingBox {
  readonly topLeft: GeoPoint;
  readonly bottomRight: GeoPoint;
}

export interface GeoRadius {
  readonly center: GeoPoint;
  /** Meters. */
  readonly radius: number;
}

export interface GeoPolygon {
  readonly exterior: readonly GeoPoint[];
  readonly interiors?: readonly (readonly GeoPoint[])[];
}

export interface ValuesCount {
  readonly gt?: number;
  readonly gte?: number;
  readonly lt?: number;
  readonly lte?: number;
}

/** Number of conditions of every kind in the filter, nested ones included. */
export function countConditions(filter: Filter): number {
  let count = 0;
  const visit = (conditions: readonly Condition[] | undefined) => {
    for (const c of conditions ?? []) {
      if (c.kind === 'filter') count += countConditions(c.filter);
      else if (c.kind === 'nested') count += countConditions(c.filter);
      else count++;
    }
  };
  visit(filter.should);
  visit(filter.minShould?.conditions);
  visit(filter.must);
  visit(filter.mustNot);
  return count;
}

// ---------------------------------------------------------------------------------------------
// Back to JSON (Qdrant's serialisation of the same structures)

type Json = null | boolean | number | bigint | string | Json[] | { [key: string]: Json };

export function filterToJson(filter: Filter): { [key: string]: Json } {
  const out: { [key: string]: Json } = {};
  if (filter.should !== undefined) out['should'] = filter.should.map(conditionToJson);
  if (filter.minShould !== undefined) {
    out['min_should'] = {
      conditions: filter.minShould.conditions.map(conditionToJson),
      min_count: filter.minShould.minCount,
    };
  }
  if (filter.must !== undefined) out['must'] = filter.must.map(conditionToJson);
  if (filter.mustNot !== undefined) out['must_not'] = filter.mustNot.map(conditionToJson);
  return out;
}

export function conditionToJson(condition: Condition): Json {
  switch (condition.kind) {
    case 'field':
      return fieldConditionToJson(condition);
    case 'is_empty':
      return { is_empty: { key: formatJsonPath(condition.key) } };
    case 'is_null':
      return { is_null: { key: formatJsonPath(condition.key) } };
    case 'has_id':
      return { has_id: [...condition.ids] };
    case 'has_vector':
      return { has_vector: condition.vector };
    case 'slice':
      return { slice: { total: condition.total, index: condition.index } };
    case 'nested':
      return {
        nested: { key: formatJsonPath(condition.key), filter: filterToJson(condition.filter) },
      };
    case 'filter':
      return filterToJson(condition.filter);
  }
}

function boundsToJson<T>(bounds: RangeBounds<T>, map: (value: T) => Json): Json {
  const out: { [key: string]: Json } = {};
  if (bounds.lt !== undefined) out['lt'] = map(bounds.lt);
  if (bounds.gt !== undefined) out['gt'] = map(bounds.gt);
  if (bounds.gte !== undefined) out['gte'] = map(bounds.gte);
  if (bounds.lte !== undefined) out['lte'] = map(bounds.lte);
  return out;
}

const geoToJson = (p: GeoPoint): Json => ({ lon: p.lon, lat: p.lat });

function fieldConditionToJson(c: FieldCondition): Json {
  const out: { [key: string]: Json } = { key: formatJsonPath(c.key) };
  if (c.match !== undefined) out['match'] = matchToJson(c.match);
  if (c.range !== undefined) {
    out['range'] =
      c.range.kind === 'float'
        ? boundsToJson(c.range, (v) => v)
        : boundsToJson(c.range, (v) => formatDatetime(v));
  }
  if (c.geoBoundingBox !== undefined) {
    out['geo_bounding_box'] = {
      top_left: geoToJson(c.geoBoundingBox.topLeft),
      bottom_right: geoToJson(c.geoBoundingBox.bottomRight),
    };
  }
  if (c.geoRadius !== undefined) {
    out['geo_radius'] = { center: geoToJson(c.geoRadius.center), radius: c.geoRadius.radius };
  }
  if (c.geoPolygon !== undefined) {
    out['geo_polygon'] = {
      exterior: { points: c.geoPolygon.exterior.map(geoToJson) },
      interiors:
        c.geoPolygon.interiors === undefined
          ? null
          : c.geoPolygon.interiors.map((ring) => ({ points: ring.map(geoToJson) })),
    };
  }
  if (c.valuesCount !== undefined) out['values_count'] = boundsToJson(c.valuesCount, (v) => v);
  if (c.isEmpty !== undefined) out['is_empty'] = c.isEmpty;
  if (c.isNull !== undefined) out['is_null'] = c.isNull;
  return out;
}

function matchToJson(m: Match): Json {
  switch (m.kind) {
    case 'value':
      return { value: m.value };
    case 'text':
      return { text: m.text };
    case 'text_any':
      return { text_any: m.text };
    case 'phrase':
      return { phrase: m.text };
    case 'prefix':
      return { prefix: m.prefix };
    case 'any':
      return { any: [...m.values.items] };
    case 'except':
      return { except: [...m.values.items] };
  }
}
