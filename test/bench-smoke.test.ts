// Smoke test of the benchmarks: `ringvec bench article --quick`, a tiny `ringvec bench ingest`,
// and `search-http --quick` and `concurrency --quick` run end to end (child servers, progress,
// table, JSON, chart) from this build. Timings are
// never asserted: only that the runs finish and produce their table and result files.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { removeDir, tempDir } from './helpers/test-server.js';

const runner = fileURLToPath(new URL('../bench/lib/ringvec-runner.js', import.meta.url));

function ringvec(
  args: string[],
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [runner, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGINT'); // the bench stops its servers and removes its temporary storage
      reject(
        new Error(
          `ringvec ${args.join(' ')} did not finish within ${timeoutMs / 1000} s\n${stdout}\n${stderr}`,
        ),
      );
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function resultFile(dir: string, prefix: string, extension: string): string {
  const files = readdirSync(dir).filter((f) => f.startsWith(prefix) && f.endsWith(extension));
  assert.equal(files.length, 1, `one ${prefix}*${extension} in ${dir}, found ${files.join(', ')}`);
  return join(dir, files[0]!);
}

test('ringvec bench --help lists every benchmark', async () => {
  const { code, stdout } = await ringvec(['bench', '--help'], 30_000);
  assert.equal(code, 0);
  for (const name of [
    'article',
    'ingest',
    'search',
    'search-http',
    'concurrency',
    'quantization',
    'kernels',
    'batch-read',
  ]) {
    assert.match(stdout, new RegExp(`\\b${name}\\b`));
  }
});

test(
  'ringvec bench article --quick prints the table and writes JSON and a chart',
  { timeout: 360_000 },
  async () => {
    const results = tempDir('ringvec-bench-smoke-');
    try {
      const { code, stdout, stderr } = await ringvec(
        ['bench', 'article', '--quick', '--no-progress', '--results-dir', results],
        330_000,
      );
      assert.equal(code, 0, `exit ${code}\n${stdout}\n${stderr}`);
      assert.match(stdout, /\| backend +\| cache +\| oversampling \| parallel \|/);
      assert.match(stdout, /\| (mmap|io_uring) /);
      const report = JSON.parse(readFileSync(resultFile(results, 'article-', '.json'), 'utf8')) as {
        benchmark: string;
        runs: { backend: string; cache: string; skipped?: string; ok: number }[];
        requantizations: unknown[];
      };
      assert.equal(report.benchmark, 'article');
      // 2 backends × 2 caches × 2 oversamplings × 3 concurrencies.
      assert.equal(report.runs.length, 24);
      assert.ok(report.runs.every((r) => r.skipped === undefined && r.ok > 0));
      assert.equal(report.requantizations.length, 4);
      const svg = readFileSync(resultFile(results, 'article-', '.svg'), 'utf8');
      assert.match(svg, /^<svg /);
      assert.match(svg, /requests\/s/);
    } finally {
      removeDir(results);
    }
  },
);

test(
  'ringvec bench ingest (tiny) prints the table and writes JSON',
  { timeout: 120_000 },
  async () => {
    const results = tempDir('ringvec-bench-smoke-');
    try {
      const { code, stdout, stderr } = await ringvec(
        [
          'bench',
          'ingest',
          '--dims',
          '128',
          '--clients',
          '2',
          '--points',
          '2000',
          '--no-progress',
          '--results-dir',
          results,
        ],
        100_000,
      );
      assert.equal(code, 0, `exit ${code}\n${stdout}\n${stderr}`);
      assert.match(stdout, /\| dim \| clients \|/);
      const report = JSON.parse(readFileSync(resultFile(results, 'ingest-', '.json'), 'utf8')) as {
        rows: { points: number; pointsPerSecond: number }[];
      };
      assert.equal(report.rows.length, 1);
      assert.equal(report.rows[0]!.points, 2000);
      assert.ok(report.rows[0]!.pointsPerSecond > 0);
    } finally {
      removeDir(results);
    }
  },
);

test(
  'ringvec bench search-http --quick prints the table and writes JSON',
  { timeout: 120_000 },
  async () => {
    const results = tempDir('ringvec-bench-smoke-');
    try {
      const { code, stdout, stderr } = await ringvec(
        ['bench', 'search-http', '--quick', '--no-progress', '--results-dir', results],
        100_000,
      );
      assert.equal(code, 0, `exit ${code}\n${stdout}\n${stderr}`);
      assert.match(stdout, /\| clients \| requests \| time s \| req\/s \| p50 ms \|/);
      assert.match(stdout, /\| +hnsw_ef \| recall@10 \|/);
      assert.match(stdout, /recall@10 vs brute force: default: \d\.\d{4}/);
      const report = JSON.parse(
        readFileSync(resultFile(results, 'search-http-', '.json'), 'utf8'),
      ) as {
        benchmark: string;
        recall: { queries: number; recall: number };
        rows: { clients: number; ok: number; errors: number }[];
      };
      assert.equal(report.benchmark, 'search-http');
      assert.equal(report.rows.length, 1);
      assert.equal(report.rows[0]!.clients, 8);
      assert.ok(report.rows[0]!.ok > 0);
      assert.equal(report.rows[0]!.errors, 0);
      assert.equal(report.recall.queries, 50);
      assert.ok(report.recall.recall > 0 && report.recall.recall <= 1);
    } finally {
      removeDir(results);
    }
  },
);

test(
  'ringvec bench concurrency --quick sweeps threads × clients and measures p99 during a rebuild',
  { timeout: 150_000 },
  async () => {
    const results = tempDir('ringvec-bench-smoke-');
    try {
      const { code, stdout, stderr } = await ringvec(
        [
          'bench',
          'concurrency',
          '--quick',
          '--clients',
          '2,8',
          '--no-progress',
          '--results-dir',
          results,
        ],
        130_000,
      );
      assert.equal(code, 0, `exit ${code}\n${stdout}\n${stderr}`);
      assert.match(stdout, /\| threads \| clients \| req\/s \| p50 ms \| p99 ms \|/);
      assert.match(stdout, /\| during rebuild +\|/);
      const report = JSON.parse(
        readFileSync(resultFile(results, 'concurrency-', '.json'), 'utf8'),
      ) as {
        summary: { threads: number; clients: number; ok: number; errors: number }[];
        scaling: { ratio: number | null };
        rebuild: {
          secondsUnderLoad: number | null;
          runs: { phase: string; ok: number }[];
        } | null;
      };
      // threads 1 and 2 × clients 2 and 8.
      assert.equal(report.summary.length, 4);
      assert.ok(report.summary.every((c) => c.ok > 0 && c.errors === 0));
      assert.ok(report.scaling.ratio !== null && report.scaling.ratio > 0);
      assert.ok(report.rebuild !== null);
      assert.ok(report.rebuild.secondsUnderLoad !== null, 'the PATCH started a rebuild');
      assert.deepEqual(
        report.rebuild.runs.map((r) => r.phase),
        ['idle before', 'during rebuild', 'idle after'],
      );
      assert.ok(report.rebuild.runs.every((r) => r.ok > 0));
    } finally {
      removeDir(results);
    }
  },
);
