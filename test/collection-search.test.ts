// Collection-level search through a real server: the search worker pool, the background
// optimizer (HNSW, quantization, payload indexes) and restarts. Searches go through
// Collection.search so these tests do not depend on the query endpoints' request mapping.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Collection } from '../src/collection/collection.js';
import { DEFAULT_SEARCH_PARAMS, type CoreSearchRequest } from '../src/collection/search-request.js';
import { SearchPool } from '../src/exec/search-pool.js';
import { parseFilter } from '../src/filter/parse-filter.js';
import { generateClusteredDataset } from '../src/index/hnsw/clustered-dataset.js';
import {
  http,
  removeDir,
  startTestServer,
  tempDir,
  type TestServer,
} from './helpers/test-server.js';

type Distance = 'Cosine' | 'Dot' | 'Euclid' | 'Manhattan';

function similarity(distance: Distance, a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0,
    na = 0,
    nb = 0,
    l2 = 0,
    l1 = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
    l2 += (a[i]! - b[i]!) ** 2;
    l1 += Math.abs(a[i]! - b[i]!);
  }
  if (distance === 'Cosine') return dot / Math.sqrt(na * nb);
  if (distance === 'Dot') return dot;
  if (distance === 'Euclid') return -l2;
  return -l1;
}

function bruteForce(
  distance: Distance,
  vectors: Float32Array,
  dim: number,
  query: Float32Array,
  limit: number,
  accept: (id: number) => boolean = () => true,
): number[] {
  const scored: [number, number][] = [];
  for (let id = 0; id * dim < vectors.length; id++) {
    if (accept(id))
      scored.push([id, similarity(distance, vectors.subarray(id * dim, (id + 1) * dim), query)]);
  }
  scored.sort((x, y) => y[1] - x[1] || x[0] - y[0]);
  return scored.slice(0, limit).map(([id]) => id);
}

function request(
  query: Float32Array,
  overrides: Partial<CoreSearchRequest> = {},
): CoreSearchRequest {
  return {
    using: '',
    query: { kind: 'nearest', vector: query },
    filter: null,
    limit: 10,
    offset: 0,
    params: DEFAULT_SEARCH_PARAMS,
    scoreThreshold: null,
    withPayload: false,
    withVector: false,
    ...overrides,
  };
}

async function upload(
  server: TestServer,
  name: string,
  vectors: Float32Array,
  dim: number,
  payload = true,
): Promise<void> {
  const n = vectors.length / dim;
  for (let first = 0; first < n; first += 1000) {
    const points = [];
    for (let id = first; id < Math.min(n, first + 1000); id++) {
      points.push({
        id,
        vector: Array.from(vectors.subarray(id * dim, (id + 1) * dim)),
        ...(payload ? { payload: { group: `g${id % 20}`, rank: id % 100 } } : {}),
      });
    }
    const res = await http(server.url, 'PUT', `/collections/${name}/points?wait=true`, { points });
    assert.equal(res.status, 200, res.text);
  }
}

async function recall(
  collection: Collection,
  distance: Distance,
  vectors: Float32Array,
  queries: Float32Array,
  dim: number,
  overrides: Partial<CoreSearchRequest> = {},
): Promise<number> {
  let hits = 0;
  let total = 0;
  for (let q = 0; q * dim < queries.length; q++) {
    const query = queries.slice(q * dim, (q + 1) * dim);
    const truth = new Set(bruteForce(distance, vectors, dim, query, 10));
    const [found] = await collection.search([request(query, overrides)]);
    for (const point of found!) if (truth.has(point.id as number)) hits++;
    total += truth.size;
  }
  return hits / total;
}

