// Score fusion of several ranked lists, as Qdrant does it (lib/segment/src/common/
// reciprocal_rank_fusion.rs and score_fusion.rs). Arithmetic is done in f32 (Math.fround) so fused
// scores match Qdrant's to the last bit; ties keep the order in which points were first seen.

import { RingvecError } from '../common/errors.js';
import type { QueryHit } from './query-plan.js';

/** Qdrant's `DEFAULT_RRF_K`. */
export const DEFAULT_RRF_K = 2;

const f32 = Math.fround;

/** One source's contribution at `position` (0-based): 1 / ((position + 1) / weight + k − 1). */
function rrfPositionScore(position: number, k: number, weight: number): number {
  if (weight <= 0) return 0;
  return f32(1 / f32(f32(f32(position + 1) / weight) + f32(k) - 1));
}

/**
 * Reciprocal rank fusion: only positions matter. `weights` (one per source) stretch or compress
 * positions; a mismatch in their number is Qdrant's 400 "Validation failed: …".
 */
export function rrfFusion(
  sources: readonly (readonly QueryHit[])[],
  k: number,
  weights: readonly number[] | null,
): QueryHit[] {
  if (weights !== null && weights.length !== sources.length) {
    throw new RingvecError(
      'bad_input',
      `Validation failed: Number of weights in RRF should match number of pre-fetches: got ${weights.length}, expected ${sources.length}`,
    );
  }
  const byId = new Map<QueryHit['id'], QueryHit>();
  sources.forEach((source, s) => {
    const weight = weights === null ? 1 : f32(weights[s]!);
    source.forEach((hit, position) => {
      const score = rrfPositionScore(position, k, weight);
      const seen = byId.get(hit.id);
      if (seen) seen.score = f32(seen.score + score);
      else byId.set(hit.id, { ...hit, score });
    });
  });
  return sortByScoreDescending([...byId.values()]);
}

/** Welford's one-pass mean and sample variance, in f32 like Qdrant. Needs ≥ 2 scores. */
function meanVariance(scores: readonly number[]): { mean: number; variance: number } {
  let mean = 0;
  let aggregate = 0;
  scores.forEach((raw, i) => {
    const score = f32(raw);
    const oldDelta = f32(score - mean);
    mean = f32(mean + f32(oldDelta / (i + 1)));
    const delta = f32(score - mean);
    aggregate = f32(aggregate + f32(oldDelta * delta));
  });
  return { mean, variance: f32(aggregate / f32(scores.length - 1)) };
}

/** Scales one list's scores so that mean ± 3σ maps to [0, 1] (a single point scores 0.5). */
function distributionNormalized(source: readonly QueryHit[]): QueryHit[] {
  const out = source.map((hit) => ({ ...hit }));
  if (out.length < 2) {
    if (out.length === 1) out[0]!.score = 0.5;
    return out;
  }
  const { mean, variance } = meanVariance(out.map((hit) => hit.score));
  const deviation = f32(Math.sqrt(variance));
  const min = f32(mean - f32(3 * deviation));
  const max = f32(mean + f32(3 * deviation));
  for (const hit of out) {
    hit.score = min === max ? 0.5 : f32(f32(f32(hit.score) - min) / f32(max - min));
  }
  return out;
}

/**
 * Distribution-based score fusion: each list normalised by its own distribution, then the scores
 * of a point summed. Larger is better whatever the sources' metric (as in Qdrant).
 */
export function dbsfFusion(sources: readonly (readonly QueryHit[])[]): QueryHit[] {
  const byId = new Map<QueryHit['id'], QueryHit>();
  for (const source of sources) {
    for (const hit of distributionNormalized(source)) {
      const seen = byId.get(hit.id);
      if (seen) seen.score = f32(seen.score + hit.score);
      else byId.set(hit.id, hit);
    }
  }
  return sortByScoreDescending([...byId.values()]);
}

function sortByScoreDescending(hits: QueryHit[]): QueryHit[] {
  // Array#sort is stable: equal scores keep first-seen order.
  return hits.sort((a, b) => b.score - a.score);
}
