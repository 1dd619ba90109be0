// Smoke test of the benchmarks: `ringvec bench article --quick` and a tiny `ringvec bench ingest`
// run end to end (child servers, progress, table, JSON, chart) from this build. Timings are
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
  for (const name of ['article', 'ingest', 'search', 'quantization', 'kernels', 'batch-read']) {
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
