// Seeded synthetic data for quantization tests and bench/quantization.ts: vectors drawn around
// random cluster centres (so neighbours are meaningful, unlike uniform noise), with per-dimension
// scales that differ (so a global scalar range and quantiles matter), and queries drawn from the
// same distribution but not stored.

import type { Distance } from './quantizer.js';
import { SeededRandom } from './seeded-random.js';

export interface ClusteredDatasetOptions {
  readonly count: number;
  readonly dim: number;
  readonly queries: number;
  /** Number of clusters. Default: about √count. */
  readonly clusters?: number;
  /** Standard deviation of points around their centre, relative to the centres' spread. */
  readonly spread?: number;
  readonly seed?: number;
  /** Normalise every vector (what Qdrant does for Cosine at insert time). */
  readonly normalize?: boolean;
}

export interface ClusteredDataset {
  readonly dim: number;
  /** count × dim, row-major. */
  readonly vectors: Float32Array;
  /** queries × dim, row-major. */
  readonly queries: Float32Array;
}

/** Row-major vectors scaled to unit length (zero vectors stay zero). */
export function normalizedCopy(data: Float32Array, dim: number): Float32Array {
  const copy = data.slice();
  normalizeRows(copy, dim);
  return copy;
}

function normalizeRows(data: Float32Array, dim: number): void {
  for (let at = 0; at < data.length; at += dim) {
    let norm = 0;
    for (let j = 0; j < dim; j++) norm += data[at + j]! * data[at + j]!;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let j = 0; j < dim; j++) data[at + j] = data[at + j]! * scale;
  }
}

export function generateClusteredDataset(options: ClusteredDatasetOptions): ClusteredDataset {
  const { count, dim, queries } = options;
  const random = new SeededRandom(options.seed ?? 42);
  const clusterCount = options.clusters ?? Math.max(1, Math.round(Math.sqrt(count)));
  const spread = options.spread ?? 0.5;
  const scales = Float64Array.from({ length: dim }, () => 0.25 + 1.75 * random.next());
  const centres = new Float64Array(clusterCount * dim);
  for (let i = 0; i < centres.length; i++) centres[i] = random.normal() * scales[i % dim]!;
  const draw = (n: number): Float32Array => {
    const out = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) {
      const c = random.int(clusterCount) * dim;
      for (let j = 0; j < dim; j++) {
        out[i * dim + j] = centres[c + j]! + spread * scales[j]! * random.normal();
      }
    }
    if (options.normalize === true) normalizeRows(out, dim);
    return out;
  };
  return { dim, vectors: draw(count), queries: draw(queries) };
}

/** The distances the tests and the benchmark run, with the normalisation each expects. */
export function needsNormalization(distance: Distance): boolean {
  return distance === 'Cosine';
}

/** |found ∩ truth| / |truth|, averaged over queries (each row holds k offsets). */
export function recall(found: readonly Uint32Array[], truth: readonly Uint32Array[]): number {
  let hits = 0;
  let total = 0;
  truth.forEach((expected, q) => {
    const got = new Set(found[q]);
    for (const offset of expected) if (got.has(offset)) hits++;
    total += expected.length;
  });
  return total === 0 ? 1 : hits / total;
}
