import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  arrayKey,
  deletePayloadAtPath,
  extendJsonPath,
  formatJsonPath,
  getValuesAtPath,
  keyNeedsQuoting,
  parseJsonPath,
  setPayloadAtPath,
  stripJsonPathPrefix,
  type JsonObject,
  type JsonPath,
} from './json-path.js';

const path = (text: string): JsonPath => {
  const p = parseJsonPath(text);
  assert.ok(p, `valid path ${text}`);
  return p;
};

test('parses paths like Qdrant, including quoted keys, indexes and wildcards', () => {
  assert.equal(parseJsonPath(''), null);
  assert.deepEqual(parseJsonPath('foo'), { first: 'foo', rest: [] });
  assert.deepEqual(parseJsonPath('foo[1][50].bar-baz[]."qux[.]quux"'), {
    first: 'foo',
    rest: [
      { kind: 'index', index: 1 },
      { kind: 'index', index: 50 },
      { kind: 'key', key: 'bar-baz' },
      { kind: 'wildcard' },
      { kind: 'key', key: 'qux[.]quux' },
    ],
  });
  assert.deepEqual(parseJsonPath('"a b".c'), { first: 'a b', rest: [{ kind: 'key', key: 'c' }] });
  assert.deepEqual(parseJsonPath('Müesli_1'), { first: 'Müesli_1', rest: [] });
  for (const bad of [
    '[0]',
    'a.',
    'a..b',
    'a[',
    'a[x]',
    'a b',
    '"a',
    'a."b\\"',
    '.a',
    'a[-1]',
    'a.[0]',
  ]) {
    assert.equal(parseJsonPath(bad), null, bad);
  }
});

test('formats canonically and quotes keys that need it', () => {
  assert.equal(formatJsonPath(path('a."b c".d')), 'a."b c".d');
  assert.equal(formatJsonPath(path('a."b".c[0][]')), 'a.b.c[0][]');
  assert.equal(keyNeedsQuoting('foo_123-bar'), false);
  for (const k of ['', ' foo', 'foo bar', 'foo.bar', 'foo[]', 'foo[0]'])
    assert.equal(keyNeedsQuoting(k), true);
});

test('arrayKey, extend and stripPrefix', () => {
  assert.equal(formatJsonPath(arrayKey(path('a.b'))), 'a.b[]');
  assert.equal(formatJsonPath(arrayKey(path('a.b[]'))), 'a.b[]');
  assert.equal(formatJsonPath(extendJsonPath(path('a[]'), path('b.c'))), 'a[].b.c');
  assert.equal(formatJsonPath(stripJsonPathPrefix(path('a[].b.c'), path('a[]'))!), 'b.c');
  assert.equal(stripJsonPathPrefix(path('a[].b'), path('a')), null);
  assert.equal(stripJsonPathPrefix(path('a'), path('a')), null);
});

test('reads values: [] flattens one level, [N] picks, arrays at the leaf stay whole', () => {
  const map: JsonObject = {
    arr1: [
      { arr2: [{ a: 1, b: 2 }] },
      {
        arr2: [
          { a: 3, b: 4 },
          { a: 5, b: 6 },
        ],
      },
    ],
    arr: [{ a: [1, 2, 3] }, { a: 4 }, { b: 5 }],
    n: null,
    b: [null, null],
    c: [],
    __proto__x: 1,
  };
  assert.deepEqual(getValuesAtPath(map, path('arr1[].arr2[].a')), [1, 3, 5]);
  assert.deepEqual(getValuesAtPath(map, path('arr[].a')), [[1, 2, 3], 4]);
  assert.deepEqual(getValuesAtPath(map, path('arr[].a[]')), [1, 2, 3]);
  assert.deepEqual(getValuesAtPath(map, path('arr1[1].arr2[0].b')), [4]);
  assert.deepEqual(getValuesAtPath(map, path('arr1[5].arr2')), []);
  assert.deepEqual(getValuesAtPath(map, path('n')), [null]);
  assert.deepEqual(getValuesAtPath(map, path('n[]')), []);
  assert.deepEqual(getValuesAtPath(map, path('b[]')), [null, null]);
  assert.deepEqual(getValuesAtPath(map, path('c')), [[]]);
  assert.deepEqual(getValuesAtPath(map, path('c[]')), []);
  assert.deepEqual(getValuesAtPath(map, path('d')), []);
  assert.deepEqual(getValuesAtPath(map, path('arr.a')), []);
  assert.deepEqual(getValuesAtPath({}, path('toString')), []);
  assert.deepEqual(
    getValuesAtPath(JSON.parse('{"__proto__": 7}') as JsonObject, path('__proto__')),
    [7],
  );
});

