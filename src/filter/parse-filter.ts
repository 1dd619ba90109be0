// Validation of raw filter JSON into the AST (filter-types.ts), reproducing how Qdrant's serde
// derive accepts and rejects it (lib/segment/src/types.rs):
// - `must`/`should`/`must_not` take one condition or a list; `null` means absent.
// - A condition with a `key` is a field condition and reports its own errors; any other object is
//   tried as is_empty, is_null, has_id, has_vector, slice, nested, filter in that order (first
//   that fits wins, extra fields ignored), and if none fits the error is Qdrant's generic
//   "Expected some form of condition…".
// - `Filter` rejects unknown fields; the other structs ignore them.
// Shape errors are `format` errors (400, "Format error in JSON body: …"); rule violations found
// after a successful parse are `validation` errors (422, "Validation error in JSON body: [path:
// message; …]") as Qdrant's validator reports them. Qdrant appends serde's "at line L column C";
// ringvec parses JSON before it sees the filter, so messages stop before the position.

import { RingvecError } from '../common/errors.js';
import { parsePointId, type PointId } from '../common/point-id.js';
import { parseDatetime } from './datetime.js';
import type {
  AnyValues,
  Condition,
  FieldCondition,
  Filter,
  GeoBoundingBox,
  GeoPoint,
  GeoPolygon,
  GeoRadius,
  IntegerValue,
  Match,
  MinShould,
  RangeCondition,
  ValuesCount,
} from './filter-types.js';
import { parseJsonPath, type JsonPath } from './json-path.js';

/** A shape error; its message becomes "Format error in JSON body: <message>". */
class ShapeError extends Error {}

function fail(message: string): never {
  throw new ShapeError(message);
}

export const CONDITION_EXPECTED =
  'Expected some form of condition, which can be a field condition (like {"key": ..., "match": ... }), or some other mentioned in the documentation: https://qdrant.tech/documentation/concepts/filtering/#filtering-conditions';

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const U32_MAX = 0xffff_ffff;

type JsonMap = Record<string, unknown>;
const hasOwn = Object.prototype.hasOwnProperty;

function isMap(value: unknown): value is JsonMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Field value, treating absent and `undefined` alike. */
function field(object: JsonMap, name: string): unknown {
  return hasOwn.call(object, name) ? object[name] : undefined;
}

// Field conditions are deserialized by Qdrant from a buffered serde_value::Value, whose errors
// print differently from serde_json's ("Invalid type string \"x\". Expected f64", "Missing field
// radius"); the rest of the filter is deserialized by serde_json directly. `valueStyle` says
// which wording applies to the part being parsed.
let valueStyle = false;
function withStyle<T>(style: boolean, run: () => T): T {
  const outer = valueStyle;
  valueStyle = style;
  try {
    return run();
  } finally {
    valueStyle = outer;
  }
}

/** serde's description of an unexpected value ("string \"x\"", "integer `5`", "map", …). */
function describe(value: unknown): string {
  if (value === null || value === undefined) return valueStyle ? 'unit value' : 'null';
  if (typeof value === 'boolean') return `boolean \`${value}\``;
  if (typeof value === 'bigint') return `integer \`${value}\``;
  if (typeof value === 'number') {
    return Number.isInteger(value) ? `integer \`${value}\`` : `floating point \`${value}\``;
  }
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  if (Array.isArray(value)) return 'sequence';
  return 'map';
}

function invalidType(value: unknown, expected: string): never {
  return fail(
    valueStyle
      ? `Invalid type ${describe(value)}. Expected ${expected}`
      : `invalid type: ${describe(value)}, expected ${expected}`,
  );
}

function invalidValue(value: unknown, expected: string): never {
  return fail(
    valueStyle
      ? `Invalid value ${describe(value)}. Expected ${expected}`
      : `invalid value: ${describe(value)}, expected ${expected}`,
  );
}

function missingField(name: string): never {
  return fail(valueStyle ? `Missing field ${name}` : `missing field \`${name}\``);
}

function requireField(object: JsonMap, name: string): unknown {
  const value = field(object, name);
  if (value === undefined) missingField(name);
  return value;
}

function expectStruct(value: unknown, name: string): JsonMap {
  if (!isMap(value)) return invalidType(value, `struct ${name}`);
  return value;
}

function parseF64(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  return invalidType(value, 'f64');
}

