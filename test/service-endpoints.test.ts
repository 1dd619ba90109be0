// The service surface of issue 3 against a real server: version info, probes, telemetry,
// metrics, cluster endpoints, the envelope and each error status, API keys, and the official
// JavaScript client.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { QdrantClient } from '@qdrant/js-client-rest';
import { assertMatchesSpec } from './helpers/openapi.js';
import { http, startTestServer, type TestServer } from './helpers/test-server.js';

describe('service endpoints', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ env: { RINGVEC__SERVICE__MAX_REQUEST_SIZE_MB: '1' } });
  });
  after(() => server.close());

  test('GET / reports the Qdrant API version and ringvec version', async () => {
    const res = await http(server.url, 'GET', '/');
    assert.equal(res.status, 200);
    const body = res.body as Record<string, unknown>;
    assert.match(String(body.version), /^1\.19\./);
    assert.equal(typeof body.ringvec_version, 'string');
    assertMatchesSpec('get', '/', body);
  });

  test('health probes answer in plain text', async () => {
    for (const [path, text] of [
      ['/healthz', 'healthz check passed'],
      ['/livez', 'livez check passed'],
      ['/readyz', 'all shards are ready'],
    ] as const) {
      const res = await http(server.url, 'GET', path);
      assert.equal(res.status, 200);
      assert.equal(res.text, text);
    }
  });

  test('telemetry follows the spec and reports the native and IO status', async () => {
    const res = await http(server.url, 'GET', '/telemetry');
    assert.equal(res.status, 200);
    assertMatchesSpec('get', '/telemetry', res.body);
    const app = (res.body as { result: { app: Record<string, Record<string, unknown>> } }).result
      .app;
    assert.equal(typeof app.native!.loaded, 'boolean');
    assert.ok(['mmap', 'pread', 'io_uring'].includes(String(app.io!.on_disk_backend)));
  });

  test('cluster endpoints answer as a standalone Qdrant', async () => {
    const cluster = await http(server.url, 'GET', '/cluster');
    assert.deepEqual((cluster.body as { result: unknown }).result, { status: 'disabled' });
    assertMatchesSpec('get', '/cluster', cluster.body);
    for (const [method, path] of [
      ['POST', '/cluster/recover'],
      ['DELETE', '/cluster/peer/1'],
    ] as const) {
      const res = await http(server.url, method, path);
      assert.equal(res.status, 405);
      assert.deepEqual((res.body as { status: unknown }).status, {
        error: 'Qdrant is running in standalone mode',
      });
    }
  });

  test('errors use the envelope with the right status', async () => {
    const notFound = await http(server.url, 'GET', '/no/such/route');
    assert.equal(notFound.status, 404);
    assert.match((notFound.body as { status: { error: string } }).status.error, /Not found/);
    assert.equal(typeof (notFound.body as { time: number }).time, 'number');

    const missing = await http(server.url, 'GET', '/collections/nope');
    assert.equal(missing.status, 404);
    assert.equal(
      (missing.body as { status: { error: string } }).status.error,
      "Not found: Collection `nope` doesn't exist!",
    );

    const malformed = await http(
      server.url,
      'PUT',
      '/collections/broken',
      '{"vectors": {"size": 4,, }',
    );
    assert.equal(malformed.status, 400);
    assert.match(
      (malformed.body as { status: { error: string } }).status.error,
      /^Format error in JSON body: .* at line 1 column \d+/,
    );

    const zero = await http(server.url, 'PUT', '/collections/bad', {
      vectors: { size: 0, distance: 'Dot' },
    });
    assert.equal(zero.status, 400, 'size is a NonZeroU64 in Qdrant: 0 fails deserialisation');
    const invalid = await http(server.url, 'PUT', '/collections/bad', {
      vectors: { size: 70000, distance: 'Dot' },
    });
    assert.equal(invalid.status, 422);
    assert.match(
      (invalid.body as { status: { error: string } }).status.error,
      /^Validation error in JSON body: \[vectors\.size/,
    );

    const created = await http(server.url, 'PUT', '/collections/twice', {
      vectors: { size: 4, distance: 'Dot' },
    });
    assert.equal(created.status, 200);
    const again = await http(server.url, 'PUT', '/collections/twice', {
      vectors: { size: 4, distance: 'Dot' },
    });
    assert.equal(again.status, 409);
    assert.equal(
      (again.body as { status: { error: string } }).status.error,
      'Wrong input: Collection `twice` already exists!',
    );

    const big = 'x'.repeat(1024 * 1024 + 10);
    const tooLarge = await http(
      server.url,
      'PUT',
      '/collections/twice/points',
      JSON.stringify({ points: [], pad: big }),
    );
    assert.equal(tooLarge.status, 413);
    assert.match(
      (tooLarge.body as { status: { error: string } }).status.error,
      /larger than allowed/,
    );

    const health = await http(server.url, 'GET', '/healthz');
    assert.equal(health.status, 200, 'the server keeps serving after bad requests');
  });

  test('/metrics exposes Prometheus request counters and latency histograms by endpoint', async () => {
    await http(server.url, 'GET', '/collections');
    const res = await http(server.url, 'GET', '/metrics');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    assert.match(
      res.text,
      /rest_responses_total\{method="GET",endpoint="\/collections",status="200"\} \d+/,
    );
    assert.match(
      res.text,
      /rest_responses_duration_seconds_bucket\{le="[^"]+",method="GET",endpoint="\/collections"\}/,
    );
    assert.match(res.text, /app_info\{name="ringvec"/);
  });

  test('@qdrant/js-client-rest works without a compatibility warning', async () => {
    const warnings: string[] = [];
    const original = console.warn;
    console.warn = (...args: unknown[]) => warnings.push(args.join(' '));
    try {
      const client = new QdrantClient({ url: server.url });
      const version = await client.versionInfo();
      assert.match(version.version, /^1\.19\./);
      await client.createCollection('from_client', { vectors: { size: 3, distance: 'Cosine' } });
      const { collections } = await client.getCollections();
      assert.ok(collections.some((c) => c.name === 'from_client'));
      assert.equal((await client.collectionExists('from_client')).exists, true);
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      console.warn = original;
    }
    assert.deepEqual(
      warnings.filter((w) => /incompatible|Failed to obtain/.test(w)),
      [],
    );
  });
});

