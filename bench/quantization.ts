// Quantization benchmark: recall@10 and single-thread QPS of a brute-force scan over quantized
// vectors, without and with rescoring (oversampling 1, 2, 4) against the in-RAM originals, RAM
// bytes per point and build time, for every quantizer — with the float32 scan as the reference in
// the same run. HNSW over quantized vectors and on-disk rescoring are measured elsewhere.
//
// "RAM B/pt" is the whole quantized buffer (codes, per-vector corrections, PQ codebooks, binary
// statistics, header) divided by the point count; "code B" is the encoded size of one vector.
// Product quantization trains with Qdrant's defaults (10 000-vector sample, up to 100 k-means
// iterations) unless --pq-sample / --pq-iterations say otherwise (--quick: 20 iterations).
//
//   node .tmp/quant/bench/quantization.js [--points N] [--dim D] [--queries Q] [--quick]
//        [--distance Cosine|Dot|Euclid|Manhattan] [--only scalar,product,binary]
//        [--pq-sample N] [--pq-iterations N] [--clusters N] [--spread X] [--seed N] [--no-json]
//
// Prints a table and writes bench/results/quantization-<timestamp>.json.

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { packageRoot } from '../src/common/package-root.js';
import { RINGVEC_VERSION } from '../src/common/version.js';
import { getKernels } from '../src/kernels/index.js';
import { generateClusteredDataset, recall } from '../src/quantization/clustered-dataset.js';
import { FloatArrayScorer } from '../src/quantization/float-array-scorer.js';
import {
  ArrayVectorSource,
  createQuantizer,
  oversampledLimit,
  rescore,
  scanQuantized,
  type Distance,
  type QuantizationConfig,
  type QuantizationProgress,
  type QuantizedVectors,
  type ScoredOffsets,
} from '../src/quantization/index.js';

const OVERSAMPLINGS = [1, 2, 4] as const;
const LIMIT = 10;

const CONFIGS: readonly { name: string; config: QuantizationConfig }[] = [
  { name: 'scalar int8', config: { scalar: { type: 'int8' } } },
  { name: 'scalar int8 q0.99', config: { scalar: { type: 'int8', quantile: 0.99 } } },
  { name: 'product x4', config: { product: { compression: 'x4' } } },
  { name: 'product x8', config: { product: { compression: 'x8' } } },
  { name: 'product x16', config: { product: { compression: 'x16' } } },
  { name: 'product x32', config: { product: { compression: 'x32' } } },
  { name: 'product x64', config: { product: { compression: 'x64' } } },
  { name: 'binary 1bit', config: { binary: {} } },
  { name: 'binary 1bit q4', config: { binary: { query_encoding: 'scalar4bits' } } },
  { name: 'binary 1bit q8', config: { binary: { query_encoding: 'scalar8bits' } } },
  { name: 'binary 1.5bit', config: { binary: { encoding: 'one_and_half_bits' } } },
  {
    name: 'binary 1.5bit q8',
    config: { binary: { encoding: 'one_and_half_bits', query_encoding: 'scalar8bits' } },
  },
  { name: 'binary 2bit', config: { binary: { encoding: 'two_bits' } } },
  {
    name: 'binary 2bit q8',
    config: { binary: { encoding: 'two_bits', query_encoding: 'scalar8bits' } },
  },
];

interface ModeResult {
  /** 'quantized' (no rescoring) or 'rescore x<oversampling>'. */
  readonly mode: string;
  readonly recallAt10: number;
  readonly qps: number;
}

interface Row {
  readonly name: string;
  readonly config: QuantizationConfig | null;
  readonly ramBytesPerPoint: number;
  readonly codeBytesPerPoint: number;
  readonly buildSeconds: number;
  readonly results: readonly ModeResult[];
}

function queryAt(queries: Float32Array, dim: number, q: number): Float32Array {
  return queries.subarray(q * dim, (q + 1) * dim);
}

/**
 * Runs `search` for every query, returns the answers and the queries per second. A few queries
 * run first untimed, so the JIT has compiled the scoring loops.
 */
