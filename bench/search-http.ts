// Search throughput over HTTP, end to end: seeded clustered vectors (default 100,000 × 128,
// Euclid) uploaded to a fresh server (a child process on temporary storage), the background
// optimizer left to build the HNSW index (status green), then `limit: 10` searches from a
// closed-loop client with 8 requests in flight (--clients for others) for a fixed time or a
// fixed number of requests. Reports requests/s, p50/p95/p99 and recall@10 of the same requests
// against brute force over held-out queries, by default with the server's default search
// parameters (no `params`), so the throughput is the throughput of the answers whose recall is
// shown; `--hnsw-ef 16,32,64` adds one pass per ef (single-client QPS per ef with `--clients 1`).
// Prints a table and writes bench/results/search-http-<timestamp>.json.
//
//   ringvec bench search-http [--points 100000] [--dim 128] [--distance Euclid] [--clients 8]
//        [--duration 20 | --requests N] [--hnsw-ef 16,32,64] [--endpoint search|query]
//        [--profile] [--quick] …
//
// On a 2-core machine the load generator (this process) shares the CPU with the server: its
// share and the rest of the machine's are in the table.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Distance } from '../src/quantization/quantizer.js';
import { startBenchServer, withBenchServer } from './lib/child-server.js';
import { onExit } from './lib/cleanup.js';
import { closedLoop } from './lib/closed-loop.js';
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
  type RecallResult,
  type SearchData,
  type SearchEndpoint,
} from './lib/search-setup.js';
import { fixed, markdownTable } from './lib/table.js';

export interface SearchHttpOptions {
  readonly points: number;
  readonly dim: number;
  readonly distance: Distance;
  readonly clients: readonly number[];
  /** Seconds per client count (ignored when `requests` is set). */
  readonly durationSeconds: number;
  /** Requests per client count instead of a duration. */
  readonly requests: number | undefined;
  readonly warmupSeconds: number;
  readonly recallQueries: number;
  /** Distinct held-out queries the load cycles through. */
  readonly queryPool: number;
  readonly endpoint: SearchEndpoint;
  readonly limit: number;
  /**
   * params.hnsw_ef of the requests, one pass (recall + every client count) each; empty = one pass
   * with the server's default (ef_construct, no `params`).
   */
  readonly hnswEf: readonly number[];
  readonly m: number;
  readonly efConstruct: number;
  /** storage.performance.max_search_threads of the server; undefined = its default (0 = all cores). */
  readonly searchThreads: number | undefined;
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

export const SEARCH_TARGET_REQUESTS_PER_SECOND = 3000;
export const SEARCH_TARGET_CLIENTS = 8;
const COLLECTION = 'search_http';

export interface SearchHttpRow extends MeteredRun {
  /** params.hnsw_ef of the requests; null = the server's default. */
  readonly hnswEf: number | null;
  /** recall@limit of the same requests against brute force. */
  readonly recall: number;
  readonly clients: number;
  /** Requests sent, answered or not. */
  readonly requests: number;
  /** The server's main thread over this run (--profile). */
  readonly profile?: ProfileSummary;
}

class SearchHttpBench {
  private readonly stamp = fileTimestamp();
  private readonly resultsDir: string;
  private readonly profileDir: string;
  private readonly notes: string[] = [];

  constructor(private readonly options: SearchHttpOptions) {
    this.resultsDir = options.resultsDir ?? defaultResultsDir();
    this.profileDir = join(this.resultsDir, `search-http-${this.stamp}-profiles`);
  }

  private note(text: string): void {
    this.notes.push(text);
    process.stderr.write(`note: ${text}\n`);
  }