function parseUsize(value: unknown): number {
  if (typeof value === 'bigint') {
    if (value < 0n) invalidValue(value, 'usize');
    return Number(value);
  }
  if (typeof value === 'number' && Number.isInteger(value)) {
    if (value < 0) invalidValue(value, 'usize');
    return value;
  }
  return invalidType(value, 'usize');
}

function parseU32(value: unknown, expected = 'u32'): number {
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (typeof n === 'number' && Number.isInteger(n)) {
    if (n < 0 || n > U32_MAX) invalidValue(value, expected);
    return n;
  }
  return invalidType(value, expected);
}

function parseBool(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  return invalidType(value, 'a boolean');
}

function parseString(value: unknown): string {
  if (typeof value === 'string') return value;
  return invalidType(value, 'a string');
}

function parseKey(value: unknown): JsonPath {
  const text = parseString(value);
  const path = parseJsonPath(text);
  if (path === null) fail(`Invalid json path: '${text}'`);
  return path;
}

/** An i64 as `number` when safe, `bigint` otherwise; null if `value` is not an i64. */
function asI64(value: unknown): IntegerValue | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : null;
  if (typeof value === 'bigint') {
    if (value < I64_MIN || value > I64_MAX) return null;
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value;
  }
  return null;
}

/**
 * Runs variant parsers in order (serde's untagged enum); the first that does not throw a shape
 * error wins and contributes its validation issues.
 */
function firstVariant<T>(variants: readonly (() => T)[], message: string): T {
  for (const variant of variants) {
    const local: string[] = [];
    try {
      const result = withIssues(local, variant);
      activeIssues.push(...local);
      return result;
    } catch (error) {
      if (!(error instanceof ShapeError)) throw error;
    }
  }
  return fail(message);
}

// Validation issues go to the innermost active collector.
let activeIssues: string[] = [];
function withIssues<T>(issues: string[], run: () => T): T {
  const outer = activeIssues;
  activeIssues = issues;
  try {
    return run();
  } finally {
    activeIssues = outer;
  }
}
const issue = (path: string, message: string) => activeIssues.push(`${path}: ${message}`);

// ---------------------------------------------------------------------------------------------
// Filter

const FILTER_FIELDS = ['should', 'min_should', 'must', 'must_not'];

