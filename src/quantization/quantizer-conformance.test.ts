// The shared suite every quantizer implementation passes: serialisation round trip with identical
// scores, async and sync sources giving identical bytes, sampling with and without random access,
// batch scoring equal to one-by-one scoring, progress and abort, corrupt input rejected, and the
// buffer shared with a worker_thread without copying.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { generateClusteredDataset } from './clustered-dataset.js';
import {
  ArrayVectorSource,
  createQuantizer,
  openQuantizedVectors,
  type Distance,
  type QuantizationConfig,
  type QuantizationProgress,
  type QuantizedVectors,
  type VectorSource,
} from './index.js';

const CASES: readonly { config: QuantizationConfig; distance: Distance }[] = [
  { config: { scalar: { type: 'int8' } }, distance: 'Dot' },
  { config: { scalar: { type: 'int8', quantile: 0.95 } }, distance: 'Euclid' },
  { config: { scalar: { type: 'int8', quantile: 0.99 } }, distance: 'Manhattan' },
  { config: { product: { compression: 'x4' } }, distance: 'Euclid' },
  { config: { product: { compression: 'x16' } }, distance: 'Dot' },
  { config: { product: { compression: 'x64' } }, distance: 'Manhattan' },
  { config: { binary: {} }, distance: 'Cosine' },
  { config: { binary: { encoding: 'two_bits', query_encoding: 'scalar8bits' } }, distance: 'Dot' },
  {
    config: { binary: { encoding: 'one_and_half_bits', query_encoding: 'scalar4bits' } },
    distance: 'Euclid',
  },
  { config: { binary: { encoding: 'two_bits', query_encoding: 'binary' } }, distance: 'Manhattan' },
];

const COUNT = 1500;
const DIM = 40; // not a multiple of 8, 16 or of the PQ buckets: exercises every tail
const TUNING = { sampleSize: 600, maxIterations: 8, seed: 7 };

const dataset = generateClusteredDataset({ count: COUNT, dim: DIM, queries: 4, seed: 3 });

function label(c: { config: QuantizationConfig; distance: Distance }): string {
  return `${JSON.stringify(c.config)} ${c.distance}`;
}

/** A source that answers every read with a promise and has no random access (scan sampling). */
class AsyncScanOnlySource implements VectorSource {
  readonly count: number;
  readonly dim = DIM;
  constructor(private readonly data: Float32Array) {
    this.count = data.length / DIM;
  }
  async readBatch(first: number, count: number): Promise<Float32Array> {
    await new Promise((resolve) => setImmediate(resolve));
    // A fresh copy each time, like a BatchReader filling its buffer.
    return this.data.slice(first * DIM, (first + count) * DIM);
  }
}

async function build(
  c: { config: QuantizationConfig; distance: Distance },
  source: VectorSource,
  onProgress?: (p: QuantizationProgress) => void,
): Promise<QuantizedVectors> {
  const quantizer = createQuantizer(c.config, DIM, c.distance, TUNING);
  const options = { batchSize: 256, ...(onProgress === undefined ? {} : { onProgress }) };
  await quantizer.train(source, options);
  return quantizer.encode(source, options);
}

function allScores(vectors: QuantizedVectors): Float32Array[] {
  const offsets = Uint32Array.from({ length: vectors.count }, (_, i) => i);
  const out: Float32Array[] = [];
  for (let q = 0; q < 4; q++) {
    const scores = new Float32Array(vectors.count);
    vectors
      .scorer(dataset.queries.subarray(q * DIM, (q + 1) * DIM))
      .scoreOffsets(offsets, vectors.count, scores);
    out.push(scores);
  }
  const stored = new Float32Array(vectors.count);
  vectors.scorerFor(17).scoreOffsets(offsets, vectors.count, stored);
  out.push(stored);
  return out;
}

