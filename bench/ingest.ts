// Ingest throughput over HTTP: upserts into a fresh server (a child process on temporary
// storage) in batches with wait=true from a few concurrent clients, per vector size; then the
// on-disk bytes per point of the collection folder after a graceful stop (flush and close).
// Prints a table and writes bench/results/ingest-<timestamp>.json.
//
//   ringvec bench ingest [--dims 128,768] [--points N] [--batch 256] [--clients 1,4]
//        [--on-disk] [--profile] [--quick] [--storage-dir DIR] [--results-dir DIR]
//
// The request bodies are built from a pool of pre-formatted vectors (ids differ, vectors repeat
// every few thousand points), so the load generator spends its CPU on HTTP, not on printing
// floats: on a 2-core machine it shares the CPU with the server it measures (its share is in
// the table). --profile runs the server under `node --cpu-prof` and prints its top frames.

import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeededRandom } from '../src/quantization/seeded-random.js';
import { startBenchServer, withBenchServer } from './lib/child-server.js';
import { onExit } from './lib/cleanup.js';
import { closedLoop } from './lib/closed-loop.js';
import { describeInfo, waitUntilReady } from './lib/collection-status.js';
import {
  findServerProfile,
  monotonicMicros,
  summarizeProfile,
  type ProfileSummary,
} from './lib/cpu-profile.js';
import { HttpJson } from './lib/http-json.js';
import { describeMachine, machineInfo } from './lib/machine.js';
import { setProgressEnabled, startProgress } from './lib/progress.js';
import { commandLine, defaultResultsDir, fileTimestamp, writeJsonResult } from './lib/results.js';
import { summarizeLatencies, type LatencySummary } from './lib/stats.js';
import { CostMeter, blockDeviceOf, type RunCost } from './lib/sys-stats.js';
import { fixed, markdownTable } from './lib/table.js';

export interface IngestOptions {
  readonly dims: readonly number[];
  /** Points per run (per dim × clients). */
  readonly points: number;
  readonly batch: number;
  readonly clients: readonly number[];
  readonly onDisk: boolean;
  readonly profile: boolean;
  readonly quick: boolean;
  /** Parent folder of the temporary storage (default: the OS temp folder). */
  readonly storageDir: string | undefined;
  readonly resultsDir: string | undefined;
  readonly progress: boolean;
  readonly seed: number;
  /** How long to wait for the optimizer to settle (status green) before measuring disk use. */
  readonly readyTimeoutMs: number;
}

export const INGEST_TARGET_POINTS_PER_SECOND_128 = 20_000;

interface DiskUsage {
  readonly apparentBytes: number;
  readonly allocatedBytes: number;
  readonly segmentsBytes: number;
  readonly walBytes: number;
  readonly files: number;
  readonly segments: number;
  /** Allocated bytes by file kind (vectors-N.bin, hnsw-N.bin, ids.bin, wal, …). */
  readonly byKind: Record<string, number>;
}

export interface IngestRow {
  readonly dim: number;
  readonly clients: number;
  readonly points: number;
  readonly batch: number;
  readonly requestBytes: number;
  readonly pointsPerSecond: number;
  readonly requestMBps: number;
  readonly batchLatency: LatencySummary;
  readonly cost: RunCost;
  /** Seconds from the last upsert to status green (the optimizer done), null on timeout. */
  readonly settleSeconds: number | null;
  readonly indexedVectors: number | null;
  readonly stopSeconds: number;
  readonly disk: DiskUsage;
  readonly diskBytesPerPoint: number;
  readonly rawVectorBytesPerPoint: number;
  /** The server's main thread during the upload (--profile). */
  readonly profile?: ProfileSummary;
  readonly profileFile?: string;
  readonly errors: number;
  readonly firstError: string | null;
}

function diskUsage(dir: string): DiskUsage {
  let apparentBytes = 0;
  let allocatedBytes = 0;
  let segmentsBytes = 0;
  let walBytes = 0;
  let files = 0;
  let segments = 0;
  const byKind: Record<string, number> = {};
  const walk = (path: string, area: 'segments' | 'wal' | 'other'): void => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) {
        if (area === 'segments') segments++;
        walk(
          child,
          area === 'other' && (entry.name === 'segments' || entry.name === 'wal')
            ? entry.name
            : area,
        );
      } else if (entry.isFile()) {
        const st = statSync(child);
        files++;
        apparentBytes += st.size;
        allocatedBytes += st.blocks * 512;
        if (area === 'segments') segmentsBytes += st.blocks * 512;
        if (area === 'wal') walBytes += st.blocks * 512;
        const kind = area === 'wal' ? 'wal' : entry.name.replace(/-\d+\./, '-N.');
        byKind[kind] = (byKind[kind] ?? 0) + st.blocks * 512;
      }
    }
  };
  walk(dir, 'other');
  return { apparentBytes, allocatedBytes, segmentsBytes, walBytes, files, segments, byKind };
}

