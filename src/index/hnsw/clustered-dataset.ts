// Seeded synthetic vectors for HNSW tests and the search benchmark: Gaussian clusters whose
// per-dimension spread varies (log-uniform over a 10× range), so that, like real embeddings, most
// variance sits in part of the dimensions. Queries come from the same clusters but are not points
// of the set. Same parameters ⇒ same floats on every platform.

import { MinScoreHeap } from './score-heap.js';
import { SeededRandom } from './seeded-random.js';

export interface ClusteredDatasetParams {
  points: number;
  queries: number;
  dim: number;
  /** Number of clusters (default max(1, points / 100)). */
  clusters?: number;
  /** Largest per-dimension standard deviation inside a cluster; centres are N(0, 1) (default 0.5). */
  spread?: number;
  /** Normalise every vector to unit length (for Cosine, which is dot over unit vectors). */
  normalize?: boolean;
  seed: number;
}

export interface ClusteredDataset {
  dim: number;
  /** points × dim floats, row-major. */
  vectors: Float32Array;
  /** queries × dim floats, row-major. */
  queries: Float32Array;
}

export function generateClusteredDataset(params: ClusteredDatasetParams): ClusteredDataset {
  const { points, queries, dim, seed } = params;
  const clusters = Math.max(1, params.clusters ?? Math.floor(points / 100));
  const spread = params.spread ?? 0.5;
  const random = new SeededRandom(seed);
  const centres = new Float32Array(clusters * dim);
  const deviations = new Float32Array(clusters * dim);
  for (let i = 0; i < clusters * dim; i++) {
    centres[i] = random.nextGaussian();
    deviations[i] = spread * Math.exp(Math.log(0.1) * random.nextOpenUnit());
  }
  const fill = (out: Float32Array, rows: number): void => {
    for (let r = 0; r < rows; r++) {
      const c = random.nextUint32() % clusters;
      let norm = 0;
      for (let d = 0; d < dim; d++) {
        const value = centres[c * dim + d]! + deviations[c * dim + d]! * random.nextGaussian();
        out[r * dim + d] = value;
        norm += value * value;
      }
      if (params.normalize === true && norm > 0) {
        const scale = 1 / Math.sqrt(norm);
        for (let d = 0; d < dim; d++) out[r * dim + d] = out[r * dim + d]! * scale;
      }
    }
  };
  const vectors = new Float32Array(points * dim);
  const queryVectors = new Float32Array(queries * dim);
  fill(vectors, points);
  fill(queryVectors, queries);
  return { dim, vectors, queries: queryVectors };
}

/**
 * Exact top-`limit` offsets of every query by brute force (ground truth for recall), through the
 * same kernels as the index. Returns queries × limit offsets, closest first.
 */
export function bruteForceTopK(
  scoreRow: (query: Float32Array, out: Float32Array) => void,
  queries: Float32Array,
  dim: number,
  count: number,
  limit: number,
): Uint32Array {
  const queryCount = queries.length / dim;
  const truth = new Uint32Array(queryCount * limit);
  const scores = new Float32Array(count);
  const best = new MinScoreHeap(limit + 1);
  const ids = new Uint32Array(limit);
  const bestScores = new Float32Array(limit);
  for (let q = 0; q < queryCount; q++) {
    scoreRow(queries.subarray(q * dim, (q + 1) * dim), scores);
    best.clear();
    for (let i = 0; i < count; i++) {
      const score = scores[i]!;
      if (best.size < limit) best.push(i, score);
      else if (score > best.topScore()) {
        best.pop();
        best.push(i, score);
      }
    }
    const found = best.drainDescending(ids, bestScores);
    truth.set(ids.subarray(0, found), q * limit);
  }
  return truth;
}

/** Mean fraction of each query's true top-`limit` found in its result. */
export function recallAtK(
  truth: Uint32Array,
  found: ReadonlyArray<ArrayLike<number>>,
  limit: number,
): number {
  let hits = 0;
  for (let q = 0; q < found.length; q++) {
    const expected = new Set(truth.subarray(q * limit, (q + 1) * limit));
    const result = found[q]!;
    for (let i = 0; i < result.length && i < limit; i++) if (expected.has(result[i]!)) hits++;
  }
  return hits / (found.length * limit);
}