function parseFilterObject(value: unknown, path: string): Filter {
  const object = expectStruct(value, 'Filter');
  const filter: {
    should?: Condition[];
    minShould?: MinShould;
    must?: Condition[];
    mustNot?: Condition[];
  } = {};
  for (const name of Object.keys(object)) {
    const raw = object[name];
    switch (name) {
      case 'should': {
        const list = parseConditionList(raw, `${path}.should`);
        if (list !== undefined) filter.should = list;
        break;
      }
      case 'must': {
        const list = parseConditionList(raw, `${path}.must`);
        if (list !== undefined) filter.must = list;
        break;
      }
      case 'must_not': {
        const list = parseConditionList(raw, `${path}.must_not`);
        if (list !== undefined) filter.mustNot = list;
        break;
      }
      case 'min_should':
        if (raw !== undefined && raw !== null) {
          filter.minShould = parseMinShould(raw, `${path}.min_should`);
        }
        break;
      default:
        if (raw !== undefined) {
          fail(
            `unknown field \`${name}\`, expected one of ${FILTER_FIELDS.map((f) => `\`${f}\``).join(', ')}`,
          );
        }
    }
  }
  return filter;
}

function parseMinShould(value: unknown, path: string): MinShould {
  const object = expectStruct(value, 'MinShould');
  let conditions: Condition[] | undefined;
  let minCount: number | undefined;
  for (const name of Object.keys(object)) {
    const raw = object[name];
    if (raw === undefined) continue;
    if (name === 'conditions') {
      if (!Array.isArray(raw)) invalidType(raw, 'a sequence');
      conditions = (raw as unknown[]).map((c, i) => parseCondition(c, `${path}.conditions[${i}]`));
    } else if (name === 'min_count') {
      minCount = parseUsize(raw);
    }
  }
  if (conditions === undefined) missingField('conditions');
  if (minCount === undefined) missingField('min_count');
  if (minCount < 1) issue(`${path}.min_count`, 'min_count must be greater than 0');
  return { conditions, minCount };
}

function parseConditionList(value: unknown, path: string): Condition[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.map((c, i) => parseCondition(c, `${path}[${i}]`));
  if (isMap(value)) return [parseCondition(value, `${path}[0]`)];
  return invalidType(value, 'null, array or map');
}

// ---------------------------------------------------------------------------------------------
// Conditions

function parseCondition(value: unknown, path: string): Condition {
  if (isMap(value) && field(value, 'key') !== undefined) {
    if (typeof value['key'] !== 'string') fail("Filter condition 'key' must be a string");
    return parseFieldCondition(value, path);
  }
  if (!isMap(value)) return fail(CONDITION_EXPECTED);
  const object = value;
  return firstVariant<Condition>(
    [
      () => {
        const inner = expectStruct(requireField(object, 'is_empty'), 'PayloadField');
        return { kind: 'is_empty', key: parseKey(requireField(inner, 'key')) };
      },
      () => {
        const inner = expectStruct(requireField(object, 'is_null'), 'PayloadField');
        return { kind: 'is_null', key: parseKey(requireField(inner, 'key')) };
      },
      () => {
        const raw = requireField(object, 'has_id');
        if (!Array.isArray(raw)) return invalidType(raw, 'a sequence');
        const ids = new Set<PointId>();
        for (const id of raw) {
          try {
            ids.add(parsePointId(id));
          } catch {
            fail('invalid point id');
          }
        }
        return { kind: 'has_id', ids };
      },
      () => ({ kind: 'has_vector', vector: parseString(requireField(object, 'has_vector')) }),
      () => {
        const slice = expectStruct(requireField(object, 'slice'), 'Slice');
        const total = parseU32(requireField(slice, 'total'), 'a nonzero u32');
        if (total === 0) invalidValue(0, 'a nonzero u32');
        const index = parseU32(requireField(slice, 'index'));
        if (index >= total)
          issue(`${path}.__all__`, 'Slice index must be less than the total number of slices');
        return { kind: 'slice', total, index };
      },
      () => {
        const nested = expectStruct(requireField(object, 'nested'), 'Nested');
        const key = parseKey(requireField(nested, 'key'));
        const filter = parseFilterObject(requireField(nested, 'filter'), `${path}.nested.filter`);
        return { kind: 'nested', key, filter };
      },
      () => ({ kind: 'filter', filter: parseFilterObject(object, path) }),
    ],
    CONDITION_EXPECTED,
  );
}

function parseFieldCondition(object: JsonMap, path: string): FieldCondition {
  return withStyle(true, () => parseFieldConditionFields(object, path));
}

function parseFieldConditionFields(object: JsonMap, path: string): FieldCondition {
  const condition: {
    -readonly [K in keyof FieldCondition]: FieldCondition[K];
  } = { kind: 'field', key: { first: '', rest: [] } };
  for (const name of Object.keys(object)) {
    const raw = object[name];
    if (raw === undefined) continue;
    switch (name) {
      case 'key':
        condition.key = parseKey(raw);
        break;
      case 'match':
        if (raw !== null) condition.match = parseMatch(raw);
        break;
      case 'range':
        if (raw !== null) condition.range = parseRange(raw);
        break;
      case 'geo_bounding_box':
        if (raw !== null) condition.geoBoundingBox = parseGeoBoundingBox(raw);
        break;
      case 'geo_radius':
        if (raw !== null) condition.geoRadius = parseGeoRadius(raw);
        break;
      case 'geo_polygon':
        if (raw !== null) condition.geoPolygon = parseGeoPolygon(raw);
        break;
      case 'values_count':
        if (raw !== null) condition.valuesCount = parseValuesCount(raw);
        break;
      case 'is_empty':
        if (raw !== null) condition.isEmpty = parseBool(raw);
        break;
      case 'is_null':
        if (raw !== null) condition.isNull = parseBool(raw);
        break;
      default:
        break;
    }
  }
  if (
    condition.match === undefined &&
    condition.range === undefined &&
    condition.geoBoundingBox === undefined &&
    condition.geoRadius === undefined &&
    condition.geoPolygon === undefined &&
    condition.valuesCount === undefined &&
    condition.isEmpty === undefined &&
    condition.isNull === undefined
  ) {
    issue(`${path}.__all__`, 'At least one field condition must be specified');
  }
  return condition;
}

// ---------------------------------------------------------------------------------------------
// match

const MATCH_FAILED = 'data did not match any variant of untagged enum MatchInterface';

function parseAnyValues(value: unknown): AnyValues {
  if (!Array.isArray(value)) return invalidType(value, 'a sequence');
  if (value.every((v) => typeof v === 'string')) {
    return { type: 'strings', items: [...new Set(value as string[])] };
  }
  const integers: IntegerValue[] = [];
  const seen = new Set<IntegerValue>();
  for (const v of value) {
    const n = asI64(v);
    if (n === null) fail('data did not match any variant of untagged enum AnyVariants');
    if (!seen.has(n)) {
      seen.add(n);
      integers.push(n);
    }
  }
  return { type: 'integers', items: integers };
}

function parseMatch(value: unknown): Match {
  const object = isMap(value) ? value : {};
  const stringField = (name: string) => parseString(requireField(object, name));
  return firstVariant<Match>(
    [
      () => {
        const raw = requireField(object, 'value');
        if (typeof raw === 'string' || typeof raw === 'boolean')
          return { kind: 'value', value: raw };
        const n = asI64(raw);
        if (n === null) fail('bad value');
        return { kind: 'value', value: n };
      },
      () => ({ kind: 'text', text: stringField('text') }),
      () => ({ kind: 'text_any', text: stringField('text_any') }),
      () => ({ kind: 'phrase', text: stringField('phrase') }),
      () => ({ kind: 'prefix', prefix: stringField('prefix') }),
      () => ({ kind: 'any', values: parseAnyValues(requireField(object, 'any')) }),
      () => ({ kind: 'except', values: parseAnyValues(requireField(object, 'except')) }),
    ],
    MATCH_FAILED,
  );
}

// ---------------------------------------------------------------------------------------------
// range

const RANGE_BOUNDS = ['lt', 'gt', 'gte', 'lte'] as const;
const RANGE_FAILED = 'data did not match any variant of untagged enum RangeInterfaceUntagged';

/** Qdrant re-reads ranges through serde_json::Value, so their errors use serde_json's wording. */
function parseRange(value: unknown): RangeCondition {
  return withStyle(false, () => parseRangeFields(value));
}

function parseRangeFields(value: unknown): RangeCondition {
  if (!isMap(value)) return fail(RANGE_FAILED);
  const isDatetime = RANGE_BOUNDS.some((b) => typeof field(value, b) === 'string');
  const bounds: { lt?: number; gt?: number; gte?: number; lte?: number } = {};
  for (const name of Object.keys(value)) {
    if (!(RANGE_BOUNDS as readonly string[]).includes(name)) continue;
    const raw = value[name];
    if (raw === undefined || raw === null) continue;
    const bound = name as (typeof RANGE_BOUNDS)[number];
    if (isDatetime) {
      const text = parseString(raw);
      const micros = parseDatetime(text);
      if (micros === null) {
        fail(
          `'${text}' does not match accepted datetime format (RFC3339). Example: 2014-01-01T00:00:00Z`,
        );
      }
      bounds[bound] = micros;
    } else {
      if (typeof raw !== 'number' && typeof raw !== 'bigint') fail(RANGE_FAILED);
      bounds[bound] = Number(raw);
    }
  }
  return { kind: isDatetime ? 'datetime' : 'float', ...bounds };
}

// ---------------------------------------------------------------------------------------------
// geo

function parseGeoPoint(value: unknown): GeoPoint {
  const object = expectStruct(value, 'GeoPointShadow');
  let lon: number | undefined;
  let lat: number | undefined;
  for (const name of Object.keys(object)) {
    if (name === 'lon') lon = parseF64(object[name]);
    else if (name === 'lat') lat = parseF64(object[name]);
  }
  if (lon === undefined) missingField('lon');
  if (lat === undefined) missingField('lat');
  if (!(lon >= -180 && lon <= 180) || !(lat >= -90 && lat <= 90)) {
    fail(
      `Wrong format of GeoPoint payload: expected \`lat\` = ${lat} within [-90;90] and \`lon\` = ${lon} within [-180;180]`,
    );
  }
  return { lon, lat };
}

