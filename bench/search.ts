// Search benchmark: ringvec's HNSW against hnswlib-node (the C++ hnswlib) on the same seeded,
// clustered data with the same m / ef_construct, in one run. Prints build time and, per ef,
// recall@10 and single-thread QPS for both; writes the numbers and the machine to
// bench/results/search-<timestamp>.json.
//
//   node .tmp/hnsw/bench/search.js [--dataset euclid|cosine|all] [--points N] [--dim D]
//        [--clusters C] [--queries Q] [--ef 16,32,64,128,256] [--m 16] [--ef-construct 100]
//        [--quick] [--min-seconds S] [--no-hnswlib] [--out FILE]
//
// Data: 100 Gaussian clusters (clustered-dataset.ts), few enough that a query's neighbours are
// spread among many similar points, so recall@10 crosses 0.95 around ef 32 rather than at ef 8.
//
// QPS is measured by passes over all queries, alternating ringvec and hnswlib passes so that load
// from other processes hits both alike, until each has run `--min-seconds`; the median pass is
// reported. Query vectors are converted to hnswlib-node's number[] outside the timed region; its
// per-call conversion inside the addon is part of its cost, as it is for any Node caller. Note:
// hnswlib-node builds hnswlib without -march flags, so its distances use SSE (no AVX); ringvec's
// kernels are whatever getKernels() picked (printed; RINGVEC_KERNELS=typescript for the fallback).

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../src/common/package-root.js';
import { getKernels, type KernelOp } from '../src/kernels/index.js';
import {
  bruteForceTopK,
  generateClusteredDataset,
  recallAtK,
} from '../src/index/hnsw/clustered-dataset.js';
import { DenseVectorScorer } from '../src/index/hnsw/dense-vector-scorer.js';
import { HnswIndex, type HnswSearchResult } from '../src/index/hnsw/hnsw-index.js';
import { median } from './lib/stats.js';

type HnswlibModule = typeof import('hnswlib-node');
type HnswlibIndex = InstanceType<HnswlibModule['HierarchicalNSW']>;

interface DatasetSpec {
  name: string;
  distance: 'Euclid' | 'Cosine';
  points: number;
  dim: number;
  clusters: number;
  seed: number;
}

interface Options {
  datasets: DatasetSpec[];
  queries: number;
  efs: number[];
  m: number;
  efConstruct: number;
  minSeconds: number;
  hnswlib: boolean;
  out: string | undefined;
}

interface Timing {
  wallMs: number;
  cpuMs: number;
}

interface EngineRow {
  recall: number;
  qps: number;
  /** Queries per second of this process's CPU time (less sensitive to other processes). */
  cpuQps: number;
  passes: number;
  pointsScoredPerQuery?: number;
  scoreCallsPerQuery?: number;
}

interface DatasetReport {
  name: string;
  distance: string;
  points: number;
  dim: number;
  clusters: number;
  queries: number;
  build: { ringvec: Timing & { graphBytes: number }; hnswlib?: Timing };
  rows: { ef: number; ringvec: EngineRow; hnswlib?: EngineRow }[];
  /** Best QPS among the rows with recall@10 ≥ 0.95 (0 when none reaches it). */
  qpsAtRecall95: { ringvec: number; hnswlib?: number };
}

export interface SearchBenchReport {
  benchmark: 'search';
  timestamp: string;
  machine: {
    cpu: string;
    cores: number;
    memoryGiB: number;
    node: string;
    kernels: string;
    loadAvgBefore: number[];
    loadAvgAfter: number[];
  };
  params: { m: number; efConstruct: number; seed: number; limit: number };
  datasets: DatasetReport[];
}

const LIMIT = 10;
const SEED = 42;

