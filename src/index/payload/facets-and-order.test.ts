import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDatetime } from '../../filter/datetime.js';
import { getValuesAtPath, parseJsonPath, type JsonObject } from '../../filter/json-path.js';
import { leafI64 } from '../../filter/value-checks.js';
import { randomPayload, seededRng } from '../../filter/testing/random-data.js';
import { parsePayloadFieldSchema } from './field-schema.js';
import { buildPayloadFieldIndex, loadPayloadFieldIndex } from './payload-index-set.js';

const rng = seededRng(31);
const payloads: (JsonObject | undefined)[] = Array.from({ length: 400 }, () => randomPayload(rng));
const entries = payloads.map((p, o) => [o, p] as const);

/** Distinct leaves per point, as the brute-force side of each comparison. */
function leavesOf(key: string, pick: (leaf: unknown) => string | number | boolean | null) {
  const path = parseJsonPath(key)!;
  return payloads.map((p) => {
    const out = new Set<string | number | boolean>();
    for (const v of getValuesAtPath(p, path)) {
      for (const leaf of Array.isArray(v) ? v : [v]) {
        const x = leaf === null ? null : pick(leaf);
        if (x !== null) out.add(x);
      }
    }
    return out;
  });
}

function bruteFacets(sets: Set<string | number | boolean>[], accept: (o: number) => boolean) {
  const counts = new Map<string | number | boolean, number>();
  sets.forEach((set, o) => {
    if (!accept(o)) return;
    for (const v of set) counts.set(v, (counts.get(v) ?? 0) + 1);
  });
  return counts;
}

const asMap = (hits: { value: string | number | boolean; count: number }[]) =>
  new Map(hits.map((h) => [h.value, h.count]));

test('facets count points per value (keyword, integer, bool), with and without a filter', () => {
  const cases: [string, unknown, (leaf: unknown) => string | number | boolean | null][] = [
    ['kw', 'keyword', (l) => (typeof l === 'string' ? l : null)],
    ['mixed', 'keyword', (l) => (typeof l === 'string' ? l : null)],
    ['int', 'integer', (l) => (typeof leafI64(l) === 'number' ? (leafI64(l) as number) : null)],
    ['bool', 'bool', (l) => (typeof l === 'boolean' ? l : null)],
  ];
  const even = (o: number) => o % 2 === 0;
  for (const [key, schema, pick] of cases) {
    const index = loadPayloadFieldIndex(
      buildPayloadFieldIndex(
        key,
        parsePayloadFieldSchema(schema),
        entries,
        payloads.length,
      ).serialize(),
    );
    const sets = leavesOf(key, pick);
    const all = index.facets!();
    assert.deepEqual(
      asMap(all),
      bruteFacets(sets, () => true),
      key,
    );
    for (let i = 1; i < all.length; i++) assert.ok(all[i - 1]!.count >= all[i]!.count, 'by count');
    assert.deepEqual(asMap(index.facets!(even)), bruteFacets(sets, even), `${key} filtered`);
  }
});

test('ordered iteration walks (value, offset) pairs for integer, float and datetime', () => {
  const cases: [string, string, (leaf: unknown) => number | null][] = [
    ['int', 'integer', (l) => (typeof leafI64(l) === 'number' ? (leafI64(l) as number) : null)],
    ['flt', 'float', (l) => (typeof l === 'number' ? l : typeof l === 'bigint' ? Number(l) : null)],
    ['dt', 'datetime', (l) => (typeof l === 'string' ? parseDatetime(l) : null)],
  ];
  for (const [key, schema, pick] of cases) {
    const index = buildPayloadFieldIndex(
      key,
      parsePayloadFieldSchema(schema),
      entries,
      payloads.length,
    );
    const pairs: [number, number][] = [];
    leavesOf(key, pick).forEach((set, o) => {
      for (const v of set) pairs.push([v as number, o]);
    });
    pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const collect = (direction: 'asc' | 'desc', start?: number, limit = Infinity) => {
      const out: [number, number][] = [];
      index.forEachOrdered!(direction, start, (v, o) => {
        out.push([v, o]);
        return out.length < limit;
      });
      return out;
    };
    assert.deepEqual(collect('asc'), pairs, key);
    assert.deepEqual(collect('desc'), [...pairs].reverse(), key);
    const mid = pairs[Math.floor(pairs.length / 2)]![0];
    assert.deepEqual(
      collect('asc', mid),
      pairs.filter(([v]) => v >= mid),
    );
    assert.deepEqual(
      collect('desc', mid),
      [...pairs].reverse().filter(([v]) => v <= mid),
    );
    assert.deepEqual(collect('asc', undefined, 5), pairs.slice(0, 5));
  }
});
