// A small seeded PRNG (mulberry32) for everything in quantization that must be reproducible:
// sampling vectors for training, re-seeding empty k-means clusters, synthetic test data. Same seed,
// same sequence, on every platform and thread.

export class SeededRandom {
  private state: number;
  private spare: number | undefined;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, bound). */
  int(bound: number): number {
    return Math.floor(this.next() * bound);
  }

  /** Standard normal (Box-Muller; the pair's second value is kept for the next call). */
  normal(): number {
    if (this.spare !== undefined) {
      const value = this.spare;
      this.spare = undefined;
      return value;
    }
    let u = this.next();
    while (u === 0) u = this.next();
    const radius = Math.sqrt(-2 * Math.log(u));
    const angle = 2 * Math.PI * this.next();
    this.spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  /**
   * `size` distinct indices from [0, count), sorted ascending (Floyd's algorithm: O(size) memory,
   * whatever `count` is). Returns every index when size >= count.
   */
  sampleIndices(count: number, size: number): Uint32Array {
    if (size >= count) {
      const all = new Uint32Array(count);
      for (let i = 0; i < count; i++) all[i] = i;
      return all;
    }
    const chosen = new Set<number>();
    for (let j = count - size; j < count; j++) {
      const t = this.int(j + 1);
      chosen.add(chosen.has(t) ? j : t);
    }
    return Uint32Array.from(chosen).sort();
  }
}
