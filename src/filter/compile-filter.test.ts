import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PointId } from '../common/point-id.js';
import { compileFilter, matchesPayload, type FilterContext } from './compile-filter.js';
import type { JsonObject } from './json-path.js';
import { parseFilter } from './parse-filter.js';
import { referenceCheck, type ReferencePoint } from './testing/reference-filter.js';
import { randomFilter, randomPayload, seededRng, int } from './testing/random-data.js';

function contextOf(points: readonly ReferencePoint[]): FilterContext {
  return {
    payload: (o) => points[o]!.payload,
    pointId: (o) => points[o]!.id,
    hasVector: (o, name) => points[o]!.vectors.has(name),
  };
}

const matches = (filter: unknown, payload: JsonObject | undefined, id: PointId = 1) =>
  matchesPayload(parseFilter(filter), payload, id, (name) => name === 'image');

const PAYLOAD: JsonObject = {
  location: { lon: 13.404954, lat: 52.520008 },
  price: 499.9,
  amount: 10,
  rating: [3, 7, 9, 9],
  color: 'red',
  has_delivery: true,
  shipped_at: '2020-02-15T00:00:00Z',
  parts: [],
  packaging: null,
  not_null: [null],
};

test('is_empty / is_null conditions (Qdrant test_condition_checker)', () => {
  const isEmpty = (key: string) => matches({ must: [{ is_empty: { key } }] }, PAYLOAD);
  const isNull = (key: string) => matches({ must: [{ is_null: { key } }] }, PAYLOAD);
  assert.equal(isEmpty('price'), false);
  assert.equal(isEmpty('something_new'), true);
  assert.equal(isEmpty('parts'), true);
  assert.equal(isEmpty('not_null'), false);
  assert.equal(isEmpty('packaging'), true);
  assert.equal(isNull('amount'), false);
  assert.equal(isNull('parts'), false);
  assert.equal(isNull('something_else'), false);
  assert.equal(isNull('packaging'), true);
  assert.equal(isNull('not_null'), false);
  assert.equal(isNull('not_null[]'), true);
});

test('field-condition forms of is_empty / is_null (Qdrant test_value_checker_for_null_or_empty)', () => {
  const cases: [unknown, boolean, boolean, boolean, boolean][] = [
    // value, is_empty:true, is_empty:false, is_null:true, is_null:false
    [[], true, false, false, true],
    [[null], false, true, true, false],
    [[true], false, true, false, true],
    [[true, null], false, true, true, false],
    [{}, false, true, false, true],
    ['string', false, true, false, true],
    [1, false, true, false, true],
    [true, false, true, false, true],
  ];
  for (const [value, et, ef, nt, nf] of cases) {
    const p = { key: value };
    assert.equal(
      matches({ must: { key: 'key', is_empty: true } }, p),
      et,
      `${JSON.stringify(value)} is_empty`,
    );
    assert.equal(matches({ must: { key: 'key', is_empty: false } }, p), ef);
    assert.equal(matches({ must: { key: 'key', is_null: true } }, p), nt);
    assert.equal(matches({ must: { key: 'key', is_null: false } }, p), nf);
  }
  // Missing key: is_empty:true holds, is_null:false holds.
  assert.equal(matches({ must: { key: 'x', is_empty: true } }, {}), true);
  assert.equal(matches({ must: { key: 'x', is_null: false } }, {}), true);
  assert.equal(matches({ must: { key: 'x', is_null: true } }, {}), false);
});

test('values_count counts array elements, and a missing key counts 0', () => {
  assert.equal(matches({ must: { key: 'rating', values_count: { gt: 10 } } }, PAYLOAD), false);
  assert.equal(matches({ must: { key: 'rating', values_count: { gte: 4 } } }, PAYLOAD), true);
  assert.equal(matches({ must: { key: 'tags', values_count: { lt: 1 } } }, PAYLOAD), true);
  assert.equal(matches({ must: { key: 'tags', values_count: { gte: 1 } } }, PAYLOAD), false);
  assert.equal(matches({ must: { key: 'packaging', values_count: { lte: 0 } } }, PAYLOAD), true);
  const countries = { c: [{ country: 'Germany' }, { country: 'France' }] };
  assert.equal(matches({ must: { key: 'c', values_count: { gt: 1 } } }, countries), true);
  assert.equal(matches({ must: { key: 'c', values_count: { gt: 2 } } }, countries), false);
});

