// `ringvec bench <name>`: each benchmark lives in bench/ (one file per operation) and is
// registered here as a subcommand with its flags and --help. Benchmarks are imported only when
// their subcommand runs, so `ringvec serve` never loads them.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, Option, type Command } from 'commander';

function positiveInt(value: string): number {
  const n = Number(value.replace(/_/g, ''));
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  }
  return n;
}

function nonNegativeInt(value: string): number {
  return value.trim() === '0' ? 0 : positiveInt(value);
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError(`expected a positive number, got "${value}"`);
  }
  return n;
}

function intList(value: string): number[] {
  return value.split(',').map((part) => positiveInt(part.trim()));
}

function stringList(allowed: readonly string[]) {
  return (value: string): string[] => {
    const parts = value.split(',').map((part) => part.trim());
    for (const part of parts) {
      if (!allowed.includes(part)) {
        throw new InvalidArgumentError(`expected ${allowed.join(', ')}, got "${part}"`);
      }
    }
    return parts;
  };
}

/** A comma-separated list flag whose default shows in --help as it would be typed. */
function listOption<T>(
  flags: string,
  description: string,
  parse: (value: string) => T[],
  value: T[],
): Option {
  return new Option(flags, description).argParser(parse).default(value, value.join(','));
}

/** Runs one of the script-style benchmarks (no exported entry point) as a child process. */
function runScript(
  file: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<void> {
  const script = fileURLToPath(new URL(`../../bench/${file}`, import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      stdio: 'inherit',
      env: { ...process.env, ...env },
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else {
        process.exitCode = typeof code === 'number' ? code : 1;
        reject(new Error(`bench/${file} exited with ${code ?? signal}`));
      }
    });
  });
}

/** A subcommand that hands its raw arguments to a benchmark with its own parser. */
function passThrough(bench: Command, name: string, description: string, flags: string): Command {
  return bench
    .command(name)
    .description(description)
    .allowUnknownOption()
    .allowExcessArguments()
    .helpOption('-h, --help', 'show this help')
    .addHelpText('after', `\nFlags (parsed by bench/${name}.ts):\n${flags}`);
}

// Option blocks that several benchmarks share, each next to the flags it yields. A benchmark
// adds them in its own order (--help lists flags in the order they were added).

interface SearchDataFlags {
  points?: number;
  dim: number;
  distance: 'Euclid' | 'Cosine' | 'Dot' | 'Manhattan';
}

/** --points, --dim, --distance: the generated vectors of the HTTP search benchmarks. */
function addSearchDataOptions(command: Command): void {
  command
    .option('--points <n>', 'points to generate (default 100000; --quick 30000)', positiveInt)
    .option('--dim <n>', 'vector size', positiveInt, 128)
    .addOption(
      new Option('--distance <name>', 'distance of the collection')
        .choices(['Euclid', 'Cosine', 'Dot', 'Manhattan'])
        .default('Euclid'),
    );
}

interface QueryFlags {
  recallQueries?: number;
  queryPool: number;
}

/** --recall-queries (described with the benchmark's defaults), --query-pool: held-out queries. */
function addQueryOptions(command: Command, recallQueriesDescription: string): void {
  command
    .option('--recall-queries <n>', recallQueriesDescription, positiveInt)
    .option(
      '--query-pool <n>',
      'distinct held-out queries the load cycles through',
      positiveInt,
      1000,
    );
}

interface SearchRequestFlags {
  endpoint: 'search' | 'query';
  limit: number;
}

/** --endpoint, --limit: the search requests of the HTTP search benchmarks. */
function addSearchRequestOptions(command: Command): void {
  command
    .addOption(
      new Option('--endpoint <name>', 'POST /points/search (legacy) or /points/query')
        .choices(['search', 'query'])
        .default('search'),
    )
    .option('--limit <n>', 'limit of each search', positiveInt, 10);
}

interface HnswConfigFlags {
  m: number;
  efConstruct: number;
}

/** --m, --ef-construct: the collection's hnsw_config. */
function addHnswConfigOptions(command: Command): void {
  command
    .option('--m <n>', 'hnsw_config.m', positiveInt, 16)
    .option('--ef-construct <n>', 'hnsw_config.ef_construct', positiveInt, 100);
}

