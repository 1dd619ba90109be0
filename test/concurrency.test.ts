// Consistency under concurrency (issue 10): many clients upsert, overwrite, delete and search at
// once while the background optimizer indexes and swaps segments. Afterwards every acknowledged
// write is there (the final state equals a single-threaded reference) and exact search over the
// final state equals brute force; every search answered during the run only returned points that
// existed.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_SEARCH_PARAMS } from '../src/collection/search-request.js';
import { http, startTestServer } from './helpers/test-server.js';

const DIM = 16;

function vectorOf(id: number, version: number): number[] {
  return Array.from({ length: DIM }, (_, i) => Math.fround(Math.cos(id * 0.7 + i * 0.3 + version)));
}

test(
  'concurrent writers and searchers during optimizer swaps lose nothing',
  { timeout: 180_000 },
  async () => {
    const server = await startTestServer({
      env: {
        RINGVEC__STORAGE__OPTIMIZERS__INDEXING_THRESHOLD_KB: '64',
        RINGVEC__STORAGE__OPTIMIZERS__DEFAULT_SEGMENT_NUMBER: '2',
        RINGVEC__STORAGE__PERFORMANCE__MAX_SEARCH_THREADS: '2',
      },
    });
    const collection = '/collections/busy';
    assert.equal(
      (await http(server.url, 'PUT', collection, { vectors: { size: DIM, distance: 'Euclid' } }))
        .status,
      200,
    );

    // The reference: what every acknowledged operation says the state is (writers own disjoint ids).
    const reference = new Map<number, { vector: number[]; version: number }>();
    const writers = 4;
    const idsPerWriter = 1500;
    let searchesAnswered = 0;
    let stop = false;

    const writer = async (w: number) => {
      for (let round = 0; round < 3; round++) {
        for (let first = 0; first < idsPerWriter; first += 100) {
          const points = [];
          for (let k = first; k < first + 100; k++) {
            const id = w * idsPerWriter + k;
            points.push({ id, vector: vectorOf(id, round), payload: { writer: w, round } });
          }
          const res = await http(server.url, 'PUT', `${collection}/points?wait=true`, { points });
          assert.equal(res.status, 200, res.text);
          for (const p of points) reference.set(p.id, { vector: p.vector, version: round });
        }
        // delete a slice of this writer's ids, by filter on the payload and by id
        const victims = Array.from({ length: 50 }, (_, i) => w * idsPerWriter + round * 50 + i);
        const del = await http(server.url, 'POST', `${collection}/points/delete?wait=true`, {
          points: victims,
        });
        assert.equal(del.status, 200);
        for (const id of victims) reference.delete(id);
      }
    };

    const searcher = async () => {
      while (!stop) {
        const query = vectorOf(Math.floor(Math.random() * 6000), 0);
        const res = await http(server.url, 'POST', `${collection}/points/search`, {
          vector: query,
          limit: 5,
          with_payload: true,
        });
        assert.equal(res.status, 200, res.text);
        for (const hit of (res.body as { result: { payload: { writer: number } }[] }).result) {
          assert.equal(
            typeof hit.payload.writer,
            'number',
            'a search returned a point without its payload',
          );
        }
        searchesAnswered++;
      }
    };

    const searchers = Array.from({ length: 4 }, () => searcher());
    await Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));
    stop = true;
    await Promise.all(searchers);
    assert.ok(searchesAnswered > 10, `searches answered: ${searchesAnswered}`);

    const c = server.server.state.engine.get('busy');
    await c.optimizer.idle();
    const info = (await http(server.url, 'GET', collection)).body as {
      result: { points_count: number; segments_count: number; indexed_vectors_count: number };
    };
    assert.equal(info.result.points_count, reference.size);
    assert.ok(info.result.indexed_vectors_count > 0, 'the optimizer indexed during the run');

    // the final state equals the reference
    const scroll = await http(server.url, 'POST', `${collection}/points/scroll`, {
      limit: 100000,
      with_vector: true,
      with_payload: true,
    });
    const points = (
      scroll.body as {
        result: { points: { id: number; vector: number[]; payload: { round: number } }[] };
      }
    ).result.points;
    assert.equal(points.length, reference.size);
    for (const point of points) {
      const want = reference.get(point.id);
      assert.ok(want, `point ${point.id} should have been deleted`);
      assert.equal(point.payload.round, want.version, `payload of ${point.id}`);
      assert.deepEqual(point.vector.map(Math.fround), want.vector, `vector of ${point.id}`);
    }

    // exact search over the final state equals brute force
    for (let q = 0; q < 5; q++) {
      const query = Float32Array.from(vectorOf(q * 977, 1));
      const [found] = await c.search([
        {
          using: '',
          query: { kind: 'nearest', vector: query },
          filter: null,
          limit: 10,
          offset: 0,
          params: { ...DEFAULT_SEARCH_PARAMS, exact: true },
          scoreThreshold: null,
          withPayload: false,
          withVector: false,
        },
      ]);
      const truth = [...reference]
        .map(
          ([id, { vector }]) =>
            [id, vector.reduce((sum, x, i) => sum + (x - query[i]!) ** 2, 0)] as const,
        )
        .sort((a, b) => a[1] - b[1] || a[0] - b[0])
        .slice(0, 10)
        .map(([id]) => id);
      assert.deepEqual(
        found!.map((p) => p.id),
        truth,
      );
    }
    await server.close();
  },
);
