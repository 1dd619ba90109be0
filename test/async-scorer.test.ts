// The async scorer end to end: the same on-disk, quantized collection served with mmap and with
// io_uring (with the default and with small scan batches) returns identical results (rescoring
// and exact scans read the originals through the configured backend); /metrics shows the IO
// counters; when io_uring is forced unavailable the server starts, says why in one line, serves
// from mmap and telemetry says so.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_SEARCH_PARAMS, type CoreSearchRequest } from '../src/collection/search-request.js';
import { generateClusteredDataset } from '../src/index/hnsw/clustered-dataset.js';
import { probeIoUring } from '../src/native/io-uring-probe.js';
import {
  http,
  removeDir,
  spawnServer,
  startTestServer,
  tempDir,
  type TestServer,
} from './helpers/test-server.js';

const DIM = 48;
const data = generateClusteredDataset({
  points: 8000,
  queries: 12,
  dim: DIM,
  seed: 21,
  normalize: true,
});

async function loadCollection(server: TestServer): Promise<void> {
  const created = await http(server.url, 'PUT', '/collections/disk', {
    vectors: { size: DIM, distance: 'Cosine', on_disk: true },
    quantization_config: { scalar: { type: 'int8', always_ram: true } },
  });
  assert.equal(created.status, 200, created.text);
  for (let first = 0; first < 8000; first += 1000) {
    const points = [];
    for (let id = first; id < first + 1000; id++) {
      points.push({ id, vector: Array.from(data.vectors.subarray(id * DIM, (id + 1) * DIM)) });
    }
    assert.equal(
      (await http(server.url, 'PUT', '/collections/disk/points?wait=true', { points })).status,
      200,
    );
  }
  await server.server.state.engine.get('disk').optimizer.idle();
}

function request(q: number, exact: boolean): CoreSearchRequest {
  return {
    using: '',
    query: { kind: 'nearest', vector: data.queries.slice(q * DIM, (q + 1) * DIM) },
    filter: null,
    limit: 10,
    offset: 0,
    params: {
      ...DEFAULT_SEARCH_PARAMS,
      exact,
      quantization: { ignore: false, rescore: true, oversampling: 4 },
    },
    scoreThreshold: null,
    withPayload: false,
    withVector: false,
  };
}

async function answers(server: TestServer): Promise<unknown[]> {
  const collection = server.server.state.engine.get('disk');
  const out = [];
  for (let q = 0; q < 12; q++) {
    for (const exact of [false, true]) {
      out.push((await collection.search([request(q, exact)]))[0]!.map((p) => [p.id, p.score]));
    }
  }
  return out;
}

test(
  'mmap and io_uring backends return identical results; IO counters are exported',
  { timeout: 120_000 },
  async (t) => {
    if (!probeIoUring().available) {
      t.skip(`io_uring unavailable here: ${probeIoUring().reason}`);
      return;
    }
    const env = { RINGVEC__STORAGE__OPTIMIZERS__INDEXING_THRESHOLD_KB: '300' };
    const storage = tempDir();
    let server = await startTestServer({ storagePath: storage, env });
    assert.equal(server.server.state.io.onDiskBackend, 'mmap');
    await loadCollection(server);
    const mmap = await answers(server);
    await server.close();

    server = await startTestServer({
      storagePath: storage,
      env: { ...env, RINGVEC__STORAGE__ASYNC_SCORER: 'true' },
    });
    assert.equal(server.server.state.io.onDiskBackend, 'io_uring');
    const info = (await http(server.url, 'GET', '/collections/disk')).body as {
      result: { ringvec: { vectors: { io_backend: string }[] } };
    };
    assert.equal(info.result.ringvec.vectors[0]!.io_backend, 'io_uring');
    const uring = await answers(server);
    assert.deepEqual(uring, mmap);
    const metrics = await http(server.url, 'GET', '/metrics');
    const reads =
      /ringvec_io_read_ops_total\{backend="io_uring"\} (\d+)/.exec(metrics.text) ??
      /ringvec_io[a-z_]*\{[^}]*backend="io_uring"[^}]*\} (\d+)/.exec(metrics.text);
    assert.ok(
      reads,
      `io_uring counters missing from /metrics:\n${metrics.text
        .split('\n')
        .filter((l) => l.includes('ringvec_io'))
        .slice(0, 10)
        .join('\n')}`,
    );
    await server.close();

    // Exact searches scan in batches of io_batch_size points, the next batch read while one is
    // scored, adjacent records read together: small batches must not change a single answer.
    server = await startTestServer({
      storagePath: storage,
      env: {
        ...env,
        RINGVEC__STORAGE__ASYNC_SCORER: 'true',
        RINGVEC__STORAGE__PERFORMANCE__IO_BATCH_SIZE: '16',
      },
    });
    assert.deepEqual(await answers(server), mmap);
    await server.close();
    removeDir(storage);
  },
);

test(
  'io_uring forced unavailable: one log line with the reason, mmap serves, telemetry says so',
  { timeout: 60_000 },
  async () => {
    const storage = tempDir();
    const server = await spawnServer({
      RINGVEC__STORAGE__STORAGE_PATH: storage,
      RINGVEC__STORAGE__PERFORMANCE__ASYNC_SCORER: 'true',
      RINGVEC_SIMULATE_IO_URING_FAILURE: 'seccomp',
    });
    const lines = server
      .output()
      .split('\n')
      .filter((line) => /io_uring cannot be used/.test(line));
    assert.equal(lines.length, 1, server.output());
    assert.match(lines[0]!, /seccomp/);
    assert.match(lines[0]!, /Falling back to mmap/);
    const telemetry = await http(server.url, 'GET', '/telemetry');
    const io = (telemetry.body as { result: { app: { io: Record<string, unknown> } } }).result.app
      .io;
    assert.equal(io.on_disk_backend, 'mmap');
    assert.equal(io.io_uring_available, false);
    assert.equal(io.io_uring_check, 'seccomp');
    await http(server.url, 'PUT', '/collections/c', {
      vectors: { size: 4, distance: 'Dot', on_disk: true },
    });
    await http(server.url, 'PUT', '/collections/c/points?wait=true', {
      points: [{ id: 1, vector: [1, 0, 0, 0] }],
    });
    const scroll = await http(server.url, 'POST', '/collections/c/points/scroll', {
      with_vector: true,
    });
    assert.deepEqual(
      (scroll.body as { result: { points: { vector: number[] }[] } }).result.points[0]!.vector,
      [1, 0, 0, 0],
    );
    assert.equal(await server.stop(), 0);
    removeDir(storage);
  },
);
