// The one test suite every BatchReader passes (mmap, pread, io_uring), run by each backend's
// *.test.ts with its own factory: identical bytes to a reference for random, duplicated, large
// and concurrent batches, clear errors naming file and offset (out of range, file truncated
// underneath), reads while signals are delivered, queue depths 1 and 256, reads from a
// worker_thread, and readRange.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { appendFileSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { isRingvecError } from '../common/errors.js';
import { loadAddon } from '../native/addon.js';
import type { BatchReadOptions, BatchReader, IoBackend, RecordFileLayout } from './batch-reader.js';

export type BatchReaderFactory = (
  layout: RecordFileLayout,
  options: BatchReadOptions,
) => BatchReader;

export interface SuiteOptions {
  /** The backend the worker_thread case opens (it cannot receive the factory itself). */
  readonly workerBackend: IoBackend;
  /** Options the worker case passes to that backend's constructor. */
  readonly workerOptions?: Record<string, unknown>;
  /** Runs each case with O_DIRECT on and off (only io_uring distinguishes them). */
  readonly direct: readonly boolean[];
}

interface Fixture {
  readonly dir: string;
  readonly layout: RecordFileLayout;
  readonly bytes: Uint8Array;
  readonly records: number;
}

const LAYOUTS = [
  { headerBytes: 4096, recordBytes: 3072, strideBytes: 3072, records: 1200 },
  { headerBytes: 100, recordBytes: 1000, strideBytes: 1024, records: 700 },
];

function makeFixture(shape: (typeof LAYOUTS)[number]): Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'ringvec-io-'));
  const path = join(dir, 'vectors.bin');
  const size = shape.headerBytes + shape.records * shape.strideBytes;
  const bytes = randomFillSync(new Uint8Array(size));
  writeFileSync(path, bytes);
  return {
    dir,
    layout: {
      path,
      headerBytes: shape.headerBytes,
      recordBytes: shape.recordBytes,
      strideBytes: shape.strideBytes,
    },
    bytes,
    records: shape.records,
  };
}

/** Drops the file from the page cache so reads really go to the device (if the addon can). */
function dropCache(path: string): void {
  loadAddon()?.fadviseDontNeed(path);
}

function expected(f: Fixture, records: ArrayLike<number>): Uint8Array {
  const { headerBytes, strideBytes, recordBytes } = f.layout;
  const out = new Uint8Array(records.length * recordBytes);
  for (let k = 0; k < records.length; k++) {
    const start = headerBytes + records[k]! * strideBytes;
    out.set(f.bytes.subarray(start, start + recordBytes), k * recordBytes);
  }
  return out;
}

function randomRecords(count: number, limit: number, seed: number): Uint32Array {
  let s = seed >>> 0 || 1;
  return Uint32Array.from({ length: count }, () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % limit;
  });
}

async function readAll(reader: BatchReader, records: Uint32Array): Promise<Uint8Array> {
  const out = new Uint8Array(records.length * reader.layout.recordBytes);
  await reader.read(records, records.length, out);
  return out;
}

/** Runs fn and returns what it threw or rejected with (fails if it succeeded). */
async function failure(fn: () => Promise<void> | undefined): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    return error as Error;
  }
  assert.fail('expected the read to fail');
}

function assertServiceError(error: Error, path: string, offset: number): void {
  assert.ok(isRingvecError(error), `expected a RingvecError, got ${error.name}: ${error.message}`);
  assert.equal(error.code, 'service');
  assert.ok(error.message.includes(path), `message names the file: ${error.message}`);
  assert.ok(
    error.message.includes(`byte offset ${offset}`),
    `message names byte offset ${offset}: ${error.message}`,
  );
}

