// Cardinality estimation arithmetic, after Qdrant's query_estimator.rs and stat_tools.rs: how many
// points a condition or filter selects, as {min, exp, max}, and which "primary clauses" (index
// conditions whose matching offsets can be listed) bound the result. min ≤ true count ≤ max holds
// whenever the inputs hold it; exp is the independence-assumption guess used to pick a strategy.

import type { PointId } from '../../common/point-id.js';
import type { IndexableCondition } from '../../filter/filter-index.js';

export type PrimaryClause =
  /** An index condition on `key` whose candidate offsets the index can list. */
  | { readonly kind: 'field'; readonly key: string; readonly condition: IndexableCondition }
  /** has_id, resolved to offsets. */
  | {
      readonly kind: 'ids';
      readonly ids: ReadonlySet<PointId>;
      readonly offsets: readonly number[];
    }
  | { readonly kind: 'has_vector'; readonly vector: string };

export interface CardinalityEstimation {
  readonly min: number;
  readonly exp: number;
  readonly max: number;
  /** Empty = no index can enumerate candidates: a full scan is needed. */
  readonly primaryClauses: readonly PrimaryClause[];
}

export interface Estimate {
  readonly min: number;
  readonly exp: number;
  readonly max: number;
}

export const exact = (count: number): CardinalityEstimation => ({
  min: count,
  exp: count,
  max: count,
  primaryClauses: [],
});

export const unknownCardinality = (total: number): CardinalityEstimation => ({
  min: 0,
  exp: Math.floor(total / 2),
  max: total,
  primaryClauses: [],
});

/** Probability-of-union guess: (1 − ∏(1 − xᵢ/total))·total. */
export function expectedShouldEstimation(counts: readonly number[], total: number): number {
  if (total === 0) return 0;
  let notHit = 1;
  for (const x of counts) notHit *= 1 - x / total;
  return Math.round((1 - notHit) * total);
}

export function combineShould(
  estimations: readonly CardinalityEstimation[],
  total: number,
): CardinalityEstimation {
  let clauses: PrimaryClause[] = [];
  for (const e of estimations) {
    if (e.primaryClauses.length === 0) {
      // One un-indexed branch makes the whole union un-enumerable.
      clauses = [];
      break;
    }
    clauses.push(...e.primaryClauses);
  }
  let min = 0;
  let sumMax = 0;
  for (const e of estimations) {
    min = Math.max(min, e.min);
    sumMax += e.max;
  }
  return {
    min,
    exp: expectedShouldEstimation(
      estimations.map((e) => e.exp),
      total,
    ),
    max: Math.min(sumMax, total),
    primaryClauses: clauses,
  };
}

export function combineMust(
  estimations: readonly CardinalityEstimation[],
  total: number,
): CardinalityEstimation {
  let min = total;
  let max = total;
  let prob = 1;
  let best: CardinalityEstimation | undefined;
  for (const e of estimations) {
    min = Math.max(0, min + e.min - total);
    max = Math.min(max, e.max);
    prob *= total === 0 ? 0 : e.exp / total;
    if (e.primaryClauses.length > 0 && (best === undefined || e.exp < best.exp)) best = e;
  }
  return {
    min,
    exp: Math.round(prob * total),
    max,
    primaryClauses: best?.primaryClauses ?? [],
  };
}

/** |⋃ of all min_count-sized intersections|; zero when min_count exceeds the list. */
export function combineMinShould(
  estimations: readonly CardinalityEstimation[],
  minCount: number,
  total: number,
): CardinalityEstimation {
  if (minCount > estimations.length) return exact(0);
  const intersections: CardinalityEstimation[] = [];
  // C(n, k) grows fast; beyond a few hundred combinations the union bound is no tighter anyway.
  const limit = 512;
  const combo: number[] = [];
  const walk = (start: number): boolean => {
    if (combo.length === minCount) {
      intersections.push(
        combineMust(
          combo.map((i) => estimations[i]!),
          total,
        ),
      );
      return intersections.length < limit;
    }
    for (let i = start; i < estimations.length; i++) {
      combo.push(i);
      const go = walk(i + 1);
      combo.pop();
      if (!go) return false;
    }
    return true;
  };
  if (!walk(0)) {
    // Too many combinations: fall back to the plain union of the conditions (a valid bound).
    const union = combineShould(estimations, total);
    return { min: 0, exp: union.exp, max: union.max, primaryClauses: union.primaryClauses };
  }
  return combineShould(intersections, total);
}

export function invert(estimation: CardinalityEstimation, total: number): CardinalityEstimation {
  return {
    min: Math.max(0, total - estimation.max),
    exp: Math.max(0, total - estimation.exp),
    max: Math.max(0, total - estimation.min),
    primaryClauses: [],
  };
}

/** Expected points hit when `values` of `totalValues` values spread over `points` are selected. */
export function estimateMultiValueSelection(
  points: number,
  totalValues: number,
  values: number,
): number {
  if (points === 0) return 0;
  if (totalValues <= points) return values;
  const avg = totalValues / points;
  const factLog = (n: number) =>
    n < 1 ? 1 : Math.log(Math.sqrt(2 * Math.PI * n)) + n * Math.log(n / Math.E);
  const notSelected = Math.exp(
    factLog(totalValues - avg) +
      factLog(totalValues - values) -
      factLog(totalValues - avg - values) -
      factLog(totalValues),
  );
  return (1 - notSelected) * points;
}

/** Points selected by `values` matching values, with `maxPerPoint` values per point at most. */
export function pointsFromValues(
  values: number,
  points: number,
  totalValues: number,
  maxPerPoint: number,
): Estimate {
  if (values === 0 || points === 0 || maxPerPoint === 0) return { min: 0, exp: 0, max: 0 };
  const max = Math.min(points, values);
  const min = Math.min(
    max,
    Math.max(Math.ceil(values / maxPerPoint), values - (totalValues - points), 1),
  );
  const guess = Math.round(estimateMultiValueSelection(points, totalValues, values));
  return { min, exp: Math.min(max, Math.max(min, guess)), max };
}
