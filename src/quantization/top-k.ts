// The best `k` (offset, score) pairs of a stream: a bounded min-heap. Order: greater score first,
// then smaller offset (so results are deterministic when scores tie).

export interface ScoredOffsets {
  /** Best first. */
  readonly offsets: Uint32Array;
  readonly scores: Float32Array;
}

export class TopK {
  private readonly heapOffsets: Uint32Array;
  private readonly heapScores: Float64Array;
  private size = 0;

  constructor(readonly k: number) {
    this.heapOffsets = new Uint32Array(k);
    this.heapScores = new Float64Array(k);
  }

  /** True when (sa, oa) ranks below (sb, ob). */
  private static worse(sa: number, oa: number, sb: number, ob: number): boolean {
    return sa < sb || (sa === sb && oa > ob);
  }

  push(offset: number, score: number): void {
    const k = this.k;
    if (k === 0) return;
    const offsets = this.heapOffsets;
    const scores = this.heapScores;
    if (this.size < k) {
      let i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!TopK.worse(score, offset, scores[parent]!, offsets[parent]!)) break;
        offsets[i] = offsets[parent]!;
        scores[i] = scores[parent]!;
        i = parent;
      }
      offsets[i] = offset;
      scores[i] = score;
      return;
    }
    if (!TopK.worse(scores[0]!, offsets[0]!, score, offset)) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= k) break;
      const right = left + 1;
      let child = left;
      if (right < k && TopK.worse(scores[right]!, offsets[right]!, scores[left]!, offsets[left]!)) {
        child = right;
      }
      if (!TopK.worse(scores[child]!, offsets[child]!, score, offset)) break;
      offsets[i] = offsets[child]!;
      scores[i] = scores[child]!;
      i = child;
    }
    offsets[i] = offset;
    scores[i] = score;
  }

  /** Adds scores[i] for offsets[i], i < count. */
  pushAll(offsets: Uint32Array, scores: Float32Array, count: number): void {
    for (let i = 0; i < count; i++) this.push(offsets[i]!, scores[i]!);
  }

  /** The kept pairs, best first. */
  sorted(): ScoredOffsets {
    const order = Array.from({ length: this.size }, (_, i) => i);
    const offsets = this.heapOffsets;
    const scores = this.heapScores;
    order.sort((a, b) => scores[b]! - scores[a]! || offsets[a]! - offsets[b]!);
    return {
      offsets: Uint32Array.from(order, (i) => offsets[i]!),
      scores: Float32Array.from(order, (i) => scores[i]!),
    };
  }
}
