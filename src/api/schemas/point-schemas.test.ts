import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJson } from '../../common/json.js';
import {
  parseClearPayload,
  parseCount,
  parseDeletePayload,
  parseDeletePoints,
  parseDeleteVectors,
  parseFacet,
  parseGetPoints,
  parseScroll,
  parseSetPayload,
  parseUpdateOperations,
  parseUpdateVectors,
  parseUpsertPoints,
} from './request-parsers.js';
import { assertOpenApiValid, expectFormat, expectValidation, f32, plain } from './test-support.js';

const filter = { must: [{ key: 'city', match: { value: 'London' } }] };

test('upsert: documentation examples (list and batch) parse', () => {
  const list = {
    points: [
      { id: 1, payload: { color: 'red' }, vector: [0.9, 0.1, 0.1] },
      {
        id: '5c56c793-69f3-4fbf-87e6-c4bf54c28c26',
        payload: { color: 'green' },
        vector: [0.1, 0.9, 0.1],
      },
      {
        id: 3,
        vector: { image: [0.9, 0.1, 0.1, 0.2], text: { indices: [6, 7], values: [1.0, 2.0] } },
      },
    ],
  };
  const batch = {
    batch: {
      ids: [1, 2, 3],
      payloads: [{ color: 'red' }, { color: 'green' }, { color: 'blue' }],
      vectors: [
        [0.9, 0.1, 0.1],
        [0.1, 0.9, 0.1],
        [0.1, 0.1, 0.9],
      ],
    },
  };
  for (const body of [list, batch]) assertOpenApiValid('PointInsertOperations', body);
  const parsedList = parseUpsertPoints(list);
  assert.ok('points' in parsedList);
  assert.equal(parsedList.update_mode, 'upsert');
  assert.deepEqual(parsedList.points[0]!.vector, f32(0.9, 0.1, 0.1));
  assert.equal(parsedList.points[1]!.id, '5c56c793-69f3-4fbf-87e6-c4bf54c28c26');
  const parsedBatch = parseUpsertPoints(batch);
  assert.ok('batch' in parsedBatch);
  assert.deepEqual(parsedBatch.batch.ids, [1, 2, 3]);
  assert.deepEqual(parsedBatch.batch.vectors, [
    f32(0.9, 0.1, 0.1),
    f32(0.1, 0.9, 0.1),
    f32(0.1, 0.1, 0.9),
  ]);
  // `vectors` alias, update_mode, update_filter, null payload.
  const other = parseUpsertPoints({
    points: [{ id: 1, vectors: [1], payload: null }],
    update_mode: 'insert_only',
    update_filter: filter,
  });
  assert.deepEqual(plain(other), {
    points: [{ id: 1, vector: f32(1) }],
    update_mode: 'insert_only',
    update_filter: filter,
  });
});

test('upsert: huge u64 ids arrive exact from the JSON text', () => {
  const body = parseJson(
    '{"points":[{"id":18446744073709551615,"vector":[1]},{"id":9007199254740993,"vector":[2]}]}',
  );
  const parsed = parseUpsertPoints(body);
  assert.ok('points' in parsed);
  assert.equal(parsed.points[0]!.id, 18446744073709551615n);
  assert.equal(parsed.points[1]!.id, 9007199254740993n);
});

test('upsert: errors', () => {
  expectFormat(parseUpsertPoints, {}, 'Invalid PointInsertOperations format');
  expectFormat(parseUpsertPoints, [], 'Invalid PointInsertOperations format');
  expectFormat(parseUpsertPoints, { points: [{ vector: [1] }] }, 'points[0]: missing field `id`');
  expectFormat(parseUpsertPoints, { points: [{ id: 1 }] }, 'points[0]: missing field `vector`');
  expectFormat(
    parseUpsertPoints,
    { points: [{ id: -5, vector: [1] }] },
    'points[0].id: value -5 is not a valid point ID, valid values are either an unsigned integer or a UUID',
  );
  expectFormat(
    parseUpsertPoints,
    { points: [{ id: 1, vector: [1, true] }] },
    'points[0].vector[1]: invalid type: boolean `true`, expected f32',
  );
  expectFormat(
    parseUpsertPoints,
    { points: [{ id: 1, vector: [1], payload: [] }] },
    'points[0].payload: invalid type: sequence, expected a map',
  );
  expectFormat(
    parseUpsertPoints,
    { points: [], update_mode: 'merge' },
    'update_mode: unknown variant `merge`, expected one of `upsert`, `insert_only`, `update_only`',
  );
  expectFormat(parseUpsertPoints, { batch: { ids: [1] } }, 'batch: missing field `vectors`');
  expectValidation(
    parseUpsertPoints,
    { points: [{ id: 1, vector: [] }] },
    'points[0].vector.vector: dense vector must not be empty',
  );
  expectValidation(
    parseUpsertPoints,
    { batch: { ids: [1, 2], vectors: [[1]] } },
    'batch.batch: number of ids and vectors must be equal (2 != 1)',
  );
  expectValidation(
    parseUpsertPoints,
    { batch: { ids: [1], vectors: { a: [[1]], b: [] } } },
    'batch.batch: number of ids and vectors must be equal (1 != 0)',
  );
  expectValidation(
    parseUpsertPoints,
    { batch: { ids: [1], vectors: [[1]], payloads: [] } },
    'batch.batch: number of ids and payloads must be equal (1 != 0)',
  );
});

