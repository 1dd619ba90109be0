// Invalid search requests answer with Qdrant's status codes and messages: unknown vector names,
// wrong dimensions, bad filters, unknown collections, query-shape rules of the universal API, and a
// clear 400 for what ringvec does not support (sparse, multivectors, inference, formulas).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { expectOk } from './helpers/search-fixtures.js';
import { http, startTestServer, type TestServer } from './helpers/test-server.js';

const V = [0.1, 0.2, 0.3, 0.4];

describe('invalid search requests', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
    await expectOk(
      await http(server.url, 'PUT', '/collections/e', { vectors: { size: 4, distance: 'Cosine' } }),
    );
    await expectOk(
      await http(server.url, 'PUT', '/collections/e/points?wait=true', {
        points: [1, 2, 3].map((id) => ({ id, vector: V.map((x) => x * id), payload: { n: id } })),
      }),
    );
    await expectOk(
      await http(server.url, 'PUT', '/collections/named', {
        vectors: { a: { size: 4, distance: 'Dot' }, b: { size: 2, distance: 'Euclid' } },
      }),
    );
    await expectOk(
      await http(server.url, 'PUT', '/collections/named/points?wait=true', {
        points: [
          { id: 1, vector: { a: V } },
          { id: 2, vector: { a: V, b: [1, 2] } },
        ],
      }),
    );
  });
  after(() => server.close());

  async function expectError(
    path: string,
    body: unknown,
    status: number,
    error: string | RegExp,
    collection = 'e',
  ): Promise<void> {
    const res = await http(server.url, 'POST', `/collections/${collection}/points/${path}`, body);
    assert.equal(res.status, status, `${path} ${JSON.stringify(body)}: ${res.text}`);
    const message = (res.body as { status: { error: string } }).status.error;
    if (typeof error === 'string') assert.equal(message, error);
    else assert.match(message, error);
  }

  test('unknown vector name', async () => {
    const error = 'Wrong input: Not existing vector name error: nope';
    await expectError('query', { query: V, using: 'nope' }, 400, error);
    await expectError('search', { vector: { name: 'nope', vector: V }, limit: 3 }, 400, error);
    await expectError('recommend', { positive: [1], using: 'nope', limit: 3 }, 400, error);
    await expectError('query', { query: 1, using: 'nope' }, 400, error);
    await expectError('search/matrix/pairs', { using: 'nope' }, 400, error);
    await expectError(
      'query',
      { query: V },
      400,
      'Wrong input: Not existing vector name error: ""',
      'named',
    );
  });

  test('wrong dimension', async () => {
    const error = 'Wrong input: Vector dimension error: expected dim: 4, got 3';
    await expectError('query', { query: [1, 2, 3] }, 400, error);
    await expectError('search', { vector: [1, 2, 3], limit: 1 }, 400, error);
    await expectError('recommend', { positive: [[1, 2, 3]], limit: 1 }, 400, error);
    await expectError(
      'query',
      { query: [1, 2, 3], using: 'b' },
      400,
      'Wrong input: Vector dimension error: expected dim: 2, got 3',
      'named',
    );
  });

  test('a point without the requested vector', async () => {
    await expectError(
      'query',
      { query: 1, using: 'b' },
      404,
      'Not found: Vector with name "b" for point not found',
      'named',
    );
    const ok = await expectOk(
      await http(server.url, 'POST', '/collections/named/points/query', {
        query: 2,
        using: 'a',
        with_vector: ['b'],
      }),
    );
    assert.deepEqual(ok, { points: [{ id: 1, version: 1, score: 0.3, vector: {} }] });
  });

  test('bad filter and malformed bodies', async () => {
    await expectError(
      'query',
      { query: V, filter: { must: [{ key: 'n', match: { nothing: 1 } }] } },
      400,
      /^Format error in JSON body: /,
    );
    await expectError('query', { query: V, filter: 'n = 1' }, 400, /^Format error in JSON body: /);
    await expectError('search', { vector: V }, 400, /^Format error in JSON body: .*limit/);
    await expectError('query', { query: V, limit: 0 }, 422, /^Validation error in JSON body: /);
    await expectError('query', { query: 'not-an-id' }, 400, /^Format error in JSON body: /);
  });

  test('unknown collection', async () => {
    for (const path of ['query', 'search', 'recommend', 'discover', 'query/groups']) {
      const res = await http(server.url, 'POST', `/collections/missing/points/${path}`, {
        query: V,
        vector: V,
        positive: [1],
        target: 1,
        group_by: 'n',
        limit: 1,
      });
      assert.equal(res.status, 404, `${path}: ${res.text}`);
      assert.deepEqual((res.body as { status: unknown }).status, {
        error: "Not found: Collection `missing` doesn't exist!",
      });
    }
  });

  test('universal query shape rules', async () => {
    await expectError(
      'query',
      { prefetch: { query: V } },
      400,
      "Bad request: A query is needed to merge the prefetches. Can't have prefetches without defining a query.",
    );
    await expectError(
      'query',
      { score_threshold: 0.5 },
      400,
      "Bad request: A query is needed to use the score_threshold. Can't have score_threshold without defining a query.",
    );
    await expectError(
      'query',
      { query: { order_by: 'n' }, score_threshold: 0.5 },
      400,
      "Bad request: Can't use score_threshold with an order_by query.",
    );
    await expectError(
      'query',
      { prefetch: { query: V }, query: { fusion: 'rrf' }, using: 'x' },
      400,
      "Bad request: Fusion queries cannot be combined with the 'using' field.",
    );
    await expectError(
      'query',
      { query: { fusion: 'dbsf' } },
      400,
      'Wrong input: Validation failed: cannot apply Fusion without prefetches',
    );
    await expectError(
      'query',
      { query: { order_by: 'n' } },
      400,
      /^Wrong input: No range index for `order_by` key: `n`/,
    );
  });

  test('shard keys: ringvec collections have none', async () => {
    await expectError(
      'query',
      { query: V, shard_key: 'tenant' },
      400,
      'Bad request: Shard key "tenant" not found',
    );
    await expectError(
      'search',
      { vector: V, limit: 1, shard_key: [7] },
      400,
      'Bad request: Shard key 7 not found',
    );
    await expectError(
      'recommend',
      { positive: [1], limit: 1, lookup_from: { collection: 'e', shard_key: 'x' } },
      400,
      'Bad request: Shard key "x" not found',
    );
  });

  test('what ringvec does not support is refused, never ignored', async () => {
    const sparse = { indices: [0, 2], values: [0.5, 0.1] };
    await expectError(
      'query',
      { query: sparse },
      400,
      'Bad request: sparse vectors are not supported by ringvec',
    );
    await expectError(
      'search',
      { vector: { name: 's', vector: sparse }, limit: 1 },
      400,
      'Bad request: sparse vectors are not supported by ringvec',
    );
    await expectError(
      'recommend',
      { positive: [sparse], limit: 1 },
      400,
      'Bad request: sparse vectors are not supported by ringvec',
    );
    await expectError(
      'query',
      { query: [V, V] },
      400,
      'Bad request: multivectors are not supported by ringvec',
    );
    await expectError(
      'query',
      { query: { nearest: { text: 'hello', model: 'bm25' } } },
      400,
      'Bad request: inference (documents, images, objects) is not supported by ringvec',
    );
    await expectError(
      'query',
      { prefetch: { query: V }, query: { formula: { sum: ['$score', 1] } } },
      400,
      'Bad request: formula queries are not supported by ringvec',
    );
    await expectError(
      'query',
      {
        query: {
          relevance_feedback: {
            target: V,
            feedback: [{ example: 1, score: 1 }],
            strategy: { naive: { a: 1, b: 1, c: 1 } },
          },
        },
      },
      400,
      'Bad request: relevance_feedback queries are not supported by ringvec',
    );
  });
});
