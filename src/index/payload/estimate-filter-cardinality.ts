// How many points of a segment a filter selects, estimated from its payload indexes the way
// Qdrant's query_estimator.rs combines them: `must` as an intersection, `should` as a union,
// `min_should` as the union of its min_count-wise intersections, `must_not` as a complement.
// The segment uses it to choose between a payload-index scan and a vector-index search, and
// follows the primary clauses to the candidate offsets (`filterCandidates`).
//
// Bounds: min ≤ true ≤ max holds for the points the indexes judged, provided `uncertainPoints`
// counts every point the indexes may misjudge (payload changed or point deleted since the build,
// points added after it). Nested filters are bounded by the point-level estimate of their
// conditions only when those are monotone (positive matches, ranges, geo); otherwise by `total`.

import type { PointId } from '../../common/point-id.js';
import type { Condition, FieldCondition, Filter } from '../../filter/filter-types.js';
import { arrayKey, extendJsonPath, formatJsonPath, type JsonPath } from '../../filter/json-path.js';
import {
  combineMinShould,
  combineMust,
  combineShould,
  exact,
  invert,
  unknownCardinality,
  type CardinalityEstimation,
  type PrimaryClause,
} from './cardinality.js';
import type { PayloadFieldIndex } from './payload-field-index.js';

export interface PayloadIndexLookup {
  get(key: string): PayloadFieldIndex | undefined;
}

export interface EstimateOptions {
  /** Points the indexes may misjudge: stale payloads, deletions and additions since the build. */
  readonly uncertainPoints?: number;
  /** Offset of a point id in the segment (has_id becomes an exact, enumerable clause). */
  readonly resolvePointId?: (id: PointId) => number | undefined;
  /** Points having the named vector (has_vector becomes exact). */
  readonly vectorCount?: (vectorName: string) => number | undefined;
}

class Estimator {
  constructor(
    private readonly indexes: PayloadIndexLookup,
    private readonly total: number,
    private readonly options: EstimateOptions,
  ) {}

  filter(filter: Filter, prefix: JsonPath | null): CardinalityEstimation {
    const parts: CardinalityEstimation[] = [];
    const all = (conditions: readonly Condition[]) =>
      conditions.map((c) => this.condition(c, prefix));
    if (filter.must !== undefined && filter.must.length > 0) {
      parts.push(combineMust(all(filter.must), this.total));
    }
    if (filter.should !== undefined && filter.should.length > 0) {
      parts.push(combineShould(all(filter.should), this.total));
    }
    if (filter.minShould !== undefined) {
      parts.push(
        combineMinShould(all(filter.minShould.conditions), filter.minShould.minCount, this.total),
      );
    }
    if (filter.mustNot !== undefined && filter.mustNot.length > 0) {
      parts.push(
        combineMust(
          all(filter.mustNot).map((e) => invert(e, this.total)),
          this.total,
        ),
      );
    }
    return combineMust(parts, this.total);
  }

  private indexed(
    key: JsonPath,
    prefix: JsonPath | null,
    condition: Parameters<PayloadFieldIndex['estimate']>[0],
  ): CardinalityEstimation {
    const keyText = formatJsonPath(prefix === null ? key : extendJsonPath(prefix, key));
    const index = this.indexes.get(keyText);
    const estimate = index?.estimate(condition) ?? null;
    if (index === undefined || estimate === null) return unknownCardinality(this.total);
    const u = this.options.uncertainPoints ?? 0;
    const clauses: PrimaryClause[] =
      prefix === null && index.canEnumerate(condition)
        ? [{ kind: 'field', key: keyText, condition }]
        : [];
    return {
      min: Math.max(0, estimate.min - u),
      exp: Math.min(this.total, estimate.exp),
      max: Math.min(this.total, estimate.max + u),
      primaryClauses: clauses,
    };
  }

