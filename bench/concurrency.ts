// How search scales with threads and clients, and what a background index rebuild costs the
// searches running meanwhile (issue 10). On an in-RAM collection (CPU-bound search; default
// 100,000 × 128, Euclid), over HTTP:
//
//  1. Sweep: for each `max_search_threads` (default 1, then 2) a server process on the same
//     storage, and in it a closed-loop run per client count (1, 2, 4, 8, 16), each for a fixed
//     time. Reports requests/s and p50/p99 per (threads, clients) and the ratio of the best
//     requests/s with 2 threads to the best with 1 (target ≥ 1.7×).
//  2. Rebuild: a fresh server with the most threads; at a moderate load (4 clients) p99 while
//     idle, then again while a full index rebuild runs (PATCH hnsw_config.ef_construct
//     100 → 120 makes the optimizer rebuild every segment's graph; the load lasts until the
//     collection is green again), then idle again (target: p99 during ≤ 2× idle). The rebuild's
//     duration is reported under that load and, patching back, without load.
//
// Requests of the rebuild phase carry params.hnsw_ef = the original ef_construct: a rebuilt
// segment's default ef follows its new ef_construct, which would make "during" and "after" do
// more work per search than "before" for reasons that have nothing to do with interference.
//
//   ringvec bench concurrency [--points 100000] [--dim 128] [--clients 1,2,4,8,16]
//        [--threads 1,2] [--duration 10] [--repeat N] [--latency-clients 4] [--no-rebuild]
//        [--profile] [--quick] …
//
// Prints tables and writes bench/results/concurrency-<timestamp>.json. On a 2-core machine the
// load generator (this process) takes CPU from the server; its share, and the rest of the
// machine's, are in every row.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Distance } from '../src/quantization/quantizer.js';
import { startBenchServer, withBenchServer, type BenchServer } from './lib/child-server.js';
import { onExit } from './lib/cleanup.js';
import { closedLoop } from './lib/closed-loop.js';
import { collectionInfo, waitForOptimization } from './lib/collection-status.js';
import {
  findServerProfile,
  monotonicMicros,
  summarizeProfile,
  type ProfileSummary,
} from './lib/cpu-profile.js';
import { HttpJson } from './lib/http-json.js';
import { describeMachine, machineInfo } from './lib/machine.js';
import { meteredLoad, type MeteredRun } from './lib/metered-load.js';
import { setProgressEnabled, startProgress } from './lib/progress.js';
import { commandLine, defaultResultsDir, fileTimestamp, writeJsonResult } from './lib/results.js';
import {
  loadSearchCollection,
  loadSearchData,
  measureRecall,
  searchBodies,
  searchPath,
  waitUntilGreen,
  type RecallResult,
  type SearchData,
  type SearchEndpoint,
} from './lib/search-setup.js';
import { summarizeLatencies } from './lib/stats.js';
import { CostMeter, ThreadCpuMeter, type RunCost, type ThreadCpu } from './lib/sys-stats.js';
import { fixed, markdownTable } from './lib/table.js';

export interface ConcurrencyOptions {
  readonly points: number;
  readonly dim: number;
  readonly distance: Distance;
  readonly clients: readonly number[];
  /** max_search_threads of each sweep (a server restart between them). */
  readonly threads: readonly number[];
  /** Seconds per (threads, clients) cell. */
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  /** Sweeps per threads setting (order alternating); tables show the median cell. */
  readonly repeat: number;
  /** Other processes' CPU (% of one core) from which a cell counts as disturbed. */
  readonly disturbedCpuPct: number;
  readonly endpoint: SearchEndpoint;
  readonly limit: number;
  /** params.hnsw_ef of the sweep's requests; undefined = the server's default (ef_construct). */
  readonly hnswEf: number | undefined;
  /** params.exact of every request: a full scan per segment instead of the graph. */
  readonly exact: boolean;
  readonly m: number;
  readonly efConstruct: number;
  readonly rebuild: boolean;
  /** hnsw_config.ef_construct the PATCH switches to (the rebuild). */
  readonly rebuildEfConstruct: number;
  /** Clients of the idle / during-rebuild latency runs. */
  readonly latencyClients: number;
  /** Seconds of each idle latency run. */
  readonly idleSeconds: number;
  readonly recallQueries: number;
  readonly queryPool: number;
  readonly seed: number;
  readonly uploadBatch: number;
  readonly uploadParallel: number;
  readonly profile: boolean;
  readonly quick: boolean;
  readonly storageDir: string | undefined;
  readonly resultsDir: string | undefined;
  readonly readyTimeoutMs: number;
  readonly progress: boolean;
}

