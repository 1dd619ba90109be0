// HNSW build and search against brute force: recall, filtering inside the traversal, determinism,
// serialization, corruption handling, the async scorer path and building in a worker thread.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { getKernels, getTypescriptKernels, type KernelOp } from '../../kernels/index.js';
import type { PointScorer } from '../../kernels/point-scorer.js';
import { bruteForceTopK, generateClusteredDataset, recallAtK } from './clustered-dataset.js';
import { DenseVectorScorer } from './dense-vector-scorer.js';
import { HnswGraph } from './hnsw-graph.js';
import { HnswIndex, type HnswSearchResult } from './hnsw-index.js';

const DIM = 64;
const POINTS = 10_000;
const QUERIES = 200;
const PARAMS = { m: 16, efConstruct: 100, seed: 42 };

interface Fixture {
  op: KernelOp;
  scorer: DenseVectorScorer;
  queries: Float32Array;
  index: HnswIndex;
}

const fixtures = new Map<string, Fixture>();

/** One dataset and index per distance, built once and shared by the tests. */
function fixture(distance: 'Euclid' | 'Cosine' | 'Dot'): Fixture {
  let found = fixtures.get(distance);
  if (found === undefined) {
    const op: KernelOp = distance === 'Euclid' ? 'l2sq' : 'dot';
    const data = generateClusteredDataset({
      points: POINTS,
      queries: QUERIES,
      dim: DIM,
      clusters: 20,
      normalize: distance === 'Cosine',
      seed: 7,
    });
    const scorer = new DenseVectorScorer(data.vectors, DIM, op);
    found = { op, scorer, queries: data.queries, index: HnswIndex.build(scorer, PARAMS) };
    fixtures.set(distance, found);
  }
  return found;
}

function query(f: Fixture, q: number): Float32Array {
  return f.queries.subarray(q * DIM, (q + 1) * DIM);
}

function searchSync(index: HnswIndex, scorer: PointScorer, limit: number, ef: number) {
  const result = index.search(scorer, { limit, ef });
  assert.ok(!(result instanceof Promise), 'an in-RAM scorer must give a synchronous result');
  return result;
}

/** Exact top-k over the points `accept` lets through. */
function exactTopK(f: Fixture, limit: number, accept?: (offset: number) => boolean): Uint32Array {
  const kernels = getKernels();
  const vectors = f.scorer.vectors;
  return bruteForceTopK(
    (q, out) => {
      kernels.scoreRange(f.op, q, vectors, DIM, 0, POINTS, out);
      if (accept !== undefined) {
        for (let i = 0; i < POINTS; i++) if (!accept(i)) out[i] = -Infinity;
      }
    },
    f.queries,
    DIM,
    POINTS,
    limit,
  );
}

/** A scorer that answers through a promise, as an io_uring-backed one does. */
class AsyncScorer implements PointScorer {
  calls = 0;
  constructor(private readonly inner: PointScorer) {}
  scoreOffsets(offsets: Uint32Array, count: number, out: Float32Array): Promise<void> {
    this.calls++;
    // Copy the offsets now and score later, like a batch reader that completes asynchronously.
    const pending = offsets.slice(0, count);
    return new Promise((resolve) =>
      setImmediate(() => {
        void this.inner.scoreOffsets(pending, count, out);
        resolve();
      }),
    );
  }
}

