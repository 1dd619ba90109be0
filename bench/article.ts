// The comparison of Qdrant's io_uring article (shared/reference/qdrant-io_uring-article.md), end
// to end with no other set-up: generate (or load) vectors, start a server on a storage folder,
// create an on-disk collection with int8 scalar quantization kept in RAM, upload, wait for the
// background optimizer (status green), then for each backend — async_scorer off (mmap) and on
// (io_uring), each a fresh server process on the same storage — run the article's recommend +
// rescore request at several concurrencies and oversamplings, cold and warm, time a
// requantization (PATCH quantization_config and back) and exact searches (params.exact, cold and
// warm; with io_uring for each io_batch_size × io_queue_depth asked for). Prints the article's
// table, writes bench/results/article-<timestamp>.json and an SVG chart (also
// docs/article-benchmark.svg for full runs).
//
//   ringvec bench article [--points 1000000] [--dim 768] [--data FILE] [--requests 1000]
//        [--concurrency 1,4,8] [--oversampling 1,4] [--storage DIR] [--drop-caches] [--quick] …
//
// Cold means: the server was just restarted (so no mapping of its pins pages) and every *.bin
// file of the collection's segments got posix_fadvise(DONTNEED); the share of the original
// vectors still cached is measured (mincore) and reported. Warm means: those files were read
// once right before the run. Cells alternate backends (cell 1 mmap, cell 1 io_uring, cell 2 …)
// so that other load on the machine hits both alike. Device IOPS and MB/s come from
// /proc/diskstats for the disk under the storage folder and include anything else reading that
// disk meanwhile; "other CPU %" in the JSON says how busy the rest of the machine was.