describe('collection search', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      env: {
        RINGVEC__STORAGE__PERFORMANCE__MAX_SEARCH_THREADS: '2',
        RINGVEC__STORAGE__OPTIMIZERS__INDEXING_THRESHOLD_KB: '500',
        RINGVEC__STORAGE__OPTIMIZERS__FLUSH_INTERVAL_SEC: '1',
      },
    });
  });
  after(() => server.close());

  const engine = () => server.server.state.engine;

  test('exact search equals brute force for every distance, with filters and offset', async () => {
    const dim = 16;
    const data = generateClusteredDataset({ points: 3000, queries: 5, dim, seed: 7 });
    for (const distance of ['Cosine', 'Dot', 'Euclid', 'Manhattan'] as const) {
      const name = `exact_${distance.toLowerCase()}`;
      assert.equal(
        (
          await http(server.url, 'PUT', `/collections/${name}`, {
            vectors: { size: dim, distance },
          })
        ).status,
        200,
      );
      await upload(server, name, data.vectors, dim);
      const collection = engine().get(name);
      for (let q = 0; q < 5; q++) {
        const query = data.queries.slice(q * dim, (q + 1) * dim);
        const exact = { ...DEFAULT_SEARCH_PARAMS, exact: true };
        const [plain] = await collection.search([request(query, { params: exact })]);
        assert.deepEqual(
          plain!.map((p) => p.id),
          bruteForce(distance, data.vectors, dim, query, 10),
          `${distance} q${q}`,
        );
        const filter = parseFilter({
          must: [{ key: 'group', match: { any: ['g1', 'g2'] } }],
          must_not: [{ key: 'rank', range: { lt: 10 } }],
        });
        const [filtered] = await collection.search([
          request(query, { params: exact, filter, limit: 5, offset: 3 }),
        ]);
        const expected = bruteForce(
          distance,
          data.vectors,
          dim,
          query,
          8,
          (id) => (id % 20 === 1 || id % 20 === 2) && id % 100 >= 10,
        ).slice(3);
        assert.deepEqual(
          filtered!.map((p) => p.id),
          expected,
          `${distance} filtered q${q}`,
        );
      }
      if (distance === 'Euclid') {
        const query = data.queries.slice(0, dim);
        const [top] = await collection.search([
          request(query, { params: { ...DEFAULT_SEARCH_PARAMS, exact: true }, limit: 1 }),
        ]);
        const id = top![0]!.id as number;
        const distance = Math.sqrt(
          -similarity('Euclid', data.vectors.subarray(id * dim, (id + 1) * dim), query),
        );
        assert.ok(
          Math.abs(top![0]!.score - distance) < 1e-4,
          `Euclid scores are distances (${top![0]!.score} vs ${distance})`,
        );
      }
    }
  });

  test(
    'background indexing builds HNSW with recall ≥ 0.95 (default parameters)',
    { timeout: 120_000 },
    async () => {
      const dim = 32;
      const data = generateClusteredDataset({
        points: 12000,
        queries: 40,
        dim,
        seed: 11,
        normalize: true,
      });
      assert.equal(
        (
          await http(server.url, 'PUT', '/collections/hnsw', {
            vectors: { size: dim, distance: 'Cosine' },
          })
        ).status,
        200,
      );
      await upload(server, 'hnsw', data.vectors, dim);
      const collection = engine().get('hnsw');
      await collection.optimizer.idle();
      const info = (await http(server.url, 'GET', '/collections/hnsw')).body as {
        result: { status: string; indexed_vectors_count: number };
      };
      assert.equal(info.result.status, 'green');
      assert.equal(info.result.indexed_vectors_count, 12000);
      const r = await recall(collection, 'Cosine', data.vectors, data.queries, dim);
      assert.ok(r >= 0.95, `recall@10 ${r}`);
    },
  );

  test(
    'quantization: rescored recall ≥ 0.99 × float recall; ignore equals unquantized; requantization chain',
    { timeout: 180_000 },
    async () => {
      const dim = 64;
      const data = generateClusteredDataset({
        points: 10000,
        queries: 30,
        dim,
        seed: 5,
        normalize: true,
      });
      await http(server.url, 'PUT', '/collections/quant', {
        vectors: { size: dim, distance: 'Cosine', on_disk: true },
        quantization_config: { scalar: { type: 'int8', always_ram: true } },
      });
      await upload(server, 'quant', data.vectors, dim);
      const collection = engine().get('quant');
      await collection.optimizer.idle();
      const float = await recall(collection, 'Cosine', data.vectors, data.queries, dim, {
        params: {
          ...DEFAULT_SEARCH_PARAMS,
          quantization: { ignore: true, rescore: null, oversampling: null },
        },
      });
      const rescored = await recall(collection, 'Cosine', data.vectors, data.queries, dim, {
        params: {
          ...DEFAULT_SEARCH_PARAMS,
          quantization: { ignore: false, rescore: true, oversampling: 2 },
        },
      });
      assert.ok(rescored >= 0.99 * float, `rescored ${rescored} vs float ${float}`);

      const query = data.queries.slice(0, dim);
      const ignore = {
        ...DEFAULT_SEARCH_PARAMS,
        quantization: { ignore: true, rescore: null, oversampling: null },
      };
      const [a] = await collection.search([request(query, { params: ignore })]);
      await http(server.url, 'PATCH', '/collections/quant', { quantization_config: 'Disabled' });
      await collection.optimizer.idle();
      const [b] = await collection.search([request(query)]);
      assert.deepEqual(
        a!.map((p) => p.id),
        b!.map((p) => p.id),
        'ignore: true equals unquantized results',
      );

      for (const config of [{ scalar: { type: 'int8' } }, { binary: {} }, 'Disabled'] as const) {
        const patch = http(server.url, 'PATCH', '/collections/quant', {
          quantization_config: config,
        });
        // searches keep working while the rebuild runs
        const during = await collection.search([request(query)]);
        assert.equal(during[0]!.length, 10);
        assert.equal((await patch).status, 200);
        await collection.optimizer.idle();
        const vectors = collection.vectorStorageInfo()[0]!;
        assert.equal(
          vectors.quantized_ram_bytes > 0,
          config !== 'Disabled',
          `quantized data after ${JSON.stringify(config)}`,
        );
        // Binary codes need more candidates on tightly clustered data (see bench/quantization).
        const oversampling = typeof config === 'object' && 'binary' in config ? 10 : 4;
        const r = await recall(collection, 'Cosine', data.vectors, data.queries, dim, {
          params: {
            ...DEFAULT_SEARCH_PARAMS,
            quantization: { ignore: false, rescore: true, oversampling },
          },
        });
        assert.ok(r >= 0.95, `recall ${r} after ${JSON.stringify(config)}`);
      }
    },
  );

  test(
    'filtered search uses payload indexes and equals brute force',
    { timeout: 60_000 },
    async () => {
      const collection = engine().get('hnsw');
      const res = await http(server.url, 'PUT', '/collections/hnsw/index?wait=true', {
        field_name: 'group',
        field_schema: 'keyword',
      });
      assert.equal(res.status, 200, res.text);
      const info = (await http(server.url, 'GET', '/collections/hnsw')).body as {
        result: { payload_schema: Record<string, { data_type: string; points: number }> };
      };
      assert.equal(info.result.payload_schema.group!.data_type, 'keyword');
      assert.ok(info.result.payload_schema.group!.points > 0);
      const dim = 32;
      const data = generateClusteredDataset({
        points: 12000,
        queries: 40,
        dim,
        seed: 11,
        normalize: true,
      });
      const filter = parseFilter({ must: [{ key: 'group', match: { value: 'g7' } }] });
      for (let q = 0; q < 5; q++) {
        const query = data.queries.slice(q * dim, (q + 1) * dim);
        const [found] = await collection.search([request(query, { filter })]);
        assert.deepEqual(
          found!.map((p) => p.id),
          bruteForce('Cosine', data.vectors, dim, query, 10, (id) => id % 20 === 7),
        );
      }
      // a payload edit after the index was built is seen by the next search
      await http(server.url, 'POST', '/collections/hnsw/points/payload?wait=true', {
        payload: { group: 'g7' },
        points: [3],
      });
      const [found] = await collection.search([
        request(data.vectors.slice(3 * dim, 4 * dim), { filter, limit: 1 }),
      ]);
      assert.equal(found![0]!.id, 3);
    },
  );

  test('a point upserted with wait=true is visible to the next search on any worker', async () => {
    assert.equal(
      (
        await http(server.url, 'PUT', '/collections/fresh', {
          vectors: { size: 4, distance: 'Dot' },
        })
      ).status,
      200,
    );
    const collection = engine().get('fresh');
    for (let i = 0; i < 40; i++) {
      const vector = [i + 1, 0, 0, 0];
      assert.equal(
        (
          await http(server.url, 'PUT', '/collections/fresh/points?wait=true', {
            points: [{ id: i, vector }],
          })
        ).status,
        200,
      );
      const results = await Promise.all(
        [0, 1, 2, 3].map(() =>
          collection.search([request(Float32Array.of(1, 0, 0, 0), { limit: 1 })]),
        ),
      );
      for (const [found] of results) assert.equal(found![0]!.id, i);
    }
  });

  test('a crashed search worker is replaced and the server keeps serving', async () => {
    const pool = (
      server.server.state.engine as unknown as { collectionOptions: { executor: SearchPool } }
    ).collectionOptions.executor;
    const collection = engine().get('fresh');
    const inFlight = collection.search([request(Float32Array.of(1, 0, 0, 0))]);
    pool.crashWorkerForTesting(0);
    pool.crashWorkerForTesting(1);
    await inFlight.then(
      () => undefined,
      (error: unknown) => assert.match(String(error), /search worker exited/),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const [found] = await collection.search([request(Float32Array.of(1, 0, 0, 0), { limit: 1 })]);
    assert.equal(found![0]!.id, 39);
  });
});

