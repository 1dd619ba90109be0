import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RingvecError } from '../common/errors.js';
import { filterToJson } from './filter-types.js';
import {
  CONDITION_EXPECTED,
  isEmptyFilter,
  parseFilter,
  parseFilterCollectingIssues,
} from './parse-filter.js';

function formatError(raw: unknown): string {
  try {
    parseFilter(raw);
  } catch (error) {
    assert.ok(error instanceof RingvecError);
    assert.equal(error.code, 'format');
    assert.equal(error.httpStatus, 400);
    assert.ok(error.message.startsWith('Format error in JSON body: '), error.message);
    return error.message.slice('Format error in JSON body: '.length);
  }
  assert.fail(`expected a format error for ${JSON.stringify(raw)}`);
}

function validationError(raw: unknown): string {
  try {
    parseFilter(raw);
  } catch (error) {
    assert.ok(error instanceof RingvecError);
    assert.equal(error.code, 'validation');
    assert.equal(error.httpStatus, 422);
    return error.message;
  }
  assert.fail(`expected a validation error for ${JSON.stringify(raw)}`);
}

test('null and absent filters are the empty filter', () => {
  assert.deepEqual(parseFilter(null), {});
  assert.deepEqual(parseFilter(undefined), {});
  assert.ok(
    isEmptyFilter(parseFilter({ must: null, should: null, must_not: null, min_should: null })),
  );
});

test('clauses accept one condition or a list', () => {
  const one = parseFilter({ must: { key: 'a', match: { value: 1 } } });
  const list = parseFilter({ must: [{ key: 'a', match: { value: 1 } }] });
  assert.deepEqual(one, list);
  assert.equal(formatError({ must: 'a' }), 'invalid type: string "a", expected null, array or map');
  assert.equal(formatError({ must: 5 }), 'invalid type: integer `5`, expected null, array or map');
});

test('Filter rejects unknown fields and non-objects', () => {
  assert.equal(
    formatError({ must: [], foo: 1 }),
    'unknown field `foo`, expected one of `should`, `min_should`, `must`, `must_not`',
  );
  assert.equal(formatError('x'), 'invalid type: string "x", expected struct Filter');
  assert.equal(formatError([]), 'invalid type: sequence, expected struct Filter');
});

test('conditions without a key are tried in order, with the generic message on failure', () => {
  assert.equal(formatError({ must: [{ foo: 1 }] }), CONDITION_EXPECTED);
  assert.equal(formatError({ must: [5] }), CONDITION_EXPECTED);
  assert.equal(formatError({ must: [{ has_id: [-1] }] }), CONDITION_EXPECTED);
  assert.equal(formatError({ must: [{ is_empty: { key: 'a..b' } }] }), CONDITION_EXPECTED);
  assert.equal(
    formatError({ must: [{ nested: { key: 'a', filter: { bad: 1 } } }] }),
    CONDITION_EXPECTED,
  );
  assert.equal(formatError({ must: [{ slice: { total: 0, index: 0 } }] }), CONDITION_EXPECTED);
  // Extra fields are ignored by the first variant that fits.
  const f = parseFilter({ must: [{ has_id: [1], must: [{ foo: 1 }] }, {}] });
  assert.equal(f.must?.[0]?.kind, 'has_id');
  assert.deepEqual(f.must?.[1], { kind: 'filter', filter: {} });
  assert.equal(
    parseFilter({ must: { is_null: { key: 'a' }, is_empty: { key: 'b' } } }).must?.[0]?.kind,
    'is_empty',
  );
});

