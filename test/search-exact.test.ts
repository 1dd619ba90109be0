// Exact search over HTTP equals a brute-force scan computed here, for every distance, through the
// legacy search endpoint, the universal query endpoint and the official JS client: ordering,
// scores (distances for Euclid and Manhattan), filters, offset, score_threshold, result shape.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { QdrantClient } from '@qdrant/js-client-rest';
import { QdrantClient as QdrantClientV118 } from '@qdrant/js-client-rest-v1.18';
import { assertMatchesSpec } from './helpers/openapi.js';
import {
  assertSameRanking,
  createCollection,
  expectOk,
  fixture,
  nearestScore,
  randomVectors,
  rank,
  stored,
  type Distance,
  type Fixture,
} from './helpers/search-fixtures.js';
import { http, startTestServer, type TestServer } from './helpers/test-server.js';

const DISTANCES: Distance[] = ['Cosine', 'Dot', 'Euclid', 'Manhattan'];
const DIM = 12;
const SEARCH = '/collections/{collection_name}/points/search';
const QUERY = '/collections/{collection_name}/points/query';

describe('exact search equals brute force', () => {
  let server: TestServer;
  const data: Fixture = fixture(240, DIM, 7);
  const queries = randomVectors(3, DIM, 99);

  before(async () => {
    server = await startTestServer();
    for (const distance of DISTANCES)
      await createCollection(server.url, `exact_${distance}`, { size: DIM, distance }, data);
  });
  after(() => server.close());

  /** Reference: ids passing `keep`, ranked by Qdrant's score for this distance. */
  function reference(
    distance: Distance,
    query: number[],
    keep: (i: number) => boolean = () => true,
  ) {
    const kept = data.ids.map((_, i) => i).filter(keep);
    const larger = distance === 'Cosine' || distance === 'Dot';
    return rank(
      kept.map((i) => data.ids[i]!),
      (k) => nearestScore(distance, query, stored(distance, data.vectors[kept[k]!]!)),
      larger,
    );
  }

  for (const distance of DISTANCES) {
    test(`${distance}: search, query, filter and offset`, async () => {
      const name = `exact_${distance}`;
      for (const vector of queries) {
        const search = await expectOk(
          await http(server.url, 'POST', `/collections/${name}/points/search`, {
            vector,
            limit: 10,
            params: { exact: true },
          }),
        );
        assertSameRanking(search, reference(distance, vector).slice(0, 10), `${distance} search`);

        const red = (i: number) => data.payloads[i]!.color === 'red';
        const filter = { must: [{ key: 'color', match: { value: 'red' } }] };
        const res = await http(server.url, 'POST', `/collections/${name}/points/query`, {
          query: vector,
          filter,
          limit: 7,
          offset: 5,
          params: { exact: true },
        });
        assertMatchesSpec('post', QUERY, res.body);
        const { points } = (await expectOk(res)) as { points: unknown[] };
        assertSameRanking(
          points,
          reference(distance, vector, red).slice(5, 12),
          `${distance} query`,
        );

        const legacy = await http(server.url, 'POST', `/collections/${name}/points/search`, {
          vector,
          filter,
          limit: 7,
          offset: 5,
          params: { exact: true },
        });
        assertMatchesSpec('post', SEARCH, legacy.body, '1.18');
        assert.deepEqual((await expectOk(legacy)) as unknown[], points);
      }
    });

    test(`${distance}: score_threshold is Qdrant's (a distance bound for Euclid/Manhattan)`, async () => {
      const vector = queries[0]!;
      const all = reference(distance, vector);
      const threshold = all[20]!.score;
      const res = await http(server.url, 'POST', `/collections/exact_${distance}/points/query`, {
        query: vector,
        limit: 100,
        score_threshold: threshold,
        params: { exact: true },
      });
      const { points } = (await expectOk(res)) as { points: { id: number }[] };
      // Ties at the threshold are kept: 21 points pass (to f32 rounding of the boundary one).
      assert.ok(points.length === 21 || points.length === 20, `got ${points.length}`);
      assertSameRanking(points, all.slice(0, points.length), `${distance} threshold`);
    });
  }

  test('result shape: payload and vector only when asked, version present', async () => {
    const vector = queries[1]!;
    const bare = (await expectOk(
      await http(server.url, 'POST', '/collections/exact_Dot/points/search', { vector, limit: 3 }),
    )) as Record<string, unknown>[];
    for (const point of bare) {
      assert.deepEqual(Object.keys(point), ['id', 'version', 'score']);
      assert.equal(typeof point.version, 'number');
    }
    const full = (await expectOk(
      await http(server.url, 'POST', '/collections/exact_Dot/points/query', {
        query: vector,
        limit: 3,
        with_payload: ['color'],
        with_vector: true,
      }),
    )) as { points: Record<string, unknown>[] };
    for (const point of full.points) {
      const i = (point.id as number) - 1;
      assert.deepEqual(point.payload, { color: data.payloads[i]!.color });
      // Printed as the shortest decimal of each f32, which reads back as the same f32.
      assert.deepEqual((point.vector as number[]).map(Math.fround), data.vectors[i]);
    }
  });

  test('the official clients: search (v1.18 client) and query (v1.19 client)', async () => {
    const client = new QdrantClient({ url: server.url, checkCompatibility: false });
    const legacy = new QdrantClientV118({ url: server.url, checkCompatibility: false });
    const vector = queries[2]!;
    const expected = reference('Euclid', vector).slice(0, 5);
    const searched = await legacy.search('exact_Euclid', {
      vector,
      limit: 5,
      params: { exact: true },
    });
    assertSameRanking(searched, expected, 'client.search');
    const queried = await client.query('exact_Euclid', {
      query: vector,
      limit: 5,
      params: { exact: true },
      with_payload: true,
    });
    assertSameRanking(queried.points, expected, 'client.query');
    assert.deepEqual(queried.points[0]!.payload, data.payloads[expected[0]!.id - 1]);
  });
});
