// Test support: seeded generators of payloads and raw filter JSON covering every condition type
// and the awkward corners (arrays, nulls, nested objects, mixed types, big integers, datetimes in
// several formats, geo points with bad coordinates), for randomized comparison tests.

import type { JsonObject } from '../json-path.js';

export type Rng = () => number;

/** mulberry32: small, fast, deterministic. */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
export const pick = <T>(rng: Rng, items: readonly T[]): T =>
  items[Math.floor(rng() * items.length)]!;
const chance = (rng: Rng, p: number) => rng() < p;

export const KEYWORDS = ['red', 'green', 'blue', 'black', 'bl', 'gr', 'Red', 'white space', ''];
export const WORDS = [
  'the',
  'quick',
  'brown',
  'fox',
  'jumps',
  'over',
  'lazy',
  'dog',
  'Fox',
  'über',
  'café',
];
export const CENTERS = [
  { lon: 13.4, lat: 52.5 },
  { lon: -73.99, lat: 40.75 },
  { lon: 179.5, lat: -16.5 },
];
const DATETIMES = [
  '2020-01-01T00:00:00Z',
  '2020-06-15T12:30:00+02:00',
  '2021-03-04 05:06:07',
  '2021-03-04T05:06:07.123456Z',
  '2022-12-31',
  '2022-12-31T23:59',
  '2023-07-01T00:00:00-0500',
  '2024-02-29T10:00:00.5Z',
  'not a date',
  '2021-13-01',
];

function many<T>(rng: Rng, make: () => T, max = 4): T[] {
  return Array.from({ length: int(rng, 0, max) }, make);
}

function sentence(rng: Rng): string {
  return Array.from({ length: int(rng, 1, 5) }, () => pick(rng, WORDS)).join(
    pick(rng, [' ', ' ', ', ', '  ']),
  );
}

function geoPoint(rng: Rng): unknown {
  const c = pick(rng, CENTERS);
  const r = rng();
  if (r < 0.05) return { lon: 'x', lat: 1 };
  if (r < 0.08) return { lat: c.lat };
  return { lon: c.lon + (rng() - 0.5) * 4, lat: c.lat + (rng() - 0.5) * 4, name: 'p' };
}

function scalar(rng: Rng): unknown {
  switch (int(rng, 0, 9)) {
    case 0:
      return null;
    case 1:
      return int(rng, 0, 20);
    case 2:
      return int(rng, -5, 5) + 0.5;
    case 3:
      return pick(rng, KEYWORDS);
    case 4:
      return chance(rng, 0.5);
    case 5:
      return pick(rng, DATETIMES);
    case 6:
      return geoPoint(rng);
    case 7:
      return sentence(rng);
    case 8:
      return 2n ** 60n + BigInt(int(rng, 0, 3));
    default:
      return { k: int(rng, 0, 3) };
  }
}

/** A value at a key: mostly of the key's usual type, sometimes anything. */
function valueOf(rng: Rng, make: () => unknown): unknown {
  const r = rng();
  if (r < 0.55) return make();
  if (r < 0.8) return many(rng, () => (chance(rng, 0.9) ? make() : scalar(rng)));
  if (r < 0.87) return null;
  if (r < 0.92) return [];
  if (r < 0.95) return [null];
  return scalar(rng);
}

function nestedObject(rng: Rng): unknown {
  if (chance(rng, 0.05)) return scalar(rng);
  const o: JsonObject = {};
  if (chance(rng, 0.85)) o['x'] = valueOf(rng, () => int(rng, 0, 6));
  if (chance(rng, 0.85)) o['y'] = valueOf(rng, () => pick(rng, KEYWORDS));
  if (chance(rng, 0.5)) o['z'] = many(rng, () => int(rng, 0, 6));
  if (chance(rng, 0.5)) o['t'] = sentence(rng);
  if (chance(rng, 0.3)) o['deep'] = many(rng, () => ({ w: int(rng, 0, 3) }), 3);
  return o;
}