import { mkdirSync, mkdtempSync, rmSync, statSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../src/common/package-root.js';
import { SeededRandom } from '../src/quantization/seeded-random.js';
import { startBenchServer, withBenchServer, type BenchServer } from './lib/child-server.js';
import { onExit } from './lib/cleanup.js';
import { closedLoop } from './lib/closed-loop.js';
import {
  describeInfo,
  waitForOptimization,
  waitUntilReady,
  type CollectionInfo,
  type OptimizationWait,
} from './lib/collection-status.js';
import { generatedVectors, openVectorFile, vectorJson, type VectorSource } from './lib/dataset.js';
import { HttpJson, HttpRequestError, qdrantErrorMessage } from './lib/http-json.js';
import { meteredLoad, type MeteredRun } from './lib/metered-load.js';
import { describeMachine, fioCeiling, machineInfo, type FioResult } from './lib/machine.js';
import {
  dropFileCaches,
  filesUnder,
  residentFraction,
  warmFiles,
  type DropResult,
} from './lib/page-cache.js';
import { setProgressEnabled, startProgress } from './lib/progress.js';
import {
  commandLine,
  defaultResultsDir,
  fileTimestamp,
  writeJsonResult,
  writeResultFile,
} from './lib/results.js';
import { median, summarizeLatencies } from './lib/stats.js';
import { groupedBarChartSvg, type BarPanel } from './lib/svg-chart.js';
import { CostMeter, blockDeviceOf, type BlockDevice, type RunCost } from './lib/sys-stats.js';
import { fixed, markdownTable } from './lib/table.js';

export type Backend = 'mmap' | 'io_uring';
export type CacheState = 'cold' | 'warm';

export interface ArticleOptions {
  readonly points: number | undefined;
  readonly dim: number | undefined;
  /** A vector file (.fvecs, .npy, raw float32) instead of generated data. */
  readonly data: string | undefined;
  readonly seed: number;
  readonly m: number;
  readonly efConstruct: number;
  /** Requests per cell (one cell = backend × cache × oversampling × parallel). */
  readonly requests: number;
  readonly concurrency: readonly number[];
  readonly oversampling: readonly number[];
  readonly caches: readonly CacheState[];
  readonly backends: readonly Backend[];
  readonly limit: number;
  /**
   * JIT warm-up of every fresh server before its first run (0 = none): this many in-RAM searches
   * of the measured collection, then as many of the cell's own recommend requests on a small
   * warm-up collection (WARMUP_POINTS of the same vectors, same configuration, its files evicted
   * first). A server that was just started runs its request path in V8's interpreter and compiles
   * it during the first thousand requests, which would bill the JIT to whichever cache state is
   * measured first; the measured collection's original vectors stay out of the page cache.
   */
  readonly warmup: number;
  readonly collection: string;
  /** Storage folder to use and keep (default: a temporary folder, removed at the end). */
  readonly storage: string | undefined;
  /** Re-create the collection even when --storage already holds a matching one. */
  readonly fresh: boolean;
  readonly dropCaches: boolean;
  readonly uploadBatch: number;
  readonly uploadParallel: number;
  readonly readyTimeoutMs: number;
  /** Run the recommend load cells (off: only requantization and exact searches). */
  readonly load: boolean;
  readonly requantize: boolean;
  /** Time exact searches (params.exact): one cold, then `exactWarm` warm, per backend. */
  readonly exact: boolean;
  readonly exactWarm: number;
  /** io_batch_size values tried with io_uring (mmap runs with the first). */
  readonly exactBatchSizes: readonly number[];
  /** io_queue_depth values tried with io_uring. */
  readonly exactQueueDepths: readonly number[];
  readonly fio: boolean;
  readonly quick: boolean;
  readonly resultsDir: string | undefined;
  /** Also write the chart to docs/article-benchmark.svg. */
  readonly docsChart: boolean;
  readonly progress: boolean;
  /** Runs of every cell (alternating backend order); tables and chart show the median. */
  readonly repeat: number;
  /** Other processes' CPU (% of one core) from which a run counts as disturbed (see medianRuns). */
  readonly disturbedCpuPct: number;
}

const ASYNC_SCORER_ENV = 'RINGVEC__STORAGE__PERFORMANCE__ASYNC_SCORER';
const TMPFS_MAGIC = 0x01021994;

/** One closed-loop run of a cell: what every measured run reports (MeteredRun), and more. */
export interface LoadRun extends MeteredRun {
  readonly backend: Backend;
  /** What the server says it reads on-disk vectors with (its log, then collection info). */
  readonly backendInUse: string | null;
  readonly cache: CacheState;
  readonly oversampling: number;
  readonly parallel: number;
  /** Requests sent, answered or not. */
  readonly requests: number;
  /** Share of the original vector files in the page cache before and after the run (mincore). */
  readonly residentBefore: number | null;
  readonly residentAfter: number | null;
  readonly drop: DropResult | null;
  /** Deltas of the server's ringvec_io_* counters over the run, by backend. */
  readonly engineIo: Record<string, Record<string, number>> | null;
  readonly skipped?: string;
  /** Which repetition (1-based, --repeat). */
  readonly repeat?: number;
  /** In the summary: requests/s of every repetition of this cell, and whether it was disturbed. */
  readonly repetitions?: readonly {
    readonly requestsPerSecond: number;
    readonly disturbed: boolean;
  }[];
}

function runKey(r: LoadRun): string {
  return `${r.backend}|${r.cache}|${r.oversampling}|${r.parallel}`;
}

/**
 * Per cell, the run with the median requests/s (the lower middle for an even count). Runs during
 * which other processes used `disturbedCpuPct` or more of a core are set aside when the cell has
 * at least one undisturbed run: on a shared machine they measure the neighbours, not ringvec.
 */
export function medianRuns(runs: readonly LoadRun[], disturbedCpuPct: number): LoadRun[] {
  const groups = new Map<string, LoadRun[]>();
  for (const run of runs) {
    const group = groups.get(runKey(run));
    if (group === undefined) groups.set(runKey(run), [run]);
    else group.push(run);
  }
  const disturbed = (r: LoadRun): boolean => (r.cost.otherCpuPct ?? 0) >= disturbedCpuPct;
  return [...groups.values()].map((group) => {
    const quiet = group.filter((r) => !disturbed(r));
    const pool = quiet.length > 0 ? quiet : group;
    const sorted = [...pool].sort(
      (a, b) => (a.requestsPerSecond || 0) - (b.requestsPerSecond || 0),
    );
    const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
    return {
      ...median,
      repetitions: group.map((r) => ({
        requestsPerSecond: r.requestsPerSecond,
        disturbed: disturbed(r),
      })),
    };
  });
}

export interface RequantizationRun {
  readonly backend: Backend;
  readonly backendInUse: string | null;
  readonly change: string;
  readonly quantizationConfig: unknown;
  readonly seconds: number | null;
  readonly evidence: OptimizationWait['evidence'];
  readonly cost: RunCost;
  readonly residentBefore: number | null;
  readonly note?: string;
}

/** One server's exact searches: the first from a cold page cache, then warm ones. */
export interface ExactSearchRun {
  readonly backend: Backend;
  readonly backendInUse: string | null;
  /** storage.performance.io_batch_size and io_queue_depth of the server. */
  readonly batchSize: number;
  readonly queueDepth: number;
  readonly coldSeconds: number;
  /** Device reads and CPU during the cold search. */
  readonly coldCost: RunCost;
  readonly residentBefore: number | null;
  /** Median of the warm searches (each reads every vector from the page cache). */
  readonly warmSeconds: number;
  readonly warmRuns: readonly number[];
  readonly engineIo: Record<string, Record<string, number>> | null;
}

const BATCH_SIZE_ENV = 'RINGVEC__STORAGE__PERFORMANCE__IO_BATCH_SIZE';
const QUEUE_DEPTH_ENV = 'RINGVEC__STORAGE__PERFORMANCE__IO_QUEUE_DEPTH';

const BASE_QUANTIZATION = { scalar: { type: 'int8', always_ram: true } } as const;
const ALT_QUANTIZATION = { scalar: { type: 'int8', quantile: 0.99, always_ram: true } } as const;

function requestBody(id: number, limit: number, oversampling: number): string {
  // oversampling 1 is Qdrant's default: send the article's request unchanged.
  const quantization =
    oversampling === 1 ? '{"rescore":true}' : `{"rescore":true,"oversampling":${oversampling}}`;
  return `{"limit":${limit},"positive":[${id}],"params":{"quantization":${quantization}}}`;
}

/** Points of the warm-up collection (`<collection>-warmup`): enough for an indexed segment. */
const WARMUP_POINTS = 20_000;

/**
 * Bodies of the JIT warm-up's first part: searches with seeded random query vectors that stay in
 * RAM (quantized vectors and graphs, no rescoring), so they read no original vector of an indexed
 * segment.
 */
function warmupBodies(seed: number, dim: number, limit: number, distinct = 64): string[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: distinct }, () => {
    const vector = Array.from({ length: dim }, () => random.normal().toFixed(4));
    return `{"vector":[${vector.join(',')}],"limit":${limit},"params":{"quantization":{"rescore":false}}}`;
  });
}

/** The query of the exact searches: a seeded random vector (every vector is scored anyway). */
function exactQueryVector(seed: number, dim: number): number[] {
  const random = new SeededRandom(seed + 1);
  return Array.from({ length: dim }, () => Number(random.normal().toFixed(4)));
}

/** The backend asked for, and the one in use when the server fell back to another. */
function backendLabel(r: { backend: Backend; backendInUse: string | null }): string {
  return r.backendInUse !== null && r.backendInUse !== r.backend
    ? `${r.backend} (${r.backendInUse})`
    : r.backend;
}

/** ringvec_io_*_total{backend="…"} counters from a Prometheus text page. */
function parseIoCounters(text: string): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const match of text.matchAll(/^ringvec_io_(\w+)_total\{backend="([^"]+)"\} (\S+)$/gm)) {
    (out[match[2]!] ??= {})[match[1]!] = Number(match[3]);
  }
  return out;
}