describe('HnswIndex recall (10k × 64 clustered, m=16, ef_construct=100, ef=128)', () => {
  for (const distance of ['Euclid', 'Cosine', 'Dot'] as const) {
    test(`${distance}: recall@10 ≥ 0.95 against brute force`, (t) => {
      const f = fixture(distance);
      const truth = exactTopK(f, 10);
      const found: Uint32Array[] = [];
      for (let q = 0; q < QUERIES; q++) {
        const result = searchSync(f.index, f.scorer.queryScorer(query(f, q)), 10, 128);
        assert.equal(result.offsets.length, 10);
        for (let i = 1; i < 10; i++) assert.ok(result.scores[i - 1]! >= result.scores[i]!);
        found.push(result.offsets);
      }
      const recall = recallAtK(truth, found, 10);
      t.diagnostic(`recall@10 = ${recall}`);
      assert.ok(recall >= 0.95, `recall@10 = ${recall}`);
      // A small ef still finds most neighbours: catches a graph that only works by brute force.
      const lowEf: Uint32Array[] = [];
      let scored = 0;
      for (let q = 0; q < QUERIES; q++) {
        const result = searchSync(f.index, f.scorer.queryScorer(query(f, q)), 10, 16);
        lowEf.push(result.offsets);
        scored += result.pointsScored;
      }
      const lowRecall = recallAtK(truth, lowEf, 10);
      t.diagnostic(`ef=16: recall@10 = ${lowRecall}, ${scored / QUERIES} points scored per query`);
      assert.ok(lowRecall >= 0.85, `ef=16 recall@10 = ${lowRecall}`);
      assert.ok(scored / QUERIES < POINTS / 10, 'a search must not scan a large part of the set');
    });
  }

  test('every point is reachable on level 0 and finds itself', () => {
    const f = fixture('Euclid');
    const graph = f.index.graph;
    const reached = new Uint8Array(graph.count);
    const stack = [graph.entryPoint];
    reached[graph.entryPoint] = 1;
    let count = 1;
    while (stack.length > 0) {
      for (const other of graph.neighbours(stack.pop()!, 0)) {
        if (reached[other] === 0) {
          reached[other] = 1;
          count++;
          stack.push(other);
        }
      }
    }
    assert.equal(count, graph.count);
    for (let point = 0; point < POINTS; point += 7) {
      const result = searchSync(f.index, f.scorer.scorerFor(point), 1, 32);
      assert.equal(result.offsets[0], point);
    }
  });

  test('scores are the kernel scores of the returned offsets', () => {
    const f = fixture('Euclid');
    const result = searchSync(f.index, f.scorer.queryScorer(query(f, 3)), 10, 64);
    const exact = new Float32Array(10);
    void f.scorer.queryScorer(query(f, 3)).scoreOffsets(result.offsets, 10, exact);
    assert.deepEqual(Array.from(result.scores), Array.from(exact));
  });
});

describe('HnswIndex filtered search (accept predicate inside the traversal)', () => {
  const cases = [
    { name: '50%', accept: (offset: number) => offset % 2 === 0 },
    // ~5%, scattered over the clusters (not a contiguous range).
    { name: '5%', accept: (offset: number) => Math.imul(offset, 2654435761) >>> 0 < 214748365 },
  ];
  for (const { name, accept } of cases) {
    test(`${name} selectivity: only accepted points, recall@10 ≥ 0.9`, (t) => {
      const f = fixture('Euclid');
      const truth = exactTopK(f, 10, accept);
      const found: Uint32Array[] = [];
      for (let q = 0; q < QUERIES; q++) {
        const result = f.index.search(f.scorer.queryScorer(query(f, q)), {
          limit: 10,
          ef: 128,
          accept,
        }) as HnswSearchResult;
        assert.equal(result.offsets.length, 10);
        for (const offset of result.offsets) assert.ok(accept(offset), `offset ${offset} rejected`);
        found.push(result.offsets);
      }
      const recall = recallAtK(truth, found, 10);
      t.diagnostic(`recall@10 = ${recall}`);
      assert.ok(recall >= 0.9, `filtered recall@10 = ${recall}`);
    });
  }

  test('a predicate that rejects everything returns nothing', () => {
    const f = fixture('Euclid');
    const result = f.index.search(f.scorer.queryScorer(query(f, 0)), {
      limit: 10,
      accept: () => false,
    }) as HnswSearchResult;
    assert.equal(result.offsets.length, 0);
  });
});

