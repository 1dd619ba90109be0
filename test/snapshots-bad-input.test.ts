// Snapshot endpoints under bad input: unknown collections and snapshots, names that are paths,
// wrong checksums, truncated, damaged and foreign archives, hostile tar entries (../, absolute
// paths, symbolic and hard links), locations outside snapshots_path, incompatible snapshots, and
// a full disk while writing a snapshot or recovering one. Every failed recovery must leave the
// existing collection as it was and no partial file behind.

import assert from 'node:assert/strict';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  craftTar,
  createCollection,
  download,
  errorOf,
  fill,
  headerEntry,
  mountTmpfs,
  pointsCount,
  scrollAll,
  snapshotsPath,
  uploadSnapshot,
  type StoredPoint,
} from './helpers/snapshot-helpers.js';
import {
  http,
  removeDir,
  startTestServer,
  tempDir,
  type TestServer,
} from './helpers/test-server.js';

const DIM = 8;

/** A request whose path is sent byte for byte (fetch would normalise `..` and `%2E%2E`). */
function raw(url: string, method: string, path: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, method, path }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A port nothing listens on (bound once, then released). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Offset of the tar header block of entry `name` in an archive we wrote (ustar, short names). */
function entryOffset(archive: Buffer, name: string): number {
  for (let offset = 0; offset + 512 <= archive.length; offset += 512) {
    if (archive.subarray(offset, offset + name.length).toString() === name) {
      const after = archive[offset + name.length];
      if (after === 0) return offset;
    }
  }
  throw new Error(`no entry ${name}`);
}

