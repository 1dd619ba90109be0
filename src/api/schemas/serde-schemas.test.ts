import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequest } from './parse-request.js';
import {
  bool,
  enumOf,
  float,
  int64,
  map,
  opt,
  optDefault,
  range,
  seq,
  str,
  strLength,
  struct,
  uint,
  withDefault,
} from './serde-schemas.js';
import { expectFormat, expectValidation, plain } from './test-support.js';
import { expectedOneOf, formatJsonNumber, rangeMessage } from './serde-messages.js';

const parseWith =
  <T>(schema: Parameters<typeof parseRequest<T>>[0]) =>
  (body: unknown): T =>
    parseRequest(schema, body);

test('unsigned integers follow serde: type, sign, width and nonzero', () => {
  const parse = parseWith(
    struct('S', { a: uint('usize'), b: opt(uint('u32')), c: opt(uint('u64', true)) }),
  );
  assert.deepEqual(plain(parse({ a: 5 })), { a: 5 });
  assert.equal(parse({ a: 18446744073709551615n }).a, 18446744073709551615);
  expectFormat(parse, { a: '5' }, 'a: invalid type: string "5", expected usize');
  expectFormat(parse, { a: 1.5 }, 'a: invalid type: floating point `1.5`, expected usize');
  expectFormat(parse, { a: -1 }, 'a: invalid value: integer `-1`, expected usize');
  expectFormat(
    parse,
    { a: 1, b: 4294967296 },
    'b: invalid value: integer `4294967296`, expected u32',
  );
  expectFormat(parse, { a: 1, c: 0 }, 'c: invalid value: integer `0`, expected a nonzero u64');
  expectFormat(parse, { a: null }, 'a: invalid type: null, expected usize');
  expectFormat(parse, {}, 'missing field `a`');
});

test('floats, i64, booleans, strings', () => {
  const parse = parseWith(
    struct('S', {
      f: opt(float('f32')),
      d: opt(float('f64')),
      i: opt(int64()),
      b: opt(bool()),
      s: opt(str()),
    }),
  );
  assert.deepEqual(parse({ f: 1.5, d: 2, i: -3, b: true, s: 'x' }), {
    f: 1.5,
    d: 2,
    i: -3,
    b: true,
    s: 'x',
  });
  assert.equal(parse({ i: -9223372036854775808n }).i, -9223372036854775808n);
  expectFormat(parse, { f: 1e39 }, 'f: invalid value: 1e+39, expected a finite f32');
  expectFormat(parse, { f: 'x' }, 'f: invalid type: string "x", expected f32');
  expectFormat(parse, { i: 1.5 }, 'i: invalid type: floating point `1.5`, expected i64');
  expectFormat(parse, { b: 1 }, 'b: invalid type: integer `1`, expected a boolean');
  expectFormat(parse, { s: [] }, 's: invalid type: sequence, expected a string');
});

test('enums report unknown variants with serde wording, aliases map to the canonical name', () => {
  const parse = parseWith(
    struct('S', { d: enumOf('Distance', ['Cosine', 'Euclid', 'Dot'] as const, { cos: 'Cosine' }) }),
  );
  assert.deepEqual(parse({ d: 'cos' }), { d: 'Cosine' });
  expectFormat(
    parse,
    { d: 'Cosin' },
    'd: unknown variant `Cosin`, expected one of `Cosine`, `Euclid`, `Dot`, `cos`',
  );
  expectFormat(parse, { d: 5 }, 'd: invalid type: integer `5`, expected enum Distance');
  assert.equal(expectedOneOf(['a']), '`a`');
  assert.equal(expectedOneOf(['a', 'b']), '`a` or `b`');
});

test('Option fields take null as absent; serde(default) fields refuse null', () => {
  const parse = parseWith(
    struct('S', {
      o: opt(bool()),
      d: withDefault(bool(), () => true),
      od: optDefault(uint('usize'), () => 10),
    }),
  );
  assert.deepEqual(plain(parse({})), { d: true, od: 10 });
  assert.deepEqual(plain(parse({ o: null, od: null })), { d: true, od: 10 });
  expectFormat(parse, { d: null }, 'd: invalid type: null, expected a boolean');
});

test('structs: type errors name the struct, unknown keys are dropped, aliases rename', () => {
  const parse = parseWith(
    struct(
      'Thing',
      { limit: uint('usize'), tags: opt(seq(str())), m: opt(map(uint('u8'))) },
      { aliases: { top: 'limit' } },
    ),
  );
  assert.deepEqual(plain(parse({ top: 3, extra: 1 })), { limit: 3 });
  expectFormat(parse, 'x', 'invalid type: string "x", expected struct Thing');
  expectFormat(parse, [], 'invalid type: sequence, expected struct Thing');
  expectFormat(parse, { top: 3, limit: 4 }, 'duplicate field `limit`');
  expectFormat(
    parse,
    { limit: 1, tags: 'a' },
    'tags: invalid type: string "a", expected a sequence',
  );
  expectFormat(
    parse,
    { limit: 1, tags: ['a', 2] },
    'tags[1]: invalid type: integer `2`, expected a string',
  );
  expectFormat(
    parse,
    { limit: 1, m: { x: 300 } },
    'm.x: invalid value: integer `300`, expected u8',
  );
  const strict = parseWith(struct('Sel', { include: seq(str()) }, { strict: true }));
  expectFormat(strict, { include: [], other: 1 }, 'unknown field `other`, expected `include`');
});

test('validation issues are collected (422) and format issues win (400)', () => {
  const parse = parseWith(
    struct('S', {
      a: opt(range(uint('usize'), { min: 1 })),
      b: opt(range(float('f64'), { min: 0, max: 1, float: true })),
      c: opt(range(float('f32'), { min: 0.5, max: 1, float: true, f32: true })),
      n: opt(strLength(str(), { min: 1 })),
      x: opt(bool()),
    }),
  );
  expectValidation(parse, { a: 0 }, 'a: value 0 invalid, must be 1 or larger');
  expectValidation(
    parse,
    { a: 0, b: 2, c: 0.3, n: '' },
    'a: value 0 invalid, must be 1 or larger; b: value 2.0 invalid, must be from 0.0 to 1.0; ' +
      'c: value 0.30000001192092896 invalid, must be from 0.5 to 1.0; ' +
      'n: value "" invalid, must be at least 1 characters',
  );
  expectFormat(parse, { a: 0, x: 'no' }, 'x: invalid type: string "no", expected a boolean');
});

test('message helpers render like validator', () => {
  assert.equal(rangeMessage({ min: '1' }), 'must be 1 or larger');
  assert.equal(
    rangeMessage({ value: '20', max: '16384' }),
    'value 20 invalid, must be 16384 or smaller',
  );
  assert.equal(formatJsonNumber(1, true), '1.0');
  assert.equal(formatJsonNumber(1, false), '1');
  assert.equal(formatJsonNumber(0.1, true, true), '0.10000000149011612');
});
