import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJson } from '../../common/json.js';
import { parseRequest } from './parse-request.js';
import { struct } from './serde-schemas.js';
import {
  batchVectorsSchema,
  isMultiDenseVector,
  isSparseVector,
  namedVectorStructSchema,
  pointIdSchema,
  recommendExampleSchema,
  vectorInputSchema,
  vectorStructSchema,
} from './vector-schemas.js';
import { parseUpsertPoints } from './request-parsers.js';
import { expectFormat, expectValidation, f32, plain } from './test-support.js';

const field = <T>(schema: Parameters<typeof parseRequest<T>>[0]) => {
  const wrapper = struct('W', { v: schema });
  return (v: unknown): T => parseRequest(wrapper, { v }).v;
};

test('point ids: u64 up to 2^64-1 exactly, UUIDs in every form, canonical output', () => {
  const id = field(pointIdSchema);
  assert.equal(id(0), 0);
  assert.equal(id(9007199254740991), 9007199254740991);
  assert.equal(id(18446744073709551615n), 18446744073709551615n);
  // 2^53 arrives as bigint from parseJson and stays exact.
  const fromJson = parseJson('{"v": 9007199254740993}') as { v: unknown };
  assert.equal(id(fromJson.v), 9007199254740993n);
  const canonical = '550e8400-e29b-41d4-a716-446655440000';
  for (const form of [
    canonical,
    '550E8400-E29B-41D4-A716-446655440000',
    '550e8400e29b41d4a716446655440000',
    '{550e8400-e29b-41d4-a716-446655440000}',
    'urn:uuid:550e8400-e29b-41d4-a716-446655440000',
  ])
    assert.equal(id(form), canonical, form);
  const bad = (v: unknown) => struct('W', { v: pointIdSchema }).safeParse({ v }).success;
  assert.equal(bad(-1), false);
  assert.equal(bad(18446744073709551616n), false);
  const parse = (body: unknown) => parseRequest(struct('W', { v: pointIdSchema }), body);
  expectFormat(
    parse,
    { v: 'abc' },
    'v: value abc is not a valid point ID, valid values are either an unsigned integer or a UUID',
  );
  expectFormat(
    parse,
    { v: 1.5 },
    'v: value 1.5 is not a valid point ID, valid values are either an unsigned integer or a UUID',
  );
});

test('dense vectors become Float32Array; non-numbers, NaN, infinities and f32 overflow are refused', () => {
  const vs = field(vectorStructSchema);
  assert.deepEqual(vs([1, 0.5, -2]), f32(1, 0.5, -2));
  assert.deepEqual(vs([1n, 2]), f32(1, 2));
  const parse = (body: unknown) => parseRequest(struct('W', { v: vectorStructSchema }), body);
  expectFormat(parse, { v: [1, 'x'] }, 'v[1]: invalid type: string "x", expected f32');
  expectFormat(parse, { v: [1, null] }, 'v[1]: invalid type: null, expected f32');
  expectFormat(parse, { v: [NaN] }, 'v[0]: invalid value: NaN, expected a finite f32');
  expectFormat(parse, { v: [Infinity] }, 'v[0]: invalid value: Infinity, expected a finite f32');
  expectFormat(parse, { v: [3.5e38] }, 'v[0]: invalid value: 3.5e+38, expected a finite f32');
  expectValidation(parse, { v: [] }, 'v.vector: dense vector must not be empty');
  expectFormat(
    parse,
    { v: 'x' },
    'v: data did not match any variant of untagged enum VectorStruct',
  );
});

test('multi-dense, sparse and named vectors, with Qdrant validation messages', () => {
  const vs = field(vectorStructSchema);
  const multi = vs([
    [1, 2],
    [3, 4],
  ]);
  assert.ok(isMultiDenseVector(multi));
  assert.deepEqual(multi, [f32(1, 2), f32(3, 4)]);
  const named = vs({ image: [1, 2], text: { indices: [7, 3], values: [0.5, 0.25] } }) as Record<
    string,
    unknown
  >;
  assert.deepEqual(named['image'], f32(1, 2));
  assert.ok(isSparseVector(named['text']));
  assert.deepEqual(named['text'], { indices: Uint32Array.from([7, 3]), values: f32(0.5, 0.25) });

  const parse = (body: unknown) => parseRequest(struct('W', { v: vectorStructSchema }), body);
  expectValidation(
    parse,
    { v: [[1, 2], [3]] },
    'v.data: all vectors must have the same dimension, found vector with dimension 1',
  );
  expectValidation(parse, { v: [[]] }, 'v.data: all vectors must be non-empty');
  expectValidation(
    parse,
    { v: { s: { indices: [1, 1], values: [1] } } },
    'v.s.values: Validation error: must be the same length as indices [{}]; ' +
      'v.s.indices: Validation error: must be unique [{}]',
  );
  expectFormat(
    parse,
    { v: { s: { indices: [-1], values: [1] } } },
    'v.s.indices[0]: invalid value: integer `-1`, expected u32',
  );
  expectFormat(parse, { v: { s: { indices: [1] } } }, 'v.s: missing field `values`');
  expectFormat(
    parse,
    { v: { s: 5 } },
    'v.s: data did not match any variant of untagged enum Vector',
  );
  expectValidation(parse, { v: { a: [] } }, 'v.a.vector: dense vector must not be empty');
});