for (const c of CASES) {
  describe(`quantizer conformance: ${label(c)}`, () => {
    const sync = build(c, new ArrayVectorSource(dataset.vectors, DIM));

    it('round-trips through bytes with identical scores and config', async () => {
      const vectors = await sync;
      const bytes = Buffer.from(vectors.toBytes()); // a plain (non-shared) copy, as from a file
      assert.equal(bytes.length, vectors.ramSizeBytes);
      const reopened = openQuantizedVectors(bytes);
      assert.notEqual(reopened.buffer, vectors.buffer);
      assert.deepEqual(reopened.config, vectors.config);
      assert.equal(reopened.kind, vectors.kind);
      assert.equal(reopened.count, COUNT);
      assert.equal(reopened.bytesPerVector, vectors.bytesPerVector);
      assert.deepEqual(allScores(reopened), allScores(vectors));
      assert.equal(reopened.pair(3, 900), vectors.pair(3, 900));
    });

    it('opens a SharedArrayBuffer in place (zero copy)', async () => {
      const vectors = await sync;
      const view = openQuantizedVectors(new Uint8Array(vectors.buffer), { verify: false });
      assert.equal(view.buffer, vectors.buffer);
    });

    it('async scan-only source gives the same bytes as the sync random-access one', async () => {
      const vectors = await sync;
      const fromAsync = await build(c, new AsyncScanOnlySource(dataset.vectors));
      assert.deepEqual(fromAsync.toBytes(), vectors.toBytes());
      const viaPromises = await build(
        c,
        new ArrayVectorSource(dataset.vectors, DIM, { async: true }),
      );
      assert.deepEqual(viaPromises.toBytes(), vectors.toBytes());
    });

    it('scores a batch exactly as one offset at a time, and pair() agrees', async () => {
      const vectors = await sync;
      const offsets = Uint32Array.of(5, 1499, 0, 5, 733, 42);
      for (const scorer of [
        vectors.scorer(dataset.queries.subarray(0, DIM)),
        vectors.scorerFor(42),
      ]) {
        const batch = new Float32Array(offsets.length);
        scorer.scoreOffsets(offsets, offsets.length, batch);
        offsets.forEach((offset, i) => {
          const one = new Float32Array(1);
          scorer.scoreOffsets(Uint32Array.of(offset), 1, one);
          assert.equal(one[0], batch[i]);
        });
      }
      const fromScorer = new Float32Array(1);
      vectors.scorerFor(42).scoreOffsets(Uint32Array.of(733), 1, fromScorer);
      assert.equal(vectors.pair(42, 733), fromScorer[0]);
    });

    it('reports encode progress up to every point', async () => {
      const seen: QuantizationProgress[] = [];
      await build(c, new ArrayVectorSource(dataset.vectors, DIM), (p) => seen.push(p));
      const encode = seen.filter((p) => p.phase === 'encode');
      assert.deepEqual(
        encode.map((p) => p.done),
        [256, 512, 768, 1024, 1280, 1500],
      );
      assert.ok(encode.every((p) => p.total === COUNT));
    });

    it('rejects truncated, corrupt and foreign bytes with a clear error', async () => {
      const bytes = (await sync).toBytes();
      const reject = (input: Uint8Array, pattern: RegExp): void => {
        assert.throws(
          () => openQuantizedVectors(input),
          (error: Error) =>
            pattern.test(error.message) && /corrupt quantized vectors/.test(error.message),
        );
      };
      reject(bytes.slice(0, bytes.length - 1), /truncated: expected \d+ bytes, got \d+/);
      reject(bytes.slice(0, 20), /truncated/);
      const flipped = bytes.slice();
      flipped[flipped.length - 100]! ^= 0x10;
      reject(flipped, /checksum mismatch/);
      const header = bytes.slice();
      header[12]! ^= 1;
      reject(header, /header checksum mismatch/);
      const magic = bytes.slice();
      magic[0] = 0x58;
      reject(magic, /bad magic/);
    });
  });
}

