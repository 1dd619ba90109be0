import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJson } from '../../common/json.js';
import {
  parseDiscover,
  parseDiscoverBatch,
  parseRecommend,
  parseRecommendBatch,
  parseRecommendGroups,
  parseSearch,
  parseSearchBatch,
  parseSearchGroups,
} from './request-parsers.js';
import { assertOpenApiValid, expectFormat, expectValidation, f32, plain } from './test-support.js';

const filter = { must: [{ key: 'city', match: { value: 'London' } }] };

test('recommend: the exact request of the io_uring article benchmark', () => {
  // `xargs -I {}` puts the point id into `"positive": [{}]`.
  const text = '{"limit": 10, "positive": [17], "params": {"quantization": {"rescore": true}}}';
  const body = parseJson(text);
  assertOpenApiValid('RecommendRequest', body, '1.18');
  assert.deepEqual(plain(parseRecommend(body)), {
    positive: [17],
    negative: [],
    strategy: 'average_vector',
    params: { exact: false, indexed_only: false, quantization: { ignore: false, rescore: true } },
    with_payload: false,
    with_vector: false,
    using: '',
    limit: 10,
    offset: 0,
  });
  // The article's script as written, with spaces and a 4-digit id from `seq 1000 2000`.
  const scripted = parseJson(
    '{ "limit": 10, "positive": [1999], "params": { "quantization": { "rescore": true  } } }',
  );
  assert.deepEqual(parseRecommend(scripted).positive, [1999]);
});

test('recommend: examples, mixed ids and vectors, defaults and errors', () => {
  const body = {
    positive: [100, 231, [0.1, 0.2, 0.3]],
    negative: ['550e8400-e29b-41d4-a716-446655440000'],
    strategy: 'best_score',
    filter,
    params: { hnsw_ef: 128, exact: false },
    limit: 3,
    using: 'image',
    lookup_from: { collection: 'other', vector: 'v' },
    with_payload: true,
    score_threshold: 0.1,
  };
  assertOpenApiValid('RecommendRequest', body, '1.18');
  const parsed = parseRecommend(body);
  assert.deepEqual(parsed.positive, [100, 231, f32(0.1, 0.2, 0.3)]);
  assert.equal(parsed.strategy, 'best_score');
  assert.equal(
    parseRecommend({ top: 5, positive: [18446744073709551615n] }).positive[0],
    18446744073709551615n,
  );
  expectFormat(parseRecommend, { positive: [1] }, 'missing field `limit`');
  expectFormat(
    parseRecommend,
    { limit: 1, positive: null },
    'positive: invalid type: null, expected a sequence',
  );
  expectFormat(
    parseRecommend,
    { limit: 1, positive: [true] },
    'positive[0]: data did not match any variant of untagged enum RecommendExample',
  );
  expectFormat(
    parseRecommend,
    { limit: 1, strategy: 'avg' },
    'strategy: unknown variant `avg`, expected one of `average_vector`, `best_score`, `sum_scores`',
  );
  expectFormat(parseRecommend, { limit: 1, top: 2 }, 'duplicate field `limit`');
  expectValidation(
    parseRecommend,
    { limit: 0, positive: [1] },
    'limit: value 0 invalid, must be 1 or larger',
  );
  expectValidation(
    parseRecommend,
    { limit: 1, positive: [{ indices: [1, 1], values: [1, 2] }] },
    'positive[0].indices: Validation error: must be unique [{}]',
  );

  const batch = {
    searches: [
      { positive: [1], limit: 3 },
      { positive: [2], negative: [3], limit: 3 },
    ],
  };
  assertOpenApiValid('RecommendRequestBatch', batch, '1.18');
  assert.equal(parseRecommendBatch(batch).searches.length, 2);

  const groups = {
    positive: [1],
    group_by: 'document_id',
    group_size: 2,
    limit: 4,
    with_lookup: 'docs',
  };
  assertOpenApiValid('RecommendGroupsRequest', groups, '1.18');
  assert.deepEqual(parseRecommendGroups(groups).with_lookup, {
    collection: 'docs',
    with_payload: true,
    with_vectors: false,
  });
  expectFormat(
    parseRecommendGroups,
    { positive: [1], group_by: 'd', limit: 4 },
    'missing field `group_size`',
  );
  expectFormat(
    parseRecommendGroups,
    { positive: [1], group_by: 'd', limit: 4, group_size: 4294967296 },
    'group_size: invalid value: integer `4294967296`, expected u32',
  );
});

