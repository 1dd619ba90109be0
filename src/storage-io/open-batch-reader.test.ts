// Backend choice and fallback: io_uring forced unavailable, no addon, and the normal case.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAddon } from '../native/addon.js';
import { probeIoUring } from '../native/io-uring-probe.js';
import { openBatchReader, resolveIoBackend } from './open-batch-reader.js';

const moduleUrl = fileURLToPath(new URL('./open-batch-reader.js', import.meta.url));

/** Opens an io_uring reader in a child process with `env` and reports what it got. */
function openInChild(env: Record<string, string>): {
  backend: string;
  reason: string | null;
  bytes: number[];
} {
  const dir = mkdtempSync(join(tmpdir(), 'ringvec-open-'));
  try {
    const path = join(dir, 'v.bin');
    writeFileSync(
      path,
      Uint8Array.from({ length: 8192 }, (_, i) => i & 255),
    );
    const code = `
      import { openBatchReader, resolveIoBackend } from ${JSON.stringify(moduleUrl)};
      const layout = { path: ${JSON.stringify(path)}, headerBytes: 0, recordBytes: 4, strideBytes: 4 };
      const reader = openBatchReader(layout, 'io_uring', { queueDepth: 8 });
      const out = new Uint8Array(8);
      await reader.read(Uint32Array.of(1, 300), 2, out);
      reader.close();
      console.log(JSON.stringify({ backend: reader.backend, reason: resolveIoBackend('io_uring').reason, bytes: [...out] }));
    `;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, result.stderr);
    return JSON.parse(result.stdout) as { backend: string; reason: string | null; bytes: number[] };
  } finally {
    rmSync(dir, { recursive: true });
  }
}

const BYTES = [4, 5, 6, 7, 176, 177, 178, 179];

test('io_uring forced unavailable falls back to mmap and says why', () => {
  const opened = openInChild({ RINGVEC_SIMULATE_IO_URING_FAILURE: 'seccomp' });
  assert.equal(opened.backend, loadAddon() === null ? 'pread' : 'mmap');
  assert.deepEqual(opened.bytes, BYTES);
  assert.match(opened.reason ?? '', /seccomp/);
});

test('without the addon every backend request is served by pread', () => {
  const opened = openInChild({ RINGVEC_NO_ADDON: '1' });
  assert.equal(opened.backend, 'pread');
  assert.deepEqual(opened.bytes, BYTES);
  assert.match(opened.reason ?? '', /RINGVEC_NO_ADDON=1/);
});

test('the requested backend is used when available', () => {
  assert.deepEqual(resolveIoBackend('pread'), {
    requested: 'pread',
    backend: 'pread',
    reason: null,
  });
  const expected = probeIoUring().available ? 'io_uring' : loadAddon() === null ? 'pread' : 'mmap';
  assert.equal(resolveIoBackend('io_uring').backend, expected);
  const dir = mkdtempSync(join(tmpdir(), 'ringvec-open-'));
  try {
    const path = join(dir, 'v.bin');
    writeFileSync(path, new Uint8Array(16));
    const reader = openBatchReader(
      { path, headerBytes: 0, recordBytes: 4, strideBytes: 4 },
      'io_uring',
    );
    assert.equal(reader.backend, expected);
    reader.close();
  } finally {
    rmSync(dir, { recursive: true });
  }
});
