// Collection and full-storage snapshots against real servers: a 50k-point round trip through
// create → download → upload to a fresh server with identical scroll and search answers, recovery
// from a URL on a local HTTP server, a snapshot taken while upserts continue, replacement of an
// existing collection, list/delete, wait=false, full snapshots, and start-up cleanup.

import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Parser, type ReadEntry } from 'tar';
import { assertMatchesSpec } from './helpers/openapi.js';
import {
  createCollection,
  download,
  errorOf,
  f32,
  fill,
  makePoint,
  pointsCount,
  scrollAll,
  seeded,
  serveFile,
  snapshotsPath,
  upsert,
  uploadSnapshot,
  vectorSum,
  type TestPoint,
} from './helpers/snapshot-helpers.js';
import {
  http,
  removeDir,
  startTestServer,
  tempDir,
  type TestServer,
} from './helpers/test-server.js';

const DIM = 16;

interface Description {
  name: string;
  creation_time: string | null;
  size: number;
  checksum?: string;
}

async function createSnapshot(url: string, collection: string): Promise<Description> {
  const res = await http(url, 'POST', `/collections/${collection}/snapshots`);
  assert.equal(res.status, 200, res.text);
  assertMatchesSpec('post', '/collections/{collection_name}/snapshots', res.body);
  return (res.body as { result: Description }).result;
}

async function listSnapshots(url: string, collection: string): Promise<Description[]> {
  const res = await http(url, 'GET', `/collections/${collection}/snapshots`);
  assert.equal(res.status, 200, res.text);
  assertMatchesSpec('get', '/collections/{collection_name}/snapshots', res.body);
  return (res.body as { result: Description[] }).result;
}

async function search(url: string, collection: string, vector: number[]): Promise<unknown> {
  const res = await http(url, 'POST', `/collections/${collection}/points/search`, {
    vector,
    limit: 10,
    with_payload: true,
    params: { exact: true },
  });
  assert.equal(res.status, 200, res.text);
  return (res.body as { result: unknown }).result;
}

