// Batch read latency per backend: random batches of fixed-size records from one file, warm
// (whole file in the page cache) and cold (file dropped with posix_fadvise(DONTNEED) before each
// batch; readers are reopened so no mapping keeps pages alive). Prints a table and writes JSON to
// bench/results/batch-read.json.
//
// Run: npx tsc -p tsconfig.json --outDir .tmp/bench && node .tmp/bench/bench/batch-read.js
//   env BENCH_FILE_MB (default 1024), BENCH_RECORD_BYTES (3072), BENCH_BATCHES (10,40,1000),
//   BENCH_CACHE (warm,cold), BENCH_VARIANTS (substrings of backend names, comma-separated)
import {
  mkdirSync,
  openSync,
  closeSync,
  writeSync,
  statSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { randomFillSync } from 'node:crypto';
import { cpus, release } from 'node:os';
import { join } from 'node:path';
import { loadAddon } from '../src/native/addon.js';
import { packageRoot } from '../src/common/package-root.js';
import type { BatchReader, RecordFileLayout } from '../src/storage-io/batch-reader.js';
import { MmapBatchReader } from '../src/storage-io/mmap-batch-reader.js';
import { PreadBatchReader } from '../src/storage-io/pread-batch-reader.js';
import {
  IoUringBatchReader,
  type ResidencyCheck,
} from '../src/storage-io/io-uring-batch-reader.js';
import { probeIoUring } from '../src/native/io-uring-probe.js';

const addon = loadAddon();
if (addon === null) throw new Error('bench/batch-read needs the native addon');

const recordBytes = Number(process.env['BENCH_RECORD_BYTES'] ?? 3072);
const fileBytes = Number(process.env['BENCH_FILE_MB'] ?? 1024) * 2 ** 20;
const batches = (process.env['BENCH_BATCHES'] ?? '10,40,1000').split(',').map(Number);
const records = Math.floor(fileBytes / recordBytes);
const dir = join(packageRoot(), 'bench', 'results');
mkdirSync(dir, { recursive: true });
const path = join(dir, `batch-read-${recordBytes}.bin`);

function ensureFile(): void {
  try {
    if (statSync(path).size === records * recordBytes) return;
  } catch {
    // create it
  }
  const fd = openSync(path, 'w');
  const chunk = new Uint8Array(8 << 20);
  for (let written = 0; written < records * recordBytes; written += chunk.length) {
    randomFillSync(chunk);
    writeSync(fd, chunk, 0, Math.min(chunk.length, records * recordBytes - written));
  }
  closeSync(fd);
}

interface Variant {
  readonly name: string;
  open(layout: RecordFileLayout, queueDepth: number): BatchReader;
}

const variants: Variant[] = [
  { name: 'mmap', open: (l) => new MmapBatchReader(l) },
  { name: 'pread (libuv pool)', open: (l, qd) => new PreadBatchReader(l, { queueDepth: qd }) },
];
if (probeIoUring().available) {
  const residencies: ResidencyCheck[] = ['map', 'mincore', 'nowait', 'none'];
  for (const direct of [false, true]) {
    for (const residency of residencies) {
      variants.push({
        name: `io_uring ${direct ? 'O_DIRECT' : 'buffered'} residency=${residency}`,
        open: (l, qd) => new IoUringBatchReader(l, { queueDepth: qd, direct, residency }),
      });
    }
  }
}

const only = process.env['BENCH_VARIANTS']?.split(',');
if (only !== undefined) {
  const keep = variants.filter((v) => only.some((o) => v.name.includes(o)));
  variants.length = 0;
  variants.push(...keep);
}

function randomBatch(size: number): Uint32Array {
  return Uint32Array.from({ length: size }, () => Math.floor(Math.random() * records));
}

async function timed(reader: BatchReader, batch: Uint32Array, out: Uint8Array): Promise<number> {
  const start = process.hrtime.bigint();
  await reader.read(batch, batch.length, out);
  return Number(process.hrtime.bigint() - start) / 1000;
}

function stats(samples: number[]): { median: number; p90: number; mean: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return {
    median: at(0.5),
    p90: at(0.9),
    mean: samples.reduce((a, b) => a + b, 0) / samples.length,
  };
}

ensureFile();
const layout: RecordFileLayout = { path, headerBytes: 0, recordBytes, strideBytes: recordBytes };
const rows: Record<string, unknown>[] = [];
console.log(
  `file ${(records * recordBytes) / 2 ** 20} MiB, ${records} records of ${recordBytes} B; ${cpus()[0]?.model ?? '?'} ×${cpus().length}; Linux ${release()}`,
);
console.log('| cache | batch | backend | median µs | p90 µs | mean µs | µs/record |');
console.log('|---|---:|---|---:|---:|---:|---:|');
const caches = (process.env['BENCH_CACHE'] ?? 'warm,cold').split(',') as ('warm' | 'cold')[];
for (const cache of caches) {
  for (const size of batches) {
    const iterations = cache === 'warm' ? (size >= 1000 ? 100 : 1000) : size >= 1000 ? 8 : 40;
    const queueDepth = Math.min(size, 128);
    for (const variant of variants) {
      const out = new Uint8Array(size * recordBytes);
      const samples: number[] = [];
      if (cache === 'warm') {
        // Re-read the whole file before each variant: some hosts page out idle page cache
        // (DAMON reclaim here pages out what was not touched for ~60 s).
        readFileSync(path);
        const reader = variant.open(layout, queueDepth);
        for (let i = 0; i < 20; i++) await reader.read(randomBatch(size), size, out);
        // Steady state: let background work started by the first reads (residency scan) land.
        await new Promise((resolve) => setTimeout(resolve, 100));
        for (let i = 0; i < iterations; i++)
          samples.push(await timed(reader, randomBatch(size), out));
        reader.close();
      } else {
        for (let i = 0; i < iterations; i++) {
          const reader = variant.open(layout, queueDepth);
          addon.fadviseDontNeed(path);
          samples.push(await timed(reader, randomBatch(size), out));
          reader.close();
        }
      }
      const s = stats(samples);
      rows.push({ cache, batch: size, backend: variant.name, ...s });
      console.log(
        `| ${cache} | ${size} | ${variant.name} | ${s.median.toFixed(1)} | ${s.p90.toFixed(1)} | ${s.mean.toFixed(1)} | ${(s.median / size).toFixed(2)} |`,
      );
    }
  }
}
writeFileSync(
  join(dir, 'batch-read.json'),
  JSON.stringify({ recordBytes, records, rows }, null, 2),
);