function parseArgs(argv: string[]): Options {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const quick = argv.includes('--quick');
  const which = value('--dataset') ?? 'all';
  const all: DatasetSpec[] = [
    { name: 'euclid-128', distance: 'Euclid', points: 100_000, dim: 128, clusters: 100, seed: 1 },
    { name: 'cosine-784', distance: 'Cosine', points: 60_000, dim: 784, clusters: 100, seed: 2 },
  ];
  let datasets = all.filter((d) => which === 'all' || d.name.startsWith(which));
  if (datasets.length === 0) throw new Error(`--dataset: expected euclid, cosine or all`);
  const points = value('--points');
  const dim = value('--dim');
  const clusters = value('--clusters');
  datasets = datasets.map((d) => {
    const sized = {
      ...d,
      points: points !== undefined ? Number(points) : quick ? d.points / 5 : d.points,
      dim: dim !== undefined ? Number(dim) : d.dim,
      clusters: clusters !== undefined ? Number(clusters) : d.clusters,
    };
    return { ...sized, name: `${sized.distance.toLowerCase()}-${sized.dim}` };
  });
  const ef = value('--ef');
  return {
    datasets,
    queries: Number(value('--queries') ?? (quick ? 200 : 1000)),
    efs: ef !== undefined ? ef.split(',').map(Number) : [16, 32, 64, 128, 256],
    m: Number(value('--m') ?? 16),
    efConstruct: Number(value('--ef-construct') ?? 100),
    minSeconds: Number(value('--min-seconds') ?? (quick ? 0.3 : 1.5)),
    hnswlib: !argv.includes('--no-hnswlib'),
    out: value('--out'),
  };
}

async function loadHnswlib(): Promise<HnswlibModule | undefined> {
  try {
    const module = (await import('hnswlib-node')) as HnswlibModule & { default?: HnswlibModule };
    return module.default ?? module;
  } catch (error) {
    console.error(
      `hnswlib-node unavailable (${error instanceof Error ? error.message : String(error)}); ` +
        'comparing nothing. Install dev dependencies (npm install) to include it.',
    );
    return undefined;
  }
}

function timed<T>(fn: () => T): [T, Timing] {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = fn();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return [result, { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 }];
}

function progressLogger(label: string, total: number): (done: number) => void {
  const start = performance.now();
  let nextPercent = 10;
  return (done) => {
    const percent = (100 * done) / total;
    if (percent + 1e-9 < nextPercent && done !== total) return;
    nextPercent = Math.floor(percent / 10) * 10 + 10;
    const seconds = (performance.now() - start) / 1000;
    process.stderr.write(
      `  ${label}: ${percent.toFixed(0)}% (${done}/${total}, ${(done / seconds).toFixed(0)} points/s)\n`,
    );
  };
}