/** A random payload over the keys the filter generator uses. */
export function randomPayload(rng: Rng): JsonObject | undefined {
  if (chance(rng, 0.03)) return undefined;
  const p: JsonObject = {};
  const maybe = (key: string, make: () => unknown) => {
    if (chance(rng, 0.85)) p[key] = valueOf(rng, make);
  };
  maybe('int', () => int(rng, 0, 20));
  maybe('kw', () => pick(rng, KEYWORDS));
  maybe('flt', () => (rng() - 0.5) * 20);
  maybe('bool', () => chance(rng, 0.5));
  maybe('dt', () => pick(rng, DATETIMES));
  maybe('geo', () => geoPoint(rng));
  maybe('txt', () => sentence(rng));
  maybe('mixed', () => scalar(rng));
  maybe('emp', () => pick(rng, [[], null, [null], 0, '']));
  maybe('uuid', () =>
    pick(rng, [
      '550e8400-e29b-41d4-a716-446655440000',
      '6ba7b810-9dad-11d1-80b4-00c04fd430c8',
      'x',
    ]),
  );
  if (chance(rng, 0.7))
    p['nest'] = chance(rng, 0.9) ? many(rng, () => nestedObject(rng), 4) : nestedObject(rng);
  if (chance(rng, 0.7)) {
    p['obj'] = chance(rng, 0.9)
      ? {
          p: valueOf(rng, () => int(rng, 0, 6)),
          q: many(rng, () => pick(rng, KEYWORDS)),
          r: chance(rng, 0.7) ? { s: int(rng, 0, 4) } : null,
        }
      : scalar(rng);
  }
  if (chance(rng, 0.05)) p['__proto__'] = int(rng, 0, 3);
  return p;
}

// ---------------------------------------------------------------------------------------------
// Filters (raw JSON, as a client sends them)

const KEYS_INT = ['int', 'mixed', 'obj.p', 'nest[].x', 'nest[0].x', 'obj.r.s'];
const KEYS_KW = ['kw', 'mixed', 'obj.q', 'obj.q[]', 'nest[].y', 'uuid'];
const KEYS_ANY = [
  'int',
  'kw',
  'flt',
  'bool',
  'dt',
  'geo',
  'txt',
  'mixed',
  'emp',
  'nest',
  'nest[]',
  'obj',
  'obj.q',
  'missing',
  '__proto__',
];

function randomMatch(rng: Rng, inNested: boolean): { key: string; match: unknown } {
  const intKey = inNested ? pick(rng, ['x', 'z', 'z[]']) : pick(rng, KEYS_INT);
  const kwKey = inNested ? 'y' : pick(rng, KEYS_KW);
  const txtKey = inNested ? 't' : pick(rng, ['txt', 'kw', 'mixed']);
  switch (int(rng, 0, 11)) {
    case 0:
      return { key: intKey, match: { value: int(rng, 0, 8) } };
    case 1:
      return { key: kwKey, match: { value: pick(rng, KEYWORDS) } };
    case 2:
      return {
        key: inNested ? 'x' : pick(rng, ['bool', 'mixed']),
        match: { value: chance(rng, 0.5) },
      };
    case 3:
      return { key: intKey, match: { any: many(rng, () => int(rng, 0, 8), 5) } };
    case 4:
      return { key: kwKey, match: { any: many(rng, () => pick(rng, KEYWORDS), 5) } };
    case 5:
      return { key: intKey, match: { except: many(rng, () => int(rng, 0, 8), 4) } };
    case 6:
      return { key: kwKey, match: { except: many(rng, () => pick(rng, KEYWORDS), 4) } };
    case 7:
      return {
        key: txtKey,
        match: { text: pick(rng, [...WORDS, 'qu', 'brown fox', 'fox jumps', '']) },
      };
    case 8:
      return { key: txtKey, match: { text_any: pick(rng, ['fox dog', 'quick', 'zzz lazy', ' ']) } };
    case 9:
      return {
        key: txtKey,
        match: { phrase: pick(rng, ['quick brown', 'brown fox', 'the', 'fox the']) },
      };
    case 10:
      return { key: kwKey, match: { prefix: pick(rng, ['b', 'bl', 'gr', 'R', '']) } };
    default:
      return { key: intKey, match: { value: 2n ** 60n + BigInt(int(rng, 0, 3)) } };
  }
}