test('search: plain, named and sparse vectors; batch; groups', () => {
  const examples: unknown[] = [
    { vector: [0.2, 0.1, 0.9, 0.7], limit: 3 },
    {
      vector: { name: 'image', vector: [0.2, 0.1, 0.9, 0.7] },
      filter,
      limit: 3,
      with_payload: true,
    },
    { vector: { name: 'text', vector: { indices: [6, 7], values: [1.0, 2.0] } }, limit: 3 },
    {
      vector: [0.2, 0.1, 0.9, 0.7],
      params: { hnsw_ef: 128, exact: false, quantization: { rescore: true, oversampling: 2.0 } },
      limit: 3,
      offset: 100,
      score_threshold: 0.5,
      with_vector: ['image'],
    },
  ];
  for (const body of examples) {
    assertOpenApiValid('SearchRequest', body, '1.18');
    parseSearch(body);
  }
  assert.deepEqual(plain(parseSearch({ vector: [1], top: 3, with_vectors: true })), {
    vector: { vector: f32(1) },
    limit: 3,
    offset: 0,
    with_payload: false,
    with_vector: true,
  });
  expectFormat(parseSearch, { limit: 3 }, 'missing field `vector`');
  expectFormat(
    parseSearch,
    { vector: [[1]], limit: 3 },
    'vector[0]: invalid type: sequence, expected f32',
  );
  expectFormat(
    parseSearch,
    { vector: 'x', limit: 3 },
    'vector: data did not match any variant of untagged enum NamedVectorStruct',
  );

  const batch = {
    searches: [
      { vector: [1, 2], limit: 1 },
      { vector: [3, 4], limit: 2, filter },
    ],
  };
  assertOpenApiValid('SearchRequestBatch', batch, '1.18');
  assert.equal(parseSearchBatch(batch).searches[1]!.limit, 2);

  const groups = { vector: [1.1], group_by: 'document_id', limit: 4, group_size: 2 };
  assertOpenApiValid('SearchGroupsRequest', groups, '1.18');
  assert.deepEqual(plain(parseSearchGroups(groups)), {
    vector: { vector: f32(1.1) },
    group_by: 'document_id',
    limit: 4,
    group_size: 2,
    with_payload: false,
    with_vector: false,
  });
  expectValidation(
    parseSearchGroups,
    { vector: [1], group_by: 'd', limit: 0, group_size: 0 },
    'group_size: value 0 invalid, must be 1 or larger; limit: value 0 invalid, must be 1 or larger',
  );
});

test('discover: target and context pairs; batch', () => {
  const body = {
    target: [0.2, 0.1, 0.9, 0.7],
    context: [
      { positive: 100, negative: 718 },
      { positive: 200, negative: 300 },
    ],
    limit: 10,
  };
  assertOpenApiValid('DiscoverRequest', body, '1.18');
  const parsed = parseDiscover(body);
  assert.deepEqual(parsed.target, f32(0.2, 0.1, 0.9, 0.7));
  assert.deepEqual(parsed.context, body.context);
  assert.deepEqual(plain(parseDiscover({ context: [{ positive: 1, negative: 2 }], limit: 1 })), {
    context: [{ positive: 1, negative: 2 }],
    limit: 1,
    offset: 0,
    with_payload: false,
    with_vector: false,
    using: '',
  });
  expectFormat(
    parseDiscover,
    { limit: 1, context: { positive: 1, negative: 2 } },
    'context: invalid type: map, expected a sequence',
  );
  expectFormat(
    parseDiscover,
    { limit: 1, context: [{ positive: 1 }] },
    'context[0]: missing field `negative`',
  );

  const batch = { searches: [body, { target: 5, limit: 2 }] };
  assertOpenApiValid('DiscoverRequestBatch', batch, '1.18');
  assert.equal(parseDiscoverBatch(batch).searches[1]!.target, 5);
});