test(
  'indexes, quantization and payload indexes survive a restart with identical results',
  { timeout: 120_000 },
  async () => {
    const storage = tempDir();
    const env = { RINGVEC__STORAGE__OPTIMIZERS__INDEXING_THRESHOLD_KB: '200' };
    let server = await startTestServer({ storagePath: storage, env });
    const dim = 24;
    const data = generateClusteredDataset({ points: 6000, queries: 10, dim, seed: 3 });
    await http(server.url, 'PUT', '/collections/keep', {
      vectors: { size: dim, distance: 'Euclid', on_disk: true },
      quantization_config: { scalar: { type: 'int8' } },
    });
    await upload(server, 'keep', data.vectors, dim);
    await http(server.url, 'PUT', '/collections/keep/index?wait=true', {
      field_name: 'rank',
      field_schema: 'integer',
    });
    await server.server.state.engine.get('keep').optimizer.idle();
    const filter = parseFilter({ must: [{ key: 'rank', range: { gte: 50 } }] });
    const run = async (s: TestServer) => {
      const c = s.server.state.engine.get('keep');
      const out = [];
      for (let q = 0; q < 10; q++) {
        const query = data.queries.slice(q * dim, (q + 1) * dim);
        out.push((await c.search([request(query, { filter })]))[0]!.map((p) => [p.id, p.score]));
      }
      return out;
    };
    const before = await run(server);
    const infoBefore = (await http(server.url, 'GET', '/collections/keep')).body as {
      result: Record<string, unknown>;
    };
    await server.close();
    server = await startTestServer({ storagePath: storage, env });
    assert.deepEqual(await run(server), before);
    const infoAfter = (await http(server.url, 'GET', '/collections/keep')).body as {
      result: Record<string, unknown>;
    };
    assert.equal(infoAfter.result.indexed_vectors_count, infoBefore.result.indexed_vectors_count);
    assert.equal(infoAfter.result.segments_count, infoBefore.result.segments_count);
    assert.deepEqual(infoAfter.result.payload_schema, infoBefore.result.payload_schema);
    await server.close();
    removeDir(storage);
  },
);