/** after − before per backend and counter (backends with no change left out); null if either is. */
function subtractCounters(
  after: Record<string, Record<string, number>> | null,
  before: Record<string, Record<string, number>> | null,
): Record<string, Record<string, number>> | null {
  if (after === null || before === null) return null;
  const out: Record<string, Record<string, number>> = {};
  for (const [backend, counters] of Object.entries(after)) {
    const delta: Record<string, number> = {};
    let any = false;
    for (const [name, value] of Object.entries(counters)) {
      delta[name] = value - (before[backend]?.[name] ?? 0);
      if (delta[name] !== 0) any = true;
    }
    if (any) out[backend] = delta;
  }
  return out;
}

async function ioCounters(
  client: HttpJson,
): Promise<Record<string, Record<string, number>> | null> {
  try {
    const response = await client.request('GET', '/metrics');
    return response.status === 200 ? parseIoCounters(response.text) : null;
  } catch {
    return null;
  }
}

class ArticleBench {
  private readonly stamp = fileTimestamp();
  private readonly resultsDir: string;
  private storage = '';
  private device: BlockDevice | null = null;
  private source: VectorSource | undefined;
  private recommendUnavailable: string | null = null;
  private readonly notes: string[] = [];

  constructor(private readonly options: ArticleOptions) {
    this.resultsDir = options.resultsDir ?? defaultResultsDir();
  }

  private note(text: string): void {
    this.notes.push(text);
    process.stderr.write(`note: ${text}\n`);
  }

  private collectionPath(collection = this.options.collection): string {
    return `/collections/${encodeURIComponent(collection)}`;
  }

  /** The warm-up collection: the first points of the same data, read by the JIT warm-up only. */
  private warmupCollection(): { name: string; count: number } {
    return {
      name: `${this.options.collection}-warmup`,
      count: Math.min(WARMUP_POINTS, this.source!.count),
    };
  }

  private segmentsDir(collection = this.options.collection): string {
    return join(this.storage, 'collections', collection, 'segments');
  }

  private vectorFiles(): string[] {
    return filesUnder(this.segmentsDir(), /^vectors-\d+\.bin$/);
  }

  private binFiles(): string[] {
    return filesUnder(this.segmentsDir(), /\.bin$/);
  }

  private async startServer(
    backend: Backend,
    env: Readonly<Record<string, string>> = {},
  ): Promise<{ server: BenchServer; client: HttpJson }> {
    const server = await startBenchServer({
      storagePath: this.storage,
      env: { ...env, [ASYNC_SCORER_ENV]: backend === 'io_uring' ? 'true' : 'false' },
      startTimeoutMs: this.options.readyTimeoutMs,
    });
    return { server, client: new HttpJson(server.url, Math.max(...this.options.concurrency) + 4) };
  }

  /**
   * Drops the collection's files from the page cache (see ArticleOptions.dropCaches) and notes,
   * once, when more than 1 % of the original vectors stayed cached: posix_fadvise cannot evict
   * pages another process has mapped (e.g. a ringvec server left running on the same storage).
   */
  private dropCollectionCaches(): { drop: DropResult; resident: number | null } {
    const drop = dropFileCaches(this.binFiles(), { dropCaches: this.options.dropCaches });
    for (const problem of drop.problems) this.note(`cache drop: ${problem}`);
    const resident = residentFraction(this.vectorFiles());
    if (
      resident !== null &&
      resident > 0.01 &&
      !this.notes.some((n) => n.startsWith('cache drop left'))
    ) {
      this.note(
        `cache drop left ${fixed(resident * 100, 1)} % of the original vectors cached: does another process map them? (\`fuser ${this.segmentsDir()}/*/vectors-*.bin\`)`,
      );
    }
    return { drop, resident };
  }

  /** Waits until the measured collection is loaded and green (see waitUntilReady). */
  private waitForCollection(client: HttpJson): ReturnType<typeof waitUntilReady> {
    return waitUntilReady(client, this.options.collection, {
      expectedPoints: this.source!.count,
      timeoutMs: this.options.readyTimeoutMs,
      pollMs: 250,
    });
  }

  /** The backend really in use: collection info's io_backend, else the start-up log. */
  private backendInUse(server: BenchServer, info: CollectionInfo | null): string | null {
    return info?.ringvec?.vectors?.[0]?.io_backend ?? server.ioBackend;
  }