test('field conditions report their own errors', () => {
  assert.equal(formatError({ must: [{ key: 5 }] }), "Filter condition 'key' must be a string");
  assert.equal(
    formatError({ must: [{ key: null, match: { value: 1 } }] }),
    "Filter condition 'key' must be a string",
  );
  assert.equal(
    formatError({ must: [{ key: 'a[', match: { value: 1 } }] }),
    "Invalid json path: 'a['",
  );
  assert.equal(
    formatError({ must: [{ key: 'a', match: { value: 1.5 } }] }),
    'data did not match any variant of untagged enum MatchInterface',
  );
  assert.equal(
    formatError({ must: [{ key: 'a', match: { any: [1, 'x'] } }] }),
    'data did not match any variant of untagged enum MatchInterface',
  );
  assert.equal(
    formatError({ must: [{ key: 'a', range: { gt: true } }] }),
    'data did not match any variant of untagged enum RangeInterfaceUntagged',
  );
  assert.equal(
    formatError({ must: [{ key: 'a', range: { gt: '2020-01-01', lt: 'tomorrow' } }] }),
    "'tomorrow' does not match accepted datetime format (RFC3339). Example: 2014-01-01T00:00:00Z",
  );
  assert.equal(
    formatError({ must: [{ key: 'a', range: { gt: '2020-01-01', lt: 5 } }] }),
    'invalid type: integer `5`, expected a string',
  );
  assert.equal(
    formatError({ must: [{ key: 'a', geo_radius: { center: { lon: 0, lat: 100 }, radius: 1 } }] }),
    'Wrong format of GeoPoint payload: expected `lat` = 100 within [-90;90] and `lon` = 0 within [-180;180]',
  );
  assert.equal(
    formatError({ must: [{ key: 'a', geo_radius: { center: { lon: 0, lat: 0 } } }] }),
    'Missing field radius',
  );
  assert.equal(
    formatError({ must: [{ key: 'a', geo_radius: { center: { lon: 'x', lat: 0 }, radius: 1 } }] }),
    'Invalid type string "x". Expected f64',
  );
  const ring = (n: number) => Array.from({ length: n }, (_, i) => ({ lon: i, lat: 0 }));
  assert.equal(
    formatError({ must: [{ key: 'a', geo_polygon: { exterior: { points: ring(3) } } }] }),
    'Validation failed: polygon invalid, the size must be at least 4, got 3',
  );
  assert.equal(
    formatError({ must: [{ key: 'a', geo_polygon: { exterior: { points: ring(4) } } }] }),
    'Validation failed: polygon invalid, the first and the last points should be the same to form a closed line',
  );
  assert.equal(
    formatError({ must: [{ key: 'a', values_count: { gt: -1 } }] }),
    'Invalid value integer `-1`. Expected usize',
  );
  assert.equal(
    formatError({ must: [{ key: 'a', is_empty: 'yes' }] }),
    'Invalid type string "yes". Expected a boolean',
  );
  assert.equal(
    formatError({ min_should: { conditions: [], min_count: 1.5 } }),
    'invalid type: floating point `1.5`, expected usize',
  );
  assert.equal(formatError({ min_should: { min_count: 1 } }), 'missing field `conditions`');
  // Field conditions speak serde_value's dialect; null where a value is required is a unit value.
  assert.equal(
    formatError({ must: [{ key: 'a', geo_radius: { center: { lon: null, lat: 0 }, radius: 1 } }] }),
    'Invalid type unit value. Expected f64',
  );
  assert.equal(
    formatError({ must: [{ key: 'a', geo_bounding_box: 5 }] }),
    'Invalid type integer `5`. Expected struct GeoBoundingBox',
  );
  // An error inside a sub-filter condition is reported as the generic condition error.
  assert.equal(
    formatError({ must: [{ must: [{ key: 'a', is_empty: 'yes' }] }] }),
    CONDITION_EXPECTED,
  );
});