const base = (): JsonObject => ({
  a: { b: [{ c: 1 }, { c: 2 }, { d: { e: 3 } }] },
  f: 3,
  g: ['g0', 'g1', 'g2'],
});

test('set_payload without key merges, and null removes a key', () => {
  const p = base();
  setPayloadAtPath(p, { c: 5, f: null });
  assert.deepEqual(p, { a: base()['a'], g: ['g0', 'g1', 'g2'], c: 5 });
});

test('set_payload with key follows Qdrant value_set', () => {
  let p = base();
  setPayloadAtPath(p, { b: 5 }, path('a'));
  assert.deepEqual(p, { a: { b: 5 }, f: 3, g: ['g0', 'g1', 'g2'] });

  p = base();
  setPayloadAtPath(p, { c: 5 }, path('a.b[1]'));
  assert.deepEqual((p['a'] as JsonObject)['b'], [{ c: 1 }, { c: 5 }, { d: { e: 3 } }]);

  p = base();
  setPayloadAtPath(p, { x: 1 }, path('a.b[]'));
  assert.deepEqual((p['a'] as JsonObject)['b'], [
    { c: 1, x: 1 },
    { c: 2, x: 1 },
    { d: { e: 3 }, x: 1 },
  ]);

  p = {};
  setPayloadAtPath(p, { c: 1 }, path('key1.key2'));
  assert.deepEqual(p, { key1: { key2: { c: 1 } } });

  p = {};
  setPayloadAtPath(p, { c: 1 }, path('key1.key2[3]'));
  assert.deepEqual(p, { key1: { key2: [] } });

  p = {};
  setPayloadAtPath(p, { c: 1 }, path('key1.key2[].key3'));
  assert.deepEqual(p, { key1: { key2: [] } });

  p = { a: 10 };
  setPayloadAtPath(p, { x: 1 }, path('a.b.c'));
  assert.deepEqual(p, { a: { b: { c: { x: 1 } } } });

  p = {};
  setPayloadAtPath(p, { __proto__: 1 } as JsonObject, path('"__proto__"'));
  assert.equal(Object.getPrototypeOf(p), Object.prototype);
  assert.deepEqual(Object.keys(p), ['__proto__']);
});

test('delete_payload by key follows Qdrant value_remove', () => {
  const p: JsonObject = {
    a: 1,
    b: {
      c: 123,
      e: {
        f: [1, 2, 3],
        g: 7,
        h: 'text',
        i: [
          { j: 1, k: 2 },
          { j: 3, k: 4 },
        ],
      },
    },
  };
  assert.deepEqual(deletePayloadAtPath(p, path('b.c')), [123]);
  assert.deepEqual(deletePayloadAtPath(p, path('b.e.i[0].j')), [1]);
  assert.deepEqual(deletePayloadAtPath(p, path('b.e.i[].k')), [2, 4]);
  assert.deepEqual(deletePayloadAtPath(p, path('b.e.i[]')), [[{}, { j: 3 }]]);
  assert.deepEqual(deletePayloadAtPath(p, path('b.e.i')), [[]]);
  assert.deepEqual(deletePayloadAtPath(p, path('b.e.f[0]')), []);
  assert.deepEqual(deletePayloadAtPath(p, path('b.e.f')), [[1, 2, 3]]);
  assert.deepEqual(deletePayloadAtPath(p, path('k')), []);
  assert.deepEqual(deletePayloadAtPath(p, path('b.e.l')), []);
  assert.deepEqual(deletePayloadAtPath(p, path('a')), [1]);
  assert.deepEqual(deletePayloadAtPath(p, path('b.e')), [{ g: 7, h: 'text' }]);
  assert.deepEqual(deletePayloadAtPath(p, path('b')), [{}]);
  assert.deepEqual(p, {});
});
