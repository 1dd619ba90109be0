// Where each live point is: its segment handle and offset, packed into one number
// (handle * 2^32 + offset) so the map stays compact. Main thread only.

import type { PointId } from '../common/point-id.js';

const OFFSET_SPAN = 2 ** 32;

export interface PointLocation {
  handle: number;
  offset: number;
}

export class PointLocations {
  private readonly map = new Map<PointId, number>();
  /** Bumped whenever an id is added or removed (not when a point only moves). */
  membershipVersion = 0;

  get size(): number {
    return this.map.size;
  }

  get(id: PointId): PointLocation | undefined {
    const packed = this.map.get(id);
    if (packed === undefined) return undefined;
    return { handle: Math.floor(packed / OFFSET_SPAN), offset: packed % OFFSET_SPAN };
  }

  set(id: PointId, handle: number, offset: number): void {
    const size = this.map.size;
    this.map.set(id, handle * OFFSET_SPAN + offset);
    if (this.map.size !== size) this.membershipVersion++;
  }

  delete(id: PointId): boolean {
    const deleted = this.map.delete(id);
    if (deleted) this.membershipVersion++;
    return deleted;
  }

  has(id: PointId): boolean {
    return this.map.has(id);
  }

  /** True when `id` currently lives at (handle, offset). */
  isAt(id: PointId, handle: number, offset: number): boolean {
    return this.map.get(id) === handle * OFFSET_SPAN + offset;
  }

  ids(): IterableIterator<PointId> {
    return this.map.keys();
  }
}