function parseGeoBoundingBox(value: unknown): GeoBoundingBox {
  const object = expectStruct(value, 'GeoBoundingBox');
  let topLeft: GeoPoint | undefined;
  let bottomRight: GeoPoint | undefined;
  for (const name of Object.keys(object)) {
    if (name === 'top_left') topLeft = parseGeoPoint(object[name]);
    else if (name === 'bottom_right') bottomRight = parseGeoPoint(object[name]);
  }
  if (topLeft === undefined) missingField('top_left');
  if (bottomRight === undefined) missingField('bottom_right');
  return { topLeft, bottomRight };
}

function parseGeoRadius(value: unknown): GeoRadius {
  const object = expectStruct(value, 'GeoRadius');
  let center: GeoPoint | undefined;
  let radius: number | undefined;
  for (const name of Object.keys(object)) {
    if (name === 'center') center = parseGeoPoint(object[name]);
    else if (name === 'radius') radius = parseF64(object[name]);
  }
  if (center === undefined) missingField('center');
  if (radius === undefined) missingField('radius');
  return { center, radius };
}

function parseLineString(value: unknown): GeoPoint[] {
  const object = expectStruct(value, 'GeoLineString');
  const points = requireField(object, 'points');
  if (!Array.isArray(points)) return invalidType(points, 'a sequence');
  return points.map(parseGeoPoint);
}