  async run(): Promise<{ rows: SearchHttpRow[]; file: string }> {
    const o = this.options;
    setProgressEnabled(o.progress);
    const started = new Date();
    const parent = o.storageDir ?? tmpdir();
    mkdirSync(parent, { recursive: true });
    const storage = mkdtempSync(join(parent, 'ringvec-search-http-'));
    const forget = onExit(() => rmSync(storage, { recursive: true, force: true }));
    const machine = machineInfo(storage);
    console.log(`machine: ${describeMachine(machine)}`);
    const data = loadSearchData({
      points: o.points,
      dim: o.dim,
      queries: Math.max(o.queryPool, o.recallQueries),
      seed: o.seed,
    });
    console.log(`data: ${fixed(data.points)} × ${data.dim}, ${o.distance} — ${data.description}`);
    if (o.profile) mkdirSync(this.profileDir, { recursive: true });
    const profileStart = Date.now();
    const server = await startBenchServer({
      storagePath: storage,
      env:
        o.searchThreads === undefined
          ? {}
          : { RINGVEC__STORAGE__PERFORMANCE__MAX_SEARCH_THREADS: String(o.searchThreads) },
      nodeArgs: o.profile ? ['--cpu-prof', `--cpu-prof-dir=${this.profileDir}`] : [],
      startTimeoutMs: o.readyTimeoutMs,
    });
    const client = new HttpJson(server.url, Math.max(...o.clients) + 4);
    const recalls: { hnswEf: number | null; recall: RecallResult }[] = [];
    const rows: SearchHttpRow[] = [];
    const windows: { startUs: number; endUs: number }[] = [];
    let load: Record<string, unknown>;
    try {
      load = await withBenchServer(server, client, async () => {
        const loaded = await this.loadCollection(client, data);
        const passes = o.hnswEf.length > 0 ? o.hnswEf : [undefined];
        for (const [pass, hnswEf] of passes.entries()) {
          const ef = hnswEf === undefined ? {} : { hnswEf };
          const recall = await measureRecall(client, COLLECTION, data, o.distance, {
            endpoint: o.endpoint,
            limit: o.limit,
            queries: o.recallQueries,
            ...ef,
          });
          recalls.push({ hnswEf: hnswEf ?? null, recall });
          const bodies = searchBodies(data, o.queryPool, {
            endpoint: o.endpoint,
            limit: o.limit,
            ...ef,
          });
          if (pass === 0) await this.warmUp(client, bodies);
          for (const clients of o.clients) {
            const startUs = monotonicMicros();
            const row = await this.measure(client, server.pid, bodies, clients, hnswEf);
            rows.push({ ...row, recall: recall.recall });
            windows.push({ startUs, endUs: monotonicMicros() });
          }
        }
        return loaded;
      });
    } finally {
      rmSync(storage, { recursive: true, force: true });
      forget();
    }
    let profileFile: string | undefined;
    if (o.profile) {
      profileFile = findServerProfile(this.profileDir, server.pid, profileStart);
      if (profileFile === undefined) this.note('no .cpuprofile of the server main thread found');
      else {
        for (const [i, row] of rows.entries()) {
          rows[i] = { ...row, profile: summarizeProfile(profileFile, 15, windows[i]) };
        }
      }
    }
    this.printReport(rows, recalls, data);
    const file = writeJsonResult(this.resultsDir, 'search-http', this.stamp, {
      benchmark: 'search-http',
      timestamp: started.toISOString(),
      finished: new Date().toISOString(),
      command: commandLine(),
      machine,
      loadAverageAfter: machineInfo(tmpdir()).loadAverage,
      params: o,
      dataset: { points: data.points, dim: data.dim, description: data.description },
      target: {
        requestsPerSecond: SEARCH_TARGET_REQUESTS_PER_SECOND,
        clients: SEARCH_TARGET_CLIENTS,
      },
      load,
      recall: recalls[0]?.recall,
      recalls,
      rows,
      ...(profileFile !== undefined ? { profileFile } : {}),
      notes: this.notes,
    });
    console.log(`\nwrote ${file}`);
    return { rows, file };
  }

  /** Creates the collection, uploads the points and waits for the optimizer (status green). */
  private async loadCollection(
    client: HttpJson,
    data: SearchData,
  ): Promise<Record<string, unknown>> {
    const { uploadSeconds, readySeconds, info } = await loadSearchCollection(
      client,
      COLLECTION,
      data,
      this.options,
    );
    if (info.indexed_vectors_count < info.points_count) {
      this.note(`green with ${info.indexed_vectors_count} of ${info.points_count} vectors indexed`);
    }
    return {
      uploadSeconds,
      uploadPointsPerSecond: data.points / uploadSeconds,
      readySeconds,
      segments: info.segments_count,
      indexedVectors: info.indexed_vectors_count,
    };
  }

  private async warmUp(client: HttpJson, bodies: readonly string[]): Promise<void> {
    const o = this.options;
    if (o.warmupSeconds <= 0) return;
    const clients = Math.max(...o.clients);
    const bar = startProgress(`warm-up ×${clients}`, Math.round(o.warmupSeconds * 10));
    const start = performance.now();
    const result = await closedLoop({
      client,
      method: 'POST',
      path: searchPath(COLLECTION, o.endpoint),
      bodies,
      concurrency: clients,
      durationMs: o.warmupSeconds * 1000,
      maxErrors: 10,
      onProgress: () => bar.update(Math.round((performance.now() - start) / 100)),
    });
    bar.stop(`${fixed(result.latenciesMs.length / result.wallSeconds)} req/s`);
    if (result.errors > 0) {
      throw new Error(`warm-up: ${result.errors} requests failed; first: ${result.firstError}`);
    }
  }

