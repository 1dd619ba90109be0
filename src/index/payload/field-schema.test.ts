import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RingvecError } from '../../common/errors.js';
import { parsePayloadFieldSchema, payloadIndexInfo, sameSchema } from './field-schema.js';

function errorOf(value: unknown): RingvecError {
  try {
    parsePayloadFieldSchema(value);
  } catch (error) {
    assert.ok(error instanceof RingvecError);
    return error;
  }
  assert.fail('expected an error');
}

test('accepts type names and params objects', () => {
  for (const type of ['keyword', 'integer', 'float', 'geo', 'text', 'bool', 'datetime', 'uuid']) {
    assert.deepEqual(parsePayloadFieldSchema(type), { type });
  }
  assert.deepEqual(
    parsePayloadFieldSchema({ type: 'keyword', is_tenant: true, on_disk: null, x: 1 }),
    {
      type: 'keyword',
      params: { type: 'keyword', is_tenant: true },
    },
  );
  assert.deepEqual(
    parsePayloadFieldSchema({
      type: 'text',
      tokenizer: 'prefix',
      min_token_len: 2,
      lowercase: false,
    }),
    {
      type: 'text',
      params: { type: 'text', tokenizer: 'prefix', min_token_len: 2, lowercase: false },
    },
  );
  assert.deepEqual(
    parsePayloadFieldSchema({ type: 'integer', lookup: false, memory: 'cold' }).params,
    {
      type: 'integer',
      lookup: false,
      memory: 'cold',
    },
  );
  assert.ok(sameSchema(parsePayloadFieldSchema('text'), parsePayloadFieldSchema({ type: 'text' })));
  assert.ok(
    !sameSchema(
      parsePayloadFieldSchema('text'),
      parsePayloadFieldSchema({ type: 'text', lowercase: false }),
    ),
  );
  assert.deepEqual(payloadIndexInfo(parsePayloadFieldSchema('geo'), 3), {
    data_type: 'geo',
    points: 3,
  });
});

test('rejects what Qdrant rejects, and says what ringvec does not support', () => {
  for (const bad of [
    'str',
    5,
    null,
    { type: 'keyword', is_tenant: 'yes' },
    { type: 'text', tokenizer: 'ngram' },
    {},
  ]) {
    const e = errorOf(bad);
    assert.equal(e.code, 'format');
    assert.equal(
      e.message,
      'Format error in JSON body: data did not match any variant of untagged enum PayloadFieldSchema',
    );
  }
  const both = errorOf({ type: 'integer', lookup: false, range: false });
  assert.equal(both.code, 'validation');
  assert.match(both.message, /can't be both disabled/);
  assert.equal(
    errorOf({ type: 'text', stemmer: { type: 'snowball', language: 'english' } }).code,
    'bad_request',
  );
  assert.equal(errorOf({ type: 'text', stopwords: 'english' }).code, 'bad_request');
  assert.deepEqual(
    parsePayloadFieldSchema({
      type: 'text',
      stopwords: { custom: ['a'] },
      stemmer: { type: 'none' },
    }).type,
    'text',
  );
});