  async run(): Promise<void> {
    const o = this.options;
    setProgressEnabled(o.progress);
    const started = new Date();
    this.prepareStorage();
    const machine = machineInfo(this.storage);
    console.log(`machine: ${describeMachine(machine)}`);
    console.log(`storage: ${this.storage} (device ${this.device?.name ?? 'unknown'})`);

    const fio = this.runFio();
    this.source = this.openSource();
    const source = this.source;
    console.log(`data: ${source.count} × ${source.dim} — ${source.description}`);

    const load = await this.loadCollection();

    const runs: LoadRun[] = [];
    const cells: { oversampling: number; parallel: number }[] = [];
    for (const oversampling of o.oversampling) {
      for (const parallel of o.concurrency) cells.push({ oversampling, parallel });
    }
    for (let repeat = 1; o.load && repeat <= o.repeat; repeat++) {
      // Every other repetition runs the backends in the opposite order, so neither always goes first.
      const backends = repeat % 2 === 1 ? o.backends : [...o.backends].reverse();
      for (const [index, cell] of cells.entries()) {
        const bodies = this.cellBodies(index, cell.oversampling);
        for (const backend of backends) {
          const cellRuns = await this.runCell(backend, cell.oversampling, cell.parallel, bodies);
          runs.push(...cellRuns.map((run) => ({ ...run, repeat })));
        }
      }
    }
    const summary = medianRuns(runs, o.disturbedCpuPct);
    const requantizations: RequantizationRun[] = [];
    if (o.requantize) {
      for (const backend of o.backends) requantizations.push(...(await this.requantize(backend)));
    }
    const exactSearches: ExactSearchRun[] = [];
    if (o.exact) {
      for (const backend of o.backends) exactSearches.push(...(await this.exactSearch(backend)));
    }
    source.close();

    const report = {
      benchmark: 'article',
      timestamp: started.toISOString(),
      finished: new Date().toISOString(),
      command: commandLine(),
      machine,
      loadAverageAfter: machineInfo(this.storage).loadAverage,
      params: { ...o, readyTimeoutMs: o.readyTimeoutMs },
      dataset: { count: source.count, dim: source.dim, description: source.description },
      storage: { path: this.storage, device: this.device },
      fio,
      load,
      summary,
      runs,
      requantizations,
      exactSearches,
      notes: this.notes,
    };
    this.printReport(summary, requantizations, exactSearches, fio);
    const file = writeJsonResult(this.resultsDir, 'article', this.stamp, report);
    const svg = this.chart(summary, requantizations, exactSearches, machine.cpu, machine.cores);
    const chartFile = writeResultFile(this.resultsDir, `article-${this.stamp}.svg`, svg);
    console.log(`\nwrote ${file}\nwrote ${chartFile}`);
    if (o.docsChart) {
      const docs = writeResultFile(join(packageRoot(), 'docs'), 'article-benchmark.svg', svg);
      console.log(`wrote ${docs}`);
    }
  }

  private prepareStorage(): void {
    const o = this.options;
    if (o.storage !== undefined) {
      mkdirSync(o.storage, { recursive: true });
      this.storage = o.storage;
    } else {
      this.storage = mkdtempSync(join(tmpdir(), 'ringvec-article-'));
      const storage = this.storage;
      onExit(() => rmSync(storage, { recursive: true, force: true }));
    }
    try {
      if (statfsSync(this.storage).type === TMPFS_MAGIC) {
        this.note(
          `${this.storage} is on tmpfs: nothing is read from a disk, so "cold" means nothing; use --storage on a disk`,
        );
      }
    } catch {
      // statfs unavailable: carry on
    }
    this.device = blockDeviceOf(this.storage);
    if (this.device === null)
      this.note('no block device found for the storage folder: IOPS and MB/s are not measured');
    if (o.dropCaches && process.getuid?.() !== 0) {
      this.note('--drop-caches needs root; only posix_fadvise(DONTNEED) is used');
    }
  }

  private runFio(): FioResult[] | string | null {
    const o = this.options;
    if (!o.fio) return null;
    const bar = startProgress('fio ceiling', 1, 'random 4 KiB reads, io_uring, O_DIRECT');
    const result = fioCeiling({
      dir: this.storage,
      sizeMB: o.quick ? 64 : 1024,
      seconds: o.quick ? 2 : 10,
      iodepths: o.quick ? [32] : [1, 32],
    });
    if (typeof result === 'string') {
      bar.stop(result);
      this.note(result);
    } else {
      bar.stop(
        result
          .map((r) => `QD${r.iodepth} ${fixed(r.iops)} IOPS, ${fixed(r.meanLatencyUs)} µs`)
          .join('; '),
      );
    }
    return result;
  }

  private openSource(): VectorSource {
    const o = this.options;
    if (o.data !== undefined) return openVectorFile(o.data, o.dim, o.points);
    const count = o.points ?? (o.quick ? 20_000 : 1_000_000);
    const dim = o.dim ?? (o.quick ? 128 : 768);
    let bar: ReturnType<typeof startProgress> | undefined;
    const { source, cached } = generatedVectors({
      count,
      dim,
      seed: o.seed,
      onProgress: (done) => {
        bar ??= startProgress('generate vectors', count);
        bar.update(done);
      },
    });
    bar?.stop(`cached for next time`);
    if (cached) console.log(`data: reusing the cached vectors`);
    return source;
  }

  private createBody(dim: number): unknown {
    return {
      vectors: { size: dim, distance: 'Cosine', on_disk: true },
      hnsw_config: { m: this.options.m, ef_construct: this.options.efConstruct },
      quantization_config: BASE_QUANTIZATION,
    };
  }

  /** Creates and fills the collection and the warm-up one (or reuses matching ones). */
  private async loadCollection(): Promise<Record<string, unknown>> {
    const o = this.options;
    const source = this.source!;
    const { server, client } = await this.startServer('mmap');
    return withBenchServer(server, client, async () => {
      const { reused, uploadSeconds, ready } = await this.ensureCollection(
        client,
        o.collection,
        source.count,
      );
      if (ready.info.indexed_vectors_count < ready.info.points_count) {
        this.note(
          `the collection is green with ${ready.info.indexed_vectors_count} of ${ready.info.points_count} vectors counted in indexed_vectors_count`,
        );
      }
      await this.probeRecommend(client);
      if (o.warmup > 0) {
        const warmup = this.warmupCollection();
        await this.ensureCollection(client, warmup.name, warmup.count);
      }
      const metrics = await ioCounters(client);
      return {
        reused,
        uploadSeconds,
        uploadPointsPerSecond: uploadSeconds === null ? null : source.count / uploadSeconds,
        readySeconds: ready.seconds,
        info: ready.info,
        engineIoAfterLoad: metrics,
      };
    });
  }

