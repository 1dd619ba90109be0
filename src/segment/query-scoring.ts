// Scoring a query against a segment's stored vectors. A query is one of Qdrant's kinds —
// nearest, recommend (best_score / sum_scores), discover, context — each scored from the
// similarities of a point to one or more query vectors (Qdrant's lib/segment vector_storage/query):
//
//   nearest              sim(q, v)
//   recommend best_score max⁺ > max⁻ ? σ(max⁺) : −σ(max⁻), σ(x) = ½(x / (1 + |x|) + 1)
//   recommend sum_scores Σ sim(p, v) − Σ sim(n, v)
//   discover             Σ_pairs sign(sim(p, v) − sim(n, v)) + σ(sim(target, v))
//   context              Σ_pairs fσ(min(sim(p, v) − sim(n, v) − ε, 0)), fσ(x) = x / (1 + |x|)
//
// Vectors are fetched once per batch (from RAM, or through a BatchReader for on-disk vectors)
// and scored against every query vector with the SIMD kernels.

import type { KernelOp, Kernels } from '../kernels/index.js';
import type { PointScorer } from '../kernels/point-scorer.js';
import type { BatchReader } from '../storage-io/batch-reader.js';

export type SegmentQuery =
  | { kind: 'nearest'; vector: Float32Array }
  | { kind: 'recommend_best_score'; positives: Float32Array[]; negatives: Float32Array[] }
  | { kind: 'recommend_sum_scores'; positives: Float32Array[]; negatives: Float32Array[] }
  | { kind: 'discover'; target: Float32Array; pairs: [Float32Array, Float32Array][] }
  | { kind: 'context'; pairs: [Float32Array, Float32Array][] };

const F32_EPSILON = 1.1920929e-7;

function fastSigmoid(x: number): number {
  return x / (1 + Math.abs(x));
}

function scaledFastSigmoid(x: number): number {
  return 0.5 * (fastSigmoid(x) + 1);
}

/** The query vectors in a fixed order, and how to combine their similarities into a score. */
export function queryVectors(query: SegmentQuery): Float32Array[] {
  switch (query.kind) {
    case 'nearest':
      return [query.vector];
    case 'recommend_best_score':
    case 'recommend_sum_scores':
      return [...query.positives, ...query.negatives];
    case 'discover':
      return [query.target, ...query.pairs.flat()];
    case 'context':
      return query.pairs.flat();
  }
}

/** Combines per-vector similarities sims[k][i] (k in queryVectors order) into out[i]. */
export function combineSimilarities(
  query: SegmentQuery,
  sims: Float32Array[],
  count: number,
  out: Float32Array,
): void {
  switch (query.kind) {
    case 'nearest':
      if (sims[0] !== out) out.set(sims[0]!.subarray(0, count));
      return;
    case 'recommend_best_score': {
      const p = query.positives.length;
      for (let i = 0; i < count; i++) {
        let maxPositive = -Infinity;
        let maxNegative = -Infinity;
        for (let k = 0; k < sims.length; k++) {
          const s = sims[k]![i]!;
          if (k < p) maxPositive = Math.max(maxPositive, s);
          else maxNegative = Math.max(maxNegative, s);
        }
        out[i] =
          maxPositive > maxNegative
            ? scaledFastSigmoid(maxPositive)
            : -scaledFastSigmoid(maxNegative);
      }
      return;
    }
    case 'recommend_sum_scores': {
      const p = query.positives.length;
      for (let i = 0; i < count; i++) {
        let sum = 0;
        for (let k = 0; k < sims.length; k++) sum += k < p ? sims[k]![i]! : -sims[k]![i]!;
        out[i] = sum;
      }
      return;
    }
    case 'discover': {
      for (let i = 0; i < count; i++) {
        let rank = 0;
        for (let k = 1; k + 1 < sims.length; k += 2) {
          const d = sims[k]![i]! - sims[k + 1]![i]!;
          rank += d > 0 ? 1 : d < 0 ? -1 : 0;
        }
        out[i] = rank + scaledFastSigmoid(sims[0]![i]!);
      }
      return;
    }
    case 'context': {
      for (let i = 0; i < count; i++) {
        let sum = 0;
        for (let k = 0; k + 1 < sims.length; k += 2) {
          sum += fastSigmoid(Math.min(sims[k]![i]! - sims[k + 1]![i]! - F32_EPSILON, 0));
        }
        out[i] = sum;
      }
      return;
    }
  }
}