test('validation errors are collected with their paths', () => {
  assert.equal(
    validationError({ must: [{ key: 'city' }] }),
    'Validation error in JSON body: [filter.must[0].__all__: At least one field condition must be specified]',
  );
  assert.equal(
    validationError({
      should: { key: 'a', match: null },
      min_should: { conditions: [], min_count: 0 },
    }),
    'Validation error in JSON body: [filter.should[0].__all__: At least one field condition must be specified; filter.min_should.min_count: min_count must be greater than 0]',
  );
  assert.equal(
    validationError({ must: { slice: { total: 2, index: 2 } } }),
    'Validation error in JSON body: [filter.must[0].__all__: Slice index must be less than the total number of slices]',
  );
  assert.equal(
    validationError({ must: { nested: { key: 'a', filter: { must: { key: 'b' } } } } }),
    'Validation error in JSON body: [filter.must[0].nested.filter.must[0].__all__: At least one field condition must be specified]',
  );
  const issues: string[] = [];
  parseFilterCollectingIssues({ must: { key: 'b' } }, 'query.filter', issues);
  assert.deepEqual(issues, [
    'query.filter.must[0].__all__: At least one field condition must be specified',
  ]);
  // A format error wins over validation issues.
  assert.equal(
    formatError({ must: [{ key: 'a' }, { key: 1 }] }),
    "Filter condition 'key' must be a string",
  );
});

test('parses every condition type into the AST and back', () => {
  const raw = {
    should: [
      { key: 'a.b[]', match: { value: 'x' } },
      { key: 'n', match: { value: 9007199254740993n } },
      { key: 't', match: { text: 'hello' } },
      { key: 't', match: { text_any: 'a b' } },
      { key: 't', match: { phrase: 'a b' } },
      { key: 'k', match: { prefix: 'pre' } },
      { key: 'k', match: { any: ['a', 'b', 'a'] } },
      { key: 'k', match: { except: [1, 2, 2] } },
    ],
    min_should: {
      conditions: [
        { key: 'p', range: { gte: 1, lt: 2.5 } },
        { key: 'd', range: { gt: '2014-01-01T00:00:00Z' } },
        {
          key: 'g',
          geo_bounding_box: { top_left: { lon: 1, lat: 2 }, bottom_right: { lon: 3, lat: 1 } },
        },
        { key: 'g', geo_radius: { center: { lon: 1, lat: 2 }, radius: 10 } },
      ],
      min_count: 2,
    },
    must: [
      { key: 'c', values_count: { gt: 1 } },
      { key: 'c', is_empty: true },
      { key: 'c', is_null: false },
      { is_empty: { key: 'e' } },
      { is_null: { key: 'e' } },
      { has_id: [1, '550E8400-E29B-41D4-A716-446655440000'] },
      { has_vector: 'image' },
      { slice: { total: 4, index: 1 } },
      { nested: { key: 'arr', filter: { must: { key: 'x', match: { value: true } } } } },
      { must_not: [{ key: 'z', match: { value: 0 } }] },
    ],
    must_not: {
      key: 'g',
      geo_polygon: {
        exterior: {
          points: [
            { lon: 0, lat: 0 },
            { lon: 1, lat: 0 },
            { lon: 0, lat: 1 },
            { lon: 0, lat: 0 },
          ],
        },
      },
    },
  };
  const filter = parseFilter(raw);
  assert.equal(filter.should?.length, 8);
  const json = filterToJson(filter);
  assert.deepEqual(parseFilter(json), filter);
  assert.deepEqual((json['must'] as unknown[])[5], {
    has_id: [1, '550e8400-e29b-41d4-a716-446655440000'],
  });
  assert.deepEqual((json['min_should'] as { conditions: unknown[] }).conditions[1], {
    key: 'd',
    range: { gt: '2014-01-01T00:00:00Z' },
  });
  assert.deepEqual((json['should'] as unknown[])[6], { key: 'k', match: { any: ['a', 'b'] } });
});

test('parseFilter is cheap for small filters', () => {
  const raw = {
    must: [
      { key: 'city', match: { value: 'London' } },
      { key: 'price', range: { lt: 100 } },
    ],
  };
  const start = process.hrtime.bigint();
  for (let i = 0; i < 20_000; i++) parseFilter(raw);
  const perCall = Number(process.hrtime.bigint() - start) / 20_000;
  // Not a timing assertion in earnest: a generous bound that only catches pathologies.
  assert.ok(perCall < 50_000, `${perCall} ns per parse`);
});