function randomGeo(rng: Rng): unknown {
  const c = pick(rng, CENTERS);
  switch (int(rng, 0, 2)) {
    case 0:
      return { geo_radius: { center: c, radius: pick(rng, [1000, 50_000, 150_000, 400_000]) } };
    case 1: {
      const w = rng() * 3;
      const h = rng() * 3;
      const left = c.lon - w;
      const right = c.lon + w > 180 ? c.lon + w - 360 : c.lon + w;
      return {
        geo_bounding_box: {
          top_left: { lon: left, lat: Math.min(90, c.lat + h) },
          bottom_right: { lon: right, lat: Math.max(-90, c.lat - h) },
        },
      };
    }
    default: {
      const d = 0.5 + rng() * 2;
      const ring = [
        { lon: c.lon - d, lat: c.lat - d },
        { lon: Math.min(180, c.lon + d), lat: c.lat - d },
        { lon: c.lon, lat: c.lat + d },
        { lon: c.lon - d, lat: c.lat - d },
      ];
      const hole = [
        { lon: c.lon - 0.2, lat: c.lat - 0.2 },
        { lon: c.lon + 0.2, lat: c.lat - 0.2 },
        { lon: c.lon, lat: c.lat + 0.2 },
        { lon: c.lon - 0.2, lat: c.lat - 0.2 },
      ];
      return {
        geo_polygon: {
          exterior: { points: ring },
          interiors: chance(rng, 0.5) ? [{ points: hole }] : null,
        },
      };
    }
  }
}

function bounds(rng: Rng, make: () => unknown): JsonObject {
  const out: JsonObject = {};
  for (const b of ['gt', 'gte', 'lt', 'lte']) if (chance(rng, 0.35)) out[b] = make();
  return out;
}

function randomFieldCondition(rng: Rng, inNested: boolean): JsonObject {
  const r = int(rng, 0, 9);
  if (r <= 3) {
    const { key, match } = randomMatch(rng, inNested);
    return { key, match };
  }
  if (r === 4) {
    const key = inNested
      ? pick(rng, ['x', 'z', 'deep[].w'])
      : pick(rng, ['int', 'flt', 'mixed', 'obj.p', 'nest[].x']);
    return { key, range: bounds(rng, () => int(rng, -6, 12) + pick(rng, [0, 0, 0.5])) };
  }
  if (r === 5) {
    const key = inNested ? 't' : pick(rng, ['dt', 'mixed']);
    return {
      key,
      range: {
        ...bounds(rng, () => pick(rng, DATETIMES.slice(0, 8))),
        gte: pick(rng, DATETIMES.slice(0, 8)),
      },
    };
  }
  if (r === 6)
    return { key: inNested ? 'y' : pick(rng, ['geo', 'mixed']), ...(randomGeo(rng) as JsonObject) };
  if (r === 7) {
    const key = inNested ? pick(rng, ['z', 'x', 'deep']) : pick(rng, KEYS_ANY);
    return { key, values_count: bounds(rng, () => int(rng, 0, 4)) };
  }
  const key = inNested ? pick(rng, ['x', 'z', 'y']) : pick(rng, KEYS_ANY);
  return r === 8 ? { key, is_empty: chance(rng, 0.6) } : { key, is_null: chance(rng, 0.6) };
}

function randomCondition(rng: Rng, depth: number, inNested: boolean): unknown {
  const r = rng();
  if (r < 0.55) return randomFieldCondition(rng, inNested);
  if (r < 0.62)
    return { is_empty: { key: inNested ? pick(rng, ['x', 'z']) : pick(rng, KEYS_ANY) } };
  if (r < 0.69) return { is_null: { key: inNested ? pick(rng, ['x', 'y']) : pick(rng, KEYS_ANY) } };
  if (r < 0.74) return { has_id: many(rng, () => int(rng, 0, 60), 8) };
  if (r < 0.78) return { has_vector: pick(rng, ['v1', 'v2', 'nope']) };
  if (r < 0.82) {
    const total = int(rng, 1, 4);
    return { slice: { total, index: int(rng, 0, total - 1) } };
  }
  if (depth > 0 && r < 0.92) {
    return {
      nested: {
        key: inNested ? 'deep' : pick(rng, ['nest', 'nest[]']),
        filter: randomFilter(rng, depth - 1, true),
      },
    };
  }
  if (depth > 0) return randomFilter(rng, depth - 1, inNested);
  return randomFieldCondition(rng, inNested);
}

/** A random filter as raw JSON (depth bounds sub-filter and nested recursion). */
export function randomFilter(rng: Rng, depth = 2, inNested = false): JsonObject {
  const list = () => many(rng, () => randomCondition(rng, depth, inNested), 3);
  const f: JsonObject = {};
  if (chance(rng, 0.6)) f['must'] = list();
  if (chance(rng, 0.35)) f['should'] = list();
  if (chance(rng, 0.3)) f['must_not'] = list();
  if (chance(rng, 0.15)) {
    const conditions = list();
    f['min_should'] = { conditions, min_count: int(rng, 1, 3) };
  }
  if (chance(rng, 0.1)) f['must'] = randomCondition(rng, depth, inNested);
  return f;
}