export const THREAD_SCALING_TARGET = 1.7;
export const REBUILD_P99_TARGET = 2;
const COLLECTION = 'concurrency';
const THREADS_ENV = 'RINGVEC__STORAGE__PERFORMANCE__MAX_SEARCH_THREADS';
/** Polling interval of the waits for green. */
const POLL_MS = 250;

export interface SweepCell extends MeteredRun {
  readonly threads: number;
  readonly clients: number;
  readonly repeat: number;
  /** The server's CPU by thread: main, the `threads` busiest others (search workers), rest. */
  readonly threadCpu: ThreadCpu | null;
  /** CPU µs per answered request: server main thread, search workers, rest, load generator. */
  readonly cpuPerRequestUs: CpuPerRequest | null;
  /** The server's main thread over this cell (--profile). */
  readonly profile?: ProfileSummary;
  /** In the summary: requests/s of every repetition and whether it was disturbed. */
  readonly repetitions?: readonly { requestsPerSecond: number; disturbed: boolean }[];
}

export interface LatencyRun extends MeteredRun {
  readonly phase: 'idle before' | 'during rebuild' | 'idle after';
  readonly clients: number;
  /** During the rebuild: main, the threads + 1 busiest others (workers, optimizer), rest. */
  readonly threadCpu: ThreadCpu | null;
  readonly cpuPerRequestUs: CpuPerRequest | null;
}

export interface CpuPerRequest {
  readonly main: number;
  readonly workers: number;
  readonly rest: number;
  readonly client: number;
  readonly total: number;
}

function cpuPerRequest(
  threadCpu: ThreadCpu | null,
  cost: RunCost,
  requestsPerSecond: number,
): CpuPerRequest | null {
  if (threadCpu === null || !(requestsPerSecond > 0)) return null;
  // % of a core → µs of CPU per second → per request.
  const us = (pct: number): number => (pct * 1e4) / requestsPerSecond;
  const main = us(threadCpu.mainPct);
  const workers = us(threadCpu.busiestPct.reduce((a, b) => a + b, 0));
  const rest = us(threadCpu.restPct);
  const client = us(cost.clientCpuPct);
  return { main, workers, rest, client, total: main + workers + rest + client };
}

export interface RebuildResult {
  readonly threads: number;
  readonly efConstruct: { readonly from: number; readonly to: number };
  /** PATCH → green again, with the load running. */
  readonly secondsUnderLoad: number | null;
  /** PATCH back → green, without load. */
  readonly secondsIdle: number | null;
  readonly evidence: string;
  readonly runs: readonly LatencyRun[];
  /** p99 during / p99 idle before. */
  readonly p99Ratio: number | null;
  /** Per second of the rebuild under load: requests answered, p99 of those sent in it, job. */
  readonly timeline: readonly {
    readonly second: number;
    readonly requests: number;
    readonly p99Ms: number;
    readonly optimization: string;
  }[];
  readonly serverCpuDuringPct: number | null;
  readonly recallAfter: RecallResult | null;
}

function cellKey(c: SweepCell): string {
  return `${c.threads}|${c.clients}`;
}

/** Per (threads, clients), the repetition with the median requests/s among undisturbed ones. */
function medianCells(cells: readonly SweepCell[], disturbedCpuPct: number): SweepCell[] {
  const groups = new Map<string, SweepCell[]>();
  for (const cell of cells) {
    const group = groups.get(cellKey(cell));
    if (group === undefined) groups.set(cellKey(cell), [cell]);
    else group.push(cell);
  }
  const disturbed = (c: SweepCell): boolean => (c.cost.otherCpuPct ?? 0) >= disturbedCpuPct;
  return [...groups.values()].map((group) => {
    const quiet = group.filter((c) => !disturbed(c));
    const pool = [...(quiet.length > 0 ? quiet : group)].sort(
      (a, b) => a.requestsPerSecond - b.requestsPerSecond,
    );
    const median = pool[Math.floor((pool.length - 1) / 2)]!;
    return {
      ...median,
      repetitions: group.map((c) => ({
        requestsPerSecond: c.requestsPerSecond,
        disturbed: disturbed(c),
      })),
    };
  });
}

