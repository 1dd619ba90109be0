import assert from 'node:assert/strict';
import {
  appendFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { WriteAheadLog } from './wal.js';

function dir(): string {
  return mkdtempSync(join(tmpdir(), 'ringvec-wal-'));
}

function body(n: number, size = 16): Uint8Array {
  return new Uint8Array(size).fill(n & 0xff);
}

test('records survive a reopen in order', async () => {
  const path = dir();
  const { wal } = WriteAheadLog.open(path, 1 << 20, 0);
  for (let op = 1; op <= 100; op++) wal.append(op, body(op));
  await wal.sync();
  await wal.close();
  const { wal: reopened, records } = WriteAheadLog.open(path, 1 << 20, 0);
  assert.equal(records.length, 100);
  assert.deepEqual(
    records.map((r) => r.op),
    Array.from({ length: 100 }, (_, i) => i + 1),
  );
  assert.deepEqual(new Uint8Array(records[41]!.body), body(42));
  assert.equal(reopened.lastOp, 100);
  await reopened.close();
});

test('only operations after the flushed one are replayed', async () => {
  const path = dir();
  const { wal } = WriteAheadLog.open(path, 1 << 20, 0);
  for (let op = 1; op <= 10; op++) wal.append(op, body(op));
  await wal.close();
  const { wal: reopened, records } = WriteAheadLog.open(path, 1 << 20, 7);
  assert.deepEqual(
    records.map((r) => r.op),
    [8, 9, 10],
  );
  await reopened.close();
});

test('a torn tail is dropped and appends continue cleanly', async () => {
  const path = dir();
  const { wal } = WriteAheadLog.open(path, 1 << 20, 0);
  for (let op = 1; op <= 5; op++) wal.append(op, body(op, 100));
  await wal.close();
  const file = join(path, readdirSync(path)[0]!);
  const size = statSync(file).size;
  // a record cut in the middle: header says 100 bytes, only 10 follow
  appendFileSync(
    file,
    Buffer.from([100, 0, 0, 0, 1, 2, 3, 4, 6, 0, 0, 0, 0, 0, 0, 0, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9]),
  );
  const { wal: reopened, records } = WriteAheadLog.open(path, 1 << 20, 0);
  assert.equal(records.length, 5);
  assert.equal(statSync(file).size, size, 'the torn bytes are truncated away');
  reopened.append(6, body(6, 100));
  await reopened.close();
  const { wal: third, records: again } = WriteAheadLog.open(path, 1 << 20, 0);
  assert.deepEqual(
    again.map((r) => r.op),
    [1, 2, 3, 4, 5, 6],
  );
  await third.close();
});

test('a record with a bad checksum ends the log', async () => {
  const path = dir();
  const { wal } = WriteAheadLog.open(path, 1 << 20, 0);
  for (let op = 1; op <= 5; op++) wal.append(op, body(op, 32));
  await wal.close();
  const file = join(path, readdirSync(path)[0]!);
  const bytes = readFileSync(file);
  const recordBytes = 16 + 32;
  bytes[recordBytes * 3 + 20] = bytes[recordBytes * 3 + 20]! ^ 0xff; // corrupt record 4 body
  writeFileSync(file, bytes);
  const { wal: reopened, records } = WriteAheadLog.open(path, 1 << 20, 0);
  assert.deepEqual(
    records.map((r) => r.op),
    [1, 2, 3],
  );
  assert.equal(reopened.lastOp, 3);
  await reopened.close();
});

test('files rotate at capacity and truncate once flushed', async () => {
  const path = dir();
  const { wal } = WriteAheadLog.open(path, 4096, 0);
  for (let op = 1; op <= 200; op++) wal.append(op, body(op, 100));
  await wal.sync();
  const files = readdirSync(path).length;
  assert.ok(files > 3, `expected several files, got ${files}`);
  wal.truncate(150);
  const { records } = WriteAheadLog.open(path, 4096, 150);
  assert.deepEqual(
    records.map((r) => r.op),
    Array.from({ length: 50 }, (_, i) => i + 151),
  );
  assert.ok(readdirSync(path).length < files);
  wal.truncate(200);
  await wal.close();
  const { wal: last, records: none } = WriteAheadLog.open(path, 4096, 200);
  assert.equal(none.length, 0);
  await last.close();
});

test('concurrent syncs share fsyncs and all resolve', async () => {
  const path = dir();
  const { wal } = WriteAheadLog.open(path, 1 << 20, 0);
  const pending: Promise<void>[] = [];
  for (let op = 1; op <= 50; op++) {
    wal.append(op, body(op));
    pending.push(wal.sync());
  }
  await Promise.all(pending);
  await wal.close();
  assert.equal(WriteAheadLog.open(path, 1 << 20, 0).records.length, 50);
});
