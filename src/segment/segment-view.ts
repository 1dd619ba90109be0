// Read access to a segment's shared state from any thread: liveness, ids, versions, payloads
// and RAM vectors. Search code (segment-search.ts) works on a SegmentView, so the same code runs
// on the main thread and in search workers.

import { Buffer } from 'node:buffer';
import { POINT_ID_BYTES, readPointId, type PointId } from '../common/point-id.js';
import { SharedBitmap } from './bitmap.js';
import { dataView, float32View, float64View, uint32View } from './shared-buffer.js';
import type { SharedSegmentState } from './types.js';

export const PAYLOAD_ARENA_HEADER_BYTES = 8;

export class SegmentView {
  readonly state: SharedSegmentState;
  private readonly countCell: Int32Array;
  readonly deleted: SharedBitmap;
  readonly missing: SharedBitmap[];
  readonly stale: SharedBitmap;
  private versionsView: Float64Array;
  private idsView: DataView;
  private payloadIndexView: Uint32Array;
  private arenaView: DataView;

  constructor(state: SharedSegmentState) {
    this.state = state;
    this.countCell = new Int32Array(state.count);
    this.deleted = new SharedBitmap(state.deleted);
    this.missing = state.vectors.map((v) => new SharedBitmap(v.missing));
    this.stale = new SharedBitmap(state.stale);
    this.versionsView = float64View(state.versions);
    this.idsView = dataView(state.ids);
    this.payloadIndexView = uint32View(state.payloadIndex);
    this.arenaView = dataView(state.payloadArena);
  }

  get id(): string {
    return this.state.id;
  }

  get handle(): number {
    return this.state.handle;
  }

  /** Points [0, count) are complete and readable. */
  count(): number {
    return Atomics.load(this.countCell, 0);
  }

  isDeleted(offset: number): boolean {
    return this.deleted.get(offset);
  }

  vectorIndex(name: string): number {
    return this.state.vectors.findIndex((v) => v.name === name);
  }

  hasVector(offset: number, vectorIndex: number): boolean {
    const missing = this.missing[vectorIndex];
    return missing !== undefined && !missing.get(offset);
  }

  pointId(offset: number): PointId {
    if ((offset + 1) * POINT_ID_BYTES > this.idsView.byteLength)
      this.idsView = dataView(this.state.ids);
    return readPointId(this.idsView, offset * POINT_ID_BYTES);
  }

  version(offset: number): number {
    if (offset >= this.versionsView.length) this.versionsView = float64View(this.state.versions);
    return this.versionsView[offset] ?? 0;
  }

  /** Byte position of the point's payload blob, 0 when it has none. */
  payloadPosition(offset: number): number {
    if (offset >= this.payloadIndexView.length) {
      this.payloadIndexView = uint32View(this.state.payloadIndex);
    }
    return Atomics.load(this.payloadIndexView, offset);
  }

  /** The point's payload as JSON text, or null when it has no payload. */
  payloadText(offset: number): string | null {
    const position = this.payloadPosition(offset);
    if (position === 0) return null;
    if (position + 4 > this.arenaView.byteLength)
      this.arenaView = dataView(this.state.payloadArena);
    const length = this.arenaView.getUint32(position, true);
    if (length === 0) return null;
    return Buffer.from(this.state.payloadArena, position + 4, length).toString('utf8');
  }

  /** The point's payload parsed with JSON.parse (fast; integers above 2^53 lose precision). */
  payloadObject(offset: number): Record<string, unknown> | undefined {
    const text = this.payloadText(offset);
    return text === null ? undefined : (JSON.parse(text) as Record<string, unknown>);
  }

  /**
   * RAM copy of vector `vectorIndex`, or null when it lives on disk only. A fixed-length view of
   * the bytes so far: it covers every point published when it was made.
   */
  ramVectors(vectorIndex: number): Float32Array | null {
    const ram = this.state.vectors[vectorIndex]?.ram;
    return ram ? float32View(ram) : null;
  }

  /** Number of live points (not deleted) among [0, count). */
  liveCount(): number {
    const count = this.count();
    return count - this.deleted.count(count);
  }
}