class ConcurrencyBench {
  private readonly stamp = fileTimestamp();
  private readonly resultsDir: string;
  private readonly profileDir: string;
  private readonly notes: string[] = [];
  private storage = '';
  private data: SearchData | undefined;

  constructor(private readonly options: ConcurrencyOptions) {
    this.resultsDir = options.resultsDir ?? defaultResultsDir();
    this.profileDir = join(this.resultsDir, `concurrency-${this.stamp}-profiles`);
  }

  private note(text: string): void {
    this.notes.push(text);
    process.stderr.write(`note: ${text}\n`);
  }

  async run(): Promise<{ file: string; summary: SweepCell[]; rebuild: RebuildResult | null }> {
    const o = this.options;
    setProgressEnabled(o.progress);
    const started = new Date();
    const parent = o.storageDir ?? tmpdir();
    mkdirSync(parent, { recursive: true });
    this.storage = mkdtempSync(join(parent, 'ringvec-concurrency-'));
    const storage = this.storage;
    const forget = onExit(() => rmSync(storage, { recursive: true, force: true }));
    if (o.profile) mkdirSync(this.profileDir, { recursive: true });
    const machine = machineInfo(storage);
    console.log(`machine: ${describeMachine(machine)}`);
    this.data = loadSearchData({
      points: o.points,
      dim: o.dim,
      queries: Math.max(o.queryPool, o.recallQueries),
      seed: o.seed,
    });
    const data = this.data;
    console.log(`data: ${fixed(data.points)} × ${data.dim}, ${o.distance} — ${data.description}`);
    let load: Record<string, unknown>;
    const cells: SweepCell[] = [];
    let rebuild: RebuildResult | null = null;
    try {
      load = await this.loadCollection();
      for (let repeat = 1; repeat <= o.repeat; repeat++) {
        const order = repeat % 2 === 1 ? o.threads : [...o.threads].reverse();
        for (const threads of order) cells.push(...(await this.sweep(threads, repeat)));
      }
      if (o.rebuild) rebuild = await this.rebuildRun(Math.max(...o.threads));
    } finally {
      rmSync(storage, { recursive: true, force: true });
      forget();
    }
    const summary = medianCells(cells, o.disturbedCpuPct);
    const scaling = this.scaling(summary);
    const ceiling = this.ceiling(summary, scaling);
    this.printReport(summary, scaling, rebuild);
    const file = writeJsonResult(this.resultsDir, 'concurrency', this.stamp, {
      benchmark: 'concurrency',
      timestamp: started.toISOString(),
      finished: new Date().toISOString(),
      command: commandLine(),
      machine,
      loadAverageAfter: machineInfo(tmpdir()).loadAverage,
      params: o,
      dataset: { points: data.points, dim: data.dim, description: data.description },
      targets: { threadScaling: THREAD_SCALING_TARGET, rebuildP99Ratio: REBUILD_P99_TARGET },
      load,
      summary,
      scaling,
      ceiling,
      cells,
      rebuild,
      notes: this.notes,
    });
    console.log(`\nwrote ${file}`);
    return { file, summary, rebuild };
  }

  private async startServer(threads: number): Promise<{ server: BenchServer; client: HttpJson }> {
    const o = this.options;
    const server = await startBenchServer({
      storagePath: this.storage,
      env: { [THREADS_ENV]: String(threads) },
      nodeArgs: o.profile ? ['--cpu-prof', `--cpu-prof-dir=${this.profileDir}`] : [],
      startTimeoutMs: o.readyTimeoutMs,
    });
    const client = new HttpJson(server.url, Math.max(...o.clients, o.latencyClients) + 4);
    return { server, client };
  }

  /** After a server (re)start on the loaded storage. */
  private async waitGreen(client: HttpJson, label: string): Promise<void> {
    await waitUntilGreen(client, COLLECTION, {
      label,
      expectedPoints: this.data!.points,
      timeoutMs: this.options.readyTimeoutMs,
      pollMs: POLL_MS,
    });
  }