describe('API keys', () => {
  let server: TestServer;
  const full = 'full-secret-key';
  const readOnly = 'read-only-key';
  before(async () => {
    server = await startTestServer({
      env: { RINGVEC__SERVICE__API_KEY: full, RINGVEC__SERVICE__READ_ONLY_API_KEY: readOnly },
    });
  });
  after(() => server.close());

  test('open paths need no key', async () => {
    for (const path of ['/', '/healthz', '/livez', '/readyz']) {
      assert.equal((await http(server.url, 'GET', path)).status, 200, path);
    }
  });

  test('a missing or wrong key is 401', async () => {
    const missing = await http(server.url, 'GET', '/collections');
    assert.equal(missing.status, 401);
    assert.match(
      (missing.body as { status: { error: string } }).status.error,
      /Must provide an API key/,
    );
    const wrong = await http(server.url, 'GET', '/collections', undefined, { 'api-key': 'nope' });
    assert.equal(wrong.status, 401);
  });

  test('the full key works in both headers; the read-only key only reads', async () => {
    assert.equal(
      (await http(server.url, 'GET', '/collections', undefined, { 'api-key': full })).status,
      200,
    );
    assert.equal(
      (
        await http(server.url, 'GET', '/collections', undefined, {
          authorization: `Bearer ${full}`,
        })
      ).status,
      200,
    );
    assert.equal(
      (await http(server.url, 'GET', '/collections', undefined, { 'api-key': readOnly })).status,
      200,
    );
    const write = await http(
      server.url,
      'PUT',
      '/collections/c',
      { vectors: { size: 2, distance: 'Dot' } },
      { 'api-key': readOnly },
    );
    assert.equal(write.status, 403);
    const ok = await http(
      server.url,
      'PUT',
      '/collections/c',
      { vectors: { size: 2, distance: 'Dot' } },
      { 'api-key': full },
    );
    assert.equal(ok.status, 200);
    const search = await http(
      server.url,
      'POST',
      '/collections/c/points/scroll',
      { limit: 1 },
      { 'api-key': readOnly },
    );
    assert.equal(search.status, 200, 'reads over POST are allowed with the read-only key');
  });

  test('the JS client passes its apiKey', async () => {
    const client = new QdrantClient({ url: server.url, apiKey: full, checkCompatibility: false });
    assert.ok(Array.isArray((await client.getCollections()).collections));
  });
});
