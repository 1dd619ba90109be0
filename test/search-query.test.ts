// The universal query API beyond plain nearest search, over HTTP against references computed
// here: prefetch re-scoring among candidates, nested prefetches, RRF (k, weights) and DBSF fusion,
// score_threshold, MMR, order_by, random sample, scroll without query, batch endpoints, groups
// (with_lookup, multi-valued keys, the legacy search/recommend groups) and the distance matrix.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { QdrantClient } from '@qdrant/js-client-rest';
import { assertMatchesSpec } from './helpers/openapi.js';
import {
  assertSameRanking,
  createCollection,
  expectOk,
  fixture,
  nearestScore,
  randomVectors,
  rank,
  similarity,
  stored,
  type Ranked,
} from './helpers/search-fixtures.js';
import { http, startTestServer, type TestServer } from './helpers/test-server.js';

const DIM = 8;
const data = fixture(200, DIM, 5);
const [qa, qb, qc] = randomVectors(3, DIM, 77) as [number[], number[], number[]];
const exact = { exact: true };
const P = '/collections/{collection_name}/points';

interface Point {
  id: number;
  score: number;
  version?: number;
  payload?: Record<string, unknown>;
  order_value?: number;
}

/** Ranks point indexes by a nearest query (Cosine here, and Euclid for one collection). */
function nearest(
  query: number[],
  keep: (i: number) => boolean = () => true,
  distance: 'Cosine' | 'Euclid' = 'Cosine',
): Ranked[] {
  const kept = data.ids.map((_, i) => i).filter(keep);
  return rank(
    kept.map((i) => data.ids[i]!),
    (k) => nearestScore(distance, query, stored(distance, data.vectors[kept[k]!]!)),
    distance === 'Cosine',
  );
}

/** Positions may swap among equal fused scores: compare scores by rank and by id. */
function assertFused(actual: Point[], expected: Ranked[], what: string): void {
  const byId = new Map(expected.map((r) => [r.id, r.score]));
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((p, i) => {
    assert.ok(Math.abs(p.score - expected[i]!.score) < 1e-5, `${what}: score at ${i}`);
    assert.ok(Math.abs(p.score - byId.get(p.id)!) < 1e-5, `${what}: score of ${p.id}`);
  });
}

function rrf(lists: Ranked[][], k = 2, weights?: number[]): Ranked[] {
  const scores = new Map<number, number>();
  lists.forEach((list, s) => {
    const w = weights?.[s] ?? 1;
    list.forEach((r, pos) =>
      scores.set(r.id, (scores.get(r.id) ?? 0) + 1 / ((pos + 1) / w + k - 1)),
    );
  });
  return [...scores].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score);
}

function dbsf(lists: Ranked[][]): Ranked[] {
  const scores = new Map<number, number>();
  for (const list of lists) {
    const mean = list.reduce((s, r) => s + r.score, 0) / list.length;
    const variance = list.reduce((s, r) => s + (r.score - mean) ** 2, 0) / (list.length - 1);
    const lo = mean - 3 * Math.sqrt(variance);
    const hi = mean + 3 * Math.sqrt(variance);
    for (const r of list) scores.set(r.id, (scores.get(r.id) ?? 0) + (r.score - lo) / (hi - lo));
  }
  return [...scores].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score);
}

