import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { formatIssuePath, parseRequest, requestError } from './parse-request.js';
import { opt, range, struct, uint } from './serde-schemas.js';
import { expectError } from './test-support.js';

test('paths print as validator flattens them: a.b[0].c', () => {
  assert.equal(formatIssuePath([]), '');
  assert.equal(formatIssuePath(['points', 0, 'vector', 3]), 'points[0].vector[3]');
  assert.equal(formatIssuePath(['vectors', 'image', 'size']), 'vectors.image.size');
});

test('an empty body is what serde_json says about zero bytes', () => {
  expectError(
    () => parseRequest(struct('S', {}), undefined),
    'format',
    'Format error in JSON body: EOF while parsing a value at line 1 column 0',
  );
});

test('format issues outrank validation issues; validation issues are all listed', () => {
  const schema = struct('S', {
    a: opt(range(uint('usize'), { min: 1 })),
    b: opt(range(uint('usize'), { min: 1 })),
    c: opt(uint('usize')),
  });
  expectError(
    () => parseRequest(schema, { a: 0, b: 0 }),
    'validation',
    'Validation error in JSON body: [a: value 0 invalid, must be 1 or larger; b: value 0 invalid, must be 1 or larger]',
  );
  expectError(
    () => parseRequest(schema, { a: 0, c: -1 }),
    'format',
    'Format error in JSON body: c: invalid value: integer `-1`, expected usize',
  );
  expectError(
    () => parseRequest(schema, { a: 0 }, 'query parameters'),
    'validation',
    'Validation error in query parameters: [a: value 0 invalid, must be 1 or larger]',
  );
});

test('issues from plain zod schemas are reported as format errors with serde wording', () => {
  const result = z.object({ n: z.number() }).safeParse({ n: 'x' });
  assert.equal(result.success, false);
  const error = requestError(result.error!.issues);
  assert.equal(error.code, 'format');
  assert.equal(error.httpStatus, 400);
  assert.match(error.message, /^Format error in JSON body: n: /);
  const viaParse = () => parseRequest(z.object({ n: z.number() }), { n: 'x' });
  expectError(
    viaParse,
    'format',
    'Format error in JSON body: n: invalid type: string "x", expected number',
  );
});
