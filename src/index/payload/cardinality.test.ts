import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  combineMinShould,
  combineMust,
  combineShould,
  exact,
  invert,
  pointsFromValues,
  type CardinalityEstimation,
} from './cardinality.js';

const TOTAL = 1000;
const est = (min: number, exp: number, max: number): CardinalityEstimation => ({
  min,
  exp,
  max,
  primaryClauses: [],
});
const color = {
  ...est(100, 200, 300),
  primaryClauses: [{ kind: 'has_vector' as const, vector: 'color' }],
};
const size = {
  ...est(100, 100, 100),
  primaryClauses: [{ kind: 'has_vector' as const, vector: 'size' }],
};
const price = {
  ...est(10, 15, 20),
  primaryClauses: [{ kind: 'has_vector' as const, vector: 'price' }],
};
const unknown = est(0, 500, 1000);

test('must = intersection (Qdrant query_estimator)', () => {
  const e = combineMust([color, size, price], TOTAL);
  assert.deepEqual([e.min, e.exp, e.max], [0, 0, 20]);
  assert.deepEqual(e.primaryClauses, price.primaryClauses);
  assert.deepEqual(combineMust([], TOTAL), { ...exact(TOTAL) });
  const one = combineMust([size], TOTAL);
  assert.deepEqual([one.min, one.exp, one.max], [100, 100, 100]);
});

test('should = union; an unindexed branch removes the primary clauses', () => {
  const e = combineShould([color, size], TOTAL);
  assert.equal(e.min, 100);
  assert.equal(e.max, 400);
  assert.equal(e.exp, Math.round((1 - 0.8 * 0.9) * TOTAL));
  assert.equal(e.primaryClauses.length, 2);
  assert.equal(combineShould([color, unknown], TOTAL).primaryClauses.length, 0);
});

test('min_should and must_not', () => {
  assert.deepEqual(combineMinShould([color, size], 3, TOTAL), exact(0));
  const two = combineMinShould([color, size, price], 2, TOTAL);
  assert.ok(two.max <= 300 + 20 + 20);
  const inv = invert(color, TOTAL);
  assert.deepEqual([inv.min, inv.exp, inv.max], [700, 800, 900]);
  // Huge combination counts fall back to a union bound.
  const many = Array.from({ length: 30 }, () => est(1, 2, 3));
  const e = combineMinShould(many, 15, TOTAL);
  assert.ok(e.min === 0 && e.max <= 90);
});

test('points from matching values are bounded by value multiplicity', () => {
  assert.deepEqual(pointsFromValues(0, 10, 20, 3), { min: 0, exp: 0, max: 0 });
  const e = pointsFromValues(30, 100, 150, 3);
  assert.ok(e.min >= 10 && e.max === 30 && e.min <= e.exp && e.exp <= e.max, JSON.stringify(e));
  assert.deepEqual(pointsFromValues(7, 100, 100, 1), { min: 7, exp: 7, max: 7 });
});
