#!/usr/bin/env node
// Runs the compiled test files (dist/**/*.test.js) with Node's built-in test runner.
// Usage: node scripts/run-tests.mjs [substring ...]   (only files whose path contains a substring)
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function collect(dir, out) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = [...collect('dist/src', []), ...collect('dist/test', [])]
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
function run(list, env = {}) {
  const result = spawnSync(
    process.execPath,
    ['--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...list],
    { stdio: 'inherit', env: { ...process.env, ...env } },
  );
  return result.status ?? 1;
}

let status = run(files);
// The no-addon path: everything must also work with the TypeScript fallbacks. A full run covers
// the parts whose implementation changes without the addon.
const FALLBACK = [
  'dist/src/kernels/',
  'dist/src/storage-io/',
  'dist/src/native/',
  'dist/test/cli',
  'dist/test/collection-search',
  'dist/test/points-api',
];
if (filters.length === 0 && process.env.RINGVEC_NO_ADDON !== '1') {
  const fallback = files.filter((f) => FALLBACK.some((prefix) => f.startsWith(prefix)));
  console.log(`\n# fallback pass: ${fallback.length} files with RINGVEC_NO_ADDON=1`);
  status = run(fallback, { RINGVEC_NO_ADDON: '1' }) || status;
}
process.exit(status);
