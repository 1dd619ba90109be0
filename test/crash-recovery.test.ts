// Durability (issue 4): a server taking wait=true upserts is killed with SIGKILL at random
// moments; after every restart each acknowledged point must be present and intact, and an
// operation that was in flight must be applied entirely or not at all. Flushes run every second
// so kills also land during flushes and WAL truncation.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { http, removeDir, spawnServer, tempDir } from './helpers/test-server.js';

const DIM = 8;

function vectorOf(id: number, generation: number): number[] {
  return Array.from({ length: DIM }, (_, i) =>
    Math.fround(Math.sin(id * 7.3 + i * 1.1 + generation)),
  );
}

interface Expected {
  vector: number[];
  payload: Record<string, unknown>;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test('acknowledged upserts survive kill -9 at random points', { timeout: 120_000 }, async () => {
  const storage = tempDir();
  const env = {
    RINGVEC__STORAGE__STORAGE_PATH: storage,
    RINGVEC__STORAGE__OPTIMIZERS__FLUSH_INTERVAL_SEC: '1',
    RINGVEC__STORAGE__OPTIMIZERS__INDEXING_THRESHOLD_KB: '32',
  };
  const random = rng(20261125);
  const expected = new Map<number, Expected>();
  let nextId = 1;
  let generation = 0;
  let sequence = 0;

  let server = await spawnServer(env);
  for (const [name, onDisk] of [
    ['ram', false],
    ['disk', true],
  ] as const) {
    const created = await http(server.url, 'PUT', `/collections/${name}`, {
      vectors: { size: DIM, distance: 'Euclid', on_disk: onDisk },
    });
    assert.equal(created.status, 200);
  }

  for (let round = 0; round < 4; round++) {
    generation++;
    let stop = false;
    const flight: { current: { ids: number[]; delete: boolean; gen: number; seq: number } | null } =
      {
        current: null,
      };
    const writer = (async () => {
      while (!stop) {
        const useDelete = expected.size > 20 && random() < 0.15;
        if (useDelete) {
          const ids = [...expected.keys()].slice(0, 1 + Math.floor(random() * 5));
          flight.current = { ids, delete: true, gen: generation, seq: ++sequence };
          const res = await Promise.all(
            ['ram', 'disk'].map((c) =>
              http(server.url, 'POST', `/collections/${c}/points/delete?wait=true`, {
                points: ids,
              }),
            ),
          ).catch(() => null);
          if (res === null || res.some((r) => r.status !== 200)) break;
          for (const id of ids) expected.delete(id);
        } else {
          // Mix fresh ids with overwrites of existing ones.
          const count = 1 + Math.floor(random() * 40);
          const ids = Array.from({ length: count }, () =>
            expected.size > 0 && random() < 0.3
              ? [...expected.keys()][Math.floor(random() * expected.size)]!
              : nextId++,
          );
          const unique = [...new Set(ids)];
          const seq = ++sequence;
          flight.current = { ids: unique, delete: false, gen: generation, seq };
          const points = unique.map((id) => ({
            id,
            vector: vectorOf(id, generation),
            payload: { id, gen: generation, seq, tag: `t${id % 7}` },
          }));
          const res = await Promise.all(
            ['ram', 'disk'].map((c) =>
              http(server.url, 'PUT', `/collections/${c}/points?wait=true`, { points }),
            ),
          ).catch(() => null);
          if (res === null || res.some((r) => r.status !== 200)) break;
          for (const p of points) expected.set(p.id, { vector: p.vector, payload: p.payload });
        }
        flight.current = null;
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 200 + random() * 1500));
    server.child.kill('SIGKILL');
    stop = true;
    await server.exited;
    await writer;

    server = await spawnServer(env);
    for (const collection of ['ram', 'disk']) {
      const scroll = await http(server.url, 'POST', `/collections/${collection}/points/scroll`, {
        limit: 100000,
        with_payload: true,
        with_vector: true,
      });
      assert.equal(scroll.status, 200);
      const points = (
        scroll.body as {
          result: { points: { id: number; vector: number[]; payload: Record<string, unknown> }[] };
        }
      ).result.points;
      const found = new Map(points.map((p) => [p.id, p]));
      const uncertain = new Set<number>(flight.current?.ids ?? []);
      for (const [id, want] of expected) {
        const got = found.get(id);
        if (uncertain.has(id)) continue;
        assert.ok(
          got,
          `${collection}: acknowledged point ${id} is missing after kill -9 (round ${round})`,
        );
        assert.deepEqual(got.payload, want.payload, `${collection}: payload of ${id}`);
        assert.deepEqual(
          got.vector.map(Math.fround),
          want.vector,
          `${collection}: vector of ${id}`,
        );
      }
      for (const id of found.keys()) {
        assert.ok(
          expected.has(id) || uncertain.has(id),
          `${collection}: point ${id} was deleted but is back`,
        );
      }
      // The in-flight operation is atomic: all of its points changed, or none.
      const pending = flight.current;
      if (pending && !pending.delete) {
        const applied = pending.ids.map(
          (id) => (found.get(id)?.payload as { seq?: number } | undefined)?.seq === pending.seq,
        );
        assert.ok(
          applied.every((a) => a) || applied.every((a) => !a),
          `${collection}: in-flight upsert half applied`,
        );
      } else if (pending && pending.delete) {
        const gone = pending.ids.map((id) => !found.has(id));
        assert.ok(
          gone.every((g) => g) || gone.every((g) => !g),
          `${collection}: in-flight delete half applied`,
        );
      }
    }
    // The in-flight operation may have landed in one collection and not the other: send it
    // again to both so they agree before the next round.
    const pending = flight.current;
    if (pending && pending.delete) {
      for (const c of ['ram', 'disk']) {
        assert.equal(
          (
            await http(server.url, 'POST', `/collections/${c}/points/delete?wait=true`, {
              points: pending.ids,
            })
          ).status,
          200,
        );
      }
      for (const id of pending.ids) expected.delete(id);
    } else if (pending) {
      const points = pending.ids.map((id) => ({
        id,
        vector: vectorOf(id, pending.gen),
        payload: { id, gen: pending.gen, seq: pending.seq, tag: `t${id % 7}` },
      }));
      for (const c of ['ram', 'disk']) {
        assert.equal(
          (await http(server.url, 'PUT', `/collections/${c}/points?wait=true`, { points })).status,
          200,
        );
      }
      for (const p of points) expected.set(p.id, { vector: p.vector, payload: p.payload });
    }
  }
  const info = await http(server.url, 'GET', '/collections/disk');
  const result = (info.body as { result: { points_count: number; segments_count: number } }).result;
  assert.equal(result.points_count, expected.size);
  await server.stop();
  removeDir(storage);
});
