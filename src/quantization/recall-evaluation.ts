// Recall of a quantized search against exact float search, the measure shared by the tests and
// bench/quantization.ts: a brute-force scan over the quantized vectors picks limit × oversampling
// candidates, which are then rescored with the originals (rescore.ts), as a segment does.

import {
  generateClusteredDataset,
  needsNormalization,
  normalizedCopy,
  recall,
} from './clustered-dataset.js';
import { FloatArrayScorer } from './float-array-scorer.js';
import { scanQuantized } from './quantized-scan.js';
import type { Distance, QuantizedVectors } from './quantizer.js';
import { oversampledLimit, rescore } from './rescore.js';
import type { ScoredOffsets } from './top-k.js';

export interface EvaluationSet {
  readonly dim: number;
  readonly distance: Distance;
  /** Originals, row-major. */
  readonly vectors: Float32Array;
  /** Queries, row-major (normalised like the vectors for Cosine). */
  readonly queries: Float32Array;
  readonly limit: number;
  /** Exact top `limit` offsets per query. */
  readonly truth: readonly Uint32Array[];
}

export function queryAt(set: { dim: number; queries: Float32Array }, q: number): Float32Array {
  return set.queries.subarray(q * set.dim, (q + 1) * set.dim);
}

export function queryCount(set: { dim: number; queries: Float32Array }): number {
  return set.queries.length / set.dim;
}

/** Exact answers by a float scan. */
export function evaluationSet(
  vectors: Float32Array,
  queries: Float32Array,
  dim: number,
  distance: Distance,
  limit: number,
): EvaluationSet {
  const truth: Uint32Array[] = [];
  for (let q = 0; q < queries.length / dim; q++) {
    const query = queries.subarray(q * dim, (q + 1) * dim);
    truth.push(new FloatArrayScorer(vectors, dim, distance, query).scanTop(limit).offsets);
  }
  return { dim, distance, vectors, queries, limit, truth };
}

/** Quantized-only search of one query: the best `limit × oversampling` by quantized score. */
export function quantizedCandidates(
  vectors: QuantizedVectors,
  query: Float32Array,
  limit: number,
  oversampling: number,
): ScoredOffsets {
  return scanQuantized(vectors.scorer(query), vectors.count, oversampledLimit(limit, oversampling));
}

/** Candidates rescored exactly against the in-RAM originals; the best `limit`. */
export function rescoredTop(
  set: EvaluationSet,
  candidates: ScoredOffsets,
  query: Float32Array,
): ScoredOffsets {
  const exact = new FloatArrayScorer(set.vectors, set.dim, set.distance, query);
  return rescore(candidates.offsets, candidates.offsets.length, exact, set.limit) as ScoredOffsets;
}

export interface RecallReport {
  /** recall@limit of the quantized scores alone. */
  readonly quantized: number;
  /** oversampling → recall@limit after rescoring limit × oversampling candidates. */
  readonly rescored: ReadonlyMap<number, number>;
}

export function measureRecall(
  vectors: QuantizedVectors,
  set: EvaluationSet,
  oversamplings: readonly number[],
): RecallReport {
  const widest = Math.max(1, ...oversamplings);
  const quantized: Uint32Array[] = [];
  const rescored = new Map<number, Uint32Array[]>(oversamplings.map((o) => [o, []]));
  for (let q = 0; q < set.truth.length; q++) {
    const query = queryAt(set, q);
    const all = quantizedCandidates(vectors, query, set.limit, widest);
    quantized.push(all.offsets.subarray(0, set.limit));
    for (const o of oversamplings) {
      const n = Math.min(all.offsets.length, oversampledLimit(set.limit, o));
      const candidates = { offsets: all.offsets.subarray(0, n), scores: all.scores.subarray(0, n) };
      rescored.get(o)!.push(rescoredTop(set, candidates, query).offsets);
    }
  }
  return {
    quantized: recall(quantized, set.truth),
    rescored: new Map([...rescored].map(([o, found]) => [o, recall(found, set.truth)])),
  };
}

/**
 * Seeded clustered data with exact answers for each distance: generated once, normalised (a copy)
 * for Cosine.
 */
export function clusteredEvaluationSets(options: {
  readonly count: number;
  readonly dim: number;
  readonly distances: readonly Distance[];
  readonly queries: number;
  readonly limit?: number;
  readonly seed?: number;
}): Map<Distance, EvaluationSet> {
  const { dim } = options;
  const data = generateClusteredDataset({
    count: options.count,
    dim,
    queries: options.queries,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
  });
  const sets = new Map<Distance, EvaluationSet>();
  for (const distance of options.distances) {
    const normalize = needsNormalization(distance);
    const vectors = normalize ? normalizedCopy(data.vectors, dim) : data.vectors;
    const queries = normalize ? normalizedCopy(data.queries, dim) : data.queries;
    sets.set(distance, evaluationSet(vectors, queries, dim, distance, options.limit ?? 10));
  }
  return sets;
}

/** "0.953 | 0.998 1.000 1.000" for logs. */
export function formatRecall(report: RecallReport): string {
  const rescored = [...report.rescored].map(([o, r]) => `x${o} ${r.toFixed(3)}`).join(' ');
  return `quantized ${report.quantized.toFixed(3)} | rescored ${rescored}`;
}