test('retrieve: defaults with_payload=false (as the code does), with_vector=false', () => {
  const body = { ids: [0, 3, 100] };
  assertOpenApiValid('PointRequest', body);
  assert.deepEqual(plain(parseGetPoints(body)), {
    ids: [0, 3, 100],
    with_payload: false,
    with_vector: false,
  });
  assert.deepEqual(
    plain(parseGetPoints({ ids: [1], with_payload: ['a', 'b.c'], with_vectors: ['image'] })),
    { ids: [1], with_payload: ['a', 'b.c'], with_vector: ['image'] },
  );
  assert.deepEqual(plain(parseGetPoints({ ids: [1], with_payload: { exclude: ['a'] } })), {
    ids: [1],
    with_payload: { exclude: ['a'] },
    with_vector: false,
  });
  expectFormat(parseGetPoints, {}, 'missing field `ids`');
  expectFormat(
    parseGetPoints,
    { ids: [1], with_payload: 'yes' },
    'with_payload: Expected a boolean, an array of strings, or an object with an include/exclude field',
  );
  expectFormat(
    parseGetPoints,
    { ids: [1], with_payload: { include: ['a'], x: 1 } },
    'with_payload: unknown field `x`, expected `include`',
  );
  expectFormat(
    parseGetPoints,
    { ids: [1], with_vector: 1 },
    'with_vector: Expected a boolean, or an array of strings',
  );
  expectFormat(
    parseGetPoints,
    { ids: [1], with_vector: null },
    'with_vector: Expected a boolean, or an array of strings',
  );
});

test('delete points and clear payload: ids or filter selector', () => {
  for (const body of [{ points: [0, 3, 100] }, { filter }]) {
    assertOpenApiValid('PointsSelector', body);
    assert.deepEqual(plain(parseDeletePoints(body)), body);
    assert.deepEqual(plain(parseClearPayload(body)), body);
  }
  expectFormat(
    parseDeletePoints,
    {},
    'data did not match any variant of untagged enum PointsSelector',
  );
  expectFormat(
    parseDeletePoints,
    { filter: 'x' },
    'filter: invalid type: string "x", expected struct Filter',
  );
  expectFormat(
    parseDeletePoints,
    { filter: null },
    'filter: invalid type: null, expected struct Filter',
  );
  expectFormat(
    parseDeletePoints,
    { filter: [] },
    'filter: invalid type: sequence, expected struct Filter',
  );
});

test('update and delete vectors', () => {
  const update = {
    points: [
      { id: 1, vector: { image: [0.1, 0.2, 0.3, 0.4] } },
      { id: 2, vector: { text: [1, 2] } },
    ],
  };
  assertOpenApiValid('UpdateVectors', update);
  const parsed = parseUpdateVectors(update);
  assert.deepEqual(parsed.points[0]!.vector, { image: f32(0.1, 0.2, 0.3, 0.4) });
  expectValidation(parseUpdateVectors, { points: [] }, 'points: must specify points to update');
  expectValidation(
    parseUpdateVectors,
    { points: [{ id: 1, vector: {} }] },
    'points[0].vector: must specify vectors to update for point',
  );

  const del = { points: [0, 3, 100], vector: ['text', 'image', 'text'] };
  assertOpenApiValid('DeleteVectors', { points: [0, 3, 100], vector: ['text', 'image'] });
  assert.deepEqual(plain(parseDeleteVectors(del)), {
    points: [0, 3, 100],
    vector: ['text', 'image'],
  });
  assert.deepEqual(plain(parseDeleteVectors({ filter, vectors: ['a'] })), {
    filter,
    vector: ['a'],
  });
  expectValidation(
    parseDeleteVectors,
    { points: [1], vector: [] },
    'vector: must specify vector names to delete',
  );
  expectFormat(parseDeleteVectors, { points: [1] }, 'missing field `vector`');
});

test('set, overwrite and delete payload', () => {
  const set = { payload: { property1: 'string', property2: 'string' }, points: [0, 3, 10] };
  assertOpenApiValid('SetPayload', set);
  assert.deepEqual(plain(parseSetPayload(set)), set);
  const nested = { payload: { a: 1 }, filter, key: 'nested.obj' };
  assertOpenApiValid('SetPayload', nested);
  assert.deepEqual(plain(parseSetPayload(nested)), nested);
  expectFormat(
    parseSetPayload,
    { payload: { a: 1 } },
    'Either list of point ids or filter must be provided',
  );
  expectFormat(
    parseSetPayload,
    { payload: { a: 1 }, points: null, filter: null },
    'Either list of point ids or filter must be provided',
  );
  expectFormat(parseSetPayload, { points: [1] }, 'missing field `payload`');
  expectFormat(
    parseSetPayload,
    { payload: { a: 1 }, points: [1], key: 'a b' },
    "key: Invalid json path: 'a b'",
  );

  const del = { keys: ['color', 'price'], points: [0, 3, 100] };
  assertOpenApiValid('DeletePayload', del);
  assert.deepEqual(plain(parseDeletePayload(del)), del);
  expectFormat(
    parseDeletePayload,
    { keys: ['a'] },
    'Either list of point ids or filter must be provided',
  );
});