  /**
   * Creates collection `name` with the first `count` points of the data (or reuses one that has
   * them: same count and dimension, unless --fresh), then waits for green.
   */
  private async ensureCollection(
    client: HttpJson,
    name: string,
    count: number,
  ): Promise<{
    reused: boolean;
    uploadSeconds: number | null;
    ready: Awaited<ReturnType<typeof waitUntilReady>>;
  }> {
    const o = this.options;
    const dim = this.source!.dim;
    let reused = false;
    const existing = await client.request('GET', this.collectionPath(name));
    if (existing.status === 200) {
      const info = (
        JSON.parse(existing.text) as {
          result: CollectionInfo & { config?: { params?: { vectors?: { size?: number } } } };
        }
      ).result;
      const size = info.config?.params?.vectors?.size;
      if (!o.fresh && info.points_count === count && size === dim) {
        reused = true;
        console.log(
          `collection ${name}: reusing ${info.points_count} points in ${this.storage} (--fresh to rebuild)`,
        );
      } else {
        await client.ok('DELETE', this.collectionPath(name));
      }
    }
    let uploadSeconds: number | null = null;
    if (!reused) {
      await client.ok('PUT', this.collectionPath(name), this.createBody(dim));
      uploadSeconds = await this.upload(client, name, count);
    }
    const bar = startProgress(`${name}: optimizer (index, quantize)`, count);
    let ready;
    try {
      ready = await waitUntilReady(client, name, {
        expectedPoints: count,
        timeoutMs: o.readyTimeoutMs,
        onPoll: (info) => bar.update(info.indexed_vectors_count, describeInfo(info)),
      });
    } catch (error) {
      bar.stop('timed out');
      throw error;
    }
    bar.stop(`green after ${fixed(ready.seconds, 1)} s: ${describeInfo(ready.info)}`);
    return { reused, uploadSeconds, ready };
  }

  /** Uploads the first `count` points of the data to collection `name`; returns the seconds. */
  private async upload(client: HttpJson, name: string, count: number): Promise<number> {
    const o = this.options;
    const source = this.source!;
    const batches = Math.ceil(count / o.uploadBatch);
    const bar = startProgress(`${name}: upload (wait=false)`, count);
    const start = performance.now();
    let next = 0;
    let uploaded = 0;
    const chunk = new Float32Array(o.uploadBatch * source.dim);
    const path = `${this.collectionPath(name)}/points?wait=false`;
    const worker = async (): Promise<void> => {
      while (next < batches) {
        const b = next++;
        const first = b * o.uploadBatch;
        const n = Math.min(o.uploadBatch, count - first);
        source.read(first, n, chunk);
        const items = new Array<string>(n);
        for (let i = 0; i < n; i++)
          items[i] = `{"id":${first + i + 1},"vector":${vectorJson(source, chunk, i)}}`;
        const body = `{"points":[${items.join(',')}]}`;
        let attempt = 0;
        for (;;) {
          try {
            await client.ok('PUT', path, body);
            break;
          } catch (error) {
            // A busy server may answer 503/429 or drop a socket: retry a few times, then give up.
            const retryable = !(error instanceof HttpRequestError) || error.status >= 429;
            if (!retryable || ++attempt > 5) throw error;
            await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
          }
        }
        uploaded += n;
        const seconds = (performance.now() - start) / 1000;
        bar.update(uploaded, `${fixed(uploaded / seconds)} points/s`);
      }
    };
    await Promise.all(Array.from({ length: o.uploadParallel }, worker));
    const seconds = (performance.now() - start) / 1000;
    bar.stop(`${count} points in ${fixed(seconds, 1)} s (${fixed(count / seconds)} points/s)`);
    return seconds;
  }

  /** One recommend request before any timing: is the endpoint there at all? */
  private async probeRecommend(client: HttpJson): Promise<void> {
    const response = await client.request(
      'POST',
      `${this.collectionPath()}/points/recommend`,
      requestBody(1, this.options.limit, 1),
    );
    if (response.status === 200) return;
    const message = qdrantErrorMessage(response.text);
    this.recommendUnavailable = `POST ${this.collectionPath()}/points/recommend → ${response.status}: ${message}`;
    this.note(
      `${this.recommendUnavailable}; the load runs are skipped (requantization and fio still run)`,
    );
  }

  /** The same seeded ids for every backend and cache state of a cell. */
  private cellBodies(cellIndex: number, oversampling: number): string[] {
    const random = new SeededRandom(this.options.seed * 7919 + cellIndex);
    const count = this.source!.count;
    return Array.from({ length: this.options.requests }, () =>
      requestBody(1 + random.int(count), this.options.limit, oversampling),
    );
  }

  private async runCell(
    backend: Backend,
    oversampling: number,
    parallel: number,
    bodies: readonly string[],
  ): Promise<LoadRun[]> {
    const o = this.options;
    const runs: LoadRun[] = [];
    const skipped = (cache: CacheState, reason: string): LoadRun => ({
      backend,
      backendInUse: null,
      cache,
      oversampling,
      parallel,
      requests: 0,
      ok: 0,
      errors: 0,
      firstError: null,
      wallSeconds: 0,
      requestsPerSecond: Number.NaN,
      latency: summarizeLatencies([]),
      cost: new CostMeter(null, null).stop(),
      residentBefore: null,
      residentAfter: null,
      drop: null,
      engineIo: null,
      skipped: reason,
    });
    if (this.recommendUnavailable !== null) {
      return o.caches.map((cache) => skipped(cache, this.recommendUnavailable!));
    }
    const { server, client } = await this.startServer(backend);
    await withBenchServer(server, client, async () => {
      const ready = await this.waitForCollection(client);
      const inUse = this.backendInUse(server, ready.info);
      if (
        backend === 'io_uring' &&
        inUse !== 'io_uring' &&
        !this.notes.some((n) => n.includes('asked for io_uring'))
      ) {
        const reason = server.warnings().find((line) => /io_uring/i.test(line));
        this.note(
          `asked for io_uring (async_scorer=true) but the server reads with ${inUse ?? 'unknown'}${reason !== undefined ? `: ${reason.trim()}` : ''}`,
        );
      }
      await this.warmUp(client, oversampling);
      for (const cache of o.caches) {
        let drop: DropResult | null = null;
        let residentBefore: number | null;
        if (cache === 'cold') {
          ({ drop, resident: residentBefore } = this.dropCollectionCaches());
        } else {
          warmFiles(this.binFiles());
          residentBefore = residentFraction(this.vectorFiles());
        }
        const ioBefore = await ioCounters(client);
        const { requests, run } = await meteredLoad({
          client,
          serverPid: server.pid,
          device: this.device,
          path: `${this.collectionPath()}/points/recommend`,
          bodies,
          concurrency: parallel,
          label: `${backend} ${cache} os${oversampling} ×${parallel}`,
          durationSeconds: 0,
          requests: bodies.length,
          maxErrors: Math.max(10, bodies.length / 10),
          costText: (cost) => `${fixed(cost.readIops)} IOPS`,
        });
        const ioAfter = await ioCounters(client);
        const residentAfter = residentFraction(this.vectorFiles());
        runs.push({
          backend,
          backendInUse: inUse,
          cache,
          oversampling,
          parallel,
          requests,
          ...run,
          residentBefore,
          residentAfter,
          drop,
          engineIo: subtractCounters(ioAfter, ioBefore),
        });
      }
    });
    return runs;
  }