/** Pre-formatted unit vectors `[…]` (1e-5 grid, like bench/lib/dataset.ts). */
function vectorPool(dim: number, size: number, seed: number): string[] {
  const random = new SeededRandom(seed);
  const row = new Float64Array(dim);
  const pool: string[] = [];
  for (let i = 0; i < size; i++) {
    let norm = 0;
    for (let j = 0; j < dim; j++) {
      row[j] = random.normal();
      norm += row[j]! * row[j]!;
    }
    const scale = 1 / Math.sqrt(norm);
    const parts = new Array<string>(dim);
    for (let j = 0; j < dim; j++) parts[j] = String(Math.round(row[j]! * scale * 1e5) / 1e5);
    pool.push(`[${parts.join(',')}]`);
  }
  return pool;
}

async function runOne(
  options: IngestOptions,
  dim: number,
  clients: number,
  pool: readonly string[],
  profileDir: string,
): Promise<IngestRow> {
  const parent = options.storageDir ?? tmpdir();
  mkdirSync(parent, { recursive: true });
  const storage = mkdtempSync(join(parent, 'ringvec-ingest-'));
  const forget = onExit(() => rmSync(storage, { recursive: true, force: true }));
  const profileStart = Date.now();
  const server = await startBenchServer({
    storagePath: storage,
    nodeArgs: options.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
  });
  const client = new HttpJson(server.url, clients + 2);
  try {
    // The server is stopped mid-run (the stop is timed); withBenchServer's stop is then a no-op.
    return await withBenchServer(server, client, async () => {
      const name = 'ingest';
      await client.ok('PUT', `/collections/${name}`, {
        vectors: { size: dim, distance: 'Cosine', ...(options.onDisk ? { on_disk: true } : {}) },
      });
      const batches = Math.ceil(options.points / options.batch);
      const bodies: string[] = new Array<string>(batches);
      let requestBytes = 0;
      for (let b = 0; b < batches; b++) {
        const first = b * options.batch;
        const n = Math.min(options.batch, options.points - first);
        const items = new Array<string>(n);
        for (let i = 0; i < n; i++) {
          const id = first + i + 1;
          items[i] = `{"id":${id},"vector":${pool[(first + i) % pool.length]!}}`;
        }
        bodies[b] = `{"points":[${items.join(',')}]}`;
        requestBytes += bodies[b]!.length;
      }
      const label = `ingest ${dim}-d ×${clients}`;
      const bar = startProgress(label, options.points);
      const meter = new CostMeter(blockDeviceOf(storage), server.pid);
      const uploadStartUs = monotonicMicros();
      const result = await closedLoop({
        client,
        method: 'PUT',
        path: `/collections/${name}/points?wait=true`,
        bodies,
        concurrency: clients,
        maxErrors: 5,
        onProgress: (done) => bar.update(Math.min(options.points, done * options.batch)),
      });
      const cost = meter.stop();
      const uploadEndUs = monotonicMicros();
      const pointsPerSecond = (options.points - result.errors * options.batch) / cost.wallSeconds;
      bar.stop(`${fixed(pointsPerSecond)} points/s`);
      if (result.errors > 0) {
        throw new Error(
          `${result.errors} upsert requests failed; first: ${result.firstError ?? '?'}`,
        );
      }
      const info = await client.ok<{ points_count: number }>('GET', `/collections/${name}`);
      if (info.points_count !== options.points) {
        throw new Error(
          `expected ${options.points} points after the upload, the collection has ${info.points_count}`,
        );
      }
      let settleSeconds: number | null = null;
      let indexedVectors: number | null = null;
      const settle = startProgress(`settle ${dim}-d ×${clients}`, options.points);
      try {
        const ready = await waitUntilReady(client, name, {
          expectedPoints: options.points,
          timeoutMs: options.readyTimeoutMs,
          onPoll: (i) => settle.update(i.indexed_vectors_count, describeInfo(i)),
        });
        settleSeconds = ready.seconds;
        indexedVectors = ready.info.indexed_vectors_count;
        settle.stop(
          `green after ${fixed(settleSeconds, 1)} s, ${fixed(indexedVectors)} vectors indexed`,
        );
      } catch (error) {
        settle.stop(`${(error as Error).message}; measuring disk use anyway`);
      }
      client.close();
      const stopStart = performance.now();
      await server.stop();
      const stopSeconds = (performance.now() - stopStart) / 1000;
      const disk = diskUsage(join(storage, 'collections', name));
      let profile: ProfileSummary | undefined;
      let profileFile: string | undefined;
      if (options.profile) {
        profileFile = findServerProfile(profileDir, server.pid, profileStart);
        if (profileFile !== undefined) {
          profile = summarizeProfile(profileFile, 15, {
            startUs: uploadStartUs,
            endUs: uploadEndUs,
          });
        }
      }
      return {
        dim,
        clients,
        points: options.points,
        batch: options.batch,
        requestBytes,
        pointsPerSecond,
        requestMBps: requestBytes / 1e6 / cost.wallSeconds,
        batchLatency: summarizeLatencies(result.latenciesMs),
        cost,
        settleSeconds,
        indexedVectors,
        stopSeconds,
        disk,
        diskBytesPerPoint: disk.allocatedBytes / options.points,
        rawVectorBytesPerPoint: dim * 4,
        ...(profile !== undefined ? { profile } : {}),
        ...(profileFile !== undefined ? { profileFile } : {}),
        errors: result.errors,
        firstError: result.firstError,
      };
    });
  } finally {
    rmSync(storage, { recursive: true, force: true });
    forget();
  }
}

