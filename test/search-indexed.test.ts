// Search endpoints on a collection the background optimizer has indexed (HNSW, scalar
// quantization, on-disk originals): exact search still equals brute force, a vector query over a
// prefetch re-scores exactly the prefetched candidates, and recommend with quantization rescoring
// (the io_uring article's request) behaves. Results merge indexed and plain segments.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  assertSameRanking,
  createCollection,
  expectOk,
  fixture,
  nearestScore,
  randomVectors,
  rank,
  stored,
} from './helpers/search-fixtures.js';
import { http, startTestServer, type TestServer } from './helpers/test-server.js';

const DIM = 16;
const COUNT = 2000;
const data = fixture(COUNT, DIM, 21);
const [qa, qb] = randomVectors(2, DIM, 5) as [number[], number[]];

describe('search on an indexed, quantized collection', { timeout: 120_000 }, () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
    await createCollection(
      server.url,
      'idx',
      { size: DIM, distance: 'Cosine', on_disk: true },
      { ids: [], vectors: [], payloads: [] },
    );
    await expectOk(
      await http(server.url, 'PATCH', '/collections/idx', {
        optimizers_config: { indexing_threshold: 10 },
        hnsw_config: { full_scan_threshold: 10 },
        quantization_config: { scalar: { type: 'int8', always_ram: true } },
      }),
    );
    const points = data.ids.map((id, i) => ({
      id,
      vector: data.vectors[i],
      payload: data.payloads[i],
    }));
    for (let start = 0; start < points.length; start += 500)
      await expectOk(
        await http(server.url, 'PUT', '/collections/idx/points?wait=true', {
          points: points.slice(start, start + 500),
        }),
      );
    for (let attempt = 0; ; attempt++) {
      const info = (await expectOk(await http(server.url, 'GET', '/collections/idx'))) as {
        status: string;
        indexed_vectors_count: number;
      };
      // Full segments are sealed and indexed; the appendable rest stays a plain segment.
      if (info.status === 'green' && info.indexed_vectors_count >= 1024) break;
      assert.ok(attempt < 600, `not indexed: ${JSON.stringify(info)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
  after(() => server.close());

  const reference = (query: number[], keep: (id: number) => boolean = () => true) => {
    const ids = data.ids.filter(keep);
    return rank(
      ids,
      (i) => nearestScore('Cosine', query, stored('Cosine', data.vectors[ids[i]! - 1]!)),
      true,
    );
  };

  test('exact search equals brute force; approximate search finds most of it', async () => {
    const exact = (await expectOk(
      await http(server.url, 'POST', '/collections/idx/points/query', {
        query: qa,
        limit: 10,
        params: { exact: true },
      }),
    )) as { points: unknown[] };
    assertSameRanking(exact.points, reference(qa).slice(0, 10), 'exact');
    const approximate = (await expectOk(
      await http(server.url, 'POST', '/collections/idx/points/search', { vector: qa, limit: 10 }),
    )) as { id: number }[];
    const truth = new Set(
      reference(qa)
        .slice(0, 10)
        .map((r) => r.id),
    );
    assert.ok(approximate.filter((p) => truth.has(p.id)).length >= 8);
  });

  test('a vector query over a prefetch ranks exactly the prefetched candidates', async () => {
    const prefetched = (await expectOk(
      await http(server.url, 'POST', '/collections/idx/points/query', { query: qa, limit: 60 }),
    )) as { points: { id: number }[] };
    const candidates = new Set(prefetched.points.map((p) => p.id));
    assert.equal(candidates.size, 60);
    const result = (await expectOk(
      await http(server.url, 'POST', '/collections/idx/points/query', {
        prefetch: { query: qa, limit: 60 },
        query: qb,
        limit: 10,
        params: { exact: true },
      }),
    )) as { points: unknown[] };
    assertSameRanking(
      result.points,
      reference(qb, (id) => candidates.has(id)).slice(0, 10),
      'rescored',
    );
  });

  test('recommend with quantization rescoring, as in the io_uring article', async () => {
    const res = await http(
      server.url,
      'POST',
      '/collections/idx/points/recommend',
      '{"limit": 10, "positive": [17], "params": {"quantization": {"rescore": true}}}',
    );
    const points = (await expectOk(res)) as { id: number; score: number }[];
    assert.equal(points.length, 10);
    assert.ok(points.every((p) => p.id !== 17));
    const truth = reference(stored('Cosine', data.vectors[16]!), (id) => id !== 17).slice(0, 10);
    const hits = points.filter((p) => truth.some((t) => t.id === p.id)).length;
    assert.ok(hits >= 8, `recall ${hits}/10`);
    // Rescored: scores are exact similarities.
    for (const p of points) {
      const exact = nearestScore(
        'Cosine',
        data.vectors[16]!,
        stored('Cosine', data.vectors[p.id - 1]!),
      );
      assert.ok(Math.abs(p.score - exact) < 1e-4, `score of ${p.id}`);
    }
  });
});