  /**
   * The JIT warm-up (see ArticleOptions.warmup), before the caches are dropped: in-RAM searches of
   * the measured collection, then the cell's recommend requests on the warm-up collection, whose
   * files are evicted first so that its reads take the disk path too.
   */
  private async warmUp(client: HttpJson, oversampling: number): Promise<void> {
    const o = this.options;
    if (o.warmup <= 0) return;
    const distinct = warmupBodies(o.seed + 1, this.source!.dim, o.limit);
    const searches = await closedLoop({
      client,
      method: 'POST',
      path: `${this.collectionPath()}/points/search`,
      bodies: Array.from({ length: o.warmup }, (_, i) => distinct[i % distinct.length]!),
      concurrency: 4,
      maxErrors: 10,
    });
    const warmup = this.warmupCollection();
    dropFileCaches(filesUnder(this.segmentsDir(warmup.name), /\.bin$/), { dropCaches: false });
    const random = new SeededRandom(o.seed + 2);
    const recommends = await closedLoop({
      client,
      method: 'POST',
      path: `${this.collectionPath(warmup.name)}/points/recommend`,
      bodies: Array.from({ length: o.warmup }, () =>
        requestBody(1 + random.int(warmup.count), o.limit, oversampling),
      ),
      concurrency: 4,
      maxErrors: 10,
    });
    for (const [what, result] of [
      ['searches', searches],
      ['recommend requests', recommends],
    ] as const) {
      if (result.errors > 0) {
        this.note(`JIT warm-up: ${result.errors} failed ${what} (${result.firstError ?? ''})`);
      }
    }
  }

  private quantizedFilesState(): string {
    return filesUnder(this.segmentsDir(), /^quantized-\d+\.bin$/)
      .map((path) => {
        const st = statSync(path);
        return `${path}:${st.size}:${st.mtimeMs}:${st.ino}`;
      })
      .sort()
      .join('\n');
  }

  /**
   * PATCH quantization_config to another config and back, each timed until green, each on a
   * freshly started server with the collection's files dropped from the page cache.
   */
  private async requantize(backend: Backend): Promise<RequantizationRun[]> {
    const steps = [
      { change: 'int8 → int8 q0.99', config: ALT_QUANTIZATION },
      { change: 'int8 q0.99 → int8', config: BASE_QUANTIZATION },
    ];
    const runs: RequantizationRun[] = [];
    for (const step of steps)
      runs.push(await this.requantizeStep(backend, step.change, step.config));
    return runs;
  }

  private async requantizeStep(
    backend: Backend,
    change: string,
    config: unknown,
  ): Promise<RequantizationRun> {
    const o = this.options;
    const { server, client } = await this.startServer(backend);
    return withBenchServer(server, client, async () => {
      const ready = await this.waitForCollection(client);
      const inUse = this.backendInUse(server, ready.info);
      const residentBefore = this.dropCollectionCaches().resident;
      const filesBefore = this.quantizedFilesState();
      const bar = startProgress(`requantize ${backend}`, this.source!.count);
      const meter = new CostMeter(this.device, server.pid);
      const startedAt = performance.now();
      await client.ok('PATCH', this.collectionPath(), { quantization_config: config });
      const wait = await waitForOptimization(client, o.collection, {
        startedAt,
        startGraceMs: 3000,
        timeoutMs: o.readyTimeoutMs,
        filesChanged: () => this.quantizedFilesState() !== filesBefore,
        onPoll: (info) => bar.update(info.indexed_vectors_count, describeInfo(info)),
      });
      const cost = meter.stop();
      const note =
        wait.evidence === 'none'
          ? 'no optimization seen within 3 s of the PATCH (status stayed green, quantized files unchanged)'
          : wait.evidence === 'files'
            ? 'seen only as changed quantized files (finished between two polls, 100 ms apart)'
            : undefined;
      bar.stop(
        wait.seconds === null
          ? (note ?? '')
          : `${change}: ${fixed(wait.seconds, 2)} s, ${fixed(cost.readIops)} IOPS, ${fixed(cost.readMBps)} MB/s`,
      );
      return {
        backend,
        backendInUse: inUse,
        change,
        quantizationConfig: config,
        seconds: wait.seconds,
        evidence: wait.evidence,
        cost,
        residentBefore,
        ...(note !== undefined ? { note } : {}),
      };
    });
  }