function timed(
  queryCount: number,
  search: (q: number) => ScoredOffsets,
): { found: Uint32Array[]; qps: number } {
  for (let q = 0; q < Math.min(5, queryCount); q++) search(q);
  const found: Uint32Array[] = [];
  const start = performance.now();
  for (let q = 0; q < queryCount; q++) found.push(search(q).offsets);
  const seconds = (performance.now() - start) / 1000;
  return { found, qps: queryCount / seconds };
}

function progressLogger(name: string): (p: QuantizationProgress) => void {
  let lastLog = 0;
  const start = performance.now();
  return (p) => {
    const now = performance.now();
    if (now - lastLog < 5000 && p.done !== p.total) return;
    lastLog = now;
    const unit = p.phase === 'train' ? 'subspaces' : 'points';
    const rate =
      p.phase === 'train' ? '' : `, ${Math.round(p.done / ((now - start) / 1000))} points/s`;
    process.stderr.write(
      `  ${name}: ${p.phase} ${p.done}/${p.total} ${unit} (${((100 * p.done) / p.total).toFixed(0)}%${rate})\n`,
    );
  };
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

function printTable(rows: readonly Row[]): void {
  const modes = ['quantized', ...OVERSAMPLINGS.map((o) => `rescore x${o}`)];
  const header = [
    pad('quantizer', 18),
    pad('RAM B/pt', 8, true),
    pad('code B', 6, true),
    pad('build s', 8, true),
    ...modes.map((m) => pad(`${m} R@10 / QPS`, 24, true)),
  ].join(' ');
  console.log(header);
  console.log('-'.repeat(header.length));
  for (const row of rows) {
    const cells = modes.map((mode) => {
      const r = row.results.find((x) => x.mode === mode);
      return pad(
        r === undefined ? '-' : `${r.recallAt10.toFixed(3)} / ${r.qps.toFixed(1)}`,
        24,
        true,
      );
    });
    console.log(
      [
        pad(row.name, 18),
        pad(row.ramBytesPerPoint.toFixed(1), 8, true),
        pad(String(row.codeBytesPerPoint), 6, true),
        pad(row.buildSeconds.toFixed(1), 8, true),
        ...cells,
      ].join(' '),
    );
  }
}

export async function main(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      points: { type: 'string' },
      dim: { type: 'string' },
      queries: { type: 'string' },
      quick: { type: 'boolean', default: false },
      distance: { type: 'string', default: 'Cosine' },
      only: { type: 'string' },
      'pq-sample': { type: 'string' },
      'pq-iterations': { type: 'string' },
      seed: { type: 'string', default: '42' },
      clusters: { type: 'string' },
      spread: { type: 'string' },
      'no-json': { type: 'boolean', default: false },
    },
  });
  const quick = values.quick === true;
  const count = Number(values.points ?? (quick ? 20_000 : 100_000));
  const dim = Number(values.dim ?? (quick ? 256 : 768));
  const queryCount = Number(values.queries ?? (quick ? 50 : 100));
  const distance = values.distance as Distance;
  if (!['Cosine', 'Dot', 'Euclid', 'Manhattan'].includes(distance)) {
    throw new Error(`--distance must be Cosine, Dot, Euclid or Manhattan, got ${distance}`);
  }
  const only = values.only?.split(',');
  const tuning = {
    seed: Number(values.seed),
    ...(values['pq-sample'] !== undefined ? { sampleSize: Number(values['pq-sample']) } : {}),
    ...(values['pq-iterations'] !== undefined
      ? { maxIterations: Number(values['pq-iterations']) }
      : quick
        ? { maxIterations: 20 }
        : {}),
  };
  const kernels = getKernels().implementation;
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    ramBytes: totalmem(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    /** 1, 5, 15-minute load averages at start: other work on the machine skews QPS. */
    loadAverage: loadavg(),
  };
  console.log(
    `quantization bench: ${count} × ${dim} ${distance}, ${queryCount} queries, limit ${LIMIT}, ` +
      `kernels ${kernels}, ${machine.cpu} (${machine.cores} cores), node ${machine.node}, ` +
      `load ${machine.loadAverage.map((l) => l.toFixed(1)).join(' ')}`,
  );

  let t = performance.now();
  const data = generateClusteredDataset({
    count,
    dim,
    queries: queryCount,
    seed: Number(values.seed),
    normalize: distance === 'Cosine',
    ...(values.clusters !== undefined ? { clusters: Number(values.clusters) } : {}),
    ...(values.spread !== undefined ? { spread: Number(values.spread) } : {}),
  });
  process.stderr.write(`  data generated in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);

  // Reference: exact float32 scan (also the ground truth).
  const float = timed(queryCount, (q) =>
    new FloatArrayScorer(data.vectors, dim, distance, queryAt(data.queries, dim, q)).scanTop(LIMIT),
  );
  const truth = float.found;
  const rows: Row[] = [
    {
      name: 'float32 (exact)',
      config: null,
      ramBytesPerPoint: dim * 4,
      codeBytesPerPoint: dim * 4,
      buildSeconds: 0,
      results: [{ mode: 'quantized', recallAt10: 1, qps: float.qps }],
    },
  ];

  const source = new ArrayVectorSource(data.vectors, dim);
  for (const { name, config } of CONFIGS) {
    const kind = Object.keys(config)[0]!;
    if (only !== undefined && !only.includes(kind) && !only.includes(name)) continue;
    t = performance.now();
    const quantizer = createQuantizer(config, dim, distance, tuning);
    const onProgress = progressLogger(name);
    await quantizer.train(source, { onProgress });
    const vectors: QuantizedVectors = await quantizer.encode(source, { onProgress });
    const buildSeconds = (performance.now() - t) / 1000;

    const results: ModeResult[] = [];
    const plain = timed(queryCount, (q) =>
      scanQuantized(vectors.scorer(queryAt(data.queries, dim, q)), count, LIMIT),
    );
    results.push({ mode: 'quantized', recallAt10: recall(plain.found, truth), qps: plain.qps });
    for (const oversampling of OVERSAMPLINGS) {
      const withRescore = timed(queryCount, (q) => {
        const query = queryAt(data.queries, dim, q);
        const candidates = scanQuantized(
          vectors.scorer(query),
          count,
          oversampledLimit(LIMIT, oversampling),
        );
        const exact = new FloatArrayScorer(data.vectors, dim, distance, query);
        return rescore(
          candidates.offsets,
          candidates.offsets.length,
          exact,
          LIMIT,
        ) as ScoredOffsets;
      });
      results.push({
        mode: `rescore x${oversampling}`,
        recallAt10: recall(withRescore.found, truth),
        qps: withRescore.qps,
      });
    }
    rows.push({
      name,
      config,
      ramBytesPerPoint: vectors.ramSizeBytes / count,
      codeBytesPerPoint: vectors.bytesPerVector,
      buildSeconds,
      results,
    });
    process.stderr.write(
      `  ${name}: built in ${buildSeconds.toFixed(1)} s, ${results
        .map((r) => `${r.mode} ${r.recallAt10.toFixed(3)}`)
        .join(', ')}\n`,
    );
  }

  console.log();
  printTable(rows);

  if (values['no-json'] !== true) {
    const dir = join(packageRoot(), 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const file = join(dir, `quantization-${stamp}.json`);
    const report = {
      bench: 'quantization',
      version: RINGVEC_VERSION,
      date: new Date().toISOString(),
      command: `node ${process.argv.slice(1).join(' ')}`,
      machine,
      kernels,
      params: {
        count,
        dim,
        distance,
        queries: queryCount,
        limit: LIMIT,
        tuning,
        quick,
        clusters: values.clusters === undefined ? 'sqrt(points)' : Number(values.clusters),
        spread: values.spread === undefined ? 0.5 : Number(values.spread),
      },
      rows,
    };
    writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
    console.log(`\nresults: ${file}`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