  /** Creates and fills the collection with the first threads setting, waits for green. */
  private async loadCollection(): Promise<Record<string, unknown>> {
    const o = this.options;
    const data = this.data!;
    const { server, client } = await this.startServer(o.threads[0]!);
    return withBenchServer(server, client, async () => {
      const { uploadSeconds, info } = await loadSearchCollection(client, COLLECTION, data, {
        ...o,
        pollMs: POLL_MS,
      });
      if (info.indexed_vectors_count < info.points_count) {
        this.note(
          `green with ${info.indexed_vectors_count} of ${info.points_count} vectors indexed (small data is searched without HNSW)`,
        );
      }
      const recall = await measureRecall(client, COLLECTION, data, o.distance, {
        endpoint: o.endpoint,
        limit: o.limit,
        queries: o.recallQueries,
        exact: o.exact,
        ...(o.hnswEf === undefined ? {} : { hnswEf: o.hnswEf }),
      });
      return {
        uploadSeconds,
        segments: info.segments_count,
        indexedVectors: info.indexed_vectors_count,
        recall,
      };
    });
  }

  private bodies(hnswEf?: number): string[] {
    const o = this.options;
    return searchBodies(this.data!, o.queryPool, {
      endpoint: o.endpoint,
      limit: o.limit,
      exact: o.exact,
      ...(hnswEf === undefined ? {} : { hnswEf }),
    });
  }

  /** The search params of the sweep, as the report shows them. */
  private paramsText(): string {
    const o = this.options;
    if (o.exact) return 'exact search (params.exact)';
    return o.hnswEf === undefined
      ? `default search params (hnsw_ef = ef_construct ${o.efConstruct})`
      : `hnsw_ef ${o.hnswEf}`;
  }

  /** One timed closed-loop run at `clients`, with the server's CPU by thread. */
  private async timedLoad(
    client: HttpJson,
    server: BenchServer,
    threads: number,
    label: string,
    bodies: readonly string[],
    clients: number,
    seconds: number,
  ): Promise<MeteredRun & { threadCpu: ThreadCpu | null; cpuPerRequestUs: CpuPerRequest | null }> {
    const { run, threadCpu } = await meteredLoad({
      client,
      serverPid: server.pid,
      path: searchPath(COLLECTION, this.options.endpoint),
      bodies,
      concurrency: clients,
      label,
      durationSeconds: seconds,
      busiestThreads: threads,
      costText: (cost) =>
        `server CPU ${fixed(cost.serverCpuPct)} %, other ${fixed(cost.otherCpuPct)} %`,
    });
    return {
      ...run,
      threadCpu,
      cpuPerRequestUs: cpuPerRequest(threadCpu, run.cost, run.requestsPerSecond),
    };
  }

  private async warmUp(
    client: HttpJson,
    server: BenchServer,
    threads: number,
    bodies: readonly string[],
  ): Promise<void> {
    const o = this.options;
    if (o.warmupSeconds <= 0) return;
    const clients = Math.max(...o.clients);
    const run = await this.timedLoad(
      client,
      server,
      threads,
      `warm-up ×${clients}`,
      bodies,
      clients,
      o.warmupSeconds,
    );
    if (run.errors > 0) throw new Error(`warm-up: ${run.errors} failed; ${run.firstError}`);
  }

  /** A server with `threads` search threads on the shared storage; one cell per client count. */
  private async sweep(threads: number, repeat: number): Promise<SweepCell[]> {
    const o = this.options;
    const profileSince = Date.now();
    const { server, client } = await this.startServer(threads);
    const cells: SweepCell[] = [];
    const windows: { startUs: number; endUs: number }[] = [];
    await withBenchServer(server, client, async () => {
      await this.waitGreen(client, `load (threads ${threads})`);
      const bodies = this.bodies(o.hnswEf);
      await this.warmUp(client, server, threads, bodies);
      for (const clients of o.clients) {
        const startUs = monotonicMicros();
        const run = await this.timedLoad(
          client,
          server,
          threads,
          `threads ${threads} ×${clients}${o.repeat > 1 ? ` #${repeat}` : ''}`,
          bodies,
          clients,
          o.durationSeconds,
        );
        windows.push({ startUs, endUs: monotonicMicros() });
        cells.push({ threads, clients, repeat, ...run });
      }
    });
    if (o.profile) {
      const file = findServerProfile(this.profileDir, server.pid, profileSince);
      if (file === undefined) this.note(`no .cpuprofile of server ${server.pid} found`);
      else {
        console.log(`profile (threads ${threads}): ${file}`);
        return cells.map((cell, i) => ({
          ...cell,
          profile: summarizeProfile(file, 12, windows[i]),
        }));
      }
    }
    return cells;
  }

