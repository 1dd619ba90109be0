import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseQuery,
  parseQueryBatch,
  parseQueryGroups,
  parseSearchMatrix,
} from './request-parsers.js';
import { assertOpenApiValid, expectFormat, expectValidation, f32, plain } from './test-support.js';

const filter = { must: [{ key: 'city', match: { value: 'London' } }] };

test('query: documentation examples parse and match the OpenAPI schema', () => {
  const examples: unknown[] = [
    { query: [0.2, 0.1, 0.9, 0.7] },
    { query: '43cf51e2-8777-4f52-bc74-c2cbde0c8b04' },
    { query: 42, using: 'image' },
    {
      query: {
        recommend: {
          positive: [100, 231],
          negative: [718, [0.2, 0.3, 0.4, 0.5]],
          strategy: 'average_vector',
        },
      },
      filter,
    },
    {
      query: {
        discover: {
          target: [0.2, 0.1, 0.9, 0.7],
          context: [
            { positive: 100, negative: 718 },
            { positive: 200, negative: 300 },
          ],
        },
      },
      limit: 10,
    },
    { query: { context: [{ positive: 100, negative: 718 }] }, limit: 10 },
    { query: { order_by: 'price' } },
    { query: { order_by: { key: 'price', direction: 'desc' } } },
    {
      prefetch: [
        { query: { indices: [1, 42], values: [0.22, 0.8] }, using: 'sparse', limit: 20 },
        { query: [0.01, 0.45, 0.67], using: 'dense', limit: 20 },
      ],
      query: { fusion: 'rrf' },
      limit: 10,
    },
    { prefetch: { query: [1, 2, 3], limit: 100 }, query: { fusion: 'dbsf' } },
    { query: { rrf: { k: 60 } }, prefetch: [{ query: [1] }, { query: [2] }] },
    { query: { sample: 'random' } },
    {
      query: { nearest: [0.01, 0.45, 0.67], mmr: { diversity: 0.5, candidates_limit: 100 } },
      limit: 10,
    },
    {
      prefetch: { query: [0.2, 0.8], limit: 50 },
      query: {
        formula: { sum: ['$score', { mult: [0.5, { key: 'tag', match: { any: ['h1', 'h2'] } }] }] },
        defaults: { tag: 0 },
      },
    },
    {
      query: [
        [0.1, 0.2],
        [0.3, 0.4],
      ],
      using: 'colbert',
    },
    {
      query: [0.2, 0.1, 0.9, 0.7],
      params: {
        hnsw_ef: 128,
        exact: false,
        quantization: { ignore: false, rescore: true, oversampling: 2.0 },
      },
      limit: 3,
      offset: 5,
      with_payload: { include: ['city'] },
      with_vector: true,
      score_threshold: 0.5,
      lookup_from: { collection: 'other', vector: 'image' },
    },
    {
      query: {
        relevance_feedback: {
          target: [0.1, 0.2],
          feedback: [{ example: 1, score: 0.9 }],
          strategy: { naive: { a: 1, b: 1, c: 1 } },
        },
      },
    },
    {},
  ];
  for (const body of examples) {
    assertOpenApiValid('QueryRequest', body);
    parseQuery(body);
  }
});

test('query: defaults and normalisation', () => {
  assert.deepEqual(plain(parseQuery({})), {
    prefetch: [],
    using: '',
    limit: 10,
    offset: 0,
    with_payload: false,
    with_vector: false,
  });
  const bare = parseQuery({ query: [1, 2], with_vectors: true });
  assert.deepEqual(bare.query, { nearest: f32(1, 2) });
  assert.equal(bare.with_vector, true);
  assert.deepEqual(parseQuery({ query: 7 }).query, { nearest: 7 });
  assert.deepEqual(parseQuery({ query: { indices: [1], values: [2] } }).query, {
    nearest: { indices: Uint32Array.from([1]), values: f32(2) },
  });
  const rec = parseQuery({ query: { recommend: { positive: [1] } } }).query;
  assert.deepEqual(rec, { recommend: { positive: [1], negative: [], strategy: 'average_vector' } });
  // MaybeOneOrMany: a single prefetch object, a single context pair, context null.
  const nested = parseQuery({ prefetch: { prefetch: { query: [1] }, query: [2] } });
  assert.equal(nested.prefetch.length, 1);
  assert.equal(nested.prefetch[0]!.prefetch.length, 1);
  assert.equal(nested.prefetch[0]!.prefetch[0]!.limit, 10);
  assert.equal(nested.prefetch[0]!.prefetch[0]!.using, '');
  assert.deepEqual(parseQuery({ query: { context: { positive: 1, negative: 2 } } }).query, {
    context: [{ positive: 1, negative: 2 }],
  });
  assert.deepEqual(parseQuery({ query: { discover: { target: 1, context: null } } }).query, {
    discover: { target: 1, context: [] },
  });
  assert.deepEqual(parseQuery({ query: { formula: '$score' } }).query, {
    formula: '$score',
    defaults: {},
  });
  assert.deepEqual(plain(parseQuery({ params: {} }).params), { exact: false, indexed_only: false });
});