test('batch update: every operation kind', () => {
  const body = {
    operations: [
      { upsert: { points: [{ id: 1, vector: [1.0, 2.0, 3.0, 4.0], payload: {} }] } },
      { upsert: { batch: { ids: [2], vectors: [[1, 2, 3, 4]] } } },
      { update_vectors: { points: [{ id: 1, vector: [1.0, 2.0, 3.0, 4.0] }] } },
      { delete_vectors: { points: [1], vector: [''] } },
      { overwrite_payload: { payload: { test_payload: 1 }, points: [1] } },
      { set_payload: { payload: { test_payload_2: 2, test_payload_3: 3 }, points: [1] } },
      { delete_payload: { keys: ['test_payload_2'], points: [1] } },
      { clear_payload: { points: [1] } },
      { delete: { points: [1] } },
      { delete: { filter } },
    ],
  };
  assertOpenApiValid('UpdateOperations', body);
  const parsed = parseUpdateOperations(body);
  assert.equal(parsed.operations.length, 10);
  expectFormat(
    parseUpdateOperations,
    { operations: [{ merge: {} }] },
    'operations[0]: data did not match any variant of untagged enum UpdateOperation',
  );
  expectFormat(
    parseUpdateOperations,
    { operations: [{ set_payload: { payload: {} } }] },
    'operations[0].set_payload: Either list of point ids or filter must be provided',
  );
  expectValidation(
    parseUpdateOperations,
    { operations: [{ upsert: { points: [{ id: 1, vector: [] }] } }] },
    'operations[0].upsert.points[0].vector.vector: dense vector must not be empty',
  );
});

test('scroll: defaults limit=10, with_payload=true, with_vector=false; order_by normalised', () => {
  assert.deepEqual(plain(parseScroll({})), { limit: 10, with_payload: true, with_vector: false });
  const body = {
    filter,
    limit: 1,
    with_payload: true,
    with_vector: false,
    offset: 'a1b2c3d4-0000-0000-0000-000000000000',
  };
  assertOpenApiValid('ScrollRequest', body);
  assert.deepEqual(plain(parseScroll(body)), body);
  assert.deepEqual(plain(parseScroll({ order_by: 'timestamp' })), {
    limit: 10,
    with_payload: true,
    with_vector: false,
    order_by: { key: 'timestamp' },
  });
  const ordered = { order_by: { key: 'timestamp', direction: 'desc', start_from: 123 } };
  assertOpenApiValid('ScrollRequest', ordered);
  assert.deepEqual(
    (plain(parseScroll(ordered)) as { order_by: unknown }).order_by,
    ordered.order_by,
  );
  assert.deepEqual(
    (
      plain(parseScroll({ order_by: { key: 't', start_from: '2024-01-01T00:00:00Z' } })) as {
        order_by: unknown;
      }
    ).order_by,
    { key: 't', start_from: '2024-01-01T00:00:00Z' },
  );
  expectValidation(parseScroll, { limit: 0 }, 'limit: value 0 invalid, must be 1 or larger');
  expectFormat(
    parseScroll,
    { order_by: { key: 't', direction: 'up' } },
    'order_by.direction: unknown variant `up`, expected `asc` or `desc`',
  );
  expectFormat(
    parseScroll,
    { order_by: 5 },
    'order_by: Expected a string, or an object with a key, direction and/or start_from',
  );
});

test('count and facet', () => {
  assert.deepEqual(plain(parseCount({})), { exact: true });
  assert.deepEqual(plain(parseCount({ filter, exact: false })), { filter, exact: false });
  assertOpenApiValid('CountRequest', { filter, exact: true });
  expectFormat(parseCount, { exact: 'no' }, 'exact: invalid type: string "no", expected a boolean');

  const facet = { key: 'size', filter: { must: { key: 'color', match: { value: 'red' } } } };
  assertOpenApiValid('FacetRequest', facet);
  assert.deepEqual(plain(parseFacet(facet)), { ...facet, limit: 10, exact: false });
  assert.deepEqual(plain(parseFacet({ key: 'a', limit: null, exact: null })), {
    key: 'a',
    limit: 10,
    exact: false,
  });
  expectFormat(parseFacet, {}, 'missing field `key`');
  expectValidation(
    parseFacet,
    { key: 'a', limit: 0 },
    'limit: value 0 invalid, must be 1 or larger',
  );
});