  /** p99 at `latencyClients` idle, during a full rebuild (PATCH ef_construct), idle again. */
  private async rebuildRun(threads: number): Promise<RebuildResult> {
    const o = this.options;
    const { server, client } = await this.startServer(threads);
    const path = `/collections/${COLLECTION}`;
    return withBenchServer(server, client, async () => {
      await this.waitGreen(client, `load (threads ${threads})`);
      const bodies = this.bodies(o.hnswEf ?? o.efConstruct);
      await this.warmUp(client, server, threads, bodies);
      const runs: LatencyRun[] = [];
      const idle = await this.timedLoad(
        client,
        server,
        threads,
        `idle ×${o.latencyClients}`,
        bodies,
        o.latencyClients,
        o.idleSeconds,
      );
      runs.push({ phase: 'idle before', clients: o.latencyClients, ...idle });

      // During: the load runs from the PATCH until the collection is idle (green) again.
      let rebuilding = true;
      const sent: { at: number; ms: number }[] = [];
      const patchAt = performance.now();
      const bar = startProgress(`rebuild ×${o.latencyClients}`, 1000);
      const meter = new CostMeter(null, server.pid);
      const threadMeter = new ThreadCpuMeter(server.pid, threads + 1);
      const loadRun = closedLoop({
        client,
        method: 'POST',
        path: searchPath(COLLECTION, o.endpoint),
        bodies,
        concurrency: o.latencyClients,
        stop: () => !rebuilding,
        maxErrors: 100,
        onLatency: (at, ms) => sent.push({ at, ms }),
      });
      const timelineJobs = new Map<number, string>();
      let wait;
      try {
        await client.ok('PATCH', path, { hnsw_config: { ef_construct: o.rebuildEfConstruct } });
        wait = await waitForOptimization(client, COLLECTION, {
          startedAt: patchAt,
          startGraceMs: 5000,
          timeoutMs: o.readyTimeoutMs,
          filesChanged: () => false,
          onPoll: (info) => {
            const opt = info.ringvec?.optimization as
              { job?: string; phase?: string; percent?: number } | null | undefined;
            const second = Math.floor((performance.now() - patchAt) / 1000);
            const text = opt ? `${opt.job ?? ''} ${opt.phase ?? ''} ${opt.percent ?? ''}%` : '';
            if (text !== '') timelineJobs.set(second, text);
            const percent = typeof opt?.percent === 'number' ? opt.percent : 0;
            bar.update(Math.round(percent * 10), `${info.status} ${text}`);
          },
        });
      } finally {
        rebuilding = false;
      }
      const rebuildEnd = performance.now();
      const result = await loadRun;
      const cost = meter.stop();
      const threadCpu = threadMeter.stop();
      const inWindow = sent.filter((s) => s.at <= rebuildEnd);
      const duringLatency = summarizeLatencies(inWindow.map((s) => s.ms));
      const duringSeconds = (rebuildEnd - patchAt) / 1000;
      bar.stop(
        wait.seconds === null
          ? 'no rebuild seen within 5 s of the PATCH'
          : `rebuilt in ${fixed(wait.seconds, 1)} s under load; p99 ${fixed(duringLatency.p99Ms, 2)} ms (idle ${fixed(idle.latency.p99Ms, 2)} ms)`,
      );
      runs.push({
        phase: 'during rebuild',
        clients: o.latencyClients,
        ok: inWindow.length,
        errors: result.errors,
        firstError: result.firstError,
        wallSeconds: duringSeconds,
        requestsPerSecond: inWindow.length / duringSeconds,
        latency: duringLatency,
        cost,
        threadCpu,
        cpuPerRequestUs: null,
      });
      const timeline: RebuildResult['timeline'][number][] = [];
      for (let second = 0; second < Math.ceil(duringSeconds); second++) {
        const slice = inWindow.filter(
          (s) => s.at >= patchAt + second * 1000 && s.at < patchAt + (second + 1) * 1000,
        );
        timeline.push({
          second,
          requests: slice.length,
          p99Ms: summarizeLatencies(slice.map((s) => s.ms)).p99Ms,
          optimization: timelineJobs.get(second) ?? '',
        });
      }
      const after = await this.timedLoad(
        client,
        server,
        threads,
        `idle after ×${o.latencyClients}`,
        bodies,
        o.latencyClients,
        o.idleSeconds,
      );
      runs.push({ phase: 'idle after', clients: o.latencyClients, ...after });
      const recallAfter = await measureRecall(client, COLLECTION, this.data!, o.distance, {
        endpoint: o.endpoint,
        limit: o.limit,
        queries: Math.min(o.recallQueries, 100),
        exact: o.exact,
        hnswEf: o.hnswEf ?? o.efConstruct,
      });

      // Without load: patch back to the original ef_construct and time that rebuild.
      const backAt = performance.now();
      const backBar = startProgress('rebuild back, no load', 1000);
      await client.ok('PATCH', path, { hnsw_config: { ef_construct: o.efConstruct } });
      const back = await waitForOptimization(client, COLLECTION, {
        startedAt: backAt,
        startGraceMs: 5000,
        timeoutMs: o.readyTimeoutMs,
        filesChanged: () => false,
        onPoll: (info) => {
          const opt = info.ringvec?.optimization as { percent?: number } | null | undefined;
          backBar.update(Math.round((opt?.percent ?? 0) * 10), info.status);
        },
      });
      backBar.stop(back.seconds === null ? 'no rebuild seen' : `${fixed(back.seconds, 1)} s`);
      const final = await collectionInfo(client, COLLECTION);
      if (final.indexed_vectors_count < final.points_count) {
        this.note(
          `after the rebuilds ${final.indexed_vectors_count} of ${final.points_count} vectors are indexed`,
        );
      }
      return {
        threads,
        efConstruct: { from: o.efConstruct, to: o.rebuildEfConstruct },
        secondsUnderLoad: wait.seconds,
        secondsIdle: back.seconds,
        evidence: wait.evidence,
        runs,
        p99Ratio:
          idle.latency.p99Ms > 0 && inWindow.length > 0
            ? duringLatency.p99Ms / idle.latency.p99Ms
            : null,
        timeline,
        serverCpuDuringPct: cost.serverCpuPct,
        recallAfter,
      };
    });
  }