test('inference objects are accepted in shape (Document, Image, InferenceObject)', () => {
  const vs = field(vectorStructSchema);
  assert.deepEqual(plain(vs({ text: 'hello', model: 'qdrant/bm25' })), {
    text: 'hello',
    model: 'qdrant/bm25',
  });
  const parse = (body: unknown) => parseRequest(struct('W', { v: vectorStructSchema }), body);
  expectValidation(
    parse,
    { v: { text: 'x', model: '' } },
    'v.model: value "" invalid, must be at least 1 characters',
  );
});

test('batch vectors: dense rows, multi rows, named columns', () => {
  const b = field(batchVectorsSchema);
  assert.deepEqual(b([[1], [2]]), [f32(1), f32(2)]);
  assert.deepEqual(b([[[1, 2]], [[3, 4]]]), [[f32(1, 2)], [f32(3, 4)]]);
  assert.deepEqual(b({ a: [[1], [2]] }), { a: [f32(1), f32(2)] });
  assert.deepEqual(b([]), []);
  const parse = (body: unknown) => parseRequest(struct('W', { v: batchVectorsSchema }), body);
  expectFormat(parse, { v: [[1], 'x'] }, 'v[1]: invalid type: string "x", expected a sequence');
  expectValidation(parse, { v: [[1], []] }, 'v[1].vector: dense vector must not be empty');
});

test('query inputs: vectors, ids, sparse; legacy recommend examples and named search vectors', () => {
  const vi = field(vectorInputSchema);
  assert.deepEqual(vi([1, 2]), f32(1, 2));
  assert.equal(vi(17), 17);
  assert.equal(vi('550E8400-E29B-41D4-A716-446655440000'), '550e8400-e29b-41d4-a716-446655440000');
  assert.deepEqual(vi({ indices: [1], values: [2] }), {
    indices: Uint32Array.from([1]),
    values: f32(2),
  });
  // Query vectors are not checked for emptiness (Qdrant does not).
  assert.deepEqual(vi([]), f32());

  const re = field(recommendExampleSchema);
  assert.equal(re(18446744073709551615n), 18446744073709551615n);
  assert.deepEqual(re([0.5]), f32(0.5));

  const nv = field(namedVectorStructSchema);
  assert.deepEqual(nv([1]), { vector: f32(1) });
  assert.deepEqual(nv({ name: 'img', vector: [1] }), { name: 'img', vector: f32(1) });
  assert.deepEqual(nv({ name: 's', vector: { indices: [2], values: [1] } }), {
    name: 's',
    vector: { indices: Uint32Array.from([2]), values: f32(1) },
  });
  const parse = (body: unknown) => parseRequest(struct('W', { v: namedVectorStructSchema }), body);
  expectFormat(parse, { v: { vector: [1] } }, 'v: missing field `name`');
});

test('benchmark: upsert of 256 points × 768 floats validates in well under 5 ms', (t) => {
  const points = Array.from({ length: 256 }, (_, i) => ({
    id: i,
    vector: Array.from({ length: 768 }, (_, j) => Math.sin(i * 768 + j)),
    payload: { group: i % 7, name: `p${i}` },
  }));
  const body = { points };
  for (let i = 0; i < 20; i++) parseUpsertPoints(body); // warm up the JIT
  const runs = 50;
  const start = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) parseUpsertPoints(body);
  const perRunMs = Number(process.hrtime.bigint() - start) / 1e6 / runs;

  const batch = {
    batch: { ids: points.map((p) => p.id), vectors: points.map((p) => p.vector) },
  };
  for (let i = 0; i < 20; i++) parseUpsertPoints(batch);
  const batchStart = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) parseUpsertPoints(batch);
  const batchMs = Number(process.hrtime.bigint() - batchStart) / 1e6 / runs;

  t.diagnostic(`upsert 256 × 768 (points list): ${perRunMs.toFixed(3)} ms per request`);
  t.diagnostic(`upsert 256 × 768 (columnar batch): ${batchMs.toFixed(3)} ms per request`);
  const parsed = parseUpsertPoints(body);
  assert.ok('points' in parsed && parsed.points.length === 256);
});
