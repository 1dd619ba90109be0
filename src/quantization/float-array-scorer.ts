// Exact float32 scoring over vectors held in a row-major Float32Array: the reference that
// quantized scores are measured against in tests and bench/quantization.ts, and the stand-in for
// a vector storage's exact scorer there. (Segments bring their own, reading originals from disk.)

import { errors } from '../common/errors.js';
import { getKernels, type KernelOp } from '../kernels/index.js';
import type { PointScorer } from '../kernels/point-scorer.js';
import { kernelOpFor } from './kernel-op.js';
import type { Distance } from './quantizer.js';
import { TopK, type ScoredOffsets } from './top-k.js';

export class FloatArrayScorer implements PointScorer {
  private readonly op: KernelOp;
  private readonly kernels = getKernels();

  /** `query` must already be normalised for Cosine, like the stored vectors. */
  constructor(
    private readonly data: Float32Array,
    private readonly dim: number,
    distance: Distance,
    private readonly query: Float32Array,
  ) {
    if (query.length !== dim) throw errors.wrongDimension(dim, query.length);
    this.op = kernelOpFor(distance);
  }

  scoreOffsets(offsets: Uint32Array, count: number, out: Float32Array): undefined {
    this.kernels.scoreOffsets(this.op, this.query, this.data, this.dim, offsets, count, out);
    return undefined;
  }

  /** Exact top `limit` over every stored vector (a brute-force scan in chunks). */
  scanTop(limit: number): ScoredOffsets {
    const count = this.data.length / this.dim;
    const chunk = 4096;
    const scores = new Float32Array(chunk);
    const offsets = new Uint32Array(chunk);
    const top = new TopK(Math.min(limit, count));
    for (let first = 0; first < count; first += chunk) {
      const n = Math.min(chunk, count - first);
      this.kernels.scoreRange(this.op, this.query, this.data, this.dim, first, n, scores);
      for (let i = 0; i < n; i++) offsets[i] = first + i;
      top.pushAll(offsets, scores, n);
    }
    return top.sorted();
  }
}