describe('quantizer conformance: aborting', () => {
  it('rejects with the signal reason between batches', async () => {
    const quantizer = createQuantizer({ scalar: { type: 'int8' } }, DIM, 'Dot');
    const source = new ArrayVectorSource(dataset.vectors, DIM);
    await quantizer.train(source);
    const controller = new AbortController();
    await assert.rejects(
      quantizer.encode(source, {
        batchSize: 100,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.done >= 300) controller.abort(new Error('stop requested'));
        },
      }),
      /stop requested/,
    );
  });
});

describe('quantizer conformance: worker threads', () => {
  // The worker imports the compiled module next to this test file.
  const moduleUrl = new URL('./index.js', import.meta.url).href;
  const datasetUrl = new URL('./clustered-dataset.js', import.meta.url).href;

  function runWorker<T>(body: string, workerData: unknown): Promise<T> {
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      Promise.all([import(${JSON.stringify(moduleUrl)}), import(${JSON.stringify(datasetUrl)})])
        .then(async ([q, d]) => { ${body} })
        .catch((error) => parentPort.postMessage({ error: String(error && error.stack || error) }));`;
    return new Promise((resolve, reject) => {
      const worker = new Worker(code, { eval: true, workerData });
      worker.once('message', (message: { error?: string }) => {
        void worker.terminate();
        if (message.error !== undefined) reject(new Error(message.error));
        else resolve(message as T);
      });
      worker.once('error', reject);
    });
  }

  it('builds inside a worker and hands the buffer back without copying', async () => {
    const shared = new SharedArrayBuffer(dataset.vectors.byteLength);
    new Float32Array(shared).set(dataset.vectors);
    const result = await runWorker<{ buffer: SharedArrayBuffer; done: number }>(
      `const data = new Float32Array(workerData.shared);
       let done = 0;
       const vectors = await q.quantize({ scalar: { type: 'int8', quantile: 0.99 } },
         new q.ArrayVectorSource(data, workerData.dim), 'Euclid',
         { onProgress: (p) => { if (p.phase === 'encode') done = p.done; } });
       parentPort.postMessage({ buffer: vectors.buffer, done });`,
      { shared, dim: DIM },
    );
    assert.equal(result.done, COUNT);
    const inWorker = openQuantizedVectors(new Uint8Array(result.buffer));
    assert.equal(inWorker.buffer, result.buffer);
    const here = await build(
      { config: { scalar: { type: 'int8', quantile: 0.99 } }, distance: 'Euclid' },
      new ArrayVectorSource(dataset.vectors, DIM),
    );
    assert.deepEqual(inWorker.toBytes(), here.toBytes());
  });

  it('a search worker scores from the shared buffer exactly as the owner does', async () => {
    const vectors = await build(
      {
        config: { binary: { encoding: 'two_bits', query_encoding: 'scalar8bits' } },
        distance: 'Dot',
      },
      new ArrayVectorSource(dataset.vectors, DIM),
    );
    const query = dataset.queries.slice(0, DIM);
    const result = await runWorker<{ scores: Float32Array }>(
      `const vectors = q.openQuantizedVectors(new Uint8Array(workerData.buffer), { verify: false });
       if (vectors.buffer !== workerData.buffer) throw new Error('copied');
       const offsets = Uint32Array.from({ length: vectors.count }, (_, i) => i);
       const scores = new Float32Array(vectors.count);
       vectors.scorer(workerData.query).scoreOffsets(offsets, vectors.count, scores);
       parentPort.postMessage({ scores });`,
      { buffer: vectors.buffer, query },
    );
    const offsets = Uint32Array.from({ length: COUNT }, (_, i) => i);
    const expected = new Float32Array(COUNT);
    vectors.scorer(query).scoreOffsets(offsets, COUNT, expected);
    assert.deepEqual(result.scores, expected);
  });
});