interface UploadFlags {
  uploadBatch: number;
  uploadParallel: number;
}

/** --upload-batch, --upload-parallel: how the points are uploaded. */
function addUploadOptions(command: Command): void {
  command
    .option('--upload-batch <n>', 'points per upload request', positiveInt, 256)
    .option('--upload-parallel <n>', 'upload requests in flight', positiveInt, 2);
}

interface RepeatFlags {
  repeat: number;
  disturbedCpu: number;
}

/** --repeat (described as what the benchmark repeats), --disturbed-cpu. */
function addRepeatOptions(command: Command, repeatDescription: string): void {
  command
    .option('--repeat <n>', repeatDescription, positiveInt, 1)
    .option(
      '--disturbed-cpu <pct>',
      'with --repeat: leave out runs while other processes used this much CPU (% of one core)',
      positiveNumber,
      25,
    );
}

interface ServerRunFlags {
  profile: boolean;
  quick: boolean;
  storageDir?: string;
  resultsDir?: string;
}

/**
 * --profile, --quick, --storage-dir, --results-dir: a benchmark that starts its own server
 * processes on temporary storage.
 */
function addServerRunOptions(
  command: Command,
  descriptions: { readonly profile: string; readonly quick: string },
): void {
  command
    .option('--profile', descriptions.profile, false)
    .option('--quick', descriptions.quick, false)
    .option('--storage-dir <dir>', 'parent folder of the temporary storage (default: OS temp)')
    .option('--results-dir <dir>', 'where the JSON goes (default: bench/results)');
}

interface ReadyFlags {
  readyTimeout?: number;
  progress: boolean;
}

/** --ready-timeout (described with the benchmark's defaults), --no-progress: the last flags. */
function addReadyOptions(command: Command, readyTimeoutDescription: string): void {
  command
    .option('--ready-timeout <s>', readyTimeoutDescription, positiveNumber)
    .option('--no-progress', 'no progress bars');
}