test('match, range, datetime range, geo on a payload', () => {
  assert.equal(matches({ must: { key: 'rating', match: { value: 7 } } }, PAYLOAD), true);
  assert.equal(matches({ must: { key: 'rating', match: { any: [1, 2] } } }, PAYLOAD), false);
  assert.equal(matches({ must: { key: 'rating', match: { except: [3, 7] } } }, PAYLOAD), true);
  assert.equal(matches({ must: { key: 'rating', match: { except: [3, 7, 9] } } }, PAYLOAD), false);
  assert.equal(matches({ must: { key: 'color', match: { except: ['blue'] } } }, PAYLOAD), true);
  assert.equal(matches({ must: { key: 'amount', match: { except: ['blue'] } } }, PAYLOAD), true);
  assert.equal(
    matches({ must: { key: 'packaging', match: { except: ['blue'] } } }, PAYLOAD),
    false,
  );
  assert.equal(matches({ must: { key: 'price', range: { gt: 400, lte: 499.9 } } }, PAYLOAD), true);
  assert.equal(matches({ must: { key: 'price', range: { gt: 499.9 } } }, PAYLOAD), false);
  assert.equal(matches({ must: { key: 'price', range: {} } }, PAYLOAD), true);
  assert.equal(matches({ must: { key: 'color', range: {} } }, PAYLOAD), false);
  assert.equal(
    matches({ must: { key: 'shipped_at', range: { gt: '2020-02-14T23:00:00-02:00' } } }, PAYLOAD),
    false,
  );
  assert.equal(
    matches({ must: { key: 'shipped_at', range: { lte: '2020-02-15' } } }, PAYLOAD),
    true,
  );
  assert.equal(
    matches(
      {
        must: { key: 'location', geo_radius: { center: { lon: 13.4, lat: 52.52 }, radius: 1000 } },
      },
      PAYLOAD,
    ),
    true,
  );
  assert.equal(matches({ must: { key: 'has_delivery', match: { value: true } } }, PAYLOAD), true);
  assert.equal(
    matches({ must: { key: 'has_delivery', match: { value: 'true' } } }, PAYLOAD),
    false,
  );
  assert.equal(matches({ must: { key: 'color', match: { text: 'ed' } } }, PAYLOAD), true);
  assert.equal(matches({ must: { key: 'color', match: { text_any: 'xx ed' } } }, PAYLOAD), true);
  assert.equal(matches({ must: { key: 'color', match: { prefix: 're' } } }, PAYLOAD), true);
  assert.equal(
    matches({ must: { key: 'big', match: { value: 2n ** 62n } } }, { big: 2n ** 62n }),
    true,
  );
  assert.equal(
    matches({ must: { key: 'big', match: { value: 2n ** 62n } } }, { big: 2 ** 62 }),
    false,
  );
});

test('should / min_should / must_not, and empty lists', () => {
  const red = { key: 'color', match: { value: 'red' } };
  const blue = { key: 'color', match: { value: 'blue' } };
  assert.equal(matches({ should: [blue, red] }, PAYLOAD), true);
  assert.equal(matches({ should: [blue] }, PAYLOAD), false);
  assert.equal(matches({ should: [] }, PAYLOAD), true);
  assert.equal(matches({ must: [] }, PAYLOAD), true);
  assert.equal(matches({ must_not: [red] }, PAYLOAD), false);
  assert.equal(
    matches({ min_should: { conditions: [red, blue, red], min_count: 2 } }, PAYLOAD),
    true,
  );
  assert.equal(matches({ min_should: { conditions: [red, blue], min_count: 2 } }, PAYLOAD), false);
  assert.equal(matches({ min_should: { conditions: [red], min_count: 2 } }, PAYLOAD), false);
  assert.equal(matches({ must: [{ should: [] }] }, PAYLOAD), true);
  assert.equal(matches({ must: [{ must: [red], must_not: [blue] }] }, PAYLOAD), true);
});