  private async measure(
    client: HttpJson,
    serverPid: number,
    bodies: readonly string[],
    clients: number,
    hnswEf: number | undefined,
  ): Promise<Omit<SearchHttpRow, 'recall'>> {
    const o = this.options;
    const { requests, run } = await meteredLoad({
      client,
      serverPid,
      path: searchPath(COLLECTION, o.endpoint),
      bodies,
      concurrency: clients,
      label: `search${hnswEf === undefined ? '' : ` ef ${hnswEf}`} ×${clients}`,
      durationSeconds: o.durationSeconds,
      requests: o.requests,
      costText: (cost) => `other CPU ${fixed(cost.otherCpuPct)} %`,
    });
    return { hnswEf: hnswEf ?? null, clients, requests, ...run };
  }

  private printReport(
    rows: readonly SearchHttpRow[],
    recalls: readonly { hnswEf: number | null; recall: RecallResult }[],
    data: SearchData,
  ): void {
    const o = this.options;
    const defaultEf = `default (${o.efConstruct})`;
    console.log();
    console.log(
      markdownTable<SearchHttpRow>(
        [
          {
            header: 'hnsw_ef',
            align: 'right',
            value: (r) => (r.hnswEf === null ? defaultEf : String(r.hnswEf)),
          },
          { header: `recall@${o.limit}`, align: 'right', value: (r) => fixed(r.recall, 4) },
          { header: 'clients', align: 'right', value: (r) => String(r.clients) },
          { header: 'requests', align: 'right', value: (r) => fixed(r.ok) },
          { header: 'time s', align: 'right', value: (r) => fixed(r.wallSeconds, 1) },
          { header: 'req/s', align: 'right', value: (r) => fixed(r.requestsPerSecond) },
          { header: 'p50 ms', align: 'right', value: (r) => fixed(r.latency.p50Ms, 2) },
          { header: 'p95 ms', align: 'right', value: (r) => fixed(r.latency.p95Ms, 2) },
          { header: 'p99 ms', align: 'right', value: (r) => fixed(r.latency.p99Ms, 2) },
          { header: 'server CPU %', align: 'right', value: (r) => fixed(r.cost.serverCpuPct) },
          { header: 'client CPU %', align: 'right', value: (r) => fixed(r.cost.clientCpuPct) },
          { header: 'other CPU %', align: 'right', value: (r) => fixed(r.cost.otherCpuPct) },
          { header: 'errors', align: 'right', value: (r) => String(r.errors) },
        ],
        rows,
      ),
    );
    const recallText = recalls
      .map(
        ({ hnswEf, recall }) =>
          `${hnswEf === null ? 'default' : `ef ${hnswEf}`}: ${fixed(recall.recall, 4)} (min ${fixed(recall.minRecall, 2)}, ${recall.perfect}/${recall.queries} perfect)`,
      )
      .join('; ');
    console.log(
      `\n${fixed(data.points)} × ${data.dim} ${o.distance}, POST /points/${o.endpoint}, limit ${o.limit}, ` +
        `hnsw_ef ${o.hnswEf.length === 0 ? `default (= ef_construct ${o.efConstruct}, no params)` : o.hnswEf.join(', ')}; ` +
        `recall@${o.limit} vs brute force: ${recallText}.`,
    );
    console.log(
      'CPU %: 100 = one core. server: every thread of the server process; client: this load generator;\n' +
        'other: the rest of the machine (other people’s work, kernel threads) during the run.',
    );
    const target = rows.find((r) => r.clients === SEARCH_TARGET_CLIENTS && r.hnswEf === null);
    if (target !== undefined && o.dim === 128) {
      const met = target.requestsPerSecond >= SEARCH_TARGET_REQUESTS_PER_SECOND;
      console.log(
        `target: ≥ ${fixed(SEARCH_TARGET_REQUESTS_PER_SECOND)} searches/s with ${SEARCH_TARGET_CLIENTS} clients at 128-d: ` +
          `${fixed(target.requestsPerSecond)} (${met ? 'met' : 'not met'}, ${fixed((100 * target.requestsPerSecond) / SEARCH_TARGET_REQUESTS_PER_SECOND)} % of it).`,
      );
    }
    for (const row of rows) {
      if (row.profile === undefined) continue;
      console.log(
        `\nserver main thread, ${row.hnswEf === null ? '' : `ef ${row.hnswEf} `}×${row.clients}: busy ${fixed(row.profile.busyPct)} % of ${fixed(row.profile.windowMs)} ms; top self time (% of busy):`,
      );
      for (const f of row.profile.top) {
        console.log(`  ${f.selfPct.toFixed(1).padStart(5)} %  ${f.frame}`);
      }
    }
    for (const text of this.notes) console.log(`note: ${text}`);
  }
}

export async function runSearchHttpBench(
  options: SearchHttpOptions,
): Promise<{ rows: SearchHttpRow[]; file: string }> {
  return new SearchHttpBench(options).run();
}