  /**
   * Exact searches (params.exact: every vector of the collection read and scored): per setting a
   * fresh server, the collection's files dropped from the page cache, one cold search, then
   * `exactWarm` warm ones. io_uring runs every io_batch_size × io_queue_depth given, mmap the
   * first batch size (its reads have no queue).
   */
  private async exactSearch(backend: Backend): Promise<ExactSearchRun[]> {
    const o = this.options;
    const settings =
      backend === 'io_uring'
        ? o.exactBatchSizes.flatMap((batchSize) =>
            o.exactQueueDepths.map((queueDepth) => ({ batchSize, queueDepth })),
          )
        : [{ batchSize: o.exactBatchSizes[0]!, queueDepth: o.exactQueueDepths[0]! }];
    const runs: ExactSearchRun[] = [];
    for (const { batchSize, queueDepth } of settings) {
      const { server, client } = await this.startServer(backend, {
        [BATCH_SIZE_ENV]: String(batchSize),
        [QUEUE_DEPTH_ENV]: String(queueDepth),
      });
      runs.push(
        await withBenchServer(server, client, async () => {
          const ready = await this.waitForCollection(client);
          const body = {
            vector: exactQueryVector(o.seed, this.source!.dim),
            limit: o.limit,
            params: { exact: true },
          };
          const search = async (): Promise<number> => {
            const started = performance.now();
            await client.ok('POST', `${this.collectionPath()}/points/search`, body);
            return (performance.now() - started) / 1000;
          };
          const residentBefore = this.dropCollectionCaches().resident;
          const label = `exact ${backend} batch ${batchSize}${backend === 'io_uring' ? ` QD ${queueDepth}` : ''}`;
          const bar = startProgress(label, 1 + o.exactWarm);
          const ioBefore = await ioCounters(client);
          const meter = new CostMeter(this.device, server.pid);
          const coldSeconds = await search();
          const coldCost = meter.stop();
          const ioAfter = await ioCounters(client);
          bar.update(1);
          const warmRuns: number[] = [];
          for (let i = 0; i < o.exactWarm; i++) {
            warmRuns.push(await search());
            bar.update(2 + i);
          }
          const warmSeconds = median(warmRuns);
          bar.stop(
            `cold ${fixed(coldSeconds, 2)} s (${fixed(coldCost.readMBps)} MB/s), warm ${fixed(warmSeconds, 3)} s`,
          );
          return {
            backend,
            backendInUse: this.backendInUse(server, ready.info),
            batchSize,
            queueDepth,
            coldSeconds,
            coldCost,
            residentBefore,
            warmSeconds,
            warmRuns,
            engineIo: subtractCounters(ioAfter, ioBefore),
          };
        }),
      );
    }
    return runs;
  }

  private printReport(
    runs: readonly LoadRun[],
    requantizations: readonly RequantizationRun[],
    exactSearches: readonly ExactSearchRun[],
    fio: FioResult[] | string | null,
  ): void {
    console.log();
    if (Array.isArray(fio)) {
      console.log(
        `disk ceiling (fio, 4 KiB random reads, io_uring, O_DIRECT): ${fio
          .map(
            (r) =>
              `QD${r.iodepth} ${fixed(r.iops)} IOPS (${fixed(r.bandwidthMBps)} MB/s, mean ${fixed(r.meanLatencyUs)} µs)`,
          )
          .join('; ')}`,
      );
    } else if (typeof fio === 'string') {
      console.log(`disk ceiling: not measured (${fio})`);
    }
    const measured = runs.filter((r) => r.skipped === undefined);
    if (measured.length > 0) {
      console.log();
      console.log(
        markdownTable<LoadRun>(
          [
            {
              header: 'backend',
              value: backendLabel,
            },
            { header: 'cache', value: (r) => r.cache },
            { header: 'oversampling', align: 'right', value: (r) => String(r.oversampling) },
            { header: 'parallel', align: 'right', value: (r) => String(r.parallel) },
            { header: 'IOPS', align: 'right', value: (r) => fixed(r.cost.readIops) },
            { header: 'MB/s', align: 'right', value: (r) => fixed(r.cost.readMBps, 1) },
            { header: 'CPU %', align: 'right', value: (r) => fixed(r.cost.serverCpuPct) },
            { header: 'time s', align: 'right', value: (r) => fixed(r.wallSeconds, 2) },
            { header: 'req/s', align: 'right', value: (r) => fixed(r.requestsPerSecond, 1) },
            { header: 'p50 ms', align: 'right', value: (r) => fixed(r.latency.p50Ms, 2) },
            { header: 'p99 ms', align: 'right', value: (r) => fixed(r.latency.p99Ms, 2) },
            {
              header: 'cached % start',
              align: 'right',
              value: (r) => (r.residentBefore === null ? '–' : fixed(r.residentBefore * 100, 1)),
            },
            {
              header: 'cached % end',
              align: 'right',
              value: (r) => (r.residentAfter === null ? '–' : fixed(r.residentAfter * 100, 1)),
            },
            { header: 'other CPU %', align: 'right', value: (r) => fixed(r.cost.otherCpuPct) },
            { header: 'errors', align: 'right', value: (r) => String(r.errors) },
            ...(this.options.repeat > 1
              ? [
                  {
                    header: `req/s of ${this.options.repeat} runs`,
                    value: (r: LoadRun) =>
                      (r.repetitions ?? [])
                        .map((x) => `${fixed(x.requestsPerSecond)}${x.disturbed ? '*' : ''}`)
                        .join(' '),
                  },
                ]
              : []),
          ],
          measured,
        ),
      );
      console.log(
        '\nIOPS, MB/s: device reads (/proc/diskstats) during the run. CPU %: the server process, 100 = one core.\n' +
          'cached %: share of the original vectors (vectors-*.bin) in the page cache when the run started / ended.\n' +
          'other CPU %: the rest of the machine (not the server, not this load generator) during the run.' +
          (this.options.repeat > 1
            ? `\nEach row is the median (by req/s) of the runs of its cell; runs marked * had other processes using\n` +
              `≥ ${this.options.disturbedCpuPct} % of a core and are left out of the median when the cell has an undisturbed run.`
            : ''),
      );
    }
    const skipped = runs.find((r) => r.skipped !== undefined);
    if (skipped !== undefined) console.log(`\nload runs skipped: ${skipped.skipped ?? ''}`);
    if (requantizations.length > 0) {
      console.log();
      console.log(
        markdownTable<RequantizationRun>(
          [
            {
              header: 'backend',
              value: backendLabel,
            },
            { header: 'requantization', value: (r) => r.change },
            { header: 'time s', align: 'right', value: (r) => fixed(r.seconds, 2) },
            { header: 'IOPS', align: 'right', value: (r) => fixed(r.cost.readIops) },
            { header: 'MB/s', align: 'right', value: (r) => fixed(r.cost.readMBps, 1) },
            { header: 'CPU %', align: 'right', value: (r) => fixed(r.cost.serverCpuPct) },
            { header: 'seen as', value: (r) => r.evidence },
          ],
          requantizations,
        ),
      );
    }
    if (exactSearches.length > 0) {
      console.log();
      console.log(
        markdownTable<ExactSearchRun>(
          [
            {
              header: 'backend',
              value: backendLabel,
            },
            { header: 'io_batch_size', align: 'right', value: (r) => String(r.batchSize) },
            {
              header: 'io_queue_depth',
              align: 'right',
              value: (r) => (r.backend === 'io_uring' ? String(r.queueDepth) : '–'),
            },
            { header: 'cold s', align: 'right', value: (r) => fixed(r.coldSeconds, 2) },
            { header: 'cold MB/s', align: 'right', value: (r) => fixed(r.coldCost.readMBps) },
            { header: 'cold CPU %', align: 'right', value: (r) => fixed(r.coldCost.serverCpuPct) },
            { header: 'warm s', align: 'right', value: (r) => fixed(r.warmSeconds, 3) },
            {
              header: 'cached % start',
              align: 'right',
              value: (r) => (r.residentBefore === null ? '–' : fixed(r.residentBefore * 100, 1)),
            },
          ],
          exactSearches,
        ),
      );
      console.log(
        '\nexact search: params.exact over the whole collection (every vector read and scored); cold = the\n' +
          'first search after a restart with the files dropped from the page cache, warm = median of the next ones.',
      );
    }
    const other = runs
      .filter((r) => r.skipped === undefined && r.cost.otherCpuPct !== null)
      .map((r) => r.cost.otherCpuPct!);
    if (other.length > 0) {
      const mean = other.reduce((a, b) => a + b, 0) / other.length;
      console.log(
        `\nother load on the machine during the runs: mean ${fixed(mean)} % of one core (max ${fixed(Math.max(...other))} %)`,
      );
    }
    for (const text of this.notes) console.log(`note: ${text}`);
  }

