// The addon loader (status, RINGVEC_NO_ADDON), the mmap helpers, per-thread nice values and
// huge-page buffers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NATIVE_ADVICE, addonStatus, addonWarning, loadAddon } from './addon.js';
import { hugePageSharedBuffer } from './huge-pages.js';

const addon = loadAddon();

test('addon status explains itself', () => {
  const status = addonStatus();
  assert.equal(status.loaded, addon !== null);
  if (addon === null) {
    assert.ok(status.reason);
    assert.match(addonWarning()!, /^native addon not loaded \(.+\); using TypeScript fallbacks$/);
  } else {
    assert.equal(status.reason, null);
    assert.equal(addonWarning(), null);
    assert.equal(status.kernels, `native-${addon.kernelIsa}`);
  }
});

test('RINGVEC_NO_ADDON=1 forces the fallback path', () => {
  const script = fileURLToPath(new URL('./addon.js', import.meta.url));
  const result = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { addonWarning, loadAddon } from ${JSON.stringify(script)}; console.log(loadAddon() === null, addonWarning());`,
    ],
    { env: { ...process.env, RINGVEC_NO_ADDON: '1' }, encoding: 'utf8' },
  );
  assert.equal(
    result.stdout.trim(),
    'true native addon not loaded (disabled by RINGVEC_NO_ADDON=1); using TypeScript fallbacks',
  );
});

test('mmap helpers: map, advise, residency, unmap, empty files', (t) => {
  if (addon === null) return t.skip('addon not loaded');
  const dir = mkdtempSync(join(tmpdir(), 'ringvec-mmap-'));
  try {
    const path = join(dir, 'f.bin');
    const data = Uint8Array.from({ length: 3 * 4096 + 5 }, (_, i) => i % 251);
    writeFileSync(path, data);
    const mapping = addon.mmapFile(path);
    assert.equal(mapping.byteLength, data.length);
    assert.deepEqual(new Uint8Array(mapping), data);
    for (const advice of Object.values(NATIVE_ADVICE))
      addon.madvise(mapping, 0, mapping.byteLength, advice);
    assert.equal(
      addon.mincore(mapping, 0, mapping.byteLength),
      4,
      'just written: all 4 pages cached',
    );
    addon.fadviseDontNeed(path);
    addon.madvise(mapping, 0, mapping.byteLength, NATIVE_ADVICE.dontneed);
    assert.ok(addon.mincore(mapping, 0, mapping.byteLength) <= 4);
    assert.throws(() => addon.mincore(mapping, 0, mapping.byteLength + 1), RangeError);
    addon.munmap(mapping);
    assert.equal(mapping.byteLength, 0, 'unmapped buffers are detached');
    addon.munmap(mapping); // idempotent

    const empty = join(dir, 'empty.bin');
    writeFileSync(empty, new Uint8Array(0));
    const none = addon.mmapFile(empty);
    assert.equal(none.byteLength, 0);
    addon.munmap(none);
    assert.throws(() => addon.mmapFile(join(dir, 'missing')), /missing/);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('thread nice applies to the calling thread', (t) => {
  if (addon === null) return t.skip('addon not loaded');
  const path = JSON.stringify(addonStatus().path);
  const workerCode = `const a = require(${path}); a.setThreadNice(a.getThreadNice() + 5); require('node:worker_threads').parentPort.postMessage(a.getThreadNice());`;
  const script = `
    const { Worker } = require('node:worker_threads');
    const a = require(${path});
    const before = a.getThreadNice();
    const w = new Worker(${JSON.stringify(workerCode)}, { eval: true });
    w.on('message', (n) => console.log(JSON.stringify({ before, worker: n, after: a.getThreadNice() })));
  `;
  const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  const out = JSON.parse(result.stdout) as { before: number; worker: number; after: number };
  assert.equal(out.worker, Math.min(out.before + 5, 19));
  assert.equal(out.after, out.before, 'the main thread keeps its nice value');
});

test('native telemetry summarises addon, kernels and io_uring', async () => {
  const { nativeTelemetry } = await import('./index.js');
  const t = nativeTelemetry();
  assert.equal(t.addonLoaded, addon !== null);
  assert.equal(typeof t.ioUring.available, 'boolean');
  assert.ok(t.kernels === 'typescript' || t.kernels.startsWith('native-'));
});

/** AnonHugePages of this process in bytes (null where the kernel does not say). */
function anonHugeBytes(): number | null {
  try {
    const match = /^AnonHugePages:\s+(\d+) kB/m.exec(
      readFileSync('/proc/self/smaps_rollup', 'utf8'),
    );
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

function transparentHugePagesOn(): boolean {
  try {
    return !readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8').includes('[never]');
  } catch {
    return false;
  }
}

test('hugePageSharedBuffer: a zeroed buffer of the size asked, backed by huge pages where the kernel has them', (t) => {
  const small = hugePageSharedBuffer(1000);
  assert.equal(small.byteLength, 1000);
  if (addon === null) return t.skip('addon not loaded');
  assert.equal(addon.adviseHugePages(new Uint8Array(small)), 0, 'no whole aligned huge page');
  assert.throws(() => addon.adviseHugePages(new Float32Array(4) as never), TypeError);
  if (!transparentHugePagesOn() || anonHugeBytes() === null)
    return t.skip('no transparent huge pages on this kernel');
  const before = anonHugeBytes()!;
  const size = 16 << 20;
  const buffer = hugePageSharedBuffer(size);
  const bytes = new Uint8Array(buffer);
  assert.equal(bytes.length, size);
  assert.ok(bytes.every((b) => b === 0));
  bytes.fill(7);
  const gained = anonHugeBytes()! - before;
  assert.ok(gained >= 2 << 20, `AnonHugePages grew by ${gained} bytes after writing 16 MiB`);
  assert.equal(bytes[size - 1], 7);
});
