// IoUringBatchReader through the shared suite for each residency check (and O_DIRECT where it
// matters), plus its metrics and the residency map's warm path.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { probeIoUring } from '../native/io-uring-probe.js';
import { runBatchReaderSuite } from './batch-reader.common-case.js';
import { IoUringBatchReader, type ResidencyCheck } from './io-uring-batch-reader.js';
import { IoMetrics } from './io-metrics.js';
import {
  closeSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { randomFillSync } from 'node:crypto';
import { loadAddon } from '../native/addon.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const probe = probeIoUring();
if (!probe.available) {
  test('io_uring backend', (t) => t.skip(`io_uring unavailable: ${probe.reason}`));
} else {
  // 'none' forces every record through the ring; 'mincore' and 'nowait' copy cached ones first.
  const residencies: ResidencyCheck[] = ['none', 'mincore', 'nowait', 'map'];
  for (const residency of residencies) {
    runBatchReaderSuite(
      `io_uring residency=${residency}`,
      (layout, options) => new IoUringBatchReader(layout, { ...options, residency }),
      {
        workerBackend: 'io_uring',
        workerOptions: { residency },
        direct: residency === 'none' || residency === 'map' ? [false, true] : [false],
      },
    );
  }

  test('io_uring: residency hits and device reads are counted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringvec-io-'));
    const path = join(dir, 'v.bin');
    writeFileSync(path, new Uint8Array(64 * 4096).fill(7));
    const metrics = IoMetrics.create();
    const layout = { path, headerBytes: 0, recordBytes: 4096, strideBytes: 4096 };
    try {
      const cold = new IoUringBatchReader(layout, { residency: 'none' }, metrics);
      const out = new Uint8Array(8 * 4096);
      await cold.read(Uint32Array.of(0, 1, 2, 3, 4, 5, 6, 7), 8, out);
      cold.close();
      const warm = new IoUringBatchReader(layout, { residency: 'mincore' }, metrics);
      assert.equal(warm.read(Uint32Array.of(0, 1, 2, 3), 4, out), undefined, 'all resident: sync');
      warm.close();
      const m = metrics.snapshot().io_uring;
      assert.equal(m.reads, 2);
      assert.equal(m.records, 12);
      assert.equal(m.deviceReads, 8);
      assert.equal(m.residencyHits, 4);
      assert.equal(m.inFlight, 0);
      assert.equal(
        m.latencyBuckets.reduce((a, b) => a + b, 0),
        2,
      );
      assert.match(
        metrics.toPrometheus(),
        /ringvec_io_residency_hits_total\{backend="io_uring"\} 4/,
      );
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  test('io_uring: records adjacent in the file and in the output are read together', async () => {
    const addon = loadAddon()!;
    const dir = mkdtempSync(join(tmpdir(), 'ringvec-io-'));
    const path = join(dir, 'v.bin');
    const record = 3072; // not a page multiple: merged reads start and end mid-page
    const header = 100;
    const bytes = randomFillSync(new Uint8Array(header + 200 * record));
    writeFileSync(path, bytes);
    // Runs (0–59: 180 KiB, more than one 128 KiB read), a descending run and duplicates (never
    // merged: not adjacent in the output), a gap, then a run again.
    const records = Uint32Array.from([
      ...Array.from({ length: 60 }, (_, i) => i),
      90,
      89,
      88,
      88,
      100,
      101,
      102,
      150,
      151,
    ]);
    const want = new Uint8Array(records.length * record);
    records.forEach((r, k) =>
      want.set(bytes.subarray(header + r * record, header + (r + 1) * record), k * record),
    );
    try {
      for (const direct of [false, true]) {
        const file = addon.ringOpen(path, direct);
        const stats = new Float64Array(4);
        const out = new Uint8Array(records.length * record);
        const pending = addon.ringRead(
          file,
          header,
          record,
          record,
          records,
          records.length,
          out,
          8,
          0, // residency 'none': every record through the ring
          stats,
        );
        await pending;
        addon.ringClose(file);
        assert.deepEqual(out, want, `direct=${direct}`);
        assert.equal(stats[1], records.length, 'every record counted as read');
        // 0–41 and 42–59 (128 KiB = 42 records), 90, 89, 88, 88, 100–102, 150–151.
        assert.equal(stats[3], 8, `reads submitted, direct=${direct}`);
      }
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  test('io_uring residency map: on a cold file, records cached since are still found', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringvec-io-'));
    const path = join(dir, 'v.bin');
    const recordBytes = 3072;
    const bytes = randomFillSync(new Uint8Array(4096 * recordBytes));
    writeFileSync(path, bytes);
    loadAddon()!.fadviseDontNeed(path);
    const layout = { path, headerBytes: 0, recordBytes, strideBytes: recordBytes };
    const metrics = IoMetrics.create();
    const reader = new IoUringBatchReader(layout, { residency: 'map' }, metrics);
    const expect = (records: Uint32Array, out: Uint8Array) =>
      records.forEach((r, k) =>
        assert.deepEqual(
          out.subarray(k * recordBytes, (k + 1) * recordBytes),
          bytes.subarray(r * recordBytes, (r + 1) * recordBytes),
          `record ${r}`,
        ),
      );
    try {
      // Records 48 pages apart: no probe window answers a later read, so after a round of 32
      // the file is probed a record at a time.
      const scattered = Uint32Array.from({ length: 64 }, (_, i) => i * 64);
      const out = new Uint8Array(64 * recordBytes);
      await reader.read(scattered, 64, out);
      expect(scattered, out);
      assert.equal(metrics.snapshot().io_uring.deviceReads, 64);
      // Another reader caches records nobody asked about yet: they are copied, not read again.
      const cached = Uint32Array.of(33, 1025, 2049, 3073);
      const fd = openSync(path, 'r');
      try {
        for (const r of cached)
          readSync(fd, new Uint8Array(recordBytes), 0, recordBytes, r * recordBytes);
      } finally {
        closeSync(fd);
      }
      out.fill(0);
      assert.equal(reader.read(cached, 4, out), undefined, 'all cached: a synchronous copy');
      expect(cached, out);
      assert.equal(metrics.snapshot().io_uring.residencyHits, 4);
      assert.equal(metrics.snapshot().io_uring.deviceReads, 64);
    } finally {
      reader.close();
      rmSync(dir, { recursive: true });
    }
  });

  test('io_uring residency map: warm files are served from the mapping, stale maps stay correct', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringvec-io-'));
    const path = join(dir, 'v.bin');
    const bytes = randomFillSync(new Uint8Array(256 * 4096));
    writeFileSync(path, bytes);
    const layout = { path, headerBytes: 0, recordBytes: 4096, strideBytes: 4096 };
    const all = Uint32Array.from({ length: 256 }, (_, i) => 255 - i);
    const want = new Uint8Array(256 * 4096);
    all.forEach((r, k) => want.set(bytes.subarray(r * 4096, (r + 1) * 4096), k * 4096));
    const reader = new IoUringBatchReader(layout, { residency: 'map' }, IoMetrics.create());
    try {
      const out = new Uint8Array(256 * 4096);
      // The file was just written, so it is cached: mincore says so on the first read and the map
      // remembers it; every read is then a synchronous copy from the mapping.
      for (let i = 0; i < 3; i++) assert.equal(reader.read(all, 256, out), undefined);
      out.fill(0);
      assert.equal(reader.read(all, 256, out), undefined);
      assert.deepEqual(out, want);
      // Evicted behind the map's back: copies fault the pages back in, bytes stay right.
      loadAddon()!.fadviseDontNeed(path);
      out.fill(0);
      await reader.read(all, 256, out);
      assert.deepEqual(out, want);
      // Truncated behind the map's back: an error, not SIGBUS.
      truncateSync(path, 100 * 4096);
      await assert.rejects(
        async () => reader.read(Uint32Array.of(200), 1, out),
        /byte offset 819200/,
      );
    } finally {
      reader.close();
      rmSync(dir, { recursive: true });
    }
  });
}
