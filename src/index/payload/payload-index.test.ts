import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PointId } from '../../common/point-id.js';
import { compileFilter, type FilterContext } from '../../filter/compile-filter.js';
import type { Filter, Match } from '../../filter/filter-types.js';
import { formatJsonPath, type JsonObject } from '../../filter/json-path.js';
import { parseFilter } from '../../filter/parse-filter.js';
import { int, randomFilter, randomPayload, seededRng } from '../../filter/testing/random-data.js';
import {
  referenceCheck,
  type ReferencePoint,
  type TextOverride,
} from '../../filter/testing/reference-filter.js';
import { estimateFilterCardinality, filterCandidates } from './estimate-filter-cardinality.js';
import {
  parsePayloadFieldSchema,
  textIndexOptions,
  type PayloadFieldSchema,
} from './field-schema.js';
import { PayloadIndexSet } from './payload-index-set.js';
import { Tokenizer } from './tokenizer.js';

const SCHEMAS: [string, unknown][] = [
  ['int', 'integer'],
  ['kw', 'keyword'],
  ['flt', 'float'],
  ['bool', 'bool'],
  ['dt', 'datetime'],
  ['geo', 'geo'],
  ['txt', { type: 'text', tokenizer: 'word', phrase_matching: true }],
  ['mixed', 'keyword'],
  ['emp', { type: 'integer', lookup: true, range: true }],
  ['uuid', 'uuid'],
  ['obj.p', 'integer'],
  ['obj.q', 'keyword'],
  ['obj.r.s', 'float'],
  ['nest[].x', 'integer'],
  ['nest[].y', 'keyword'],
  ['nest[].t', { type: 'text', tokenizer: 'prefix', max_token_len: 4 }],
  ['nest', 'keyword'],
];

const schemas = (): [string, PayloadFieldSchema][] =>
  SCHEMAS.map(([k, s]) => [k, parsePayloadFieldSchema(s)]);

/** The text-index meaning, independently: token sets and windows, no vocabulary. */
function textOverride(): TextOverride {
  const tokenizers = new Map<string, { tok: Tokenizer; phrase: boolean }>();
  for (const [key, schema] of schemas()) {
    if (schema.type === 'text') {
      const options = textIndexOptions(schema);
      tokenizers.set(key, { tok: new Tokenizer(options), phrase: options.phraseMatching });
    }
  }
  return (key: string, match: Match, strings: readonly string[], scope) => {
    const entry = tokenizers.get(key);
    if (entry === undefined) return undefined;
    const { tok, phrase } = entry;
    if (match.kind === 'phrase') {
      if (scope === 'point' && !phrase) return false;
      const want = tok.tokenList(match.text, 'document');
      if (want.length === 0) return false;
      const docs = strings.map((s) => tok.tokenList(s, 'document'));
      return docs.some((doc) => doc.some((_, i) => want.every((t, j) => doc[i + j] === t)));
    }
    if (match.kind !== 'text' && match.kind !== 'text_any') return undefined;
    const query = [...tok.tokenSet(match.text, 'query')];
    if (query.length === 0) return false;
    const doc = new Set(strings.flatMap((s) => tok.tokenList(s, 'document')));
    return match.kind === 'text' ? query.every((t) => doc.has(t)) : query.some((t) => doc.has(t));
  };
}

function pointsOf(seed: number, n: number): ReferencePoint[] {
  const rng = seededRng(seed);
  return Array.from({ length: n }, (_, i) => ({
    id: i % 13 === 12 ? `6ba7b810-9dad-11d1-80b4-${String(i).padStart(12, '0')}` : i,
    payload: randomPayload(rng),
    vectors: new Set(['v1', 'v2'].filter(() => rng() < 0.5)),
  }));
}

function contextOf(
  points: readonly ReferencePoint[],
  extra: Partial<FilterContext> = {},
): FilterContext {
  return {
    payload: (o) => points[o]!.payload,
    pointId: (o) => points[o]!.id,
    hasVector: (o, name) => points[o]!.vectors.has(name),
    ...extra,
  };
}

