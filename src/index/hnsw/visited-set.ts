// "Has this search already scored node i?" for graph traversals, without allocating or clearing
// per search. Each node holds the epoch (search number) in which it was last visited; starting a
// search bumps the epoch, which forgets every previous mark in O(1). Tags are 16-bit to halve the
// cache footprint of these random accesses; the array is cleared once every 65535 searches.

export class VisitedSet {
  /** tags[i] === epoch ⇔ node i was visited in the current search. Read directly by hot loops. */
  tags: Uint16Array;
  epoch = 0;

  constructor(capacity: number) {
    this.tags = new Uint16Array(capacity);
  }

  get capacity(): number {
    return this.tags.length;
  }

  /** Forgets all marks and makes room for nodes 0 … capacity-1. */
  reset(capacity: number): void {
    if (capacity > this.tags.length) {
      this.tags = new Uint16Array(Math.max(capacity, this.tags.length * 2));
      this.epoch = 0;
    }
    this.epoch++;
    if (this.epoch > 0xffff) {
      this.tags.fill(0);
      this.epoch = 1;
    }
  }

  /** Marks `node`; returns true when it was not marked yet in this search. */
  visit(node: number): boolean {
    if (this.tags[node] === this.epoch) return false;
    this.tags[node] = this.epoch;
    return true;
  }

  has(node: number): boolean {
    return this.tags[node] === this.epoch;
  }
}