/** Composes per-vector scorers (e.g. quantized ones) into one scorer for the query. */
export function composeScorers(query: SegmentQuery, parts: PointScorer[]): PointScorer {
  if (query.kind === 'nearest') return parts[0]!;
  let scratch: Float32Array[] = [];
  return {
    scoreOffsets(offsets, count, out) {
      if (scratch.length === 0 || scratch[0]!.length < count) {
        scratch = parts.map(() => new Float32Array(Math.max(count, 256)));
      }
      const pending: Promise<void>[] = [];
      parts.forEach((part, k) => {
        const result = part.scoreOffsets(offsets, count, scratch[k]!);
        if (result) pending.push(result);
      });
      if (pending.length === 0) {
        combineSimilarities(query, scratch, count, out);
        return undefined;
      }
      return Promise.all(pending).then(() => combineSimilarities(query, scratch, count, out));
    },
  };
}

// Buffers that on-disk vectors are read into, kept per thread across searches: a search reads
// tens to hundreds of 3 KB vectors per segment, and a fresh buffer each time (zeroed, then left to
// the garbage collector as external memory) made the search threads scavenge every few
// milliseconds. A buffer belongs to one batch from its read until it is scored, so concurrent
// searches on the thread never share one.
const POOLED_BUFFERS = 8;
const POOLED_MAX_FLOATS = 1 << 20;
const readBuffers: Float32Array[] = [];
let identity = new Uint32Array(0);

function takeReadBuffer(floats: number): Float32Array {
  for (let i = readBuffers.length - 1; i >= 0; i--) {
    const buffer = readBuffers[i]!;
    if (buffer.length >= floats) {
      readBuffers.splice(i, 1);
      return buffer;
    }
  }
  return new Float32Array(Math.max(floats, 64 * 1024));
}

function giveBackReadBuffer(buffer: Float32Array): void {
  if (buffer.length <= POOLED_MAX_FLOATS && readBuffers.length < POOLED_BUFFERS)
    readBuffers.push(buffer);
}

/** 0, 1, …, count − 1 (shared and never written after it is grown). */
function identityOffsets(count: number): Uint32Array {
  if (identity.length < count) {
    identity = Uint32Array.from({ length: Math.max(count, 2 * identity.length, 64) }, (_, i) => i);
  }
  return identity;
}

/**
 * Scores a query against original vectors: RAM vectors are scored in place; on-disk vectors are
 * read in one batch through the BatchReader (once, whatever the number of query vectors).
 */
export class OriginalVectorScorer implements PointScorer {
  private readonly vectors: Float32Array[];
  private sims: Float32Array[] = [];

  constructor(
    private readonly kernels: Kernels,
    private readonly op: KernelOp,
    private readonly query: SegmentQuery,
    private readonly dim: number,
    /** RAM copy (stride = dim), or null to read through `reader`. */
    private readonly ram: Float32Array | null,
    private readonly reader: BatchReader | null,
  ) {
    this.vectors = queryVectors(query);
  }

  scoreOffsets(offsets: Uint32Array, count: number, out: Float32Array): Promise<void> | undefined {
    if (count === 0) return undefined;
    if (this.ram !== null) {
      this.scoreFrom(this.ram, offsets, count, out);
      return undefined;
    }
    const buffer = takeReadBuffer(count * this.dim);
    const bytes = new Uint8Array(buffer.buffer, 0, count * this.dim * 4);
    // A failed read may leave reads in flight into the buffer: it is then not reused.
    const pending = this.reader!.read(offsets, count, bytes);
    if (pending === undefined) {
      this.scoreFrom(buffer, identityOffsets(count), count, out);
      giveBackReadBuffer(buffer);
      return undefined;
    }
    return pending.then(() => {
      this.scoreFrom(buffer, identityOffsets(count), count, out);
      giveBackReadBuffer(buffer);
    });
  }

  private scoreFrom(
    base: Float32Array,
    offsets: Uint32Array,
    count: number,
    out: Float32Array,
  ): void {
    if (this.query.kind === 'nearest') {
      this.kernels.scoreOffsets(this.op, this.vectors[0]!, base, this.dim, offsets, count, out);
      return;
    }
    if (this.sims.length === 0 || this.sims[0]!.length < count) {
      this.sims = this.vectors.map(() => new Float32Array(Math.max(count, 256)));
    }
    this.vectors.forEach((vector, k) =>
      this.kernels.scoreOffsets(this.op, vector, base, this.dim, offsets, count, this.sims[k]!),
    );
    combineSimilarities(this.query, this.sims, count, out);
  }
}