export function registerBenchCommands(bench: Command): void {
  const ingest = bench
    .command('ingest')
    .description('upsert throughput over HTTP (points/s, wait=true) and on-disk bytes per point')
    .addOption(listOption('--dims <list>', 'vector sizes', intList, [128, 768]))
    .option('--points <n>', 'points per run (default 100000; --quick 5000)', positiveInt)
    .option('--batch <n>', 'points per upsert request', positiveInt, 256)
    .addOption(listOption('--clients <list>', 'concurrent clients, one run each', intList, [1, 4]))
    .option('--on-disk', 'create the collection with vectors on_disk: true', false);
  addServerRunOptions(ingest, {
    profile: 'run the server under node --cpu-prof and print its top frames',
    quick: 'a few thousand points: a smoke run in seconds',
  });
  ingest.option('--seed <n>', 'seed of the generated vectors', positiveInt, 42);
  addReadyOptions(
    ingest,
    'seconds to wait for status green before measuring disk use (default 900; --quick 120)',
  );
  ingest
    .addHelpText('after', '\nTarget: ≥ 20,000 points/s for 128-d. See docs/benchmarks.md.')
    .action(async (flags: IngestFlags) => {
      const { runIngestBench } = await import('../../bench/ingest.js');
      await runIngestBench({
        dims: flags.dims,
        points: flags.points ?? (flags.quick ? 5000 : 100_000),
        batch: flags.batch,
        clients: flags.clients,
        onDisk: flags.onDisk,
        profile: flags.profile,
        quick: flags.quick,
        storageDir: flags.storageDir,
        resultsDir: flags.resultsDir,
        progress: flags.progress,
        seed: flags.seed,
        readyTimeoutMs: (flags.readyTimeout ?? (flags.quick ? 120 : 900)) * 1000,
      });
    });

  const article = bench
    .command('article')
    .description(
      "Qdrant's io_uring article end to end: recommend + rescore, mmap vs io_uring, cold and warm",
    )
    .option('--points <n>', 'points to generate (default 1000000; --quick 20000)', positiveInt)
    .option(
      '--dim <n>',
      'vector size (default 768; --quick 128; needed for raw --data)',
      positiveInt,
    )
    .option('--data <file>', 'vectors from a .fvecs, .npy (<f4) or raw float32 file')
    .option('--seed <n>', 'seed of generated vectors and request ids', positiveInt, 42);
  addHnswConfigOptions(article);
  article
    .option('--requests <n>', 'requests per cell (default 1000; --quick 60)', positiveInt)
    .addOption(listOption('--concurrency <list>', 'parallel clients per cell', intList, [1, 4, 8]))
    .addOption(
      listOption(
        '--oversampling <list>',
        'params.quantization.oversampling per cell',
        intList,
        [1, 4],
      ),
    )
    .addOption(
      listOption('--cache <list>', 'cold, warm or both', stringList(['cold', 'warm']), [
        'cold',
        'warm',
      ]),
    )
    .addOption(
      listOption('--backends <list>', 'mmap, io_uring or both', stringList(['mmap', 'io_uring']), [
        'mmap',
        'io_uring',
      ]),
    )
    .option('--limit <n>', 'limit of each recommend request', positiveInt, 10)
    .option(
      '--warmup <n>',
      "JIT warm-up of each fresh server before its first run: n in-RAM searches, then n of the cell's recommend requests on a small warm-up collection (<collection>-warmup), so V8 has compiled the request path (default 2000; --quick 100; 0 = none)",
      nonNegativeInt,
    );
  addRepeatOptions(article, 'runs per cell (alternating backend order); shows the median');
  article
    .option('--collection <name>', 'collection name', 'bench')
    .option('--storage <dir>', 'storage folder to use and keep (reused by later runs)')
    .option('--fresh', 'rebuild the collection even if --storage holds a matching one', false)
    .option('--drop-caches', 'also `sync; echo 3 > /proc/sys/vm/drop_caches` (root)', false);
  addUploadOptions(article);
  article
    .option(
      '--ready-timeout <s>',
      'seconds to wait for status green (default 7200; --quick 300)',
      positiveNumber,
    )
    .option('--no-load', 'skip the recommend load cells')
    .option('--no-requantize', 'skip the requantization timing')
    .option('--no-exact', 'skip the exact search timing')
    .option('--exact-warm <n>', 'warm exact searches after the cold one', positiveInt, 3)
    .addOption(
      listOption(
        '--exact-batch-sizes <list>',
        'io_batch_size values of the exact searches (io_uring tries each; mmap the first)',
        intList,
        [1024],
      ),
    )
    .addOption(
      listOption(
        '--exact-queue-depths <list>',
        'io_queue_depth values of the io_uring exact searches',
        intList,
        [64],
      ),
    )
    .option('--no-fio', 'skip the fio ceiling measurement')
    .option('--quick', 'small data and few requests: a smoke run in about a minute', false)
    .option('--results-dir <dir>', 'where JSON and SVG go (default: bench/results)')
    .option(
      '--no-docs-chart',
      'do not write docs/article-benchmark.svg (never written by --quick or --no-load)',
    )
    .option('--no-progress', 'no progress bars')
    .addHelpText(
      'after',
      '\nCells: every oversampling × concurrency, each cold then warm, alternating backends;\n' +
        'a fresh server process per cell. See docs/benchmarks.md.',
    )
    .action(async (flags: ArticleFlags) => {
      const { runArticleBench } = await import('../../bench/article.js');
      await runArticleBench({
        points: flags.points,
        dim: flags.dim,
        data: flags.data,
        seed: flags.seed,
        m: flags.m,
        efConstruct: flags.efConstruct,
        requests: flags.requests ?? (flags.quick ? 60 : 1000),
        concurrency: flags.concurrency,
        oversampling: flags.oversampling,
        caches: flags.cache as ('cold' | 'warm')[],
        backends: flags.backends as ('mmap' | 'io_uring')[],
        limit: flags.limit,
        warmup: flags.warmup ?? (flags.quick ? 100 : 2000),
        repeat: flags.repeat,
        disturbedCpuPct: flags.disturbedCpu,
        collection: flags.collection,
        storage: flags.storage,
        fresh: flags.fresh,
        dropCaches: flags.dropCaches,
        uploadBatch: flags.uploadBatch,
        uploadParallel: flags.uploadParallel,
        readyTimeoutMs: (flags.readyTimeout ?? (flags.quick ? 300 : 7200)) * 1000,
        load: flags.load,
        requantize: flags.requantize,
        exact: flags.exact,
        exactWarm: flags.exactWarm,
        exactBatchSizes: flags.exactBatchSizes,
        exactQueueDepths: flags.exactQueueDepths,
        fio: flags.fio,
        quick: flags.quick,
        resultsDir: flags.resultsDir,
        docsChart: flags.docsChart && !flags.quick && flags.load,
        progress: flags.progress,
      });
    });

  const searchHttp = bench
    .command('search-http')
    .description(
      'search requests/s, p50/p95/p99 and recall@10 over HTTP on an indexed collection (limit 10)',
    );
  addSearchDataOptions(searchHttp);
  searchHttp
    .addOption(listOption('--clients <list>', 'concurrent clients, one run each', intList, [8]))
    .option('--duration <s>', 'seconds per run (default 20; --quick 3)', positiveNumber)
    .option('--requests <n>', 'requests per run instead of --duration', positiveInt)
    .option(
      '--warmup <s>',
      'seconds of unmeasured load first (default 3; --quick 1)',
      positiveNumber,
    );
  addQueryOptions(searchHttp, 'queries checked against brute force (default 200; --quick 50)');
  addSearchRequestOptions(searchHttp);
  searchHttp.addOption(
    listOption(
      '--hnsw-ef <list>',
      'params.hnsw_ef of the requests, one pass each (default: none, the server default)',
      intList,
      [],
    ),
  );
  addHnswConfigOptions(searchHttp);
  searchHttp
    .option(
      '--threads <n>',
      'max_search_threads of the server (default: its own, 0 = all cores)',
      positiveInt,
    )
    .option('--seed <n>', 'seed of the generated vectors', positiveInt, 42);
  addUploadOptions(searchHttp);
  addServerRunOptions(searchHttp, {
    profile: 'run the server under node --cpu-prof and print its top frames',
    quick: 'small data and short runs: a smoke run in well under a minute',
  });
  addReadyOptions(searchHttp, 'seconds to wait for status green (default 900; --quick 120)');
  searchHttp
    .addHelpText(
      'after',
      '\nTarget (issue 5): ≥ 3,000 searches/s with 8 concurrent clients at 128-d. See docs/benchmarks.md.',
    )
    .action(async (flags: SearchHttpFlags) => {
      const { runSearchHttpBench } = await import('../../bench/search-http.js');
      await runSearchHttpBench({
        points: flags.points ?? (flags.quick ? 30_000 : 100_000),
        dim: flags.dim,
        distance: flags.distance,
        clients: flags.clients,
        durationSeconds: flags.duration ?? (flags.quick ? 3 : 20),
        requests: flags.requests,
        warmupSeconds: flags.warmup ?? (flags.quick ? 1 : 3),
        recallQueries: flags.recallQueries ?? (flags.quick ? 50 : 200),
        queryPool: flags.queryPool,
        endpoint: flags.endpoint,
        limit: flags.limit,
        hnswEf: flags.hnswEf,
        m: flags.m,
        efConstruct: flags.efConstruct,
        searchThreads: flags.threads,
        seed: flags.seed,
        uploadBatch: flags.uploadBatch,
        uploadParallel: flags.uploadParallel,
        profile: flags.profile,
        quick: flags.quick,
        storageDir: flags.storageDir,
        resultsDir: flags.resultsDir,
        readyTimeoutMs: (flags.readyTimeout ?? (flags.quick ? 120 : 900)) * 1000,
        progress: flags.progress,
      });
    });

  const concurrency = bench
    .command('concurrency')
    .description(
      'search req/s and p50/p99 per (max_search_threads, clients); p99 during an index rebuild',
    );
  addSearchDataOptions(concurrency);
  concurrency
    .addOption(
      listOption(
        '--clients <list>',
        'concurrent clients, one cell each',
        intList,
        [1, 2, 4, 8, 16],
      ),
    )
    .addOption(
      listOption('--threads <list>', 'max_search_threads, one server each', intList, [1, 2]),
    )
    .option('--duration <s>', 'seconds per cell (default 10; --quick 1.5)', positiveNumber)
    .option(
      '--warmup <s>',
      'seconds of unmeasured load per server (default 3; --quick 0.5)',
      positiveNumber,
    );
  addRepeatOptions(concurrency, 'sweeps per threads setting (alternating); shows the median');
  addSearchRequestOptions(concurrency);
  concurrency
    .option(
      '--hnsw-ef <n>',
      'params.hnsw_ef of every request (default: none, the server default = ef_construct)',
      positiveInt,
    )
    .option('--exact', 'params.exact: true in every request (a full scan per segment)', false);
  addHnswConfigOptions(concurrency);
  concurrency
    .option('--no-rebuild', 'skip the p99-during-rebuild measurement')
    .option(
      '--rebuild-ef-construct <n>',
      'ef_construct the PATCH switches to (default: --ef-construct + 20)',
      positiveInt,
    )
    .option('--latency-clients <n>', 'clients of the idle / rebuild latency runs', positiveInt, 4)
    .option(
      '--idle <s>',
      'seconds of each idle latency run (default 15; --quick 2)',
      positiveNumber,
    );
  addQueryOptions(concurrency, 'queries checked against brute force (default 100; --quick 20)');
  concurrency.option('--seed <n>', 'seed of the generated vectors', positiveInt, 42);
  addUploadOptions(concurrency);
  addServerRunOptions(concurrency, {
    profile: 'run the servers under node --cpu-prof and print their top frames',
    quick: 'small data and short cells: a smoke run in well under a minute',
  });
  addReadyOptions(concurrency, 'seconds to wait for status green (default 900; --quick 120)');
  concurrency
    .addHelpText(
      'after',
      '\nTargets (issue 10): 2 threads ≥ 1.7× the requests/s of 1 thread (best client count of each);\n' +
        'p99 during a full index rebuild ≤ 2× idle p99. See docs/benchmarks.md.',
    )
    .action(async (flags: ConcurrencyFlags) => {
      const { runConcurrencyBench } = await import('../../bench/concurrency.js');
      await runConcurrencyBench({
        points: flags.points ?? (flags.quick ? 30_000 : 100_000),
        dim: flags.dim,
        distance: flags.distance,
        clients: flags.clients,
        threads: flags.threads,
        durationSeconds: flags.duration ?? (flags.quick ? 1.5 : 10),
        warmupSeconds: flags.warmup ?? (flags.quick ? 0.5 : 3),
        repeat: flags.repeat,
        disturbedCpuPct: flags.disturbedCpu,
        endpoint: flags.endpoint,
        limit: flags.limit,
        hnswEf: flags.hnswEf,
        exact: flags.exact,
        m: flags.m,
        efConstruct: flags.efConstruct,
        rebuild: flags.rebuild,
        rebuildEfConstruct: flags.rebuildEfConstruct ?? flags.efConstruct + 20,
        latencyClients: flags.latencyClients,
        idleSeconds: flags.idle ?? (flags.quick ? 2 : 15),
        recallQueries: flags.recallQueries ?? (flags.quick ? 20 : 100),
        queryPool: flags.queryPool,
        seed: flags.seed,
        uploadBatch: flags.uploadBatch,
        uploadParallel: flags.uploadParallel,
        profile: flags.profile,
        quick: flags.quick,
        storageDir: flags.storageDir,
        resultsDir: flags.resultsDir,
        readyTimeoutMs: (flags.readyTimeout ?? (flags.quick ? 120 : 900)) * 1000,
        progress: flags.progress,
      });
    });

  passThrough(
    bench,
    'search',
    "ringvec's HNSW against hnswlib-node: build time, recall@10 and QPS per ef",
    '  --dataset euclid|cosine|all  --points N  --dim D  --clusters C  --queries Q\n  --ef 16,32,64,128,256  --m 16  --ef-construct 100  --quick  --min-seconds S\n  --no-hnswlib  --out FILE',
  ).action(async (_flags: unknown, command: Command) => {
    const { runSearchBench } = await import('../../bench/search.js');
    await runSearchBench(command.args);
  });

  passThrough(
    bench,
    'quantization',
    'recall@10, scan QPS, RAM per point and build time of every quantizer',
    '  --points N  --dim D  --queries Q  --quick  --distance Cosine|Dot|Euclid|Manhattan\n  --only scalar,product,binary  --pq-sample N  --pq-iterations N  --clusters N\n  --spread X  --seed N  --no-json',
  ).action(async (_flags: unknown, command: Command) => {
    const { main } = await import('../../bench/quantization.js');
    await main(command.args);
  });

  passThrough(
    bench,
    'kernels',
    'ns per scoreOffsets call for each kernel implementation (TypeScript, native ISAs)',
    '  [ops]   comma-separated kernel ops (default dot,l2sq), e.g. `ringvec bench kernels dot`',
  ).action(async (_flags: unknown, command: Command) => {
    await runScript('kernels.js', command.args);
  });

  bench
    .command('batch-read')
    .description(
      'batch read latency per storage-io backend, warm and cold (needs the native addon)',
    )
    .option('--file-mb <n>', 'size of the test file in MiB', positiveInt, 1024)
    .option('--record-bytes <n>', 'bytes per record', positiveInt, 3072)
    .option('--batches <list>', 'records per batch', '10,40,1000')
    .addOption(
      listOption('--cache <list>', 'warm, cold or both', stringList(['warm', 'cold']), [
        'warm',
        'cold',
      ]),
    )
    .option('--variants <list>', 'only backends whose name contains one of these substrings')
    .action(async (flags: BatchReadFlags) => {
      await runScript('batch-read.js', [], {
        BENCH_FILE_MB: String(flags.fileMb),
        BENCH_RECORD_BYTES: String(flags.recordBytes),
        BENCH_BATCHES: flags.batches,
        BENCH_CACHE: flags.cache.join(','),
        ...(flags.variants !== undefined ? { BENCH_VARIANTS: flags.variants } : {}),
      });
    });
}