  /** Best requests/s per threads setting, and the ratio of the most threads to the fewest. */
  private scaling(summary: readonly SweepCell[]): {
    best: { threads: number; clients: number; requestsPerSecond: number }[];
    ratio: number | null;
    perClients: { clients: number; ratio: number }[];
  } {
    const threads = [...new Set(summary.map((c) => c.threads))].sort((a, b) => a - b);
    const best = threads.map((t) => {
      const top = summary
        .filter((c) => c.threads === t)
        .reduce((a, b) => (b.requestsPerSecond > a.requestsPerSecond ? b : a));
      return { threads: t, clients: top.clients, requestsPerSecond: top.requestsPerSecond };
    });
    const lo = threads[0];
    const hi = threads[threads.length - 1];
    const perClients: { clients: number; ratio: number }[] = [];
    if (lo !== undefined && hi !== undefined && lo !== hi) {
      for (const clients of this.options.clients) {
        const a = summary.find((c) => c.threads === lo && c.clients === clients);
        const b = summary.find((c) => c.threads === hi && c.clients === clients);
        if (a && b) perClients.push({ clients, ratio: b.requestsPerSecond / a.requestsPerSecond });
      }
    }
    const ratio =
      best.length >= 2
        ? best[best.length - 1]!.requestsPerSecond / best[0]!.requestsPerSecond
        : null;
    return { best, ratio, perClients };
  }

