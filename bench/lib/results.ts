// Where benchmark results go: bench/results/<name>-<timestamp>.json (gitignored), or a folder
// given with --results-dir.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/common/package-root.js';

export function defaultResultsDir(): string {
  return join(packageRoot(), 'bench', 'results');
}

/** A filesystem-safe timestamp, e.g. 2026-11-25T06-01-02-123Z. */
export function fileTimestamp(date = new Date()): string {
  return date.toISOString().replace(/[:.]/g, '-');
}

export function writeResultFile(dir: string, fileName: string, content: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, fileName);
  writeFileSync(path, content);
  return path;
}

export function writeJsonResult(dir: string, name: string, stamp: string, report: unknown): string {
  return writeResultFile(dir, `${name}-${stamp}.json`, `${JSON.stringify(report, null, 2)}\n`);
}

/** The command line that produced a result, for the report. */
export function commandLine(): string {
  const args = process.argv.slice(2).map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a}'`));
  return `ringvec ${args.join(' ')}`;
}
