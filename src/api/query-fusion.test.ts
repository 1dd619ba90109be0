// Fusion arithmetic matches Qdrant's own test values (reciprocal_rank_fusion.rs, score_fusion.rs).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shortestF32 } from '../common/json.js';
import { DEFAULT_RRF_K, dbsfFusion, rrfFusion } from './query-fusion.js';
import type { QueryHit } from './query-plan.js';

const hit = (id: number, score: number): QueryHit => ({ id, version: 0, score });
const printed = (hits: QueryHit[]) => hits.map((h) => [h.id, shortestF32(h.score)]);

test('RRF gives the scores of Qdrant test_rrf_scoring', () => {
  const fused = rrfFusion(
    [
      [hit(2, 0.9), hit(1, 0.8)],
      [hit(1, 0.7), hit(2, 0.6), hit(3, 0.5)],
      [hit(5, 0.9), hit(3, 0.5), hit(1, 0.4)],
    ],
    DEFAULT_RRF_K,
    null,
  );
  assert.deepEqual(printed(fused), [
    [1, 1.0833334],
    [2, 0.8333334],
    [3, 0.5833334],
    [5, 0.5],
  ]);
});

test('RRF weights compress positions and must match the sources', () => {
  const sources = [
    [hit(1, 0.9), hit(2, 0.8)],
    [hit(2, 0.9), hit(1, 0.8)],
  ];
  const equal = rrfFusion(sources, DEFAULT_RRF_K, null);
  assert.equal(equal[0]!.score, equal[1]!.score);
  const weighted = rrfFusion(sources, DEFAULT_RRF_K, [3, 1]);
  assert.equal(weighted[0]!.id, 2);
  assert.ok(weighted[0]!.score > weighted[1]!.score);
  assert.throws(() => rrfFusion(sources, DEFAULT_RRF_K, [1, 2, 3]), {
    message:
      'Wrong input: Validation failed: Number of weights in RRF should match number of pre-fetches: got 3, expected 2',
  });
});

test('DBSF normalises each list by mean ± 3 sample deviations and sums', () => {
  const a = [hit(1, 0.9), hit(2, 0.5), hit(3, 0.1)];
  const b = [hit(3, 10), hit(4, 10)];
  const fused = dbsfFusion([a, b, [hit(5, 7)]]);
  // a: mean 0.5, σ 0.4 → [−0.7, 1.7]; b: all equal → 0.5 each; a single point → 0.5.
  const expected = new Map([
    [1, (0.9 + 0.7) / 2.4],
    [2, (0.5 + 0.7) / 2.4],
    [3, (0.1 + 0.7) / 2.4 + 0.5],
    [4, 0.5],
    [5, 0.5],
  ]);
  assert.deepEqual(
    fused.map((h) => h.id),
    [3, 1, 2, 4, 5],
  );
  for (const h of fused)
    assert.ok(Math.abs(h.score - expected.get(h.id as number)!) < 1e-6, `score of ${h.id}`);
});
