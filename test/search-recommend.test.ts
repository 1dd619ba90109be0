// Recommendation, discovery and context search over HTTP against brute-force implementations of
// Qdrant's formulas (average_vector, best_score, sum_scores, discover, context), through the legacy
// endpoints, the universal query API and both official clients; example exclusion, lookup_from,
// and the request of the io_uring article.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { QdrantClient } from '@qdrant/js-client-rest';
import { QdrantClient as QdrantClientV118 } from '@qdrant/js-client-rest-v1.18';
import { assertMatchesSpec } from './helpers/openapi.js';
import {
  assertSameRanking,
  averageVector,
  bestScore,
  contextScore,
  createCollection,
  discoverScore,
  expectOk,
  fixture,
  nearestScore,
  randomVectors,
  rank,
  stored,
  sumScores,
  type Distance,
  type Ranked,
} from './helpers/search-fixtures.js';
import { http, startTestServer, type TestServer } from './helpers/test-server.js';

const DIM = 8;
const data = fixture(200, DIM, 3);
const exact = { exact: true };

describe('recommend, discover and context', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
    for (const distance of ['Cosine', 'Euclid', 'Dot', 'Manhattan'] as const)
      await createCollection(server.url, `reco_${distance}`, { size: DIM, distance }, data);
    await createCollection(
      server.url,
      'other',
      { size: DIM, distance: 'Cosine' },
      fixture(50, DIM, 11),
    );
    await createCollection(
      server.url,
      'article',
      { size: DIM, distance: 'Cosine', on_disk: true },
      data,
    );
    await expectOk(
      await http(server.url, 'PATCH', '/collections/article', {
        quantization_config: { scalar: { type: 'int8', always_ram: true } },
      }),
    );
  });
  after(() => server.close());

  const vectorOf = (distance: Distance, id: number) => stored(distance, data.vectors[id - 1]!);
  /** Reference ranking over every point except `excluded`. */
  function reference(
    score: (v: number[]) => number,
    excluded: number[],
    higherIsBetter = true,
  ): Ranked[] {
    const ids = data.ids.filter((id) => !excluded.includes(id));
    return rank(ids, (i) => score(stored('Dot', data.vectors[ids[i]! - 1]!)), higherIsBetter);
  }
  const storedRef = (distance: Distance) => (score: (v: number[]) => number) => (v: number[]) =>
    score(stored(distance, v));

  for (const distance of ['Cosine', 'Euclid', 'Dot', 'Manhattan'] as const) {
    const name = `reco_${distance}`;
    const positive = [5, 17, 42];
    const negative = [8, 99];
    const examples = [...positive, ...negative];
    const pos = positive.map((id) => vectorOf(distance, id));
    const neg = negative.map((id) => vectorOf(distance, id));
    const wrap = storedRef(distance);
    const larger = distance === 'Cosine' || distance === 'Dot';

    test(`${distance}: average_vector = nearest to 2·avg(positive) − avg(negative)`, async () => {
      const target = averageVector(pos, neg);
      const expected = reference(
        wrap((v) => nearestScore(distance, target, v)),
        examples,
        larger,
      ).slice(0, 10);
      const res = await http(server.url, 'POST', `/collections/${name}/points/recommend`, {
        positive,
        negative,
        limit: 10,
        params: exact,
      });
      assertMatchesSpec(
        'post',
        '/collections/{collection_name}/points/recommend',
        res.body,
        '1.18',
      );
      assertSameRanking(await expectOk(res), expected, 'legacy average_vector');
      const query = (await expectOk(
        await http(server.url, 'POST', `/collections/${name}/points/query`, {
          query: { recommend: { positive, negative } },
          limit: 10,
          params: exact,
        }),
      )) as { points: unknown[] };
      assertSameRanking(query.points, expected, 'query average_vector');
    });

    for (const strategy of ['best_score', 'sum_scores'] as const) {
      test(`${distance}: ${strategy}`, async () => {
        const formula = strategy === 'best_score' ? bestScore : sumScores;
        const expected = reference(
          wrap((v) => formula(distance, pos, neg, v)),
          examples,
        ).slice(3, 15);
        const body = { positive, negative, strategy, limit: 12, offset: 3, params: exact };
        const legacy = await http(
          server.url,
          'POST',
          `/collections/${name}/points/recommend`,
          body,
        );
        assertSameRanking(await expectOk(legacy), expected, `legacy ${strategy}`);
        const query = (await expectOk(
          await http(server.url, 'POST', `/collections/${name}/points/query`, {
            query: { recommend: { positive, negative, strategy } },
            limit: 12,
            offset: 3,
            params: exact,
          }),
        )) as { points: unknown[] };
        assertSameRanking(query.points, expected, `query ${strategy}`);
      });
    }

    test(`${distance}: discover and context`, async () => {
      const target = 33;
      const pairs: [number, number][] = [
        [12, 150],
        [70, 3],
      ];
      const pairVectors = pairs.map(([p, n]): [number[], number[]] => [
        vectorOf(distance, p),
        vectorOf(distance, n),
      ]);
      const used = [target, ...pairs.flat()];
      const discover = reference(
        wrap((v) => discoverScore(distance, vectorOf(distance, target), pairVectors, v)),
        used,
      ).slice(0, 10);
      const context = pairs.map(([positive, negative]) => ({ positive, negative }));
      const legacy = await http(server.url, 'POST', `/collections/${name}/points/discover`, {
        target,
        context,
        limit: 10,
        params: exact,
      });
      assertMatchesSpec(
        'post',
        '/collections/{collection_name}/points/discover',
        legacy.body,
        '1.18',
      );
      assertSameRanking(await expectOk(legacy), discover, 'legacy discover');
      const query = (await expectOk(
        await http(server.url, 'POST', `/collections/${name}/points/query`, {
          query: { discover: { target, context } },
          limit: 10,
          params: exact,
        }),
      )) as { points: unknown[] };
      assertSameRanking(query.points, discover, 'query discover');

      // Context scores tie at 0 for every point on the right side of all pairs: compare scores.
      const contextRef = reference(
        wrap((v) => contextScore(distance, pairVectors, v)),
        pairs.flat(),
      );
      const byId = new Map(contextRef.map((r) => [r.id, r.score]));
      for (const body of [
        { context, limit: 20, params: exact },
        { query: { context }, limit: 20, params: exact },
      ]) {
        const path = 'query' in body ? 'query' : 'discover';
        const result = await expectOk(
          await http(server.url, 'POST', `/collections/${name}/points/${path}`, body),
        );
        const points = (
          Array.isArray(result) ? result : (result as { points: unknown[] }).points
        ) as {
          id: number;
          score: number;
        }[];
        assert.equal(points.length, 20);
        points.forEach((p, i) => {
          assert.ok(Math.abs(p.score - byId.get(p.id)!) < 1e-5, `${path} context score of ${p.id}`);
          assert.ok(Math.abs(p.score - contextRef[i]!.score) < 1e-5, `${path} context rank ${i}`);
        });
      }
    });
  }

  test('raw vectors as examples are used as given and exclude nothing', async () => {
    const [raw] = randomVectors(1, DIM, 1234);
    const expected = reference(
      storedRef('Cosine')((v) => nearestScore('Cosine', averageVector([raw!], []), v)),
      [],
    ).slice(0, 5);
    const result = await expectOk(
      await http(server.url, 'POST', '/collections/reco_Cosine/points/recommend', {
        positive: [raw],
        limit: 5,
        params: exact,
      }),
    );
    assertSameRanking(result, expected, 'raw positive');
  });

  test('the io_uring article request works as written', async () => {
    const raw = await fetch(`${server.url}/collections/article/points/recommend`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"limit": 10, "positive": [17], "params": {"quantization": {"rescore": true}}}',
    });
    assert.equal(raw.status, 200);
    const body = (await raw.json()) as { result: { id: number; score: number }[]; status: string };
    assert.equal(body.status, 'ok');
    assertMatchesSpec('post', '/collections/{collection_name}/points/recommend', body, '1.18');
    assert.equal(body.result.length, 10);
    assert.ok(body.result.every((p) => p.id !== 17));
    // Same as an exact nearest search from point 17's vector, without point 17.
    const exactResult = (await expectOk(
      await http(server.url, 'POST', '/collections/article/points/query', {
        query: 17,
        limit: 10,
        params: { exact: true },
      }),
    )) as { points: { id: number }[] };
    assert.deepEqual(
      body.result.map((p) => p.id),
      exactResult.points.map((p) => p.id),
    );
  });

  test('lookup_from takes example vectors from another collection and excludes nothing', async () => {
    const other = fixture(50, DIM, 11);
    const example = stored('Cosine', other.vectors[4]!); // point 5 of "other"
    const expected = reference(
      storedRef('Cosine')((v) => nearestScore('Cosine', example, v)),
      [],
    ).slice(0, 6);
    const legacy = await expectOk(
      await http(server.url, 'POST', '/collections/reco_Cosine/points/recommend', {
        positive: [5],
        limit: 6,
        lookup_from: { collection: 'other' },
        params: exact,
      }),
    );
    assertSameRanking(legacy, expected, 'legacy lookup_from');
    const query = (await expectOk(
      await http(server.url, 'POST', '/collections/reco_Cosine/points/query', {
        query: { nearest: 5 },
        lookup_from: { collection: 'other', vector: '' },
        limit: 6,
        params: exact,
      }),
    )) as { points: unknown[] };
    assertSameRanking(query.points, expected, 'query lookup_from');
    const missing = await http(server.url, 'POST', '/collections/reco_Cosine/points/query', {
      query: 5,
      lookup_from: { collection: 'nowhere' },
    });
    assert.equal(missing.status, 404);
    assert.deepEqual((missing.body as { status: unknown }).status, {
      error: 'Not found: Collection nowhere not found',
    });
  });

  test('a missing example id is Qdrant 404', async () => {
    for (const [path, body] of [
      ['recommend', { positive: [5, 999999], limit: 3 }],
      ['discover', { target: 999999, limit: 3 }],
      ['query', { query: { recommend: { positive: [999999] } } }],
      ['query', { query: 999999 }],
    ] as const) {
      const res = await http(server.url, 'POST', `/collections/reco_Cosine/points/${path}`, body);
      assert.equal(res.status, 404, `${path} ${res.text}`);
      assert.deepEqual((res.body as { status: unknown }).status, {
        error: 'Not found: No point with id 999999 found',
      });
    }
  });

  test('example counts and strategies are checked as in Qdrant', async () => {
    const cases: [string, unknown, number, string][] = [
      [
        'recommend',
        { negative: [3], limit: 3 },
        400,
        'Bad request: At least one positive vector ID required with this strategy',
      ],
      [
        'recommend',
        { strategy: 'best_score', limit: 3 },
        400,
        'Bad request: At least one positive or negative vector ID required with this strategy',
      ],
      ['discover', { limit: 3 }, 400, 'Bad request: target and/or context_pairs must be specified'],
      [
        'query',
        { query: { recommend: { negative: [3] } } },
        400,
        'Wrong input: Positive vectors should not be empty with `average` strategy',
      ],
    ];
    for (const [path, body, status, error] of cases) {
      const res = await http(server.url, 'POST', `/collections/reco_Cosine/points/${path}`, body);
      assert.equal(res.status, status, res.text);
      assert.deepEqual((res.body as { status: unknown }).status, { error });
    }
  });

  test('the official clients: recommend and discover (v1.18), query (v1.19)', async () => {
    const legacy = new QdrantClientV118({ url: server.url, checkCompatibility: false });
    const client = new QdrantClient({ url: server.url, checkCompatibility: false });
    const pos = [vectorOf('Cosine', 5)];
    const neg = [vectorOf('Cosine', 8)];
    const best = reference(
      storedRef('Cosine')((v) => bestScore('Cosine', pos, neg, v)),
      [5, 8],
    ).slice(0, 5);
    const recommended = await legacy.recommend('reco_Cosine', {
      positive: [5],
      negative: [8],
      strategy: 'best_score',
      limit: 5,
      params: exact,
    });
    assertSameRanking(recommended, best, 'client.recommend');
    const queried = await client.query('reco_Cosine', {
      query: { recommend: { positive: [5], negative: [8], strategy: 'best_score' } },
      limit: 5,
      params: exact,
    });
    assertSameRanking(queried.points, best, 'client.query recommend');
    const discovered = await legacy.discoverPoints('reco_Cosine', {
      target: 5,
      context: [{ positive: 8, negative: 9 }],
      limit: 5,
      params: exact,
    });
    const discoverRef = reference(
      storedRef('Cosine')((v) =>
        discoverScore(
          'Cosine',
          vectorOf('Cosine', 5),
          [[vectorOf('Cosine', 8), vectorOf('Cosine', 9)]],
          v,
        ),
      ),
      [5, 8, 9],
    ).slice(0, 5);
    assertSameRanking(discovered, discoverRef, 'client.discoverPoints');
  });
});