test('nested checks all conditions on the same element, with plain-checker quirks', () => {
  const p = {
    arr: [
      { a: 1, b: 'x' },
      { a: 2, b: 'y' },
    ],
    single: { a: 1 },
  };
  const both = (a: number, b: string) => ({
    nested: {
      key: 'arr',
      filter: {
        must: [
          { key: 'a', match: { value: a } },
          { key: 'b', match: { value: b } },
        ],
      },
    },
  });
  assert.equal(matches({ must: both(1, 'x') }, p), true);
  assert.equal(matches({ must: both(1, 'y') }, p), false);
  assert.equal(matches({ must: { key: 'arr[].a', match: { value: 1 } } }, p), true);
  // `single` is an object, not an array: `single[]` selects nothing.
  assert.equal(matches({ must: { nested: { key: 'single', filter: {} } } }, p), false);
  assert.equal(matches({ must: { nested: { key: 'arr', filter: {} } } }, p), true);
  assert.equal(matches({ must: { nested: { key: 'arr[]', filter: {} } } }, p), true);
  // Inside nested: empty should matches nothing; ids and vectors are unknown.
  assert.equal(matches({ must: { nested: { key: 'arr', filter: { should: [] } } } }, p), false);
  assert.equal(
    matches({ must: { nested: { key: 'arr', filter: { must: { has_id: [1] } } } } }, p, 1),
    false,
  );
  assert.equal(matches({ must: { has_id: [1] } }, p, 1), true);
  assert.equal(matches({ must: { has_vector: 'image' } }, p), true);
  assert.equal(
    matches({ must: { nested: { key: 'arr', filter: { must: { has_vector: 'image' } } } } }, p),
    false,
  );
});

test('has_id with id resolution gives the same answers', () => {
  const points: ReferencePoint[] = Array.from({ length: 50 }, (_, i) => ({
    id: i % 7 === 0 ? `00000000-0000-0000-0000-${String(i).padStart(12, '0')}` : i * 3,
    payload: {},
    vectors: new Set(),
  }));
  const filter = parseFilter({
    must: { has_id: [0, 3, 6, 300, '00000000-0000-0000-0000-000000000007'] },
  });
  const plain = compileFilter(filter, contextOf(points));
  const resolved = compileFilter(filter, {
    ...contextOf(points),
    resolvePointId: (id) => {
      const o = points.findIndex((p) => p.id === id);
      return o < 0 ? undefined : o;
    },
  });
  for (let o = 0; o < points.length; o++) assert.equal(resolved(o), plain(o));
  assert.deepEqual(points.map((_, o) => o).filter(plain), [1, 2, 7]);
});

test('random filters agree with the reference checker', () => {
  const rng = seededRng(20240611);
  const points: ReferencePoint[] = Array.from({ length: 400 }, (_, i) => ({
    id: i % 11 === 10 ? `6ba7b810-9dad-11d1-80b4-${String(i).padStart(12, '0')}` : i,
    payload: randomPayload(rng),
    vectors: new Set(['v1', 'v2'].filter(() => rng() < 0.5)),
  }));
  const ctx = contextOf(points);
  let matched = 0;
  let total = 0;
  for (let f = 0; f < 400; f++) {
    const raw = randomFilter(rng, int(rng, 0, 2));
    const filter = parseFilterLenient(raw);
    if (filter === undefined) continue;
    const check = compileFilter(filter, ctx);
    for (let o = 0; o < points.length; o++) {
      const expected = referenceCheck(filter, points[o]!);
      assert.equal(
        check(o),
        expected,
        `filter ${JSON.stringify(raw, bigints)} point ${o} ${JSON.stringify(points[o]!.payload, bigints)}`,
      );
      total++;
      if (expected) matched++;
    }
  }
  // The generator must exercise both outcomes.
  assert.ok(matched > total * 0.1 && matched < total * 0.9, `${matched}/${total}`);
});

const bigints = (_k: string, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v);

function parseFilterLenient(raw: unknown) {
  try {
    return parseFilter(raw);
  } catch {
    return undefined; // e.g. min_count larger than the random list; parse errors are tested elsewhere
  }
}