describe('HnswIndex build', () => {
  const small = generateClusteredDataset({ points: 2000, queries: 20, dim: 16, seed: 3 });
  const scorer = new DenseVectorScorer(small.vectors, 16, 'l2sq');

  test('is deterministic for a seed and differs across seeds', () => {
    const a = HnswIndex.build(scorer, { m: 8, efConstruct: 50, seed: 1 }).toBytes();
    const b = HnswIndex.build(scorer, { m: 8, efConstruct: 50, seed: 1 }).toBytes();
    const c = HnswIndex.build(scorer, { m: 8, efConstruct: 50, seed: 2 }).toBytes();
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  test('is identical with the native and the TypeScript kernels (bit-identical scores)', () => {
    const reference = new DenseVectorScorer(small.vectors, 16, 'l2sq', getTypescriptKernels());
    const a = HnswIndex.build(reference, { m: 8, efConstruct: 50, seed: 1 }).toBytes();
    const b = HnswIndex.build(scorer, { m: 8, efConstruct: 50, seed: 1 }).toBytes();
    assert.deepEqual(a, b);
  });

  test('respects the degrees: ≤ 2m on level 0, ≤ m above, neighbours on their level', () => {
    const graph = HnswIndex.build(scorer, { m: 6, efConstruct: 40, seed: 5 }).graph;
    assert.equal(graph.m0, 12);
    let total = 0;
    for (let node = 0; node < graph.count; node++) {
      const level0 = graph.neighbours(node, 0);
      assert.ok(level0.length >= 1 && level0.length <= 12);
      assert.ok(!level0.includes(node));
      total += level0.length;
      for (let level = 1; level <= graph.levels[node]!; level++) {
        const upper = graph.neighbours(node, level);
        assert.ok(upper.length <= 6);
        for (const other of upper) assert.ok(graph.levels[other]! >= level);
      }
    }
    assert.ok(total / graph.count > 4, `mean degree ${total / graph.count}`);
    assert.equal(graph.levels[graph.entryPoint], graph.maxLevel);
  });

  test('reports progress and can be stopped', () => {
    const seen: number[] = [];
    HnswIndex.build(
      scorer,
      { m: 4, efConstruct: 16, seed: 1 },
      {
        progressInterval: 500,
        onProgress: (done, total) => {
          assert.equal(total, 2000);
          seen.push(done);
        },
      },
    );
    assert.deepEqual(seen, [500, 1000, 1500, 2000]);
    assert.throws(
      () =>
        HnswIndex.build(
          scorer,
          { m: 4, efConstruct: 16, seed: 1 },
          { progressInterval: 100, isStopped: () => true },
        ),
      /HNSW build cancelled/,
    );
  });

  test('rejects bad params and asynchronous stored scorers', () => {
    assert.throws(() => HnswIndex.build(scorer, { m: 0, efConstruct: 10, seed: 1 }), /hnsw m/);
    assert.throws(() => HnswIndex.build(scorer, { m: 4, efConstruct: 0, seed: 1 }), /ef_construct/);
    const asyncStored = {
      count: scorer.count,
      pair: (a: number, b: number) => scorer.pair(a, b),
      scorerFor: (offset: number) => new AsyncScorer(scorer.scorerFor(offset)),
    };
    assert.throws(
      () => HnswIndex.build(asyncStored, { m: 4, efConstruct: 10, seed: 1 }),
      /synchronous StoredPointScorer/,
    );
  });

  test('falls back to scorerFor() when the scorer has no scoreStoredOffsets', () => {
    const plain = {
      count: scorer.count,
      pair: (a: number, b: number) => scorer.pair(a, b),
      scorerFor: (offset: number) => scorer.scorerFor(offset),
    };
    const a = HnswIndex.build(plain, { m: 8, efConstruct: 50, seed: 1 }).toBytes();
    const b = HnswIndex.build(scorer, { m: 8, efConstruct: 50, seed: 1 }).toBytes();
    assert.deepEqual(a, b);
  });

  test('links only the given points (e.g. without deleted ones)', () => {
    const even = Uint32Array.from({ length: 1000 }, (_, i) => 2 * i);
    const index = HnswIndex.build(scorer, { m: 8, efConstruct: 50, seed: 1 }, { points: even });
    for (let node = 1; node < 2000; node += 2) {
      assert.equal(index.graph.neighbours(node, 0).length, 0);
      assert.equal(index.graph.levels[node], 0);
    }
    assert.equal(index.graph.entryPoint % 2, 0);
    for (let q = 0; q < 20; q++) {
      const result = searchSync(
        index,
        scorer.queryScorer(small.queries.subarray(q * 16, q * 16 + 16)),
        10,
        50,
      );
      assert.equal(result.offsets.length, 10);
      for (const offset of result.offsets) assert.equal(offset % 2, 0);
    }
    assert.throws(
      () => HnswIndex.build(scorer, PARAMS, { points: Uint32Array.of(1, 1) }),
      /repeated/,
    );
    const none = HnswIndex.build(scorer, PARAMS, { points: new Uint32Array(0) });
    const reloaded = HnswIndex.fromBuffer(Buffer.from(none.toBytes()));
    assert.equal(
      (reloaded.search(scorer.scorerFor(0), { limit: 3 }) as HnswSearchResult).offsets.length,
      0,
    );
  });

  test('handles 0, 1 and 2 points, limit 0 and limit > count', () => {
    for (const count of [0, 1, 2]) {
      const tiny = new DenseVectorScorer(small.vectors.subarray(0, count * 16), 16, 'l2sq');
      const index = HnswIndex.build(tiny, PARAMS);
      const q = tiny.queryScorer(small.queries.subarray(0, 16));
      const result = index.search(q, { limit: 5 }) as HnswSearchResult;
      assert.equal(result.offsets.length, count);
      assert.equal((index.search(q, { limit: 0 }) as HnswSearchResult).offsets.length, 0);
      const reloaded = HnswIndex.fromBuffer(Buffer.from(index.toBytes()));
      assert.equal(reloaded.count, count);
    }
    assert.throws(() => HnswIndex.build(scorer, PARAMS).search(scorer.scorerFor(0), { limit: -1 }));
  });

  test('builds in a worker thread into shared memory', async () => {
    const shared = new SharedArrayBuffer(small.vectors.byteLength);
    new Float32Array(shared).set(small.vectors);
    const worker = new Worker(new URL('./build-worker-fixture.js', import.meta.url), {
      workerData: { vectors: shared, dim: 16, m: 8, efConstruct: 50, seed: 1 },
    });
    const progress: number[] = [];
    const graphBuffer = await new Promise<SharedArrayBuffer>((resolve, reject) => {
      worker.on('message', (message: { progress?: number; graph?: SharedArrayBuffer }) => {
        if (message.progress !== undefined) progress.push(message.progress);
        if (message.graph !== undefined) resolve(message.graph);
      });
      worker.on('error', reject);
    });
    await worker.terminate();
    const fromWorker = HnswIndex.fromBuffer(graphBuffer);
    assert.equal(fromWorker.graph.buffer, graphBuffer, 'a SharedArrayBuffer is used in place');
    assert.deepEqual(progress.at(-1), 2000);
    const local = HnswIndex.build(scorer, { m: 8, efConstruct: 50, seed: 1 });
    assert.deepEqual(fromWorker.toBytes(), local.toBytes());
  });
});

describe('HnswIndex serialization', () => {
  test('round trip through a Buffer and a SharedArrayBuffer gives identical results', () => {
    const f = fixture('Cosine');
    const bytes = Buffer.from(f.index.toBytes());
    const copies = [HnswIndex.fromBuffer(bytes), HnswIndex.fromBuffer(f.index.graph.buffer)];
    const unaligned = Buffer.alloc(bytes.length + 3);
    bytes.copy(unaligned, 3);
    copies.push(HnswIndex.fromBuffer(unaligned.subarray(3)));
    for (const copy of copies) {
      for (let q = 0; q < 50; q++) {
        const scorer = f.scorer.queryScorer(query(f, q));
        assert.deepEqual(searchSync(copy, scorer, 10, 64), searchSync(f.index, scorer, 10, 64));
      }
    }
  });

  test('a corrupted buffer is rejected with a clear error', () => {
    const f = fixture('Euclid');
    const good = Buffer.from(f.index.toBytes());
    const flipped = Buffer.from(good);
    flipped[good.length - 100]! ^= 0x10;
    assert.throws(() => HnswIndex.fromBuffer(flipped), /corrupt HNSW graph: body checksum/);
    assert.throws(() => HnswIndex.fromBuffer(good.subarray(0, 40)), /corrupt HNSW graph/);
    assert.throws(
      () => HnswIndex.fromBuffer(good.subarray(0, good.length - 8)),
      /corrupt HNSW graph: .*header checksum|corrupt HNSW graph: expected \d+ bytes/,
    );
    const badMagic = Buffer.from(good);
    badMagic[0] = 0;
    assert.throws(() => HnswIndex.fromBuffer(badMagic), /bad magic/);
    const badHeader = Buffer.from(good);
    badHeader[16]! ^= 1; // point count
    assert.throws(() => HnswIndex.fromBuffer(badHeader), /header checksum/);
  });

  test('structural validation catches a link out of range even with valid checksums', () => {
    const f = fixture('Euclid');
    const graph = HnswGraph.fromBuffer(Buffer.from(f.index.toBytes()));
    graph.links0[graph.stride0 * 5 + 1] = graph.count + 7;
    graph.seal();
    assert.throws(
      () => HnswGraph.fromBuffer(Buffer.from(graph.toBytes())),
      /node 5 links to 10007 on level 0/,
    );
    const tooMany = HnswGraph.fromBuffer(Buffer.from(f.index.toBytes()));
    tooMany.links0[tooMany.stride0 * 9] = tooMany.stride0;
    tooMany.seal();
    assert.throws(() => HnswGraph.fromBuffer(Buffer.from(tooMany.toBytes())), /level-0 links/);
    const skipped = HnswGraph.fromBuffer(Buffer.from(f.index.toBytes()));
    skipped.links0[skipped.stride0 * 9 + 1] = skipped.count;
    assert.throws(
      () => HnswGraph.fromBuffer(Buffer.from(skipped.toBytes()), { verifyChecksum: false }),
      /node 9 links to/,
    );
  });
});

describe('HnswIndex with an asynchronous scorer', () => {
  test('gives the same results as the synchronous path, also when searches interleave', async () => {
    const f = fixture('Euclid');
    const expected: HnswSearchResult[] = [];
    for (let q = 0; q < 20; q++) {
      expected.push(searchSync(f.index, f.scorer.queryScorer(query(f, q)), 10, 64));
    }
    const scorers = expected.map((_, q) => new AsyncScorer(f.scorer.queryScorer(query(f, q))));
    const pending = scorers.map((scorer) => f.index.search(scorer, { limit: 10, ef: 64 }));
    for (const p of pending) assert.ok(p instanceof Promise);
    const results = await Promise.all(pending);
    assert.deepEqual(results, expected);
    for (const scorer of scorers) assert.ok(scorer.calls > 5);
  });

  test('a failing scorer rejects the search and leaves the index usable', async () => {
    const f = fixture('Euclid');
    let calls = 0;
    const failing: PointScorer = {
      scoreOffsets: () => (++calls === 3 ? Promise.reject(new Error('disk gone')) : undefined),
    };
    const inner = f.scorer.queryScorer(query(f, 0));
    const mixed: PointScorer = {
      scoreOffsets: (offsets, count, out) =>
        failing.scoreOffsets(offsets, count, out) ?? inner.scoreOffsets(offsets, count, out),
    };
    await assert.rejects(Promise.resolve(f.index.search(mixed, { limit: 10 })), /disk gone/);
    const throwing: PointScorer = {
      scoreOffsets: () => {
        throw new Error('bad offset');
      },
    };
    assert.throws(() => f.index.search(throwing, { limit: 10 }), /bad offset/);
    const again = searchSync(f.index, f.scorer.queryScorer(query(f, 0)), 10, 64);
    assert.equal(again.offsets.length, 10);
  });
});

describe('HnswIndex group links (Qdrant payload_m)', () => {
  const GROUPS = 100; // 1% each, scattered over all clusters
  const groupOf = (offset: number) => offset % GROUPS;
  const groups = Array.from({ length: GROUPS }, (_, g) =>
    Uint32Array.from({ length: POINTS / GROUPS }, (_, i) => i * GROUPS + g),
  );
  let linked: HnswIndex | undefined;
  const withLinks = (): HnswIndex =>
    (linked ??= fixture('Euclid').index.withGroupLinks(fixture('Euclid').scorer, groups, {
      payloadM: 16,
      efConstruct: 100,
      seed: 1,
    }));

  function filtered(index: HnswIndex, followRejected: boolean) {
    const f = fixture('Euclid');
    let hits = 0;
    let scored = 0;
    for (let q = 0; q < 50; q++) {
      const group = q % GROUPS;
      const accept = (offset: number) => groupOf(offset) === group;
      const result = index.search(f.scorer.queryScorer(query(f, q)), {
        limit: 10,
        ef: 32,
        accept,
        followRejected,
      }) as HnswSearchResult;
      for (const offset of result.offsets) assert.equal(groupOf(offset), group);
      const truth = exactTopK({ ...f, queries: query(f, q) }, 10, accept);
      hits += recallAtK(truth, [result.offsets], 10) * 10;
      scored += result.pointsScored;
    }
    return { recall: hits / 500, scoredPerQuery: scored / 50 };
  }

  test('make a 1% filter cheap without following rejected points', (t) => {
    const traverse = filtered(fixture('Euclid').index, true);
    const grouped = filtered(withLinks(), false);
    const unlinked = filtered(fixture('Euclid').index, false);
    t.diagnostic(`traverse rejected: ${JSON.stringify(traverse)}`);
    t.diagnostic(`payload_m links, accepted only: ${JSON.stringify(grouped)}`);
    t.diagnostic(`no links, accepted only: ${JSON.stringify(unlinked)}`);
    assert.ok(traverse.recall >= 0.95);
    assert.ok(grouped.recall >= 0.95, `recall with group links ${grouped.recall}`);
    assert.ok(grouped.scoredPerQuery * 4 < traverse.scoredPerQuery);
    assert.ok(unlinked.recall < grouped.recall);
  });

  test('leave unfiltered search unchanged and survive serialization', () => {
    const f = fixture('Euclid');
    const index = withLinks();
    assert.ok(index.graph.extraLinks.length > 0);
    assert.equal(index.graph.payloadM, 16);
    const reloaded = HnswIndex.fromBuffer(Buffer.from(index.toBytes()));
    assert.deepEqual(reloaded.graph.extraLinks, index.graph.extraLinks);
    for (let q = 0; q < 20; q++) {
      const scorer = f.scorer.queryScorer(query(f, q));
      assert.deepEqual(searchSync(index, scorer, 10, 64), searchSync(f.index, scorer, 10, 64));
      const accept = (offset: number) => groupOf(offset) === q;
      assert.deepEqual(
        reloaded.search(scorer, { limit: 10, accept, followRejected: false }),
        index.search(scorer, { limit: 10, accept, followRejected: false }),
      );
    }
    const broken = HnswGraph.fromBuffer(Buffer.from(index.toBytes()));
    broken.extraLinks[3] = POINTS;
    broken.seal();
    assert.throws(() => HnswGraph.fromBuffer(Buffer.from(broken.toBytes())), /extra link to 10000/);
  });
});