export async function runIngestBench(
  options: IngestOptions,
): Promise<{ rows: IngestRow[]; file: string }> {
  setProgressEnabled(options.progress);
  const resultsDir = options.resultsDir ?? defaultResultsDir();
  const stamp = fileTimestamp();
  const profileDir = join(resultsDir, `ingest-${stamp}-profiles`);
  if (options.profile) mkdirSync(profileDir, { recursive: true });
  const machine = machineInfo(options.storageDir ?? tmpdir());
  console.log(`machine: ${describeMachine(machine)}`);
  const rows: IngestRow[] = [];
  for (const dim of options.dims) {
    const pool = vectorPool(dim, Math.min(options.points, 4096), options.seed + dim);
    for (const clients of options.clients) {
      rows.push(await runOne(options, dim, clients, pool, profileDir));
    }
  }
  console.log();
  console.log(
    markdownTable<IngestRow>(
      [
        { header: 'dim', align: 'right', value: (r) => String(r.dim) },
        { header: 'clients', align: 'right', value: (r) => String(r.clients) },
        { header: 'points', align: 'right', value: (r) => fixed(r.points) },
        { header: 'batch', align: 'right', value: (r) => String(r.batch) },
        { header: 'time s', align: 'right', value: (r) => fixed(r.cost.wallSeconds, 2) },
        { header: 'points/s', align: 'right', value: (r) => fixed(r.pointsPerSecond) },
        { header: 'JSON MB/s', align: 'right', value: (r) => fixed(r.requestMBps, 1) },
        { header: 'batch p50 ms', align: 'right', value: (r) => fixed(r.batchLatency.p50Ms, 1) },
        { header: 'batch p99 ms', align: 'right', value: (r) => fixed(r.batchLatency.p99Ms, 1) },
        { header: 'server CPU %', align: 'right', value: (r) => fixed(r.cost.serverCpuPct) },
        { header: 'client CPU %', align: 'right', value: (r) => fixed(r.cost.clientCpuPct) },
        { header: 'other CPU %', align: 'right', value: (r) => fixed(r.cost.otherCpuPct) },
        { header: 'settle s', align: 'right', value: (r) => fixed(r.settleSeconds, 1) },
        { header: 'indexed', align: 'right', value: (r) => fixed(r.indexedVectors) },
        { header: 'disk B/pt', align: 'right', value: (r) => fixed(r.diskBytesPerPoint) },
        { header: 'vector B/pt', align: 'right', value: (r) => fixed(r.rawVectorBytesPerPoint) },
      ],
      rows,
    ),
  );
  const best128 = Math.max(0, ...rows.filter((r) => r.dim === 128).map((r) => r.pointsPerSecond));
  if (rows.some((r) => r.dim === 128)) {
    console.log(
      `\n128-d: best ${fixed(best128)} points/s against a target of ≥ ${fixed(INGEST_TARGET_POINTS_PER_SECOND_128)} (${best128 >= INGEST_TARGET_POINTS_PER_SECOND_128 ? 'met' : 'not met'}).`,
    );
  }
  console.log(
    'settle s: last upsert to status green (background optimizer done). disk B/pt: allocated bytes of the\n' +
      'collection folder (segments + WAL) after settling and a graceful stop, per point; by file kind in the JSON.',
  );
  for (const row of rows) {
    if (row.profile === undefined) continue;
    console.log(
      `\nserver main thread during the upload, ${row.dim}-d ×${row.clients}: busy ${fixed(row.profile.busyPct)} % of ${fixed(row.profile.windowMs)} ms; top self time (% of busy):`,
    );
    for (const f of row.profile.top) {
      console.log(`  ${f.selfPct.toFixed(1).padStart(5)} %  ${f.frame}`);
    }
    console.log(`  (${row.profileFile ?? ''})`);
  }
  const file = writeJsonResult(resultsDir, 'ingest', stamp, {
    benchmark: 'ingest',
    timestamp: new Date().toISOString(),
    command: commandLine(),
    machine,
    params: options,
    targetPointsPerSecond128: INGEST_TARGET_POINTS_PER_SECOND_128,
    rows,
  });
  console.log(`\nwrote ${file}`);
  return { rows, file };
}