describe('universal query API', () => {
  let server: TestServer;
  const query = async (body: unknown, collection = 'q') => {
    const res = await http(server.url, 'POST', `/collections/${collection}/points/query`, body);
    assertMatchesSpec('post', `${P}/query`, res.body);
    return ((await expectOk(res)) as { points: Point[] }).points;
  };

  before(async () => {
    server = await startTestServer();
    await createCollection(server.url, 'q', { size: DIM, distance: 'Cosine' }, data);
    await createCollection(server.url, 'qe', { size: DIM, distance: 'Euclid' }, data);
    await expectOk(
      await http(server.url, 'PUT', '/collections/q/index?wait=true', {
        field_name: 'price',
        field_schema: 'integer',
      }),
    );
    // Group values 0..6 as point ids of a lookup collection.
    await expectOk(
      await http(server.url, 'PUT', '/collections/groups_info', {
        vectors: { size: 2, distance: 'Dot' },
      }),
    );
    await expectOk(
      await http(server.url, 'PUT', '/collections/groups_info/points?wait=true', {
        points: [0, 1, 2, 3, 4, 5, 6].map((id) => ({
          id,
          vector: [1, 0],
          payload: { name: `group ${id}` },
        })),
      }),
    );
  });
  after(() => server.close());

  test('a vector query over a prefetch re-scores only the prefetched candidates', async () => {
    const red = (i: number) => data.payloads[i]!.color === 'red';
    const candidates = nearest(qa, red)
      .slice(0, 20)
      .map((r) => r.id);
    const expected = nearest(qb, (i) => candidates.includes(data.ids[i]!)).slice(0, 5);
    const points = await query({
      prefetch: { query: qa, limit: 20 },
      query: qb,
      filter: { must: [{ key: 'color', match: { value: 'red' } }] }, // propagated to the prefetch
      limit: 5,
      params: exact,
    });
    assertSameRanking(points, expected, 'rescore');
    // Nested: A (30) → B (10) → C (4).
    const first = nearest(qa)
      .slice(0, 30)
      .map((r) => r.id);
    const second = nearest(qb, (i) => first.includes(data.ids[i]!))
      .slice(0, 10)
      .map((r) => r.id);
    const third = nearest(qc, (i) => second.includes(data.ids[i]!)).slice(0, 4);
    const nested = await query({
      prefetch: [{ prefetch: [{ query: qa, limit: 30 }], query: qb, limit: 10 }],
      query: qc,
      limit: 4,
    });
    assertSameRanking(nested, third, 'nested');
  });

  test('RRF (default k, custom k and weights) and DBSF fuse prefetches as Qdrant does', async () => {
    const a = nearest(qa).slice(0, 15);
    const b = nearest(qb).slice(0, 15);
    const prefetch = [
      { query: qa, limit: 15 },
      { query: qb, limit: 15 },
    ];
    assertFused(
      await query({ prefetch, query: { fusion: 'rrf' }, limit: 10 }),
      rrf([a, b]).slice(0, 10),
      'rrf',
    );
    assertFused(
      await query({ prefetch, query: { rrf: { k: 60, weights: [3, 1] } }, limit: 10, offset: 2 }),
      rrf([a, b], 60, [3, 1]).slice(2, 12),
      'rrf weights',
    );
    assertFused(
      await query({ prefetch, query: { fusion: 'dbsf' }, limit: 10 }),
      dbsf([a, b]).slice(0, 10),
      'dbsf',
    );
    const threshold = rrf([a, b])[6]!.score;
    const kept = await query({
      prefetch,
      query: { fusion: 'rrf' },
      limit: 20,
      score_threshold: threshold,
    });
    assert.ok(kept.length >= 7 && kept.every((p) => p.score >= threshold - 1e-7));
    const bad = await http(server.url, 'POST', '/collections/q/points/query', {
      prefetch,
      query: { rrf: { weights: [1] } },
    });
    assert.equal(bad.status, 400);
    assert.deepEqual((bad.body as { status: unknown }).status, {
      error:
        'Wrong input: Validation failed: Number of weights in RRF should match number of pre-fetches: got 1, expected 2',
    });
  });

  test('MMR picks relevance minus redundancy greedily among the candidates', async () => {
    const candidates = nearest(qa).slice(0, 25);
    const vectors = new Map(
      candidates.map((r) => [r.id, stored('Cosine', data.vectors[r.id - 1]!)]),
    );
    const relevance = new Map(
      candidates.map((r) => [r.id, similarity('Cosine', qa, vectors.get(r.id)!)]),
    );
    const lambda = 1 - 0.7;
    const picked = [candidates[0]!.id];
    const left = new Set(candidates.slice(1).map((r) => r.id));
    while (picked.length < 6) {
      let best = -1;
      let bestScore = -Infinity;
      for (const id of left) {
        const redundancy = Math.max(
          ...picked.map((p) => similarity('Cosine', vectors.get(id)!, vectors.get(p)!)),
        );
        const score = lambda * relevance.get(id)! - (1 - lambda) * redundancy;
        if (score > bestScore) [best, bestScore] = [id, score];
      }
      picked.push(best);
      left.delete(best);
    }
    const points = await query({
      query: { nearest: qa, mmr: { diversity: 0.7, candidates_limit: 25 } },
      limit: 6,
    });
    assert.deepEqual(
      points.map((p) => p.id),
      picked,
    );
    // Scores stay the relevance scores.
    points.forEach((p) => assert.ok(Math.abs(p.score - relevance.get(p.id)!) < 1e-5));
  });

  test('order_by, random sample and no query', async () => {
    const asc = await query({ query: { order_by: 'price' }, limit: 4, with_payload: ['price'] });
    assert.deepEqual(
      asc.map((p) => [p.id, p.order_value, p.payload?.price]),
      [1, 2, 3, 4].map((id) => [id, id * 10, id * 10]),
    );
    const desc = await query({
      query: { order_by: { key: 'price', direction: 'desc' } },
      filter: { must: [{ key: 'color', match: { value: 'green' } }] },
      limit: 3,
    });
    assert.deepEqual(
      desc.map((p) => p.id),
      [199, 196, 193],
    );
    // order_by over a prefetch orders just the candidates.
    const candidates = nearest(qa)
      .slice(0, 12)
      .map((r) => r.id);
    const ordered = await query({
      prefetch: { query: qa, limit: 12 },
      query: { order_by: 'price' },
      limit: 12,
    });
    assert.deepEqual(
      ordered.map((p) => p.id),
      [...candidates].sort((x, y) => x - y),
    );

    const sample = await query({
      query: { sample: 'random' },
      limit: 25,
      filter: { must: [{ key: 'group', match: { value: 3 } }] },
    });
    assert.equal(sample.length, 25);
    assert.equal(new Set(sample.map((p) => p.id)).size, 25);
    assert.ok(sample.every((p) => p.id % 7 === 3));
    const all = await query({
      query: { sample: 'random' },
      limit: 100,
      filter: { must: [{ key: 'group', match: { value: 3 } }] },
    });
    assert.equal(all.length, data.ids.filter((id) => id % 7 === 3).length);

    const scroll = await query({
      limit: 3,
      offset: 2,
      filter: { must: [{ key: 'color', match: { value: 'blue' } }] },
    });
    assert.deepEqual(scroll, [
      { id: 8, version: 0, score: 1 },
      { id: 11, version: 0, score: 1 },
      { id: 14, version: 0, score: 1 },
    ]);
  });

  test('batch endpoints answer one result per request, in order', async () => {
    const searches = [
      { query: qa, limit: 3 },
      { query: { recommend: { positive: [4], negative: [5] } }, limit: 2 },
      {
        prefetch: [
          { query: qb, limit: 10 },
          { query: qc, limit: 10 },
        ],
        query: { fusion: 'rrf' },
        limit: 4,
      },
    ];
    const res = await http(server.url, 'POST', '/collections/q/points/query/batch', { searches });
    assertMatchesSpec('post', `${P}/query/batch`, res.body);
    const batch = (await expectOk(res)) as { points: Point[] }[];
    assert.equal(batch.length, 3);
    for (let i = 0; i < searches.length; i++)
      assert.deepEqual(batch[i]!.points, await query(searches[i]));

    for (const [path, one] of [
      [
        'search',
        [
          { vector: qa, limit: 3 },
          { vector: qb, limit: 2, filter: { must: [{ key: 'group', match: { value: 1 } }] } },
        ],
      ],
      [
        'recommend',
        [
          { positive: [3], limit: 3 },
          { positive: [9], negative: [10], strategy: 'sum_scores', limit: 4 },
        ],
      ],
      [
        'discover',
        [
          { target: 3, context: [{ positive: 4, negative: 5 }], limit: 3 },
          { context: [{ positive: 6, negative: 7 }], limit: 2 },
        ],
      ],
    ] as const) {
      const res = await http(server.url, 'POST', `/collections/q/points/${path}/batch`, {
        searches: one,
      });
      assertMatchesSpec('post', `${P}/${path}/batch`, res.body, '1.18');
      const results = (await expectOk(res)) as Point[][];
      assert.equal(results.length, one.length);
      for (let i = 0; i < one.length; i++) {
        const single = await expectOk(
          await http(server.url, 'POST', `/collections/q/points/${path}`, one[i]),
        );
        assert.deepEqual(results[i], single, `${path} #${i}`);
      }
    }
  });

  /** Reference groups: groups ranked by their best point, each with its best `size` points. */
  function referenceGroups(
    ranked: Ranked[],
    keys: (id: number) => (string | number)[],
    groups: number,
    size: number,
  ) {
    const out = new Map<string | number, Ranked[]>();
    for (const r of ranked)
      for (const key of keys(r.id)) {
        if (!out.has(key)) out.set(key, []);
        out.get(key)!.push(r);
      }
    return [...out].slice(0, groups).map(([id, hits]) => ({ id, hits: hits.slice(0, size) }));
  }

  function assertGroups(
    actual: unknown,
    expected: { id: string | number; hits: Ranked[] }[],
    what: string,
  ) {
    const groups = (actual as { groups: { id: unknown; hits: Point[] }[] }).groups;
    assert.deepEqual(
      groups.map((g) => g.id),
      expected.map((g) => g.id),
      `${what}: group ids`,
    );
    groups.forEach((g, i) =>
      assertSameRanking(g.hits, expected[i]!.hits, `${what}: group ${String(g.id)}`),
    );
  }

  test('query groups: group_by, group_size, limit, multi-valued keys, with_lookup', async () => {
    const res = await http(server.url, 'POST', '/collections/q/points/query/groups', {
      query: qa,
      group_by: 'group',
      group_size: 3,
      limit: 4,
      with_payload: ['group'],
      with_lookup: 'groups_info',
    });
    assertMatchesSpec('post', `${P}/query/groups`, res.body);
    const result = (await expectOk(res)) as {
      groups: { id: number; hits: Point[]; lookup?: unknown }[];
    };
    assertGroups(
      result,
      referenceGroups(nearest(qa), (id) => [id % 7], 4, 3),
      'group',
    );
    for (const group of result.groups) {
      assert.deepEqual(group.lookup, { id: group.id, payload: { name: `group ${group.id}` } });
      for (const hit of group.hits) assert.deepEqual(hit.payload, { group: group.id });
    }
    const tags = await expectOk(
      await http(server.url, 'POST', '/collections/q/points/query/groups', {
        query: qb,
        group_by: 'tags',
        group_size: 2,
        limit: 5,
      }),
    );
    assertGroups(
      tags,
      referenceGroups(nearest(qb), (id) => data.payloads[id - 1]!.tags as string[], 5, 2),
      'tags',
    );
  });

  test('legacy search and recommend groups; Euclid groups rank by smallest distance', async () => {
    const res = await http(server.url, 'POST', '/collections/qe/points/search/groups', {
      vector: qc,
      group_by: 'color',
      group_size: 2,
      limit: 3,
      params: exact,
    });
    assertMatchesSpec('post', `${P}/search/groups`, res.body, '1.18');
    assertGroups(
      await expectOk(res),
      referenceGroups(
        nearest(qc, () => true, 'Euclid'),
        (id) => [data.payloads[id - 1]!.color as string],
        3,
        2,
      ),
      'search groups',
    );
    const reco = await http(server.url, 'POST', '/collections/q/points/recommend/groups', {
      positive: [10],
      group_by: 'group',
      group_size: 2,
      limit: 2,
      with_lookup: { collection: 'groups_info', with_payload: false, with_vectors: true },
    });
    assertMatchesSpec('post', `${P}/recommend/groups`, reco.body, '1.18');
    const target = stored('Cosine', data.vectors[9]!);
    const expected = referenceGroups(
      nearest(target, (i) => data.ids[i] !== 10),
      (id) => [id % 7],
      2,
      2,
    );
    const result = (await expectOk(reco)) as { groups: { id: number; lookup: unknown }[] };
    assertGroups(result, expected, 'recommend groups');
    assert.deepEqual(result.groups[0]!.lookup, { id: result.groups[0]!.id, vector: [1, 0] });
  });

  test('distance matrix: pairs and offsets among a sorted random sample', async () => {
    const client = new QdrantClient({ url: server.url, checkCompatibility: false });
    const filter = { must: [{ key: 'color', match: { value: 'red' } }] };
    const res = await http(server.url, 'POST', '/collections/q/points/search/matrix/pairs', {
      sample: 12,
      limit: 3,
      filter,
    });
    assertMatchesSpec('post', `${P}/search/matrix/pairs`, res.body);
    const { pairs } = (await expectOk(res)) as { pairs: { a: number; b: number; score: number }[] };
    const sampled = [...new Set(pairs.map((p) => p.a))];
    assert.equal(sampled.length, 12);
    assert.deepEqual(
      sampled,
      [...sampled].sort((x, y) => x - y),
    );
    assert.ok(sampled.every((id) => id % 3 === 0)); // red
    for (const a of sampled) {
      const va = stored('Cosine', data.vectors[a - 1]!);
      const others = sampled.filter((id) => id !== a);
      const expected = rank(
        others,
        (i) => similarity('Cosine', va, stored('Cosine', data.vectors[others[i]! - 1]!)),
        true,
      ).slice(0, 3);
      assertSameRanking(
        pairs.filter((p) => p.a === a).map((p) => ({ id: p.b, score: p.score })),
        expected,
        `row ${a}`,
      );
    }
    const offsets = await client.searchMatrixOffsets('q', { sample: 5, limit: 2 });
    assert.equal(offsets.ids.length, 5);
    assert.equal(offsets.offsets_row.length, 10);
    assert.deepEqual(offsets.offsets_row, [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
    assert.ok(offsets.offsets_col.every((c, i) => c !== offsets.offsets_row[i] && c < 5));
    const raw = await http(server.url, 'POST', '/collections/q/points/search/matrix/offsets', {});
    assertMatchesSpec('post', `${P}/search/matrix/offsets`, raw.body);
    const tiny = await expectOk(
      await http(server.url, 'POST', '/collections/q/points/search/matrix/pairs', {
        filter: { must: [{ has_id: [1] }] },
      }),
    );
    assert.deepEqual(tiny, { pairs: [] });
  });
});