describe('snapshot endpoints with bad input', () => {
  let server: TestServer;
  let archive: Buffer;
  let snapshotName: string;
  let checksum: string;
  let original: StoredPoint[];
  const tempDirs: string[] = [];

  before(async () => {
    server = await startTestServer();
    tempDirs.push(server.storagePath, snapshotsPath(server));
    await createCollection(server.url, 'source', DIM);
    await fill(server.url, 'source', 400, DIM, 1);
    const res = await http(server.url, 'POST', '/collections/source/snapshots');
    assert.equal(res.status, 200, res.text);
    ({ name: snapshotName, checksum } = (
      res.body as { result: { name: string; checksum: string } }
    ).result);
    archive = await download(server.url, `/collections/source/snapshots/${snapshotName}`);
    // The collection every failed recovery aims at; it must stay as it is.
    await createCollection(server.url, 'target', DIM);
    await fill(server.url, 'target', 150, DIM, 2);
    original = await scrollAll(server.url, 'target');
  });
  after(async () => {
    await server.close();
    tempDirs.forEach(removeDir);
  });

  /** The target is unchanged and no extraction folder, spool or partial file is left. */
  async function assertNothingChanged(): Promise<void> {
    assert.deepEqual(await scrollAll(server.url, 'target'), original);
    const recovery = join(server.storagePath, '.snapshot-recovery');
    if (existsSync(recovery)) assert.deepEqual(readdirSync(recovery), []);
    const spool = join(server.storagePath, 'snapshots_temp');
    if (existsSync(spool)) assert.deepEqual(readdirSync(spool), []);
    for (const dir of ['target', 'ghost']) {
      const path = join(snapshotsPath(server), dir);
      if (existsSync(path)) assert.deepEqual(readdirSync(path), []);
    }
    assert.equal((await http(server.url, 'GET', '/collections/ghost')).status, 404);
  }

  async function uploadExpect400(data: Buffer, pattern: RegExp, into = 'target'): Promise<void> {
    const res = await uploadSnapshot(server.url, into, data, 'bad.snapshot');
    assert.equal(res.status, 400, res.text);
    assert.match(errorOf(res), pattern);
    await assertNothingChanged();
  }

  test('unknown collection: 404 with Qdrant’s message', async () => {
    for (const [method, path] of [
      ['GET', '/collections/nope/snapshots'],
      ['POST', '/collections/nope/snapshots'],
      ['GET', '/collections/nope/snapshots/x.snapshot'],
      ['DELETE', '/collections/nope/snapshots/x.snapshot'],
    ] as const) {
      const res = await http(server.url, method, path);
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal(errorOf(res), "Not found: Collection `nope` doesn't exist!");
    }
  });

  test('unknown snapshot: 404', async () => {
    for (const [method, path] of [
      ['GET', '/collections/source/snapshots/missing.snapshot'],
      ['DELETE', '/collections/source/snapshots/missing.snapshot'],
      ['GET', '/snapshots/missing.snapshot'],
      ['DELETE', '/snapshots/missing.snapshot'],
    ] as const) {
      const res = await http(server.url, method, path);
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal(errorOf(res), 'Not found: Snapshot missing.snapshot not found');
    }
  });

  test('snapshot names that are paths: 400, nothing read or deleted', async () => {
    for (const name of [
      '..%2F..%2Fcollections%2Fsource%2Fcollection.json',
      'a%2Fb.snapshot',
      '%2E%2E',
      '..%5Csource',
    ]) {
      for (const method of ['GET', 'DELETE']) {
        for (const base of ['/collections/source/snapshots/', '/snapshots/']) {
          const res = await raw(server.url, method, base + name);
          assert.equal(res.status, 400, `${method} ${base}${name}: ${res.body}`);
          assert.match(res.body, /Invalid snapshot name/);
        }
      }
    }
    // A symbolic link inside the snapshots folder that leads out of it is not a snapshot.
    symlinkSync('/etc/hostname', join(snapshotsPath(server), 'source', 'link.snapshot'));
    const res = await http(server.url, 'GET', '/collections/source/snapshots/link.snapshot');
    assert.equal(res.status, 404);
    assert.equal(
      (await http(server.url, 'GET', `/collections/source/snapshots/${snapshotName}`)).status,
      200,
    );
  });

  test('wrong checksum: 400 and nothing changed (recover and upload)', async () => {
    const wrong = 'ab'.repeat(32);
    const res = await http(server.url, 'PUT', '/collections/target/snapshots/recover', {
      location: `file://${join(snapshotsPath(server), 'source', snapshotName)}`,
      checksum: wrong,
    });
    assert.equal(res.status, 400, res.text);
    assert.equal(
      errorOf(res),
      `Wrong input: Snapshot checksum mismatch: expected ${wrong}, got ${checksum}`,
    );
    await assertNothingChanged();

    const upload = await uploadSnapshot(
      server.url,
      'target',
      archive,
      'some.snapshot',
      `?checksum=${wrong}`,
    );
    assert.equal(upload.status, 400, upload.text);
    assert.equal(errorOf(upload), `Checksum mismatch: expected ${checksum}, actual ${wrong}`);
    await assertNothingChanged();
    // Into a name that does not exist: nothing is created either.
    const ghost = await uploadSnapshot(
      server.url,
      'ghost',
      archive,
      'g.snapshot',
      `?checksum=${wrong}`,
    );
    assert.equal(ghost.status, 400);
    await assertNothingChanged();
  });

  test('truncated archives: 400 saying so', async () => {
    await uploadExpect400(archive.subarray(0, Math.floor(archive.length / 2)), /Truncated input/);
    // Cut exactly at an entry boundary, before the trailer: tar alone cannot tell.
    const trailer = entryOffset(archive, 'ringvec-snapshot.sha256');
    await uploadExpect400(archive.subarray(0, trailer), /truncated: its trailer .* is missing/);
    await uploadExpect400(archive.subarray(0, 700), /Truncated input|truncated/, 'ghost');
    await uploadExpect400(Buffer.alloc(0), /Unrecognized archive format/);
  });

  test('damaged and foreign archives: 400 saying what is wrong', async () => {
    const damaged = Buffer.from(archive);
    const ids = archive.indexOf(Buffer.from('/ids.bin\0'));
    assert.ok(ids > 0);
    const idsHeader = ids - (ids % 512);
    damaged[idsHeader + 512 + 3]! ^= 0xff;
    await uploadExpect400(damaged, /ids\.bin" is damaged: its sha256 does not match/);

    const badHeader = Buffer.from(archive);
    badHeader[entryOffset(badHeader, 'collection.json') + 124]! ^= 0x01;
    await uploadExpect400(badHeader, /checksum failure|TAR_ENTRY_INVALID/);

    const noise = Buffer.alloc(64 * 1024);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919) & 0xff;
    await uploadExpect400(noise, /Snapshot archive is invalid/);

    // A tar that is not a ringvec snapshot (say, Qdrant's own format).
    await uploadExpect400(
      craftTar([
        { path: 'config.json', data: '{}' },
        { path: '0/segments/x', data: 'y' },
      ]),
      /not a ringvec snapshot: it starts with "config.json"/,
    );
    // An entry the header does not list.
    await uploadExpect400(
      craftTar([headerEntry([]), { path: 'extra.bin', data: 'x' }]),
      /"extra.bin" is not listed|trailer .* is missing/,
    );
    // A well-formed archive whose collection does not load.
    await uploadExpect400(
      craftTar([
        headerEntry([{ name: 'collection.json', size: 2 }]),
        { path: 'collection.json', data: '{}' },
        {
          path: 'ringvec-snapshot.sha256',
          data: '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a  collection.json\n',
        },
      ]),
      /the collection in it does not load/,
    );
  });

  test('hostile entries: ../, absolute paths, symbolic and hard links are refused', async () => {
    const cases: [Parameters<typeof craftTar>[0], RegExp][] = [
      [
        [headerEntry([{ name: '../evil', size: 4 }]), { path: '../evil', data: 'evil' }],
        /"\.\.\/evil" leads outside the target folder/,
      ],
      [[{ path: '../evil', data: 'evil' }], /"\.\.\/evil" leads outside/],
      [
        [headerEntry([]), { path: 'segments/../../../evil', data: 'evil' }],
        /leads outside the target folder/,
      ],
      [[headerEntry([]), { path: '/tmp/evil', data: 'evil' }], /"\/tmp\/evil" is an absolute path/],
      [
        [headerEntry([]), { path: 'segments/link', type: 'SymbolicLink', linkpath: '/etc' }],
        /"segments\/link" is a SymbolicLink; only regular files and directories/,
      ],
      [
        [headerEntry([]), { path: 'wal/hard', type: 'Link', linkpath: '/etc/passwd' }],
        /"wal\/hard" is a Link; only regular files and directories/,
      ],
    ];
    for (const [entries, pattern] of cases) {
      await uploadExpect400(craftTar(entries), pattern);
      await uploadExpect400(craftTar(entries), pattern, 'ghost');
    }
    for (const place of [server.storagePath, join(server.storagePath, '..'), '/tmp']) {
      assert.ok(!existsSync(join(place, 'evil')), `nothing was written to ${place}`);
    }
    // The same through a file:// location.
    const hostile = join(snapshotsPath(server), 'source', 'hostile.snapshot');
    writeFileSync(hostile, craftTar([headerEntry([]), { path: '../../evil', data: 'evil' }]));
    const res = await http(server.url, 'PUT', '/collections/target/snapshots/recover', {
      location: `file://${hostile}`,
    });
    assert.equal(res.status, 400, res.text);
    assert.match(errorOf(res), /leads outside the target folder/);
    await assertNothingChanged();
  });

  test('locations: file:// only inside snapshots_path, known schemes only', async () => {
    const outside = join(tempDir('ringvec-outside-'), 'x.snapshot');
    tempDirs.push(join(outside, '..'));
    writeFileSync(outside, archive);
    const forbidden = await http(server.url, 'PUT', '/collections/target/snapshots/recover', {
      location: `file://${outside}`,
    });
    assert.equal(forbidden.status, 403, forbidden.text);
    assert.match(
      errorOf(forbidden),
      /^Forbidden: Snapshot file path must be inside the snapshots directory/,
    );
    // A symbolic link in snapshots_path to a file outside it does not get around that.
    const link = join(snapshotsPath(server), 'source', 'outside-link.snapshot');
    symlinkSync(outside, link);
    const viaLink = await http(server.url, 'PUT', '/collections/target/snapshots/recover', {
      location: `file://${link}`,
    });
    assert.equal(viaLink.status, 403, viaLink.text);
    const traversal = await http(server.url, 'PUT', '/collections/target/snapshots/recover', {
      location: `file://${snapshotsPath(server)}/source/../../${outside.split('/').slice(-2).join('/')}`,
    });
    assert.equal(traversal.status, 403, traversal.text);

    const missing = await http(server.url, 'PUT', '/collections/target/snapshots/recover', {
      location: `file://${snapshotsPath(server)}/source/none.snapshot`,
    });
    assert.equal(missing.status, 400);
    assert.match(
      errorOf(missing),
      /^Bad request: Snapshot file ".*none\.snapshot" does not exist$/,
    );

    const scheme = await http(server.url, 'PUT', '/collections/target/snapshots/recover', {
      location: 'ftp://example.com/x.snapshot',
    });
    assert.equal(scheme.status, 400);
    assert.equal(
      errorOf(scheme),
      'Bad request: URL ftp://example.com/x.snapshot with scheme ftp is not supported',
    );

    const port = await freePort();
    const refused = await http(server.url, 'PUT', '/collections/target/snapshots/recover', {
      location: `http://127.0.0.1:${port}/x.snapshot`,
    });
    assert.equal(refused.status, 400);
    assert.match(errorOf(refused), /Failed to download snapshot from .*ECONNREFUSED/);
    await assertNothingChanged();
  });

  test('a snapshot with other vectors does not replace a collection', async () => {
    await createCollection(server.url, 'wide', DIM * 2);
    await fill(server.url, 'wide', 10, DIM * 2, 3);
    const before = await scrollAll(server.url, 'wide');
    const res = await uploadSnapshot(server.url, 'wide', archive, 'x.snapshot');
    assert.equal(res.status, 400, res.text);
    assert.match(
      errorOf(res),
      /^Wrong input: Snapshot is not compatible with existing collection: Collection vectors: .*"size":16.* Snapshot vectors: .*"size":8/,
    );
    assert.deepEqual(await scrollAll(server.url, 'wide'), before);
  });

  test('upload without the `snapshot` field: 400', async () => {
    const res = await uploadSnapshot(server.url, 'target', archive, 'x.snapshot', '', 'file');
    assert.equal(res.status, 400, res.text);
    assert.match(errorOf(res), /no file field `snapshot`/);
    await assertNothingChanged();
  });
});