const entriesOf = (points: readonly ReferencePoint[]) =>
  points.map((p, o) => [o, p.payload] as const);

const bigints = (_k: string, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v);

function randomFilters(seed: number, count: number): { raw: unknown; filter: Filter }[] {
  const rng = seededRng(seed);
  const out: { raw: unknown; filter: Filter }[] = [];
  while (out.length < count) {
    const raw = randomFilter(rng, int(rng, 0, 2));
    try {
      out.push({ raw, filter: parseFilter(raw) });
    } catch {
      // rare invalid combinations; parse errors are tested in filter/
    }
  }
  return out;
}

test('compiled filters give identical results with and without payload indexes (and stale points)', () => {
  const built = pointsOf(7, 600);
  const indexes = PayloadIndexSet.build(schemas(), entriesOf(built), built.length);
  // After the build: 5% of the points change payload, and 40 points are appended.
  const rng = seededRng(99);
  const stale = new Set<number>();
  const points = built.map((p, o) => {
    if (rng() < 0.05) {
      stale.add(o);
      return { ...p, payload: randomPayload(rng) };
    }
    return p;
  });
  for (let i = 0; i < 40; i++) {
    points.push({ id: 10_000 + i, payload: randomPayload(rng), vectors: new Set(['v1']) });
  }
  const override = textOverride();
  const byId = new Map<PointId, number>(points.map((p, o) => [p.id, o]));
  const plainCtx = contextOf(points);
  const indexedCtx = contextOf(points, {
    indexes,
    isIndexStale: (o) => stale.has(o),
    resolvePointId: (id) => byId.get(id),
  });
  let matched = 0;
  let checked = 0;
  for (const { raw, filter } of randomFilters(4242, 300)) {
    const withIndex = compileFilter(filter, indexedCtx);
    const withoutIndex = compileFilter(filter, plainCtx);
    let trueCount = 0;
    const matches: number[] = [];
    for (let o = 0; o < points.length; o++) {
      const expected = referenceCheck(filter, points[o]!, override);
      const message = () =>
        `filter ${JSON.stringify(raw, bigints)} point ${o} ${JSON.stringify(points[o]!.payload, bigints)}`;
      assert.equal(withIndex(o), expected, message());
      // Without indexes the text meaning is substring matching: compare only text-free answers.
      const plainExpected = referenceCheck(filter, points[o]!);
      assert.equal(withoutIndex(o), plainExpected, message());
      if (expected) {
        trueCount++;
        matches.push(o);
      }
      checked++;
    }
    matched += trueCount;

    const uncertain = stale.size + (points.length - built.length);
    const estimation = estimateFilterCardinality(filter, indexes, points.length, {
      uncertainPoints: uncertain,
      resolvePointId: (id) => byId.get(id),
      vectorCount: (name) => points.filter((p) => p.vectors.has(name)).length,
    });
    const where = () =>
      `${JSON.stringify(raw, bigints)}: ${JSON.stringify({ ...estimation, primaryClauses: estimation.primaryClauses.length })} true ${trueCount}`;
    assert.ok(estimation.min <= trueCount && trueCount <= estimation.max, where());
    assert.ok(estimation.min <= estimation.exp && estimation.exp <= estimation.max, where());

    const candidates = filterCandidates(estimation, indexes);
    if (candidates !== null) {
      const listed = new Set(candidates);
      for (const o of matches) {
        if (o < built.length && !stale.has(o))
          assert.ok(listed.has(o), `${where()} misses candidate ${o}`);
      }
    }
  }
  assert.ok(matched > checked * 0.1 && matched < checked * 0.9, `${matched}/${checked}`);
});