export function runBatchReaderSuite(
  name: string,
  factory: BatchReaderFactory,
  suite: SuiteOptions,
): void {
  for (const direct of suite.direct) {
    const label = suite.direct.length > 1 ? `${name} (direct=${direct})` : name;
    const open = (f: Fixture, queueDepth = 32): BatchReader =>
      factory(f.layout, { queueDepth, direct });

    for (const shape of LAYOUTS) {
      const shapeLabel = `${label} [record ${shape.recordBytes} B, stride ${shape.strideBytes} B]`;

      test(`${shapeLabel}: random batches match the reference, warm and cold`, async () => {
        const f = makeFixture(shape);
        const reader = open(f);
        try {
          for (const [i, size] of [1, 10, 40, 333].entries()) {
            if (i % 2 === 0) dropCache(f.layout.path);
            const records = randomRecords(size, f.records, 17 + i);
            assert.deepEqual(await readAll(reader, records), expected(f, records));
          }
        } finally {
          reader.close();
          rmSync(f.dir, { recursive: true });
        }
      });

      test(`${shapeLabel}: readRange matches the reference`, async () => {
        const f = makeFixture(shape);
        const reader = open(f);
        try {
          dropCache(f.layout.path);
          for (const [first, count] of [
            [0, 1],
            [3, 50],
            [0, f.records],
            [f.records - 7, 7],
          ] as const) {
            const out = new Uint8Array(count * f.layout.recordBytes);
            await reader.readRange(first, count, out);
            const records = Uint32Array.from({ length: count }, (_, i) => first + i);
            assert.deepEqual(out, expected(f, records), `range ${first}+${count}`);
          }
          const error = await failure(() =>
            reader.readRange(f.records - 1, 2, new Uint8Array(2 * f.layout.recordBytes)),
          );
          assert.ok(isRingvecError(error) && error.message.includes(f.layout.path), error.message);
        } finally {
          reader.close();
          rmSync(f.dir, { recursive: true });
        }
      });
    }

    const shape = LAYOUTS[0]!;

    test(`${label}: duplicates, empty batches and output offsets`, async () => {
      const f = makeFixture(shape);
      const reader = open(f);
      try {
        const records = Uint32Array.of(5, 5, 0, 5, f.records - 1, 0, 5);
        assert.deepEqual(await readAll(reader, records), expected(f, records));
        assert.equal(await reader.read(new Uint32Array(0), 0, new Uint8Array(0)), undefined);
        // count below records.length reads only the first `count`
        const out = new Uint8Array(2 * f.layout.recordBytes);
        await reader.read(Uint32Array.of(9, 8, 7), 2, out);
        assert.deepEqual(out, expected(f, [9, 8]));
      } finally {
        reader.close();
        rmSync(f.dir, { recursive: true });
      }
    });

    test(`${label}: a record past the end is a service error naming file and offset`, async () => {
      const f = makeFixture(shape);
      const reader = open(f);
      try {
        const record = f.records + 10;
        const offset = shape.headerBytes + record * shape.strideBytes;
        const out = new Uint8Array(2 * shape.recordBytes);
        const error = await failure(() => reader.read(Uint32Array.of(1, record), 2, out));
        assertServiceError(error, f.layout.path, offset);
        // the reader still works afterwards
        assert.deepEqual(await readAll(reader, Uint32Array.of(3)), expected(f, [3]));
      } finally {
        reader.close();
        rmSync(f.dir, { recursive: true });
      }
    });

    test(`${label}: a file truncated underneath gives an error, not a crash`, async () => {
      const f = makeFixture(shape);
      const reader = open(f);
      try {
        assert.deepEqual(await readAll(reader, Uint32Array.of(1000)), expected(f, [1000]));
        const keep = 500;
        truncateSync(f.layout.path, shape.headerBytes + keep * shape.strideBytes);
        const offset = shape.headerBytes + 1000 * shape.strideBytes;
        const error = await failure(() =>
          reader.read(Uint32Array.of(1000), 1, new Uint8Array(shape.recordBytes)),
        );
        assertServiceError(error, f.layout.path, offset);
        assert.deepEqual(await readAll(reader, Uint32Array.of(keep - 1)), expected(f, [keep - 1]));
      } finally {
        reader.close();
        rmSync(f.dir, { recursive: true });
      }
    });

    test(`${label}: records appended after opening are readable`, async () => {
      const f = makeFixture(shape);
      const reader = open(f);
      try {
        const extra = randomFillSync(new Uint8Array(3 * shape.strideBytes));
        appendFileSync(f.layout.path, extra);
        const grown: Fixture = {
          ...f,
          bytes: Buffer.concat([f.bytes, extra]),
          records: f.records + 3,
        };
        const records = Uint32Array.of(f.records + 2, 0, f.records);
        assert.deepEqual(await readAll(reader, records), expected(grown, records));
      } finally {
        reader.close();
        rmSync(f.dir, { recursive: true });
      }
    });

    test(`${label}: queue depth 1 and 256, and a 10k-record batch`, async () => {
      const f = makeFixture(shape);
      try {
        for (const queueDepth of [1, 256]) {
          const reader = open(f, queueDepth);
          dropCache(f.layout.path);
          const records = randomRecords(300, f.records, queueDepth);
          assert.deepEqual(
            await readAll(reader, records),
            expected(f, records),
            `qd ${queueDepth}`,
          );
          reader.close();
        }
        const reader = open(f, 64);
        dropCache(f.layout.path);
        const records = randomRecords(10_000, f.records, 99);
        assert.deepEqual(await readAll(reader, records), expected(f, records));
        reader.close();
      } finally {
        rmSync(f.dir, { recursive: true });
      }
    });

    test(`${label}: many concurrent reads interleave correctly`, async () => {
      const f = makeFixture(shape);
      const reader = open(f, 8);
      try {
        dropCache(f.layout.path);
        const batches = Array.from({ length: 40 }, (_, i) =>
          randomRecords(1 + ((i * 7) % 60), f.records, 1000 + i),
        );
        const outs = batches.map((b) => new Uint8Array(b.length * shape.recordBytes));
        await Promise.all(batches.map((b, i) => reader.read(b, b.length, outs[i]!)));
        batches.forEach((b, i) => assert.deepEqual(outs[i], expected(f, b), `batch ${i}`));
      } finally {
        reader.close();
        rmSync(f.dir, { recursive: true });
      }
    });

    test(`${label}: reads stay correct while signals are delivered`, async () => {
      const f = makeFixture(shape);
      const reader = open(f, 16);
      let signals = 0;
      const onSignal = (): void => {
        signals++;
      };
      process.on('SIGUSR2', onSignal);
      const sender = spawn(
        'sh',
        ['-c', `while kill -USR2 ${process.pid} 2>/dev/null; do :; done`],
        {
          stdio: 'ignore',
        },
      );
      try {
        const start = Date.now();
        let round = 0;
        // At least 400 ms, and until a signal was handled (5 s at most).
        while ((Date.now() - start < 400 || signals === 0) && Date.now() - start < 5000) {
          if (round % 3 === 0) dropCache(f.layout.path);
          const records = randomRecords(200, f.records, 5000 + round++);
          assert.deepEqual(await readAll(reader, records), expected(f, records));
          // Synchronous backends never return to the event loop by themselves; signal handlers
          // run from it.
          await new Promise((resolve) => setImmediate(resolve));
        }
        assert.ok(signals > 0, 'signals were delivered during the reads');
      } finally {
        sender.kill('SIGKILL');
        process.off('SIGUSR2', onSignal);
        reader.close();
        rmSync(f.dir, { recursive: true });
      }
    });

    test(`${label}: reads from a worker_thread, and a worker exiting with reads in flight`, async () => {
      const f = makeFixture(shape);
      try {
        const records = randomRecords(500, f.records, 4242);
        const run = (exitEarly: boolean): Promise<{ bytes: Uint8Array | null; code: number }> =>
          new Promise((resolve, reject) => {
            const worker = new Worker(new URL('./batch-reader.worker-case.js', import.meta.url), {
              workerData: {
                backend: suite.workerBackend,
                options: { ...suite.workerOptions, direct, queueDepth: 16 },
                layout: f.layout,
                records,
                exitEarly,
              },
            });
            let bytes: Uint8Array | null = null;
            worker.on('message', (m: Uint8Array) => (bytes = m));
            worker.on('error', reject);
            worker.on('exit', (code) => resolve({ bytes, code }));
          });
        dropCache(f.layout.path);
        const normal = await run(false);
        assert.equal(normal.code, 0);
        assert.deepEqual(normal.bytes, expected(f, records));
        dropCache(f.layout.path);
        const early = await run(true);
        assert.equal(early.code, 0);
        // this thread is unaffected
        const reader = open(f);
        assert.deepEqual(await readAll(reader, records), expected(f, records));
        reader.close();
      } finally {
        rmSync(f.dir, { recursive: true });
      }
    });

    test(`${label}: reads after close throw`, async () => {
      const f = makeFixture(shape);
      const reader = open(f);
      reader.close();
      reader.close();
      try {
        const error = await failure(() =>
          reader.read(Uint32Array.of(0), 1, new Uint8Array(shape.recordBytes)),
        );
        assert.ok(isRingvecError(error) && error.code === 'service', error.message);
      } finally {
        rmSync(f.dir, { recursive: true });
      }
    });
  }
}