async function runDataset(
  spec: DatasetSpec,
  options: Options,
  hnswlib: HnswlibModule | undefined,
): Promise<DatasetReport> {
  const { points, dim } = spec;
  const op: KernelOp = spec.distance === 'Euclid' ? 'l2sq' : 'dot';
  process.stderr.write(`${spec.name}: generating ${points} × ${dim} (${spec.distance})\n`);
  const data = generateClusteredDataset({
    points,
    queries: options.queries,
    dim,
    clusters: spec.clusters,
    normalize: spec.distance === 'Cosine',
    seed: spec.seed,
  });
  const scorer = new DenseVectorScorer(data.vectors, dim, op);
  const kernels = getKernels();
  process.stderr.write(`${spec.name}: exact top-${LIMIT} of ${options.queries} queries\n`);
  const truth = bruteForceTopK(
    (q, out) => kernels.scoreRange(op, q, data.vectors, dim, 0, points, out),
    data.queries,
    dim,
    points,
    LIMIT,
  );

  const onProgress = progressLogger(`${spec.name} ringvec build`, points);
  const [index, ringvecBuild] = timed(() =>
    HnswIndex.build(
      scorer,
      { m: options.m, efConstruct: options.efConstruct, seed: SEED },
      { onProgress, progressInterval: Math.max(1, Math.floor(points / 100)) },
    ),
  );
  process.stderr.write(`${spec.name}: ringvec built in ${ringvecBuild.wallMs.toFixed(0)} ms\n`);

  let other: HnswlibIndex | undefined;
  let hnswlibBuild: Timing | undefined;
  if (hnswlib !== undefined) {
    const rows: number[][] = [];
    for (let i = 0; i < points; i++)
      rows.push(Array.from(data.vectors.subarray(i * dim, (i + 1) * dim)));
    const space = spec.distance === 'Euclid' ? 'l2' : 'cosine';
    const built = new hnswlib.HierarchicalNSW(space, dim);
    built.initIndex(points, options.m, options.efConstruct, SEED);
    const log = progressLogger(`${spec.name} hnswlib build`, points);
    [, hnswlibBuild] = timed(() => {
      for (let i = 0; i < points; i++) {
        built.addPoint(rows[i]!, i);
        if ((i + 1) % Math.max(1, Math.floor(points / 100)) === 0) log(i + 1);
      }
    });
    other = built;
    process.stderr.write(`${spec.name}: hnswlib built in ${hnswlibBuild.wallMs.toFixed(0)} ms\n`);
  }

  const queryCount = options.queries;
  const queries = Array.from({ length: queryCount }, (_, q) =>
    data.queries.subarray(q * dim, (q + 1) * dim),
  );
  const queryArrays = queries.map((q) => Array.from(q));
  const report: DatasetReport = {
    name: spec.name,
    distance: spec.distance,
    points,
    dim,
    clusters: spec.clusters,
    queries: queryCount,
    build: {
      ringvec: { ...ringvecBuild, graphBytes: index.graph.sizeBytes },
      ...(hnswlibBuild !== undefined ? { hnswlib: hnswlibBuild } : {}),
    },
    rows: [],
    qpsAtRecall95: { ringvec: 0 },
  };

  for (const ef of options.efs) {
    const ringvecFound: Uint32Array[] = new Array<Uint32Array>(queryCount);
    let pointsScored = 0;
    let scoreCalls = 0;
    const ringvecPass = (): void => {
      pointsScored = 0;
      scoreCalls = 0;
      for (let q = 0; q < queryCount; q++) {
        const result = index.search(scorer.queryScorer(queries[q]!), {
          limit: LIMIT,
          ef,
        }) as HnswSearchResult;
        ringvecFound[q] = result.offsets;
        pointsScored += result.pointsScored;
        scoreCalls += result.scoreCalls;
      }
    };
    const otherFound: number[][] = new Array<number[]>(queryCount);
    const otherPass = (): void => {
      for (let q = 0; q < queryCount; q++)
        otherFound[q] = other!.searchKnn(queryArrays[q]!, LIMIT).neighbors;
    };
    other?.setEf(ef);
    // Warm-up pass each (JIT, caches), then alternate timed passes.
    ringvecPass();
    if (other !== undefined) otherPass();
    const ringvecTimes: Timing[] = [];
    const otherTimes: Timing[] = [];
    let ringvecTotal = 0;
    let otherTotal = 0;
    const minMs = options.minSeconds * 1000;
    while (
      ringvecTimes.length < 3 ||
      ringvecTotal < minMs ||
      (other !== undefined && (otherTimes.length < 3 || otherTotal < minMs))
    ) {
      const [, r] = timed(ringvecPass);
      ringvecTimes.push(r);
      ringvecTotal += r.wallMs;
      if (other !== undefined) {
        const [, h] = timed(otherPass);
        otherTimes.push(h);
        otherTotal += h.wallMs;
      }
    }
    const row = (times: Timing[], recall: number): EngineRow => ({
      recall,
      qps: (queryCount * 1000) / median(times.map((t) => t.wallMs)),
      cpuQps: (queryCount * 1000) / median(times.map((t) => Math.max(t.cpuMs, 1e-3))),
      passes: times.length,
    });
    report.rows.push({
      ef,
      ringvec: {
        ...row(ringvecTimes, recallAtK(truth, ringvecFound, LIMIT)),
        pointsScoredPerQuery: pointsScored / queryCount,
        scoreCallsPerQuery: scoreCalls / queryCount,
      },
      ...(other !== undefined
        ? { hnswlib: row(otherTimes, recallAtK(truth, otherFound, LIMIT)) }
        : {}),
    });
  }
  const best = (pick: (row: DatasetReport['rows'][number]) => EngineRow | undefined): number =>
    Math.max(
      0,
      ...report.rows.map((row) => {
        const engine = pick(row);
        return engine !== undefined && engine.recall >= 0.95 ? engine.qps : 0;
      }),
    );
  report.qpsAtRecall95 = {
    ringvec: best((row) => row.ringvec),
    ...(other !== undefined ? { hnswlib: best((row) => row.hnswlib) } : {}),
  };
  return report;
}