  /**
   * What the machine allows: with the fewest threads at their best client count, the CPU one
   * request costs (server main thread + search workers + other server threads + this load
   * generator) bounds what all cores can answer with any number of search threads.
   */
  private ceiling(
    summary: readonly SweepCell[],
    scaling: ReturnType<ConcurrencyBench['scaling']>,
  ): { requestsPerSecond: number; ratio: number; searchShare: number; text: string } | null {
    const lo = scaling.best[0];
    if (lo === undefined || scaling.best.length < 2) return null;
    const cell = summary.find((c) => c.threads === lo.threads && c.clients === lo.clients);
    const cpu = cell?.cpuPerRequestUs;
    if (cell === undefined || cpu === null || cpu === undefined) return null;
    const cores = availableParallelism();
    const requestsPerSecond = (cores * 1e6) / cpu.total;
    const ratio = requestsPerSecond / cell.requestsPerSecond;
    const searchShare = cpu.workers / cpu.total;
    const text =
      `CPU per request at ${lo.threads} thread(s) ×${lo.clients}: main thread ${fixed(cpu.main)} µs + search ${fixed(cpu.workers)} µs + ` +
      `other server threads ${fixed(cpu.rest)} µs + load generator ${fixed(cpu.client)} µs = ${fixed(cpu.total)} µs.\n` +
      `${cores} cores can answer at most ${cores} s / ${fixed(cpu.total)} µs = ${fixed(requestsPerSecond)} req/s with any number of search threads ` +
      `(${fixed(ratio, 2)}× the ${lo.threads}-thread rate); ${THREAD_SCALING_TARGET}× needs search ≥ ${fixed((100 * THREAD_SCALING_TARGET) / cores)} % of the CPU per request, here ${fixed(100 * searchShare)} %.`;
    return { requestsPerSecond, ratio, searchShare, text };
  }