test('query: errors', () => {
  expectFormat(
    parseQuery,
    { query: { near: [1] } },
    'query: Expected some form of vector, id, or a type of query',
  );
  expectFormat(
    parseQuery,
    { query: true },
    'query: Expected some form of vector, id, or a type of query',
  );
  expectFormat(
    parseQuery,
    { query: { nearest: [1, 'a'] } },
    'query.nearest[1]: invalid type: string "a", expected f32',
  );
  expectFormat(
    parseQuery,
    { query: 'not-an-id' },
    'query: value not-an-id is not a valid point ID, valid values are either an unsigned integer or a UUID',
  );
  expectFormat(
    parseQuery,
    { query: { fusion: 'max' } },
    'query.fusion: unknown variant `max`, expected `rrf` or `dbsf`',
  );
  expectFormat(
    parseQuery,
    { query: { discover: { target: [1] } } },
    'query.discover: missing field `context`',
  );
  expectFormat(
    parseQuery,
    { prefetch: [{ limit: 'x' }] },
    'prefetch[0].limit: invalid type: string "x", expected usize',
  );
  expectFormat(
    parseQuery,
    { filter: 1 },
    'filter: invalid type: integer `1`, expected struct Filter',
  );
  expectFormat(
    parseQuery,
    { params: { exact: null } },
    'params.exact: invalid type: null, expected a boolean',
  );
  expectFormat(
    parseQuery,
    { params: { idf: 'local' } },
    'params.idf: unknown variant `local`, expected `global`',
  );
  expectValidation(parseQuery, { limit: 0 }, 'limit: value 0 invalid, must be 1 or larger');
  expectValidation(
    parseQuery,
    { query: { recommend: {} } },
    'query.recommend.positives, negatives: Validation error: At least one positive or negative vector/id must be provided [{}]',
  );
  expectValidation(
    parseQuery,
    { query: { nearest: [1], mmr: { diversity: 2, candidates_limit: 20000 } } },
    'query.mmr.diversity: value 2.0 invalid, must be from 0.0 to 1.0; query.mmr.candidates_limit: value 20000 invalid, must be 16384 or smaller',
  );
  expectValidation(
    parseQuery,
    { params: { hnsw_ef: 0, quantization: { oversampling: 0.5 }, acorn: { max_selectivity: 2 } } },
    'params.hnsw_ef: value 0 invalid, must be 1 or larger; params.quantization.oversampling: value 0.5 invalid, must be 1.0 or larger; ' +
      'params.acorn.max_selectivity: value 2.0 invalid, must be from 0.0 to 1.0',
  );
  expectValidation(
    parseQuery,
    { prefetch: { prefetch: { limit: 0 } } },
    'prefetch.prefetch.limit: value 0 invalid, must be 1 or larger',
  );
  expectValidation(
    parseQuery,
    {
      query: {
        relevance_feedback: { target: 1, feedback: [], strategy: { naive: { a: 1, b: -1, c: 1 } } },
      },
    },
    'query.relevance_feedback.strategy.naive.b: value -1.0 invalid, must be 0.0 or larger; ' +
      'query.relevance_feedback.__all__: feedback elements must be non-empty',
  );
  expectValidation(
    parseQuery,
    { query: [[1, 2], [1]] },
    'query.data: all vectors must have the same dimension, found vector with dimension 1',
  );
});

test('query batch and query groups', () => {
  const batch = {
    searches: [
      { query: [0.2, 0.1], filter, limit: 3 },
      { query: [0.5, 0.3], limit: 3 },
    ],
  };
  assertOpenApiValid('QueryRequestBatch', batch);
  assert.equal(parseQueryBatch(batch).searches[1]!.limit, 3);
  expectValidation(
    parseQueryBatch,
    { searches: [{}, { limit: 0 }] },
    'searches[1].limit: value 0 invalid, must be 1 or larger',
  );

  const groups = {
    query: [1.1],
    group_by: 'document_id',
    limit: 4,
    group_size: 2,
    with_lookup: { collection: 'documents', with_payload: ['title', 'text'], with_vectors: false },
  };
  assertOpenApiValid('QueryGroupsRequest', groups);
  const parsed = parseQueryGroups(groups);
  assert.deepEqual(parsed.with_lookup, {
    collection: 'documents',
    with_payload: ['title', 'text'],
    with_vectors: false,
  });
  const defaults = parseQueryGroups({ query: [1], group_by: 'doc', with_lookup: 'documents' });
  assert.equal(defaults.limit, 10);
  assert.equal(defaults.group_size, 3);
  assert.deepEqual(defaults.with_lookup, {
    collection: 'documents',
    with_payload: true,
    with_vectors: false,
  });
  assert.deepEqual(
    parseQueryGroups({ group_by: 'd', with_lookup: { collection: 'c' } }).with_lookup,
    {
      collection: 'c',
      with_payload: true,
      with_vectors: false,
    },
  );
  assert.deepEqual(
    parseQueryGroups({ group_by: 'd', with_lookup: { collection: 'c', with_payload: null } })
      .with_lookup,
    {
      collection: 'c',
      with_payload: false,
      with_vectors: false,
    },
  );
  expectFormat(parseQueryGroups, { query: [1] }, 'missing field `group_by`');
  expectFormat(parseQueryGroups, { group_by: '' }, "group_by: Invalid json path: ''");
  expectValidation(
    parseQueryGroups,
    { group_by: 'd', group_size: 0 },
    'group_size: value 0 invalid, must be 1 or larger',
  );
});

test('search matrix: defaults sample=10, limit=3', () => {
  const body = { sample: 10, limit: 2, filter, using: 'image' };
  assertOpenApiValid('SearchMatrixRequest', body);
  assert.deepEqual(plain(parseSearchMatrix(body)), body);
  assert.deepEqual(plain(parseSearchMatrix({})), { sample: 10, limit: 3, using: '' });
  expectValidation(
    parseSearchMatrix,
    { sample: 1, limit: 0 },
    'sample: value 1 invalid, must be 2 or larger; limit: value 0 invalid, must be 1 or larger',
  );
});
