// Shared by the search endpoint tests: deterministic random data, collection set-up over HTTP,
// and brute-force reference implementations of Qdrant's scoring (similarities, recommendation
// strategies, discovery, context, fusion) computed independently of the engine.

import assert from 'node:assert/strict';
import { http } from './test-server.js';

export type Distance = 'Cosine' | 'Dot' | 'Euclid' | 'Manhattan';

/** mulberry32: a small seeded generator, so failures reproduce. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Vectors of f32 values in [-1, 1). */
export function randomVectors(count: number, dim: number, seed: number): number[][] {
  const random = seeded(seed);
  return Array.from({ length: count }, () =>
    Array.from({ length: dim }, () => Math.fround(random() * 2 - 1)),
  );
}

export interface Fixture {
  ids: number[];
  vectors: number[][];
  payloads: Record<string, unknown>[];
}

/** Points 1..count with a payload that filters and groups can use. */
export function fixture(count: number, dim: number, seed: number): Fixture {
  const vectors = randomVectors(count, dim, seed);
  const ids = vectors.map((_, i) => i + 1);
  const payloads = ids.map((id) => ({
    group: id % 7,
    color: ['red', 'green', 'blue'][id % 3]!,
    price: id * 10,
    tags: id % 2 === 0 ? ['even', `t${id % 5}`] : [`t${id % 5}`],
  }));
  return { ids, vectors, payloads };
}

export async function expectOk(res: {
  status: number;
  body: unknown;
  text: string;
}): Promise<unknown> {
  assert.equal(res.status, 200, res.text);
  return (res.body as { result: unknown }).result;
}

/** Creates a collection and upserts the fixture (wait=true). */
export async function createCollection(
  url: string,
  name: string,
  vectors: Record<string, unknown>,
  data: Fixture,
  vectorOf: (vector: number[], i: number) => unknown = (vector) => vector,
): Promise<void> {
  await expectOk(await http(url, 'PUT', `/collections/${name}`, { vectors }));
  const points = data.ids.map((id, i) => ({
    id,
    vector: vectorOf(data.vectors[i]!, i),
    payload: data.payloads[i],
  }));
  for (let start = 0; start < points.length; start += 200) {
    await expectOk(
      await http(url, 'PUT', `/collections/${name}/points?wait=true`, {
        points: points.slice(start, start + 200),
      }),
    );
  }
}

// ---- reference scoring ------------------------------------------------------------------------

function normalized(v: readonly number[]): number[] {
  const norm = Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));
  return norm === 0 ? [...v] : v.map((x) => Math.fround(x / norm));
}

/** What the engine stores: Cosine vectors normalised, the others as given. */
export function stored(distance: Distance, v: readonly number[]): number[] {
  return distance === 'Cosine' ? normalized(v) : [...v];
}

/** Internal similarity (greater = closer) of a query to a stored vector. */
export function similarity(
  distance: Distance,
  query: readonly number[],
  v: readonly number[],
): number {
  const q = stored(distance, query);
  let sum = 0;
  for (let i = 0; i < q.length; i++) {
    const d = q[i]! - v[i]!;
    if (distance === 'Euclid') sum -= d * d;
    else if (distance === 'Manhattan') sum -= Math.abs(d);
    else sum += q[i]! * v[i]!;
  }
  return sum;
}

/** The score Qdrant reports for a nearest query: distances for Euclid and Manhattan. */
export function nearestScore(
  distance: Distance,
  query: readonly number[],
  v: readonly number[],
): number {
  const s = similarity(distance, query, v);
  if (distance === 'Euclid') return Math.sqrt(-s);
  if (distance === 'Manhattan') return -s;
  return s;
}

const sigmoid = (x: number) => x / (1 + Math.abs(x));
const scaledSigmoid = (x: number) => 0.5 * (sigmoid(x) + 1);

export function bestScore(
  distance: Distance,
  positives: number[][],
  negatives: number[][],
  v: readonly number[],
): number {
  const maxOf = (list: number[][]) =>
    Math.max(-Infinity, ...list.map((e) => similarity(distance, e, v)));
  const p = maxOf(positives);
  const n = maxOf(negatives);
  return p > n ? scaledSigmoid(p) : -scaledSigmoid(n);
}

export function sumScores(
  distance: Distance,
  positives: number[][],
  negatives: number[][],
  v: readonly number[],
): number {
  let sum = 0;
  for (const e of positives) sum += similarity(distance, e, v);
  for (const e of negatives) sum -= similarity(distance, e, v);
  return sum;
}

export function discoverScore(
  distance: Distance,
  target: number[],
  pairs: [number[], number[]][],
  v: readonly number[],
): number {
  let rank = 0;
  for (const [p, n] of pairs)
    rank += Math.sign(similarity(distance, p, v) - similarity(distance, n, v));
  return rank + scaledSigmoid(similarity(distance, target, v));
}

export function contextScore(
  distance: Distance,
  pairs: [number[], number[]][],
  v: readonly number[],
): number {
  let sum = 0;
  for (const [p, n] of pairs) {
    const d = similarity(distance, p, v) - similarity(distance, n, v);
    sum += sigmoid(Math.min(d - 1.1920929e-7, 0));
  }
  return sum;
}

/** Qdrant's average_vector: avg(positive), or 2·avg(positive) − avg(negative). */
export function averageVector(positives: number[][], negatives: number[][]): number[] {
  const avg = (list: number[][]) =>
    list[0]!.map((_, i) => list.reduce((sum, v) => sum + v[i]!, 0) / list.length);
  const p = avg(positives);
  if (negatives.length === 0) return p;
  const n = avg(negatives);
  return p.map((x, i) => 2 * x - n[i]!);
}

export interface Ranked {
  id: number;
  score: number;
}

/** Ranks candidate ids by a score (higher or lower is better), best first. */
export function rank(
  ids: readonly number[],
  score: (i: number) => number,
  higherIsBetter: boolean,
): Ranked[] {
  const out = ids.map((id, i) => ({ id, score: score(i) }));
  out.sort((a, b) => (higherIsBetter ? b.score - a.score : a.score - b.score));
  return out;
}

/** Asserts the engine's result has the reference ids in order and scores within f32 error. */
export function assertSameRanking(actual: unknown, expected: readonly Ranked[], what = ''): void {
  const points = actual as { id: number; score: number }[];
  assert.deepEqual(
    points.map((p) => p.id),
    expected.map((p) => p.id),
    `${what}: ids`,
  );
  points.forEach((p, i) => {
    const want = expected[i]!.score;
    assert.ok(
      Math.abs(p.score - want) <= 1e-4 * Math.max(1, Math.abs(want)),
      `${what}: score of ${p.id}: got ${p.score}, want ${want}`,
    );
  });
}
