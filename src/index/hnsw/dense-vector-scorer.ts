// In-RAM float32 vectors (one flat row-major Float32Array) as a StoredPointScorer, scoring through
// the thread's kernels. The scorer HNSW builds from when the original vectors are in memory, and
// the one tests and benchmarks use. Cosine is `dot` over rows normalised beforehand.

import { getKernels, type Kernels, type KernelOp } from '../../kernels/index.js';
import type { PointScorer, StoredPointScorer } from '../../kernels/point-scorer.js';
import { errors } from '../../common/errors.js';

export class DenseVectorScorer implements StoredPointScorer {
  readonly count: number;
  readonly dim: number;
  readonly op: KernelOp;
  readonly vectors: Float32Array;
  private readonly kernels: Kernels;

  /** `vectors` holds count × dim floats, row r at r * dim (it may live on a SharedArrayBuffer). */
  constructor(vectors: Float32Array, dim: number, op: KernelOp, kernels: Kernels = getKernels()) {
    if (!Number.isInteger(dim) || dim < 1 || vectors.length % dim !== 0) {
      throw errors.badInput(`expected a multiple of dim ${dim} floats, got ${vectors.length}`);
    }
    this.vectors = vectors;
    this.dim = dim;
    this.op = op;
    this.count = vectors.length / dim;
    this.kernels = kernels;
  }

  /** A scorer for an external query (already normalised for cosine). */
  queryScorer(query: Float32Array): PointScorer {
    if (query.length !== this.dim) throw errors.wrongDimension(this.dim, query.length);
    return new DenseQueryScorer(this.kernels, this.op, query, this.vectors, this.dim);
  }

  scorerFor(offset: number): PointScorer {
    const start = offset * this.dim;
    return new DenseQueryScorer(
      this.kernels,
      this.op,
      this.vectors.subarray(start, start + this.dim),
      this.vectors,
      this.dim,
    );
  }

  scoreStoredOffsets(offset: number, offsets: Uint32Array, count: number, out: Float32Array): void {
    const start = offset * this.dim;
    const query = this.vectors.subarray(start, start + this.dim);
    this.kernels.scoreOffsets(this.op, query, this.vectors, this.dim, offsets, count, out);
  }

  pair(a: number, b: number): number {
    const dim = this.dim;
    return this.kernels.pair(this.op, this.vectors, a * dim, this.vectors, b * dim, dim);
  }
}

class DenseQueryScorer implements PointScorer {
  constructor(
    private readonly kernels: Kernels,
    private readonly op: KernelOp,
    private readonly query: Float32Array,
    private readonly vectors: Float32Array,
    private readonly dim: number,
  ) {}

  scoreOffsets(offsets: Uint32Array, count: number, out: Float32Array): undefined {
    this.kernels.scoreOffsets(this.op, this.query, this.vectors, this.dim, offsets, count, out);
    return undefined;
  }
}