interface IngestFlags extends ServerRunFlags, ReadyFlags {
  dims: number[];
  points?: number;
  batch: number;
  clients: number[];
  onDisk: boolean;
  seed: number;
}

interface ArticleFlags extends HnswConfigFlags, RepeatFlags, UploadFlags {
  points?: number;
  dim?: number;
  data?: string;
  seed: number;
  requests?: number;
  concurrency: number[];
  oversampling: number[];
  cache: string[];
  backends: string[];
  limit: number;
  warmup?: number;
  collection: string;
  storage?: string;
  fresh: boolean;
  dropCaches: boolean;
  readyTimeout?: number;
  load: boolean;
  requantize: boolean;
  exact: boolean;
  exactWarm: number;
  exactBatchSizes: number[];
  exactQueueDepths: number[];
  fio: boolean;
  quick: boolean;
  resultsDir?: string;
  docsChart: boolean;
  progress: boolean;
}

interface BatchReadFlags {
  fileMb: number;
  recordBytes: number;
  batches: string;
  cache: string[];
  variants?: string;
}

interface SearchHttpFlags
  extends
    SearchDataFlags,
    QueryFlags,
    SearchRequestFlags,
    HnswConfigFlags,
    UploadFlags,
    ServerRunFlags,
    ReadyFlags {
  clients: number[];
  duration?: number;
  requests?: number;
  warmup?: number;
  hnswEf: number[];
  threads?: number;
  seed: number;
}

interface ConcurrencyFlags
  extends
    SearchDataFlags,
    RepeatFlags,
    SearchRequestFlags,
    HnswConfigFlags,
    QueryFlags,
    UploadFlags,
    ServerRunFlags,
    ReadyFlags {
  clients: number[];
  threads: number[];
  duration?: number;
  warmup?: number;
  hnswEf?: number;
  exact: boolean;
  rebuild: boolean;
  rebuildEfConstruct?: number;
  latencyClients: number;
  idle?: number;
  seed: number;
}