/** Entries of a tar archive: name → content. */
async function readTar(data: Buffer): Promise<Map<string, Buffer>> {
  const entries = new Map<string, Buffer>();
  const parser = new Parser({ strict: true });
  parser.on('entry', (entry: ReadEntry) => {
    const chunks: Buffer[] = [];
    entry.on('data', (c: Buffer) => chunks.push(c));
    entry.on('end', () => entries.set(entry.path, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve, reject) => {
    parser.on('end', () => resolve());
    parser.on('error', reject);
    parser.end(data);
  });
  return entries;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('collection snapshots', () => {
  let a: TestServer;
  let b: TestServer;
  const dirs: string[] = [];
  before(async () => {
    a = await startTestServer();
    // Uploads are streamed to disk, so the JSON body limit does not apply to them.
    b = await startTestServer({ env: { RINGVEC__SERVICE__MAX_REQUEST_SIZE_MB: '1' } });
    dirs.push(a.storagePath, snapshotsPath(a), b.storagePath, snapshotsPath(b));
  });
  after(async () => {
    await a.close();
    await b.close();
    dirs.forEach(removeDir);
  });

  test('50k points round-trip: create, download, upload to a fresh server, same answers', async () => {
    await createCollection(a.url, 'big', DIM, {}, 'Cosine');
    const points = await fill(a.url, 'big', 50_000, DIM, 7);
    const created = await createSnapshot(a.url, 'big');
    assert.match(created.name, /^big-0-\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d\.snapshot$/);
    assert.match(created.checksum ?? '', /^[0-9a-f]{64}$/);
    assert.match(created.creation_time ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);

    const listed = await listSnapshots(a.url, 'big');
    assert.deepEqual(
      listed.map((s) => s.name),
      [created.name],
    );

    const archive = await download(a.url, `/collections/big/snapshots/${created.name}`);
    assert.equal(archive.byteLength, created.size);
    assert.ok(archive.byteLength > 2 * 1024 * 1024, 'larger than the JSON body limit of b');
    assert.equal(createHash('sha256').update(archive).digest('hex'), created.checksum);

    const uploaded = await uploadSnapshot(
      b.url,
      'big',
      archive,
      created.name,
      `?priority=snapshot&checksum=${created.checksum}`,
    );
    assert.equal(uploaded.status, 200, uploaded.text);
    assert.deepEqual((uploaded.body as { result: unknown }).result, true);
    assertMatchesSpec('post', '/collections/{collection_name}/snapshots/upload', uploaded.body);

    const original = await scrollAll(a.url, 'big');
    const restored = await scrollAll(b.url, 'big');
    assert.equal(restored.length, 50_000);
    assert.deepEqual(restored, original);
    assert.deepEqual(
      restored.slice(0, 3).map((p) => p.payload),
      points.slice(0, 3).map((p) => p.payload),
    );

    const random = seeded(99);
    for (let i = 0; i < 5; i++) {
      const query = Array.from({ length: DIM }, () => random() * 2 - 1);
      assert.deepEqual(await search(b.url, 'big', query), await search(a.url, 'big', query));
    }
    // As in Qdrant, the uploaded archive is kept among the collection's snapshots.
    assert.deepEqual(
      (await listSnapshots(b.url, 'big')).map((s) => [s.name, s.checksum]),
      [[created.name, created.checksum]],
    );
  });

  test('recovery from a URL on a local HTTP server, with checksum and api_key', async () => {
    await createCollection(a.url, 'remote', DIM);
    const points = await fill(a.url, 'remote', 2000, DIM, 11);
    const created = await createSnapshot(a.url, 'remote');
    const archive = await download(a.url, `/collections/remote/snapshots/${created.name}`);
    const web = await serveFile('remote.snapshot', archive);
    try {
      const res = await http(b.url, 'PUT', '/collections/from_url/snapshots/recover', {
        location: `${web.url}/remote.snapshot`,
        checksum: created.checksum!.toUpperCase(),
        api_key: 'secret-of-the-source',
      });
      assert.equal(res.status, 200, res.text);
      assertMatchesSpec('put', '/collections/{collection_name}/snapshots/recover', res.body);
      assert.equal(web.requests.at(-1)?.['api-key'], 'secret-of-the-source');
      const restored = await scrollAll(b.url, 'from_url');
      assert.deepEqual(
        restored.map((p) => [p.id, f32(p.vector), p.payload]),
        points.map((p) => [p.id, p.vector, p.payload]),
      );

      const missing = await http(b.url, 'PUT', '/collections/from_url/snapshots/recover', {
        location: `${web.url}/nope.snapshot`,
      });
      assert.equal(missing.status, 400);
      assert.match(errorOf(missing), /Failed to download tar from .*nope\.snapshot: status - 404/);
      assert.equal(await pointsCount(b.url, 'from_url'), 2000);
    } finally {
      await web.close();
    }
  });

  test('a snapshot taken during concurrent upserts has every acknowledged point, none torn', async () => {
    await createCollection(a.url, 'live', DIM);
    const acknowledged = new Set<number>();
    let nextId = 1;
    let stop = false;
    let failure: unknown = null;
    const writer = async (seed: number) => {
      const random = seeded(seed);
      for (let gen = 1; !stop; gen++) {
        // New points and new versions of earlier ones, in one request; half of them wait=false.
        const batch: TestPoint[] = [];
        for (let i = 0; i < 40; i++) batch.push(makePoint(nextId++, gen, DIM, random));
        for (let i = 0; i < 10; i++) {
          batch.push(makePoint(1 + Math.floor(random() * (nextId - 1)), gen, DIM, random));
        }
        await upsert(a.url, 'live', batch, random() < 0.5);
        for (const p of batch) acknowledged.add(p.id);
      }
    };
    const writers = [1, 2, 3].map((seed) =>
      writer(seed).catch((error: unknown) => {
        failure = error;
      }),
    );
    while (acknowledged.size < 3000) await sleep(5);
    const before = new Set(acknowledged);
    const created = await createSnapshot(a.url, 'live');
    await sleep(50);
    stop = true;
    await Promise.all(writers);
    assert.equal(failure, null);
    assert.ok(acknowledged.size > before.size, 'writes continued during the snapshot');

    const location = `file://${join(snapshotsPath(a), 'live', created.name)}`;
    const res = await http(a.url, 'PUT', '/collections/live_copy/snapshots/recover', {
      location,
    });
    assert.equal(res.status, 200, res.text);
    const copy = new Map((await scrollAll(a.url, 'live_copy')).map((p) => [p.id, p]));
    for (const id of before) {
      assert.ok(copy.has(id), `point ${id}, acknowledged before the snapshot, is in it`);
    }
    for (const point of copy.values()) {
      assert.equal(point.payload.id, point.id);
      assert.equal(point.payload.sum, vectorSum(point.vector), `point ${point.id} is not torn`);
    }
    // The live collection itself is untouched by the snapshot.
    assert.equal(await pointsCount(a.url, 'live'), nextId - 1);
  });

  test('recovering into an existing collection replaces its data and keeps its aliases', async () => {
    await createCollection(a.url, 'src', DIM);
    const points = await fill(a.url, 'src', 500, DIM, 21);
    const created = await createSnapshot(a.url, 'src');
    await createCollection(a.url, 'dst', DIM);
    await fill(a.url, 'dst', 1200, DIM, 22);
    const alias = await http(a.url, 'POST', '/collections/aliases', {
      actions: [{ create_alias: { collection_name: 'dst', alias_name: 'dst_alias' } }],
    });
    assert.equal(alias.status, 200, alias.text);

    // Recovering through the alias recovers the collection it points to.
    const res = await http(a.url, 'PUT', '/collections/dst_alias/snapshots/recover', {
      location: `file://${join(snapshotsPath(a), 'src', created.name)}`,
      priority: 'no_sync',
    });
    assert.equal(res.status, 200, res.text);
    const restored = await scrollAll(a.url, 'dst');
    assert.deepEqual(
      restored.map((p) => [p.id, f32(p.vector)]),
      points.map((p) => [p.id, p.vector]),
    );
    assert.equal(await pointsCount(a.url, 'dst_alias'), 500);
    // Writes go to the new data and survive.
    await upsert(a.url, 'dst', [makePoint(9999, 0, DIM, seeded(1))]);
    assert.equal(await pointsCount(a.url, 'dst'), 501);
    const storage = readdirSync(join(a.storagePath, '.snapshot-recovery'));
    assert.deepEqual(storage, [], 'no extraction folder or replaced collection is left');
  });

  test('list and delete, with checksum sidecars; wait=false answers 202 accepted', async () => {
    await createCollection(a.url, 'ld', DIM);
    await fill(a.url, 'ld', 100, DIM, 3);
    const first = await createSnapshot(a.url, 'ld');
    // Names have one-second resolution (as Qdrant's).
    await sleep(1100);
    const accepted = await http(a.url, 'POST', '/collections/ld/snapshots?wait=false');
    assert.equal(accepted.status, 202, accepted.text);
    assert.deepEqual(
      { result: (accepted.body as { result: unknown }).result, status: 'accepted' },
      { result: null, status: (accepted.body as { status: unknown }).status },
    );
    let listed: Description[] = [];
    for (let i = 0; i < 200 && listed.length < 2; i++) {
      listed = await listSnapshots(a.url, 'ld');
      if (listed.length < 2) await sleep(20);
    }
    assert.equal(listed.length, 2);
    assert.ok(listed.every((s) => /^[0-9a-f]{64}$/.test(s.checksum ?? '')));
    const dir = join(snapshotsPath(a), 'ld');
    assert.ok(existsSync(join(dir, `${first.name}.checksum`)));

    const del = await http(a.url, 'DELETE', `/collections/ld/snapshots/${first.name}`);
    assert.equal(del.status, 200, del.text);
    assert.equal((del.body as { result: unknown }).result, true);
    assertMatchesSpec(
      'delete',
      '/collections/{collection_name}/snapshots/{snapshot_name}',
      del.body,
    );
    assert.ok(!existsSync(join(dir, first.name)));
    assert.ok(!existsSync(join(dir, `${first.name}.checksum`)));
    assert.deepEqual(
      (await listSnapshots(a.url, 'ld')).map((s) => s.name),
      listed.filter((s) => s.name !== first.name).map((s) => s.name),
    );
    const again = await http(a.url, 'DELETE', `/collections/ld/snapshots/${first.name}`);
    assert.equal(again.status, 404);
    assert.equal(errorOf(again), `Not found: Snapshot ${first.name} not found`);

    const later = await http(
      a.url,
      'DELETE',
      `/collections/ld/snapshots/${listed[1]!.name}?wait=false`,
    );
    assert.equal(later.status, 202);
    for (let i = 0; i < 200 && (await listSnapshots(a.url, 'ld')).length > 0; i++) await sleep(20);
    assert.deepEqual(await listSnapshots(a.url, 'ld'), []);
  });

  test('full-storage snapshot: create, list, download, delete', async () => {
    await createCollection(a.url, 'full_a', DIM);
    await fill(a.url, 'full_a', 300, DIM, 31);
    const alias = await http(a.url, 'POST', '/collections/aliases', {
      actions: [{ create_alias: { collection_name: 'full_a', alias_name: 'full_alias' } }],
    });
    assert.equal(alias.status, 200);
    const res = await http(a.url, 'POST', '/snapshots');
    assert.equal(res.status, 200, res.text);
    assertMatchesSpec('post', '/snapshots', res.body);
    const created = (res.body as { result: Description }).result;
    assert.match(created.name, /^full-snapshot-\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d\.snapshot$/);

    const list = await http(a.url, 'GET', '/snapshots');
    assert.equal(list.status, 200);
    assertMatchesSpec('get', '/snapshots', list.body);
    assert.deepEqual(
      (list.body as { result: Description[] }).result.map((s) => s.name),
      [created.name],
    );

    const archive = await download(a.url, `/snapshots/${created.name}`);
    assert.equal(archive.byteLength, created.size);
    const entries = await readTar(archive);
    const config = JSON.parse(entries.get('config.json')!.toString()) as {
      collections_mapping: Record<string, string>;
      collections_aliases: Record<string, string>;
    };
    assert.equal(config.collections_aliases.full_alias, 'full_a');
    const names = (
      (await http(a.url, 'GET', '/collections')).body as {
        result: { collections: { name: string }[] };
      }
    ).result.collections.map((c) => c.name);
    assert.deepEqual(Object.keys(config.collections_mapping).sort(), names.sort());
    for (const name of names) assert.ok(entries.has(config.collections_mapping[name]!));
    // Each collection snapshot inside is itself a snapshot that recovers.
    const inner = entries.get(config.collections_mapping.full_a!)!;
    const recovered = await uploadSnapshot(b.url, 'full_a_copy', inner, 'inner.snapshot');
    assert.equal(recovered.status, 200, recovered.text);
    assert.equal(await pointsCount(b.url, 'full_a_copy'), 300);
    // The collection snapshots made for it are not left among the collection's snapshots.
    assert.deepEqual(await listSnapshots(a.url, 'full_a'), []);

    const del = await http(a.url, 'DELETE', `/snapshots/${created.name}`);
    assert.equal(del.status, 200, del.text);
    assertMatchesSpec('delete', '/snapshots/{snapshot_name}', del.body);
    const gone = await http(a.url, 'GET', `/snapshots/${created.name}`);
    assert.equal(gone.status, 404);
    assert.equal(errorOf(gone), `Not found: Snapshot ${created.name} not found`);
    const files = readdirSync(snapshotsPath(a)).filter(
      (f) => !statSync(join(snapshotsPath(a), f)).isDirectory(),
    );
    assert.deepEqual(files, [], 'the full snapshot and its checksum are gone');
  });
});

describe('snapshot start-up cleanup', () => {
  test('partial files are removed and an interrupted swap is undone at start-up', async () => {
    const storagePath = tempDir();
    let server = await startTestServer({ storagePath });
    const snapshots = snapshotsPath(server);
    try {
      await createCollection(server.url, 'kept', DIM);
      const points = await fill(server.url, 'kept', 200, DIM, 41);
      await createSnapshot(server.url, 'kept');
      await server.close();

      // What a crash can leave behind.
      const partials = [
        join(snapshots, 'kept', 'kept-0-2020-01-01-00-00-00.snapshot.ringvec-partial'),
        join(snapshots, 'kept', 'kept-0-2020-01-01-00-00-00.snapshot.checksum.ringvec-partial'),
        join(snapshots, 'full-snapshot-2020-01-01-00-00-00.snapshot.ringvec-partial'),
        join(storagePath, 'snapshots_temp', 'upload-1.ringvec-partial'),
      ];
      for (const path of partials) {
        mkdirSync(join(path, '..'), { recursive: true });
        writeFileSync(path, 'partial');
      }
      const extraction = join(storagePath, '.snapshot-recovery', 'recover-1.ringvec-partial');
      mkdirSync(join(extraction, 'segments'), { recursive: true });
      // A recovery that crashed between moving the old collection away and moving the new in.
      renameSync(
        join(storagePath, 'collections', 'kept'),
        join(storagePath, '.snapshot-recovery', `replaced-${randomUUID()}-kept`),
      );

      server = await startTestServer({ storagePath });
      for (const path of partials) assert.ok(!existsSync(path), `${path} was removed`);
      assert.deepEqual(readdirSync(join(storagePath, '.snapshot-recovery')), []);
      const restored = await scrollAll(server.url, 'kept');
      assert.deepEqual(
        restored.map((p) => p.id),
        points.map((p) => p.id),
      );
      assert.equal((await listSnapshots(server.url, 'kept')).length, 1);
    } finally {
      await server.close();
      removeDir(storagePath);
      removeDir(snapshots);
    }
  });
});