test('per-condition estimates bound the truth and candidates cover it', () => {
  const points = pointsOf(11, 500);
  const indexes = PayloadIndexSet.build(schemas(), entriesOf(points), points.length);
  const override = textOverride();
  const rng = seededRng(5);
  let enumerated = 0;
  for (let i = 0; i < 400; i++) {
    const raw = randomFilter(rng, 0);
    let filter: Filter;
    try {
      filter = parseFilter(raw);
    } catch {
      continue;
    }
    for (const condition of [...(filter.must ?? []), ...(filter.should ?? [])]) {
      if (
        condition.kind !== 'field' &&
        condition.kind !== 'is_empty' &&
        condition.kind !== 'is_null'
      )
        continue;
      const idx = indexes.get(formatJsonPath(condition.key));
      if (idx === undefined) continue;
      const single: Filter = { must: [condition] };
      const trueOffsets = points
        .map((p, o) => (referenceCheck(single, p, override) ? o : -1))
        .filter((o) => o >= 0);
      const truth = trueOffsets;
      const e = idx.estimate(condition);
      if (e !== null) {
        assert.ok(
          e.min <= truth.length && truth.length <= e.max,
          `${JSON.stringify(raw, bigints)} ${JSON.stringify(e)} true ${truth.length}`,
        );
      }
      if (idx.canEnumerate(condition)) {
        const list = idx.candidates(condition);
        assert.ok(list !== null);
        enumerated++;
        const listed = new Set(list);
        for (const o of trueOffsets)
          assert.ok(listed.has(o), `${JSON.stringify(raw, bigints)} misses ${o}`);
        for (let k = 1; k < list.length; k++) assert.ok(list[k - 1]! < list[k]!, 'ascending');
      }
    }
  }
  assert.ok(enumerated > 50, `${enumerated} enumerable conditions`);
});

test('serialized index sets load as zero-copy views from a SharedArrayBuffer and answer identically', () => {
  const points = pointsOf(3, 300);
  const indexes = PayloadIndexSet.build(schemas(), entriesOf(points), points.length);
  const bytes = indexes.serialize();
  const shared = new SharedArrayBuffer(bytes.length + 8);
  const view = new Uint8Array(shared, 8, bytes.length);
  view.set(bytes);
  const loaded = PayloadIndexSet.load(view);
  assert.deepEqual([...loaded.keys()].sort(), [...indexes.keys()].sort());
  assert.deepEqual(loaded.payloadSchema(), indexes.payloadSchema());
  // Round trip is byte-identical.
  assert.deepEqual(loaded.serialize(), bytes);
  const ctxA = contextOf(points, { indexes });
  const ctxB = contextOf(points, { indexes: loaded });
  for (const { filter } of randomFilters(77, 150)) {
    const a = compileFilter(filter, ctxA);
    const b = compileFilter(filter, ctxB);
    for (let o = 0; o < points.length; o++) assert.equal(b(o), a(o));
    assert.deepEqual(
      estimateFilterCardinality(filter, loaded, points.length),
      estimateFilterCardinality(filter, indexes, points.length),
    );
  }
  // Nothing was copied: the loaded arrays live in the shared buffer.
  const keyword = loaded.get('kw')!;
  const ownBuffers = new Set<ArrayBufferLike>();
  for (const value of Object.values(keyword as unknown as Record<string, unknown>)) {
    if (ArrayBuffer.isView(value)) ownBuffers.add(value.buffer);
  }
  assert.deepEqual([...ownBuffers], [shared]);
});

test('payload_schema reports types, params and points with values', () => {
  const payloads: (JsonObject | undefined)[] = [
    { a: 'x', n: 1, t: 'hello world' },
    { a: ['x', 'y'], n: 2.5 },
    { a: 5, n: null },
    undefined,
    { a: null, n: [1, 2] },
  ];
  const set = PayloadIndexSet.build(
    [
      ['a', parsePayloadFieldSchema('keyword')],
      ['n', parsePayloadFieldSchema({ type: 'integer', range: false, on_disk: true, unknown: 1 })],
      ['t', parsePayloadFieldSchema({ type: 'text' })],
    ],
    payloads.map((p, o) => [o, p] as const),
    payloads.length,
  );
  assert.deepEqual(set.payloadSchema(), {
    a: { data_type: 'keyword', points: 2 },
    n: {
      data_type: 'integer',
      params: { type: 'integer', on_disk: true, range: false },
      points: 2,
    },
    t: { data_type: 'text', params: { type: 'text', tokenizer: 'word' }, points: 1 },
  });
});