  private printReport(
    summary: readonly SweepCell[],
    scaling: ReturnType<ConcurrencyBench['scaling']>,
    rebuild: RebuildResult | null,
  ): void {
    const o = this.options;
    console.log();
    console.log(
      markdownTable<SweepCell>(
        [
          { header: 'threads', align: 'right', value: (c) => String(c.threads) },
          { header: 'clients', align: 'right', value: (c) => String(c.clients) },
          { header: 'req/s', align: 'right', value: (c) => fixed(c.requestsPerSecond) },
          { header: 'p50 ms', align: 'right', value: (c) => fixed(c.latency.p50Ms, 2) },
          { header: 'p99 ms', align: 'right', value: (c) => fixed(c.latency.p99Ms, 2) },
          { header: 'server CPU %', align: 'right', value: (c) => fixed(c.cost.serverCpuPct) },
          { header: 'main %', align: 'right', value: (c) => fixed(c.threadCpu?.mainPct) },
          {
            header: 'search %',
            align: 'right',
            value: (c) => fixed(c.threadCpu?.busiestPct.reduce((x, y) => x + y, 0)),
          },
          { header: 'client CPU %', align: 'right', value: (c) => fixed(c.cost.clientCpuPct) },
          { header: 'other CPU %', align: 'right', value: (c) => fixed(c.cost.otherCpuPct) },
          { header: 'CPU µs/req', align: 'right', value: (c) => fixed(c.cpuPerRequestUs?.total) },
          { header: 'errors', align: 'right', value: (c) => String(c.errors) },
          ...(o.repeat > 1
            ? [
                {
                  header: `req/s of ${o.repeat} runs`,
                  value: (c: SweepCell) =>
                    (c.repetitions ?? [])
                      .map((r) => `${fixed(r.requestsPerSecond)}${r.disturbed ? '*' : ''}`)
                      .join(' '),
                },
              ]
            : []),
        ],
        summary,
      ),
    );
    console.log(
      `\n${fixed(o.points)} × ${o.dim} ${o.distance} in RAM, POST /points/${o.endpoint}, limit ${o.limit}, ${this.paramsText()}; ${fixed(o.durationSeconds)} s per cell.\n` +
        'CPU %: 100 = one core; server = all its threads, of which main = its main thread (HTTP, JSON, merging) and\n' +
        'search = its `threads` busiest other threads (the search workers); client = this load generator; other = the\n' +
        'rest of the machine. CPU µs/req: server + load generator CPU per answered request.' +
        (o.repeat > 1
          ? `\nEach row is the median (by req/s) of its runs; runs marked * had other processes using ≥ ${o.disturbedCpuPct} % of a core\nand are left out of the median when the cell has an undisturbed run.`
          : ''),
    );
    for (const b of scaling.best) {
      console.log(
        `best with ${b.threads} thread(s): ${fixed(b.requestsPerSecond)} req/s at ${b.clients} clients`,
      );
    }
    const ceiling = this.ceiling(summary, scaling);
    if (ceiling !== null) console.log(ceiling.text);
    if (scaling.ratio !== null) {
      console.log(
        `scaling ${scaling.best[scaling.best.length - 1]!.threads} / ${scaling.best[0]!.threads} threads (best vs best): ${fixed(scaling.ratio, 2)}× ` +
          `(target ≥ ${THREAD_SCALING_TARGET}×: ${scaling.ratio >= THREAD_SCALING_TARGET ? 'met' : 'not met'}); per client count: ` +
          scaling.perClients.map((p) => `×${p.clients} ${fixed(p.ratio, 2)}`).join(', '),
      );
    }
    if (rebuild !== null) {
      console.log();
      console.log(
        markdownTable<LatencyRun>(
          [
            { header: `phase (threads ${rebuild.threads})`, value: (r) => r.phase },
            { header: 'clients', align: 'right', value: (r) => String(r.clients) },
            { header: 'time s', align: 'right', value: (r) => fixed(r.wallSeconds, 1) },
            { header: 'requests', align: 'right', value: (r) => fixed(r.ok) },
            { header: 'req/s', align: 'right', value: (r) => fixed(r.requestsPerSecond) },
            { header: 'p50 ms', align: 'right', value: (r) => fixed(r.latency.p50Ms, 2) },
            { header: 'p99 ms', align: 'right', value: (r) => fixed(r.latency.p99Ms, 2) },
            { header: 'max ms', align: 'right', value: (r) => fixed(r.latency.maxMs, 1) },
            { header: 'server CPU %', align: 'right', value: (r) => fixed(r.cost.serverCpuPct) },
            { header: 'client CPU %', align: 'right', value: (r) => fixed(r.cost.clientCpuPct) },
            { header: 'other CPU %', align: 'right', value: (r) => fixed(r.cost.otherCpuPct) },
            { header: 'errors', align: 'right', value: (r) => String(r.errors) },
          ],
          rebuild.runs,
        ),
      );
      console.log(
        `\nrebuild (PATCH hnsw_config.ef_construct ${rebuild.efConstruct.from} → ${rebuild.efConstruct.to}): ` +
          `${fixed(rebuild.secondsUnderLoad, 1)} s under ×${o.latencyClients} load; back to ${rebuild.efConstruct.from} without load: ${fixed(rebuild.secondsIdle, 1)} s. ` +
          `Requests carry ${o.exact ? 'exact: true' : `hnsw_ef ${o.hnswEf ?? o.efConstruct}`}.`,
      );
      if (rebuild.p99Ratio !== null) {
        console.log(
          `p99 during / idle: ${fixed(rebuild.p99Ratio, 2)}× (target ≤ ${REBUILD_P99_TARGET}×: ${rebuild.p99Ratio <= REBUILD_P99_TARGET ? 'met' : 'not met'}).` +
            (rebuild.recallAfter !== null
              ? ` recall@${rebuild.recallAfter.limit} after the rebuild: ${fixed(rebuild.recallAfter.recall, 4)}.`
              : ''),
        );
      }
    }
    for (const cell of summary) {
      if (cell.profile === undefined) continue;
      console.log(
        `\nserver main thread, threads ${cell.threads} ×${cell.clients}: busy ${fixed(cell.profile.busyPct)} % of ${fixed(cell.profile.windowMs)} ms; top self time (% of busy):`,
      );
      for (const f of cell.profile.top) {
        console.log(`  ${f.selfPct.toFixed(1).padStart(5)} %  ${f.frame}`);
      }
    }
    for (const text of this.notes) console.log(`note: ${text}`);
  }
}

export async function runConcurrencyBench(
  options: ConcurrencyOptions,
): Promise<{ file: string; summary: SweepCell[]; rebuild: RebuildResult | null }> {
  return new ConcurrencyBench(options).run();
}
