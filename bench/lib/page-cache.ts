// Making a collection's files cold or warm in the page cache, and checking which they are.
//
// Cold: posix_fadvise(DONTNEED) on each file (the native addon's fadviseDontNeed, or GNU dd's
// `iflag=nocache count=0` without it) — no root needed. Warning: pages a process has mapped
// stay resident, so a server must be restarted (dropping its mappings) before the call for the
// mmap backend to start cold. With root, `sync; echo 3 > /proc/sys/vm/drop_caches` as well
// (whole machine: it also slows everyone else's builds, hence opt-in).
// Warm: read each file once. Residency: mincore over a temporary mapping.

import { execFileSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { loadAddon } from '../../src/native/addon.js';

const PAGE_BYTES = 4096;

/** Every file under `dir` (recursively) whose name matches `pattern`. */
export function filesUnder(dir: string, pattern: RegExp): string[] {
  const out: string[] = [];
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path, pattern));
    else if (entry.isFile() && pattern.test(entry.name)) out.push(path);
  }
  return out;
}

export interface DropResult {
  readonly files: number;
  readonly method: 'fadvise' | 'dd' | 'none';
  readonly dropCaches: boolean;
  readonly problems: string[];
}

export function dropFileCaches(
  paths: readonly string[],
  options: { dropCaches: boolean },
): DropResult {
  const problems: string[] = [];
  let dropCaches = false;
  if (options.dropCaches) {
    try {
      execFileSync('sync');
      writeFileSync('/proc/sys/vm/drop_caches', '3');
      dropCaches = true;
    } catch (error) {
      problems.push(`drop_caches failed (needs root): ${(error as Error).message.split('\n')[0]}`);
    }
  }
  const addon = loadAddon();
  let method: DropResult['method'] = addon !== null ? 'fadvise' : 'dd';
  for (const path of paths) {
    try {
      if (addon !== null) addon.fadviseDontNeed(path);
      else execFileSync('dd', [`if=${path}`, 'iflag=nocache', 'count=0', 'status=none']);
    } catch (error) {
      method = 'none';
      problems.push(`${path}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  return { files: paths.length, method, dropCaches, problems };
}

/** Fraction (0–1) of the files' pages in the page cache, or null without the addon. */
export function residentFraction(paths: readonly string[]): number | null {
  const addon = loadAddon();
  if (addon === null) return null;
  let pages = 0;
  let resident = 0;
  for (const path of paths) {
    const size = statSync(path).size;
    if (size === 0) continue;
    const mapping = addon.mmapFile(path);
    try {
      pages += Math.ceil(size / PAGE_BYTES);
      resident += addon.mincore(mapping, 0, size);
    } finally {
      addon.munmap(mapping);
    }
  }
  return pages === 0 ? 1 : resident / pages;
}

/** Reads every file once (8 MiB at a time) so its pages are cached; returns bytes read. */
export function warmFiles(paths: readonly string[]): number {
  const buffer = new Uint8Array(8 << 20);
  let total = 0;
  for (const path of paths) {
    const fd = openSync(path, 'r');
    try {
      for (;;) {
        const got = readSync(fd, buffer, 0, buffer.length, null);
        if (got === 0) break;
        total += got;
      }
    } finally {
      closeSync(fd);
    }
  }
  return total;
}
