// The last step of a quantized search: re-rank the quantized candidates by their exact scores
// against the original vectors, read in one batch (one io_uring submission when they are on disk).
// The segment layer composes it: search `oversampledLimit(limit, oversampling)` candidates with
// the quantized scorer, then `rescore(candidates, …, exactScorer, limit)`.

import type { PointScorer } from '../kernels/point-scorer.js';
import { TopK, type ScoredOffsets } from './top-k.js';

/**
 * How many candidates the quantized search should return: Qdrant's get_oversampled_top,
 * floor(oversampling · limit) when oversampling > 1, else limit (oversampling unset = 1).
 */
export function oversampledLimit(limit: number, oversampling: number | undefined): number {
  return oversampling !== undefined && oversampling > 1 ? Math.floor(oversampling * limit) : limit;
}

function best(
  candidates: Uint32Array,
  count: number,
  scores: Float32Array,
  limit: number,
): ScoredOffsets {
  const top = new TopK(Math.min(limit, count));
  top.pushAll(candidates, scores, count);
  return top.sorted();
}

/**
 * Scores candidates[0 … count) with `exact` in one batch call and returns the best `limit`, best
 * first (ties: smaller offset first). Synchronous when the exact scorer is (originals in RAM or
 * resident), otherwise a promise.
 */
export function rescore(
  candidates: Uint32Array,
  count: number,
  exact: PointScorer,
  limit: number,
): ScoredOffsets | Promise<ScoredOffsets> {
  const scores = new Float32Array(count);
  const pending = exact.scoreOffsets(candidates, count, scores);
  if (pending === undefined) return best(candidates, count, scores, limit);
  return pending.then(() => best(candidates, count, scores, limit));
}
