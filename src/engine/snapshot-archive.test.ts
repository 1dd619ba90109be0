// The snapshot archive on its own: write → extract round trip (byte-exact prefixes of growing
// files, long names through pax headers), the archive checksum, path checks, and what is left
// behind when writing fails.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { RingvecError } from '../common/errors.js';
import {
  HEADER_ENTRY,
  TRAILER_ENTRY,
  extractSnapshotArchive,
  safeEntryPath,
  writeSnapshotArchive,
  type ArchiveEntry,
} from './snapshot-archive.js';

const dir = mkdtempSync(join(tmpdir(), 'ringvec-archive-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const header = {
  kind: 'collection' as const,
  ringvec_version: '0.0.0-test',
  qdrant_api_version: '1.19.0',
  collection: 'c',
  created_at: '2024-01-02T03:04:05.000Z',
};

test('write then extract: only the declared prefix of each file, names of any length', async () => {
  const growing = join(dir, 'growing.bin');
  const content = Buffer.alloc(3 * 1024 * 1024 + 17);
  for (let i = 0; i < content.length; i++) content[i] = (i * 31) & 0xff;
  writeFileSync(growing, content);
  const longName = `segments/${'x'.repeat(140)}/${'y'.repeat(120)}.bin`;
  const entries: ArchiveEntry[] = [
    { kind: 'data', name: 'collection.json', data: Buffer.from('{"a":1}') },
    { kind: 'directory', name: 'segments' },
    { kind: 'file', name: 'segments/s1/vectors.bin', path: growing, size: 2 * 1024 * 1024 + 5 },
    { kind: 'file', name: 'wal/empty.log', path: growing, size: 0 },
    { kind: 'file', name: longName, path: growing, size: 513 },
  ];
  const archivePath = join(dir, 'a.snapshot');
  const written = await writeSnapshotArchive(archivePath, header, entries);
  const bytes = readFileSync(archivePath);
  assert.equal(written.sizeBytes, bytes.length);
  assert.equal(written.sha256, createHash('sha256').update(bytes).digest('hex'));
  assert.equal(bytes.length % 512, 0);

  const target = join(dir, 'out');
  const extracted = await extractSnapshotArchive(
    createReadStream(archivePath),
    target,
    'collection',
  );
  assert.equal(extracted.sha256, written.sha256);
  assert.equal(extracted.header.collection, 'c');
  assert.equal(extracted.header.format_version, 1);
  assert.deepEqual(
    extracted.header.files.map((f) => [f.name, f.size]),
    [
      ['collection.json', 7],
      ['segments/s1/vectors.bin', 2 * 1024 * 1024 + 5],
      ['wal/empty.log', 0],
      [longName, 513],
    ],
  );
  assert.deepEqual(
    readFileSync(join(target, 'segments/s1/vectors.bin')),
    content.subarray(0, 2 * 1024 * 1024 + 5),
  );
  assert.deepEqual(readFileSync(join(target, longName)), content.subarray(0, 513));
  assert.equal(readFileSync(join(target, 'wal/empty.log')).length, 0);
  // Header and trailer are checked in memory, not left among the collection's files.
  assert.ok(!existsSync(join(target, HEADER_ENTRY)));
  assert.ok(!existsSync(join(target, TRAILER_ENTRY)));

  await assert.rejects(
    extractSnapshotArchive(createReadStream(archivePath), target, 'full'),
    (error: RingvecError) => /EEXIST/.test(String((error as Error).message)),
  );
  await assert.rejects(
    extractSnapshotArchive(createReadStream(archivePath), join(dir, 'out2'), 'full'),
    /it is a collection snapshot, expected a full snapshot/,
  );
});

test('a source shorter than its declared size fails and leaves no file', async () => {
  const short = join(dir, 'short.bin');
  writeFileSync(short, Buffer.alloc(100));
  const archivePath = join(dir, 'short.snapshot');
  await assert.rejects(
    writeSnapshotArchive(archivePath, header, [
      { kind: 'file', name: 'x.bin', path: short, size: 200 },
    ]),
    /ended at 100 bytes, expected 200/,
  );
  assert.ok(!existsSync(archivePath));
});

test('an archive is never written over an existing file', async () => {
  const archivePath = join(dir, 'exists.snapshot');
  writeFileSync(archivePath, 'keep me');
  await assert.rejects(writeSnapshotArchive(archivePath, header, []), /EEXIST/);
  assert.equal(readFileSync(archivePath, 'utf8'), 'keep me');
});

test('entry paths: relative and inside, or refused with the reason', () => {
  assert.deepEqual(safeEntryPath('segments/a/b.bin'), { path: 'segments/a/b.bin' });
  assert.deepEqual(safeEntryPath('./segments//a/./b.bin'), { path: 'segments/a/b.bin' });
  assert.deepEqual(safeEntryPath('wal/'), { path: 'wal' });
  for (const [path, problem] of [
    ['../evil', /outside/],
    ['segments/../../evil', /outside/],
    ['a/..', /outside/],
    ['/etc/passwd', /absolute/],
    ['C:/windows', /absolute/],
    ['a\\..\\b', /backslash/],
    ['a\0b', /NUL/],
    ['', /empty/],
    ['./', /empty/],
  ] as const) {
    const checked = safeEntryPath(path);
    assert.ok('problem' in checked, path);
    assert.match(checked.problem, problem, path);
  }
});
