// Exact top-k over all quantized vectors: a plain scan with batch scoring, for segments too small
// for HNSW (and the benchmark's brute-force quantized search).

import type { QuantizedScorer } from './quantizer.js';
import { TopK, type ScoredOffsets } from './top-k.js';

const CHUNK = 1024;

/** The best `limit` of offsets 0 … count-1 by `scorer`, best first. */
export function scanQuantized(
  scorer: QuantizedScorer,
  count: number,
  limit: number,
): ScoredOffsets {
  const offsets = new Uint32Array(CHUNK);
  const scores = new Float32Array(CHUNK);
  const top = new TopK(Math.min(limit, count));
  for (let first = 0; first < count; first += CHUNK) {
    const n = Math.min(CHUNK, count - first);
    for (let i = 0; i < n; i++) offsets[i] = first + i;
    scorer.scoreOffsets(offsets, n, scores);
    top.pushAll(offsets, scores, n);
  }
  return top.sorted();
}
