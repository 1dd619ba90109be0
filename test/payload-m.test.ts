// Qdrant's `payload_m`: when a segment's HNSW graph is built while a keyword (or integer, uuid,
// bool) payload index exists, every value held by at least full_scan_threshold worth of points
// gets extra links among its own points. Checks that the optimizer builds them (the segment
// manifest records the groups), that `payload_m: 0` turns them off and a PATCH rebuilds the graph,
// and that filtered searches over such groups match brute force.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { expectOk, randomVectors } from './helpers/search-fixtures.js';
import { http, startTestServer, type TestServer } from './helpers/test-server.js';

const DIM = 8; // full_scan_threshold 10 KiB = 320 points of 32 bytes
const COUNT = 3000;
const TENANTS = ['a', 'b', 'c', 'd', 'e'];
const vectors = randomVectors(COUNT, DIM, 77);
const tenantOf = (i: number): string => (i < 200 ? 'e' : TENANTS[i % 4]!); // e: 200 points

interface GraphManifest {
  hnsw: { m: number; payloadM?: number; groups?: number } | null;
}

/** hnsw entries of every sealed segment's manifest. */
function graphs(server: TestServer): GraphManifest['hnsw'][] {
  const dir = join(server.storagePath, 'collections', 'tenants', 'segments');
  const out: GraphManifest['hnsw'][] = [];
  for (const id of readdirSync(dir)) {
    let text: string;
    try {
      text = readFileSync(join(dir, id, 'segment.json'), 'utf8');
    } catch {
      continue; // the appendable segment has no manifest of this kind
    }
    const manifest = JSON.parse(text) as { sealed: boolean; vectors: GraphManifest[] };
    if (manifest.sealed) out.push(manifest.vectors[0]!.hnsw);
  }
  return out;
}

async function waitGreen(server: TestServer, check: () => boolean): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const info = (await expectOk(await http(server.url, 'GET', '/collections/tenants'))) as {
      status: string;
      indexed_vectors_count: number;
    };
    if (info.status === 'green' && info.indexed_vectors_count >= 2000 && check()) return;
    assert.ok(attempt < 600, `not ready: ${JSON.stringify(info)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('payload_m links inside payload value groups', { timeout: 120_000 }, () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
    await expectOk(
      await http(server.url, 'PUT', '/collections/tenants', {
        vectors: { size: DIM, distance: 'Euclid' },
        hnsw_config: { m: 8, ef_construct: 64, full_scan_threshold: 10 },
        optimizers_config: { indexing_threshold: 10, default_segment_number: 1 },
      }),
    );
    await expectOk(
      await http(server.url, 'PUT', '/collections/tenants/index?wait=true', {
        field_name: 'tenant',
        field_schema: 'keyword',
      }),
    );
    for (let start = 0; start < COUNT; start += 500) {
      const points = [];
      for (let i = start; i < Math.min(COUNT, start + 500); i++) {
        points.push({ id: i + 1, vector: vectors[i], payload: { tenant: tenantOf(i) } });
      }
      await expectOk(
        await http(server.url, 'PUT', '/collections/tenants/points?wait=true', { points }),
      );
    }
  });
  after(() => server.close());

  test('the optimizer links the groups above the threshold, with payload_m = m by default', async () => {
    await waitGreen(server, () => graphs(server).some((g) => g !== null));
    const built = graphs(server).filter((g) => g !== null);
    assert.ok(built.length > 0);
    for (const graph of built) {
      assert.equal(graph!.payloadM, 8);
      // Tenants a–d hold 700 points each (≥ 320 in a segment of ≥ 2000); e holds 200: never linked.
      assert.ok(graph!.groups! <= 4, JSON.stringify(graph));
    }
    assert.ok(
      built.some((g) => g!.groups! >= 1),
      JSON.stringify(built),
    );
  });

  test('filtered searches in a linked group equal brute force over that group', async () => {
    const queries = randomVectors(10, DIM, 5);
    for (const [q, query] of queries.entries()) {
      const tenant = TENANTS[q % 4]!;
      const answer = (await expectOk(
        await http(server.url, 'POST', '/collections/tenants/points/search', {
          vector: query,
          limit: 5,
          filter: { must: [{ key: 'tenant', match: { value: tenant } }] },
          params: { hnsw_ef: 128 },
        }),
      )) as { id: number }[];
      const expected = vectors
        .map((v, i) => ({ id: i + 1, d: v.reduce((s, x, k) => s + (x - query[k]!) ** 2, 0) }))
        .filter((p) => tenantOf(p.id - 1) === tenant)
        .sort((x, y) => x.d - y.d)
        .slice(0, 5)
        .map((p) => p.id);
      assert.deepEqual(
        answer.map((hit) => hit.id),
        expected,
        `query ${q}, tenant ${tenant}`,
      );
    }
  });

  test('PATCH payload_m 0 rebuilds the graphs without group links', async () => {
    await expectOk(
      await http(server.url, 'PATCH', '/collections/tenants', { hnsw_config: { payload_m: 0 } }),
    );
    await waitGreen(server, () => {
      const built = graphs(server);
      return built.length > 0 && built.every((g) => g !== null && g.payloadM === 0);
    });
    for (const graph of graphs(server)) assert.equal(graph!.groups, 0);
  });
});
