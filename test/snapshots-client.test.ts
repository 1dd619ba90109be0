// The official @qdrant/js-client-rest snapshot methods against ringvec, unmodified: collection
// snapshots (create, list, recover, delete, wait=false) and full-storage snapshots.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { QdrantClient } from '@qdrant/js-client-rest';
import {
  createCollection,
  fill,
  pointsCount,
  scrollAll,
  snapshotsPath,
} from './helpers/snapshot-helpers.js';
import { removeDir, startTestServer, type TestServer } from './helpers/test-server.js';

describe('@qdrant/js-client-rest snapshot methods', () => {
  let server: TestServer;
  let client: QdrantClient;
  before(async () => {
    server = await startTestServer();
    client = new QdrantClient({ url: server.url, checkCompatibility: false });
    await createCollection(server.url, 'books', 8);
    await fill(server.url, 'books', 250, 8, 9);
  });
  after(async () => {
    await server.close();
    removeDir(server.storagePath);
    removeDir(snapshotsPath(server));
  });

  test('createSnapshot, listSnapshots, recoverSnapshot, deleteSnapshot', async () => {
    const created = await client.createSnapshot('books');
    assert.ok(created);
    assert.match(created.name, /^books-0-.*\.snapshot$/);
    assert.equal(typeof created.size, 'number');
    assert.match(created.checksum ?? '', /^[0-9a-f]{64}$/);

    const listed = await client.listSnapshots('books');
    assert.deepEqual(listed, [created]);

    const recovered = await client.recoverSnapshot('books_copy', {
      location: `file://${join(snapshotsPath(server), 'books', created.name)}`,
      priority: 'snapshot',
      checksum: created.checksum!,
    });
    assert.equal(recovered, true);
    assert.deepEqual(
      await scrollAll(server.url, 'books_copy'),
      await scrollAll(server.url, 'books'),
    );
    assert.equal((await client.getCollection('books_copy')).points_count, 250);

    assert.equal(await client.deleteSnapshot('books', created.name), true);
    assert.deepEqual(await client.listSnapshots('books'), []);
    await assert.rejects(client.deleteSnapshot('books', created.name), (error: Error) => {
      assert.match(error.message, /not found|Not Found/i);
      return true;
    });
  });

  test('createSnapshot with wait=false: 202 accepted, which the client reports as it does for Qdrant', async () => {
    // The client accepts only 200/201, so against Qdrant too `wait: false` surfaces as an
    // "unexpected response" carrying Qdrant's 202 body; the snapshot is made in the background.
    await assert.rejects(client.createSnapshot('books', { wait: false }), (error: Error) => {
      assert.equal(error.name, 'QdrantClientUnexpectedResponseError');
      assert.match(error.message, /202 \(Accepted\)[\s\S]*"status": "accepted"/);
      return true;
    });
    for (let i = 0; i < 200 && (await client.listSnapshots('books')).length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const listed = await client.listSnapshots('books');
    assert.equal(listed.length, 1);
    await client.deleteSnapshot('books', listed[0]!.name);
  });

  test('createFullSnapshot, listFullSnapshots, deleteFullSnapshot', async () => {
    const created = await client.createFullSnapshot();
    assert.match(created.name, /^full-snapshot-.*\.snapshot$/);
    const listed = await client.listFullSnapshots();
    assert.deepEqual(
      listed.map((s) => s.name),
      [created.name],
    );
    assert.equal(listed[0]!.checksum, created.checksum);
    assert.equal(await client.deleteFullSnapshot(created.name), true);
    assert.deepEqual(await client.listFullSnapshots(), []);
    assert.equal(await pointsCount(server.url, 'books'), 250);
  });
});