  condition(condition: Condition, prefix: JsonPath | null): CardinalityEstimation {
    const total = this.total;
    switch (condition.kind) {
      case 'filter':
        return this.filter(condition.filter, prefix);
      case 'field':
        return this.indexed(condition.key, prefix, condition);
      case 'is_empty':
      case 'is_null':
        return this.indexed(condition.key, prefix, condition);
      case 'has_id': {
        if (prefix !== null) return exact(0);
        const resolve = this.options.resolvePointId;
        if (resolve === undefined) {
          const n = Math.min(condition.ids.size, total);
          return { min: 0, exp: n, max: n, primaryClauses: [] };
        }
        const offsets: number[] = [];
        for (const id of condition.ids) {
          const o = resolve(id);
          if (o !== undefined) offsets.push(o);
        }
        return {
          ...exact(offsets.length),
          primaryClauses: [{ kind: 'ids', ids: condition.ids, offsets }],
        };
      }
      case 'has_vector': {
        if (prefix !== null) return exact(0);
        const n = this.options.vectorCount?.(condition.vector);
        if (n === undefined) return unknownCardinality(total);
        return {
          ...exact(Math.min(n, total)),
          primaryClauses: [{ kind: 'has_vector', vector: condition.vector }],
        };
      }
      case 'slice':
        if (prefix !== null) return exact(0);
        return { min: 0, exp: Math.floor(total / condition.total), max: total, primaryClauses: [] };
      case 'nested': {
        const path = arrayKey(condition.key);
        const full = prefix === null ? path : extendJsonPath(prefix, path);
        const inner = this.filter(condition.filter, full);
        const max = isMonotone(condition.filter) ? inner.max : total;
        return { min: 0, exp: Math.min(inner.exp, max), max, primaryClauses: [] };
      }
    }
  }
}

/** Only conditions whose per-element truth implies their per-point truth (no negation). */
function isMonotone(filter: Filter): boolean {
  if (filter.mustNot !== undefined && filter.mustNot.length > 0) return false;
  const all = [
    ...(filter.must ?? []),
    ...(filter.should ?? []),
    ...(filter.minShould?.conditions ?? []),
  ];
  return all.every((c) => {
    switch (c.kind) {
      case 'field':
        return isMonotoneField(c);
      case 'filter':
      case 'nested':
        return isMonotone(c.filter);
      case 'has_id':
      case 'has_vector':
      case 'slice':
        return true;
      default:
        return false;
    }
  });
}

function isMonotoneField(c: FieldCondition): boolean {
  if (c.valuesCount !== undefined || c.isEmpty !== undefined || c.isNull !== undefined)
    return false;
  return c.match?.kind !== 'except';
}

/**
 * Estimates the points among `totalPoints` (the segment's available points) that `filter`
 * selects, from the payload indexes in `indexes`.
 */
export function estimateFilterCardinality(
  filter: Filter,
  indexes: PayloadIndexLookup,
  totalPoints: number,
  options: EstimateOptions = {},
): CardinalityEstimation {
  return new Estimator(indexes, totalPoints, options).filter(filter, null);
}

/**
 * Offsets worth checking for a filter, from an estimation's primary clauses: the union of their
 * candidate lists (ascending, deduplicated), or null when a full scan is needed. Only points the
 * indexes cover are listed; the caller adds points the indexes may misjudge (stale, newer).
 */
export function filterCandidates(
  estimation: CardinalityEstimation,
  indexes: PayloadIndexLookup,
): Uint32Array | null {
  if (estimation.primaryClauses.length === 0) return null;
  const lists: ArrayLike<number>[] = [];
  for (const clause of estimation.primaryClauses) {
    if (clause.kind === 'ids') lists.push(clause.offsets);
    else if (clause.kind === 'field') {
      const list = indexes.get(clause.key)?.candidates(clause.condition) ?? null;
      if (list === null) return null;
      lists.push(list);
    } else {
      return null;
    }
  }
  if (lists.length === 1 && lists[0] instanceof Uint32Array) return lists[0];
  const seen = new Set<number>();
  for (const list of lists) for (let i = 0; i < list.length; i++) seen.add(list[i]!);
  return Uint32Array.from(seen).sort();
}