function validateRing(points: GeoPoint[]): void {
  if (points.length <= 3) {
    fail(`Validation failed: polygon invalid, the size must be at least 4, got ${points.length}`);
  }
  const first = points[0]!;
  const last = points[points.length - 1]!;
  if (
    Math.abs(first.lat - last.lat) > Number.EPSILON ||
    Math.abs(first.lon - last.lon) > Number.EPSILON
  ) {
    fail(
      'Validation failed: polygon invalid, the first and the last points should be the same to form a closed line',
    );
  }
}

function parseGeoPolygon(value: unknown): GeoPolygon {
  const object = expectStruct(value, 'GeoPolygonShadow');
  let exterior: GeoPoint[] | undefined;
  let interiors: GeoPoint[][] | undefined;
  for (const name of Object.keys(object)) {
    const raw = object[name];
    if (name === 'exterior') {
      exterior = parseLineString(raw);
    } else if (name === 'interiors' && raw !== null && raw !== undefined) {
      if (!Array.isArray(raw)) invalidType(raw, 'a sequence');
      interiors = (raw as unknown[]).map(parseLineString);
    }
  }
  if (exterior === undefined) missingField('exterior');
  validateRing(exterior);
  for (const ring of interiors ?? []) validateRing(ring);
  return interiors === undefined ? { exterior } : { exterior, interiors };
}

function parseValuesCount(value: unknown): ValuesCount {
  const object = expectStruct(value, 'ValuesCount');
  const out: { lt?: number; gt?: number; gte?: number; lte?: number } = {};
  for (const name of Object.keys(object)) {
    const raw = object[name];
    if (raw === undefined || raw === null) continue;
    if (name === 'lt' || name === 'gt' || name === 'gte' || name === 'lte')
      out[name] = parseUsize(raw);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Entry points

/**
 * Parses a filter, appending validation issues ("path: message") to `issues` instead of throwing
 * them, so a caller validating a whole request can report every issue at once. Shape errors
 * still throw (`format`). `null`/absent is the empty filter.
 */
export function parseFilterCollectingIssues(
  value: unknown,
  path: string,
  issues: string[],
): Filter {
  if (value === undefined || value === null) return {};
  try {
    return withIssues(issues, () => parseFilterObject(value, path));
  } catch (error) {
    if (error instanceof ShapeError) {
      throw new RingvecError('format', `Format error in JSON body: ${error.message}`);
    }
    throw error;
  }
}

/**
 * Validates raw JSON (from JSON.parse or common/json.ts, so integers may be `bigint`) into a
 * Filter. `null`/absent means no filter and yields the empty filter (which matches every point).
 * Throws RingvecError 'format' for malformed shapes and 'validation' for rule violations.
 */
export function parseFilter(value: unknown, path = 'filter'): Filter {
  const issues: string[] = [];
  const filter = parseFilterCollectingIssues(value, path, issues);
  if (issues.length > 0) {
    throw new RingvecError('validation', `Validation error in JSON body: [${issues.join('; ')}]`);
  }
  return filter;
}

/** True for a filter without any clause (matches every point). */
export function isEmptyFilter(filter: Filter): boolean {
  return (
    filter.must === undefined &&
    filter.should === undefined &&
    filter.mustNot === undefined &&
    filter.minShould === undefined
  );
}