describe('snapshots on a full disk', () => {
  test('creating a snapshot on a full disk fails cleanly, leaving no partial file', async (t) => {
    const mountPoint = tempDir('ringvec-tmpfs-');
    const unmount = mountTmpfs(mountPoint, 512);
    if (unmount === null) {
      t.skip('cannot mount a tmpfs here (needs root on Linux)');
      removeDir(mountPoint);
      return;
    }
    const server = await startTestServer({
      env: { RINGVEC__STORAGE__SNAPSHOTS_PATH: mountPoint },
    });
    try {
      await createCollection(server.url, 'big', 16);
      await fill(server.url, 'big', 20_000, 16, 4);
      const res = await http(server.url, 'POST', '/collections/big/snapshots');
      assert.equal(res.status, 500, res.text);
      assert.match(
        errorOf(res),
        /^Service internal error: Writing the snapshot failed: no space left on device \(ENOSPC\)$/,
      );
      assert.deepEqual(readdirSync(join(mountPoint, 'big')), []);
      const full = await http(server.url, 'POST', '/snapshots');
      assert.equal(full.status, 500, full.text);
      assert.match(errorOf(full), /no space left on device/);
      assert.deepEqual(
        readdirSync(mountPoint).filter((f) => f !== 'big'),
        [],
      );
      assert.equal(await pointsCount(server.url, 'big'), 20_000);
    } finally {
      await server.close();
      unmount();
      removeDir(mountPoint);
      removeDir(server.storagePath);
    }
  });

  test('recovering onto a full disk fails cleanly and keeps the old collection', async (t) => {
    const storagePath = tempDir('ringvec-tmpfs-');
    const unmount = mountTmpfs(storagePath, 1024);
    if (unmount === null) {
      t.skip('cannot mount a tmpfs here (needs root on Linux)');
      removeDir(storagePath);
      return;
    }
    const snapshots = tempDir('ringvec-snapshots-');
    const source = await startTestServer();
    const server = await startTestServer({
      storagePath,
      env: { RINGVEC__STORAGE__SNAPSHOTS_PATH: snapshots },
    });
    try {
      await createCollection(source.url, 'big', 16);
      await fill(source.url, 'big', 20_000, 16, 5);
      const created = await http(source.url, 'POST', '/collections/big/snapshots');
      const name = (created.body as { result: { name: string } }).result.name;
      mkdirSync(join(snapshots, 'big'), { recursive: true });
      copyFileSync(join(snapshotsPath(source), 'big', name), join(snapshots, 'big', name));

      await createCollection(server.url, 'big', 16, { wal_config: { wal_capacity_mb: 1 } });
      await fill(server.url, 'big', 50, 16, 6);
      const before = await scrollAll(server.url, 'big');

      const res = await http(server.url, 'PUT', '/collections/big/snapshots/recover', {
        location: `file://${join(snapshots, 'big', name)}`,
      });
      assert.equal(res.status, 500, res.text);
      assert.match(
        errorOf(res),
        /^Service internal error: Recovering the snapshot failed: no space left on device \(ENOSPC\)$/,
      );
      assert.deepEqual(await scrollAll(server.url, 'big'), before);
      assert.deepEqual(readdirSync(join(storagePath, '.snapshot-recovery')), []);

      // An upload spooled onto the full disk fails the same way and leaves nothing.
      const archive = await download(source.url, `/collections/big/snapshots/${name}`);
      const upload = await uploadSnapshot(server.url, 'big', archive, name);
      assert.equal(upload.status, 500, upload.text);
      assert.match(errorOf(upload), /no space left on device/);
      assert.deepEqual(readdirSync(join(storagePath, 'snapshots_temp')), []);
      assert.deepEqual(await scrollAll(server.url, 'big'), before);
    } finally {
      await server.close();
      await source.close();
      unmount();
      for (const dir of [storagePath, snapshots, source.storagePath, snapshotsPath(source)]) {
        removeDir(dir);
      }
    }
  });
});
