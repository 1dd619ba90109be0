// Binary heaps of (node, score) pairs in parallel typed arrays, reused across searches so the hot
// loops allocate nothing. MaxScoreHeap pops the closest node first (the traversal's candidate
// queue); MinScoreHeap pops the farthest first (the bounded result set, whose root is the score a
// newcomer must beat). Scores are float32 values, as the kernels produce them.

export class MaxScoreHeap {
  ids: Uint32Array;
  scores: Float32Array;
  size = 0;

  constructor(capacity: number) {
    this.ids = new Uint32Array(Math.max(capacity, 4));
    this.scores = new Float32Array(Math.max(capacity, 4));
  }

  clear(): void {
    this.size = 0;
  }

  /** Score of the closest node; only meaningful when size > 0. */
  topScore(): number {
    return this.scores[0]!;
  }

  topId(): number {
    return this.ids[0]!;
  }

  push(id: number, score: number): void {
    if (this.size === this.ids.length) this.grow();
    const ids = this.ids;
    const scores = this.scores;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const parentScore = scores[parent]!;
      if (parentScore >= score) break;
      ids[i] = ids[parent]!;
      scores[i] = parentScore;
      i = parent;
    }
    ids[i] = id;
    scores[i] = score;
  }

  /** Removes the closest node (size must be > 0). Read topId()/topScore() first. */
  pop(): void {
    const size = --this.size;
    if (size === 0) return;
    const ids = this.ids;
    const scores = this.scores;
    const id = ids[size]!;
    const score = scores[size]!;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      let childScore = scores[child]!;
      const right = child + 1;
      if (right < size) {
        const rightScore = scores[right]!;
        if (rightScore > childScore) {
          child = right;
          childScore = rightScore;
        }
      }
      if (childScore <= score) break;
      ids[i] = ids[child]!;
      scores[i] = childScore;
      i = child;
    }
    ids[i] = id;
    scores[i] = score;
  }

  private grow(): void {
    const ids = new Uint32Array(this.ids.length * 2);
    const scores = new Float32Array(this.scores.length * 2);
    ids.set(this.ids);
    scores.set(this.scores);
    this.ids = ids;
    this.scores = scores;
  }
}

export class MinScoreHeap {
  ids: Uint32Array;
  scores: Float32Array;
  size = 0;

  constructor(capacity: number) {
    this.ids = new Uint32Array(Math.max(capacity, 4));
    this.scores = new Float32Array(Math.max(capacity, 4));
  }

  clear(): void {
    this.size = 0;
  }

  /** Score of the farthest node; only meaningful when size > 0. */
  topScore(): number {
    return this.scores[0]!;
  }

  topId(): number {
    return this.ids[0]!;
  }

  push(id: number, score: number): void {
    if (this.size === this.ids.length) this.grow();
    const ids = this.ids;
    const scores = this.scores;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const parentScore = scores[parent]!;
      if (parentScore <= score) break;
      ids[i] = ids[parent]!;
      scores[i] = parentScore;
      i = parent;
    }
    ids[i] = id;
    scores[i] = score;
  }

  /** Removes the farthest node (size must be > 0). */
  pop(): void {
    const size = --this.size;
    if (size === 0) return;
    const ids = this.ids;
    const scores = this.scores;
    const id = ids[size]!;
    const score = scores[size]!;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      let childScore = scores[child]!;
      const right = child + 1;
      if (right < size) {
        const rightScore = scores[right]!;
        if (rightScore < childScore) {
          child = right;
          childScore = rightScore;
        }
      }
      if (childScore >= score) break;
      ids[i] = ids[child]!;
      scores[i] = childScore;
      i = child;
    }
    ids[i] = id;
    scores[i] = score;
  }

  /**
   * Empties the heap into ids/scores sorted by descending score (closest first) and returns how
   * many were written (the heap's size; the outputs must be at least that long).
   */
  drainDescending(outIds: Uint32Array, outScores: Float32Array): number {
    const count = this.size;
    for (let i = count - 1; i >= 0; i--) {
      outIds[i] = this.ids[0]!;
      outScores[i] = this.scores[0]!;
      this.pop();
    }
    return count;
  }

  private grow(): void {
    const ids = new Uint32Array(this.ids.length * 2);
    const scores = new Float32Array(this.scores.length * 2);
    ids.set(this.ids);
    scores.set(this.scores);
    this.ids = ids;
    this.scores = scores;
  }
}