  private chart(
    runs: readonly LoadRun[],
    requantizations: readonly RequantizationRun[],
    exactSearches: readonly ExactSearchRun[],
    cpu: string,
    cores: number,
  ): string {
    const o = this.options;
    const source = this.source!;
    const series = [...o.backends];
    const cells: { cache: CacheState; oversampling: number; parallel: number }[] = [];
    for (const cache of o.caches) {
      for (const oversampling of o.oversampling) {
        for (const parallel of o.concurrency) cells.push({ cache, oversampling, parallel });
      }
    }
    const value = (pick: (r: LoadRun) => number | null) =>
      cells.map((cell) => ({
        label: `${cell.cache}\nos${cell.oversampling} ×${cell.parallel}`,
        values: series.map((backend) => {
          const run = runs.find(
            (r) =>
              r.backend === backend &&
              r.cache === cell.cache &&
              r.oversampling === cell.oversampling &&
              r.parallel === cell.parallel &&
              r.skipped === undefined,
          );
          const v = run === undefined ? null : pick(run);
          return v === null || !Number.isFinite(v) ? null : v;
        }),
      }));
    const panels: BarPanel[] = [
      {
        title: 'requests/s (recommend, limit 10, rescore)',
        groups: value((r) => r.requestsPerSecond),
      },
      { title: 'device read IOPS', groups: value((r) => r.cost.readIops) },
      {
        title: 'CPU % used by other processes meanwhile (100 = one core; context, not a result)',
        groups: value((r) => r.cost.otherCpuPct),
      },
    ];
    const changes = [...new Set(requantizations.map((r) => r.change))];
    if (requantizations.some((r) => r.seconds !== null)) {
      panels.push({
        title: 'requantization time (s, lower is better)',
        groups: changes.map((change) => ({
          label: change.replace(' → ', ' →\n'),
          values: series.map(
            (backend) =>
              requantizations.find((r) => r.backend === backend && r.change === change)?.seconds ??
              null,
          ),
        })),
      });
    }
    // The exact searches with the default settings (the first batch size and queue depth).
    const exactDefault = (backend: Backend) =>
      exactSearches.find(
        (r) =>
          r.backend === backend &&
          r.batchSize === o.exactBatchSizes[0] &&
          r.queueDepth === o.exactQueueDepths[0],
      );
    if (exactSearches.length > 0) {
      panels.push({
        title: 'exact search over every vector (s, lower is better)',
        groups: (['cold', 'warm'] as const).map((cache) => ({
          label: cache,
          values: series.map((backend) => {
            const run = exactDefault(backend);
            return run === undefined ? null : cache === 'cold' ? run.coldSeconds : run.warmSeconds;
          }),
        })),
      });
    }
    return groupedBarChartSvg({
      title: `ringvec: mmap vs io_uring — ${fixed(source.count)} × ${source.dim} on disk, int8 in RAM`,
      subtitle: `${o.requests} requests per cell; os = oversampling, × = parallel clients; ${cpu} ×${cores}, ${this.device?.name ?? '?'}; ${new Date().toISOString().slice(0, 16)}Z`,
      series,
      panels,
    });
  }
}

export async function runArticleBench(options: ArticleOptions): Promise<void> {
  await new ArticleBench(options).run();
}
