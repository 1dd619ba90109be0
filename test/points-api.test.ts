// Points endpoints over HTTP and through the official client: ids, payload operations, vector
// operations, batch updates, scroll and count, and bad input that must leave data untouched.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { QdrantClient } from '@qdrant/js-client-rest';
import { assertMatchesSpec } from './helpers/openapi.js';
import { http, startTestServer, type TestServer } from './helpers/test-server.js';

type Body = { result: unknown; status: unknown };

describe('points API', () => {
  let server: TestServer;
  const c = '/collections/pts';
  const result = (res: { body: unknown }) => (res.body as Body).result;
  before(async () => {
    server = await startTestServer();
    assert.equal(
      (await http(server.url, 'PUT', c, { vectors: { size: 3, distance: 'Dot' } })).status,
      200,
    );
    assert.equal(
      (
        await http(server.url, 'PUT', '/collections/named', {
          vectors: {
            image: { size: 2, distance: 'Euclid' },
            text: { size: 3, distance: 'Cosine', on_disk: true },
          },
        })
      ).status,
      200,
    );
  });
  after(() => server.close());

  test('u64 ids round-trip exactly, also above 2^53; UUIDs in any form come back canonical', async () => {
    const body =
      '{"points":[{"id":18446744073709551615,"vector":[1,2,3]},{"id":9007199254740993,"vector":[1,1,1]},' +
      '{"id":"{8D4C1F2A-0B3E-4F5A-9C6D-7E8F9A0B1C2D}","vector":[0,0,1]},{"id":"0e6f4a4c5b7d4e8f9a0b1c2d3e4f5a6b","vector":[0,1,0]}]}';
    const res = await http(server.url, 'PUT', `${c}/points?wait=true`, body);
    assert.equal(res.status, 200, res.text);
    assertMatchesSpec('put', '/collections/{collection_name}/points', res.body);
    const one = await http(server.url, 'GET', `${c}/points/18446744073709551615`);
    assert.match(one.text, /"id":18446744073709551615[,}]/);
    const near = await http(server.url, 'GET', `${c}/points/9007199254740993`);
    assert.match(near.text, /"id":9007199254740993[,}]/);
    const uuid = await http(server.url, 'GET', `${c}/points/8d4c1f2a-0b3e-4f5a-9c6d-7e8f9a0b1c2d`);
    assert.equal(uuid.status, 200);
    const scroll = await http(server.url, 'POST', `${c}/points/scroll`, { limit: 10 });
    assert.match(scroll.text, /"0e6f4a4c-5b7d-4e8f-9a0b-1c2d3e4f5a6b"/);
    assert.match(scroll.text, /18446744073709551615/);
    assertMatchesSpec('post', '/collections/{collection_name}/points/scroll', scroll.body);
    const bad = await http(server.url, 'GET', `${c}/points/not-an-id`);
    assert.equal(bad.status, 400);
  });

  test('wrong dimension and NaN are 400 and store nothing', async () => {
    const before = result(await http(server.url, 'POST', `${c}/points/count`, {})) as {
      count: number;
    };
    const wrong = await http(server.url, 'PUT', `${c}/points?wait=true`, {
      points: [
        { id: 100, vector: [1, 2, 3] },
        { id: 101, vector: [1, 2] },
      ],
    });
    assert.equal(wrong.status, 400);
    assert.equal(
      (wrong.body as { status: { error: string } }).status.error,
      'Wrong input: Vector dimension error: expected dim: 3, got 2',
    );
    const nan = await http(
      server.url,
      'PUT',
      `${c}/points?wait=true`,
      '{"points":[{"id":102,"vector":[1,NaN,3]}]}',
    );
    assert.equal(nan.status, 400);
    const inf = await http(server.url, 'PUT', `${c}/points?wait=true`, {
      points: [{ id: 103, vector: [1, 1e39, 3] }],
    });
    assert.equal(inf.status, 400);
    const unknown = await http(server.url, 'PUT', '/collections/named/points?wait=true', {
      points: [{ id: 1, vector: { audio: [1, 2] } }],
    });
    assert.equal(unknown.status, 400);
    assert.match(
      (unknown.body as { status: { error: string } }).status.error,
      /Not existing vector name error: audio/,
    );
    const after = result(await http(server.url, 'POST', `${c}/points/count`, {})) as {
      count: number;
    };
    assert.equal(after.count, before.count);
    assert.equal((await http(server.url, 'GET', `${c}/points/100`)).status, 404);
  });

  test('every payload operation', async () => {
    await http(server.url, 'PUT', `${c}/points?wait=true`, {
      points: [
        {
          id: 1,
          vector: [1, 0, 0],
          payload: { city: 'Berlin', meta: { a: 1, b: 2 }, tags: ['x'] },
        },
        { id: 2, vector: [0, 1, 0], payload: { city: 'London' } },
        { id: 3, vector: [0, 0, 1] },
      ],
    });
    const get = async (id: number) =>
      (
        result(
          await http(server.url, 'POST', `${c}/points`, { ids: [id], with_payload: true }),
        ) as { payload: unknown }[]
      )[0]!.payload;
    let res = await http(server.url, 'POST', `${c}/points/payload?wait=true`, {
      payload: { color: 'red' },
      points: [1, 2],
    });
    assert.equal(res.status, 200);
    assertMatchesSpec('post', '/collections/{collection_name}/points/payload', res.body);
    assert.deepEqual(await get(1), {
      city: 'Berlin',
      meta: { a: 1, b: 2 },
      tags: ['x'],
      color: 'red',
    });
    res = await http(server.url, 'POST', `${c}/points/payload?wait=true`, {
      payload: { c: 3 },
      points: [1],
      key: 'meta',
    });
    assert.deepEqual(((await get(1)) as { meta: unknown }).meta, { a: 1, b: 2, c: 3 });
    res = await http(server.url, 'PUT', `${c}/points/payload?wait=true`, {
      payload: { only: true },
      points: [2],
    });
    assert.deepEqual(await get(2), { only: true });
    res = await http(server.url, 'POST', `${c}/points/payload/delete?wait=true`, {
      keys: ['meta.a', 'tags'],
      points: [1],
    });
    assert.deepEqual(await get(1), { city: 'Berlin', meta: { b: 2, c: 3 }, color: 'red' });
    res = await http(server.url, 'POST', `${c}/points/payload?wait=true`, {
      payload: { seen: true },
      filter: { must: [{ key: 'city', match: { value: 'Berlin' } }] },
    });
    assert.equal(((await get(1)) as { seen?: boolean }).seen, true);
    res = await http(server.url, 'POST', `${c}/points/payload/clear?wait=true`, { points: [1] });
    assert.deepEqual(await get(1), {});
    const missing = await http(server.url, 'POST', `${c}/points/payload?wait=true`, {
      payload: { a: 1 },
      points: [999],
    });
    assert.equal(missing.status, 404);
    assert.equal(
      (missing.body as { status: { error: string } }).status.error,
      'Not found: No point with id 999 found',
    );
    const selectors = await http(server.url, 'POST', `${c}/points/payload?wait=true`, {
      payload: { a: 1 },
    });
    assert.equal(selectors.status, 400);
  });

  test('named vectors: update, delete and retrieve vectors', async () => {
    await http(server.url, 'PUT', '/collections/named/points?wait=true', {
      points: [{ id: 1, vector: { image: [1, 2], text: [3, 0, 4] }, payload: { p: 1 } }],
    });
    const read = async () =>
      (
        result(
          await http(server.url, 'POST', '/collections/named/points', {
            ids: [1],
            with_vector: true,
            with_payload: true,
          }),
        ) as { vector: Record<string, number[]>; payload: unknown }[]
      )[0]!;
    assert.deepEqual((await read()).vector, { image: [1, 2], text: [0.6, 0, 0.8] });
    let res = await http(server.url, 'PUT', '/collections/named/points/vectors?wait=true', {
      points: [{ id: 1, vector: { image: [5, 6] } }],
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(await read(), {
      id: 1,
      vector: { image: [5, 6], text: [0.6, 0, 0.8] },
      payload: { p: 1 },
    });
    res = await http(server.url, 'POST', '/collections/named/points/vectors/delete?wait=true', {
      points: [1],
      vector: ['text'],
    });
    assert.equal(res.status, 200);
    assert.deepEqual((await read()).vector, { image: [5, 6] });
    const only = (
      result(
        await http(server.url, 'POST', '/collections/named/points', {
          ids: [1],
          with_vector: ['image'],
        }),
      ) as { vector: unknown }[]
    )[0]!;
    assert.deepEqual(only.vector, { image: [5, 6] });
  });

  test('batch updates apply in order with one operation id each; columnar upsert', async () => {
    const res = await http(server.url, 'POST', `${c}/points/batch?wait=true`, {
      operations: [
        {
          upsert: {
            batch: {
              ids: [10, 11, 12],
              vectors: [
                [1, 1, 1],
                [2, 2, 2],
                [3, 3, 3],
              ],
              payloads: [{ n: 10 }, { n: 11 }, null],
            },
          },
        },
        { delete: { points: [11] } },
        {
          set_payload: {
            payload: { n: 99 },
            filter: { must: [{ key: 'n', match: { value: 10 } }] },
          },
        },
      ],
    });
    assert.equal(res.status, 200, res.text);
    assertMatchesSpec('post', '/collections/{collection_name}/points/batch', res.body);
    const ops = result(res) as { operation_id: number; status: string }[];
    assert.equal(ops.length, 3);
    assert.ok(
      ops[0]!.operation_id < ops[1]!.operation_id && ops[1]!.operation_id < ops[2]!.operation_id,
    );
    const points = result(
      await http(server.url, 'POST', `${c}/points`, { ids: [10, 11, 12], with_payload: true }),
    ) as { id: number; payload: unknown }[];
    assert.deepEqual(points, [
      { id: 10, payload: { n: 99 } },
      { id: 12, payload: {} },
    ]);
  });

  test('scroll pages by id, count with filters, delete by filter', async () => {
    await http(server.url, 'PUT', '/collections/scroll', { vectors: { size: 2, distance: 'Dot' } });
    const points = Array.from({ length: 25 }, (_, i) => ({
      id: 100 - i,
      vector: [i, 1],
      payload: { even: i % 2 === 0 },
    }));
    await http(server.url, 'PUT', '/collections/scroll/points?wait=true', { points });
    const ids: number[] = [];
    let offset: unknown = null;
    do {
      const page = result(
        await http(server.url, 'POST', '/collections/scroll/points/scroll', {
          limit: 10,
          ...(offset === null ? {} : { offset }),
        }),
      ) as { points: { id: number }[]; next_page_offset: unknown };
      ids.push(...page.points.map((p) => p.id));
      offset = page.next_page_offset;
    } while (offset !== null);
    assert.deepEqual(
      ids,
      Array.from({ length: 25 }, (_, i) => 76 + i),
    );
    const count = await http(server.url, 'POST', '/collections/scroll/points/count', {
      filter: { must: [{ key: 'even', match: { value: true } }] },
    });
    assert.deepEqual(result(count), { count: 13 });
    assertMatchesSpec('post', '/collections/{collection_name}/points/count', count.body);
    await http(server.url, 'POST', '/collections/scroll/points/delete?wait=true', {
      filter: { must: [{ key: 'even', match: { value: true } }] },
    });
    assert.deepEqual(
      result(await http(server.url, 'POST', '/collections/scroll/points/count', {})),
      { count: 12 },
    );
    const unsupported = await http(server.url, 'POST', '/collections/scroll/points/count', {
      filter: { must: [{ key: 'x', bogus: 1 }] },
    });
    assert.equal(
      unsupported.status,
      422,
      'Qdrant: a field condition without a condition fails validation',
    );
  });

  test('facet counts values like a brute-force count, with filters, across indexed and fresh points', async () => {
    await http(server.url, 'PUT', '/collections/facets', {
      vectors: { size: 2, distance: 'Dot' },
      optimizers_config: { indexing_threshold: 20 },
    });
    const colours = ['red', 'green', 'blue', 'cyan'];
    const points = Array.from({ length: 3000 }, (_, i) => ({
      id: i,
      vector: [i, 1],
      payload: {
        colour: colours[i % 4],
        tags: i % 3 === 0 ? ['a', 'b', 'a'] : ['b'],
        big: i % 2 === 0,
      },
    }));
    const noIndex = await http(server.url, 'POST', '/collections/facets/facet', { key: 'colour' });
    assert.equal(noIndex.status, 400);
    assert.match(
      (noIndex.body as { status: { error: string } }).status.error,
      /No appropriate index for faceting: `colour`/,
    );
    for (const field of ['colour', 'tags']) {
      await http(server.url, 'PUT', '/collections/facets/index?wait=true', {
        field_name: field,
        field_schema: 'keyword',
      });
    }
    await http(server.url, 'PUT', '/collections/facets/points?wait=true', { points });
    await server.server.state.engine.get('facets').optimizer.idle();
    // a payload edit after indexing (stale point) and fresh points in the appendable segment
    await http(server.url, 'POST', '/collections/facets/points/payload?wait=true', {
      payload: { colour: 'red' },
      points: [1],
    });
    await http(server.url, 'PUT', '/collections/facets/points?wait=true', {
      points: [{ id: 5000, vector: [1, 1], payload: { colour: 'cyan', tags: [] } }],
    });
    const all = [
      ...points.map((p) => p.payload),
      { colour: 'cyan', tags: [] as string[], big: false },
    ];
    all[1] = { ...all[1]!, colour: 'red' };
    const expected = (rows: typeof all) => {
      const counts = new Map<string, number>();
      for (const row of rows) counts.set(row.colour!, (counts.get(row.colour!) ?? 0) + 1);
      return [...counts]
        .map(([value, count]) => ({ value, count }))
        .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
    };
    const res = await http(server.url, 'POST', '/collections/facets/facet', {
      key: 'colour',
      limit: 10,
    });
    assert.equal(res.status, 200, res.text);
    assertMatchesSpec('post', '/collections/{collection_name}/facet', res.body);
    assert.deepEqual((result(res) as { hits: unknown }).hits, expected(all));
    const filtered = await http(server.url, 'POST', '/collections/facets/facet', {
      key: 'colour',
      filter: { must: [{ key: 'big', match: { value: true } }] },
    });
    assert.deepEqual(
      (result(filtered) as { hits: unknown }).hits,
      expected(all.filter((row) => row.big)),
    );
    const tags = await http(server.url, 'POST', '/collections/facets/facet', {
      key: 'tags',
      limit: 1,
    });
    assert.deepEqual((result(tags) as { hits: unknown }).hits, [{ value: 'b', count: 3000 }]);
  });

  test('wait=false acknowledges at once; the JS client works for points', async () => {
    const ack = await http(server.url, 'PUT', `${c}/points`, {
      points: [{ id: 500, vector: [1, 2, 3] }],
    });
    assert.equal((result(ack) as { status: string }).status, 'acknowledged');
    const client = new QdrantClient({ url: server.url, checkCompatibility: false });
    await client.upsert('pts', {
      wait: true,
      points: [{ id: 501, vector: [3, 2, 1], payload: { via: 'client' } }],
    });
    const [point] = await client.retrieve('pts', {
      ids: [501],
      with_payload: true,
      with_vector: true,
    });
    assert.deepEqual(point, { id: 501, payload: { via: 'client' }, vector: [3, 2, 1] });
    const { count } = await client.count('pts', { exact: true });
    assert.ok(count >= 5);
    await client.delete('pts', { wait: true, points: [501] });
    assert.equal((await client.retrieve('pts', { ids: [501] })).length, 0);
  });
});