function printReport(report: SearchBenchReport): void {
  const m = report.machine;
  console.log(
    `\nsearch benchmark — ${m.cpu}, ${m.cores} cores, node ${m.node}, kernels ${m.kernels}, ` +
      `load ${m.loadAvgBefore.map((x) => x.toFixed(2)).join(' ')} → ` +
      `${m.loadAvgAfter.map((x) => x.toFixed(2)).join(' ')}`,
  );
  console.log(
    `m=${report.params.m} ef_construct=${report.params.efConstruct} limit=${report.params.limit}, ` +
      'single thread; QPS = median pass (wall clock)',
  );
  for (const d of report.datasets) {
    const b = d.build;
    const ratio =
      b.hnswlib !== undefined ? ` (${(b.ringvec.wallMs / b.hnswlib.wallMs).toFixed(2)}×)` : '';
    console.log(
      `\n${d.name}: ${d.points} × ${d.dim} ${d.distance} (${d.clusters} clusters), ${d.queries} ` +
        `queries. Build: ringvec ` +
        `${(b.ringvec.wallMs / 1000).toFixed(1)} s${ratio}` +
        (b.hnswlib !== undefined ? `, hnswlib ${(b.hnswlib.wallMs / 1000).toFixed(1)} s` : '') +
        `; graph ${(b.ringvec.graphBytes / 2 ** 20).toFixed(1)} MiB`,
    );
    console.log('   ef | ringvec recall      QPS  scored/q | hnswlib recall      QPS | QPS ratio');
    for (const r of d.rows) {
      const h = r.hnswlib;
      console.log(
        `${String(r.ef).padStart(5)} | ${r.ringvec.recall.toFixed(4).padStart(14)} ${r.ringvec.qps
          .toFixed(0)
          .padStart(8)} ${(r.ringvec.pointsScoredPerQuery ?? 0).toFixed(0).padStart(9)} | ` +
          (h !== undefined
            ? `${h.recall.toFixed(4).padStart(14)} ${h.qps.toFixed(0).padStart(8)} | ${(r.ringvec.qps / h.qps).toFixed(2).padStart(8)}×`
            : '             -        - |        -'),
      );
    }
    const q = d.qpsAtRecall95;
    console.log(
      `best QPS at recall@10 ≥ 0.95: ringvec ${q.ringvec.toFixed(0)}` +
        (q.hnswlib !== undefined
          ? `, hnswlib ${q.hnswlib.toFixed(0)} (${(q.ringvec / q.hnswlib).toFixed(2)}×)`
          : ''),
    );
  }
}

export async function runSearchBench(argv: string[]): Promise<SearchBenchReport> {
  const options = parseArgs(argv);
  const hnswlib = options.hnswlib ? await loadHnswlib() : undefined;
  const loadAvgBefore = loadavg();
  const datasets: DatasetReport[] = [];
  for (const spec of options.datasets) datasets.push(await runDataset(spec, options, hnswlib));
  const report: SearchBenchReport = {
    benchmark: 'search',
    timestamp: new Date().toISOString(),
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      kernels: getKernels().implementation,
      loadAvgBefore,
      loadAvgAfter: loadavg(),
    },
    params: { m: options.m, efConstruct: options.efConstruct, seed: SEED, limit: LIMIT },
    datasets,
  };
  printReport(report);
  const out =
    options.out ??
    join(
      packageRoot(),
      'bench',
      'results',
      `search-${report.timestamp.replace(/[:.]/g, '-')}.json`,
    );
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
  console.log(`\nwrote ${out}`);
  return report;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runSearchBench(process.argv.slice(2));
}
