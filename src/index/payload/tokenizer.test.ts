import { test } from 'node:test';
import assert from 'node:assert/strict';
import { textIndexOptions, parsePayloadFieldSchema } from './field-schema.js';
import { foldToAscii, Tokenizer } from './tokenizer.js';

const tokenizer = (params: Record<string, unknown>) =>
  new Tokenizer(textIndexOptions(parsePayloadFieldSchema({ type: 'text', ...params })));

test('word, whitespace and prefix tokenizers (Qdrant tokenizer tests)', () => {
  assert.deepEqual(
    tokenizer({ lowercase: false }).tokenList('hello, world! Привет, мир!', 'document'),
    ['hello', 'world', 'Привет', 'мир'],
  );
  assert.deepEqual(tokenizer({}).tokenList('hello, world! Привет, мир!', 'document'), [
    'hello',
    'world',
    'привет',
    'мир',
  ]);
  assert.deepEqual(
    tokenizer({ tokenizer: 'whitespace', lowercase: false }).tokenList('hello world', 'document'),
    ['hello', 'world'],
  );
  const prefix = tokenizer({ tokenizer: 'prefix', min_token_len: 1, max_token_len: 4 });
  assert.deepEqual(prefix.tokenList('hello, мир!', 'document'), [
    'h',
    'he',
    'hel',
    'hell',
    'м',
    'ми',
    'мир',
  ]);
  assert.deepEqual(prefix.tokenList('hello, мир!', 'query'), ['hell', 'мир']);
});

test('length limits, stopwords and folding', () => {
  const t = tokenizer({ min_token_len: 3, max_token_len: 5, stopwords: { custom: ['The'] } });
  assert.deepEqual(t.tokenList('The quick brown fox jumps overhead', 'document'), [
    'quick',
    'brown',
    'fox',
    'jumps',
  ]);
  assert.equal(foldToAscii('ação Ærøskøbing straße'), 'acao AEroskobing strasse');
  assert.deepEqual(tokenizer({ ascii_folding: true }).tokenList('Café Über', 'document'), [
    'cafe',
    'uber',
  ]);
  assert.deepEqual(
    tokenizer({ tokenizer: 'multilingual' }).tokenList('Hello, wörld 123!', 'document'),
    ['hello', 'wörld'],
  );
});
