// One unit of data, owned by the main thread: its files, its mutations and its flush.
//
// A segment directory holds:
//   segment.json       static manifest (vector configs, capacity, index and quantization files)
//   vectors-<i>.bin    original vectors of vector i (vector-file.ts), append-only
//   ids.bin            POINT_ID_BYTES per point, append-only
//   payload.log        payload blobs [u32 length][JSON bytes], append-only; an 8-byte magic first
//   state-<gen>.bin    the mutable per-point arrays (deleted, versions, payload positions, missing
//                      vectors) as of one flush; a new generation per flush, the old one deleted
//                      once the collection manifest names the new one
//   hnsw-<i>.bin, quantized-<i>.bin, payload-index-<n>.bin   built by the optimizer
//
// How many points are valid, how much of payload.log and which state generation are recorded in
// the collection manifest, so one atomic rename commits a consistent state for every segment;
// bytes appended after that point are ignored (and overwritten) on recovery.
//
// Points are never updated in place: a new version is appended and the old offset is marked
// deleted, so readers in other threads never see a half-written vector.

import { Buffer } from 'node:buffer';
import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { fdatasyncAsync, writeFileAtomic, writeFileAtomicSync } from '../common/durable-fs.js';
import { RingvecError } from '../common/errors.js';
import { POINT_ID_BYTES, writePointId, type PointId } from '../common/point-id.js';
import { hugePageSharedBuffer } from '../native/huge-pages.js';
import { SharedBitmap } from './bitmap.js';
import { PAYLOAD_ARENA_HEADER_BYTES, SegmentView } from './segment-view.js';
import {
  MAX_SHARED_BUFFER_BYTES,
  createSharedBuffer,
  ensureSharedCapacity,
  float64View,
  uint32View,
} from './shared-buffer.js';
import type {
  Distance,
  SegmentVectorConfig,
  SharedSegmentState,
  SharedVectorState,
} from './types.js';
import {
  VectorFileWriter,
  float32VectorFileInfo,
  readVectorFileHeader,
  vectorFileLayout,
} from './vector-file.js';

const PAYLOAD_MAGIC = Buffer.from('RVPAYLD1');
const STATE_MAGIC = 'RVSTATE1';
const STATE_HEADER_BYTES = 32;

export interface SegmentVectorManifest {
  name: string;
  dim: number;
  distance: Distance;
  onDisk: boolean;
  file: string;
  /**
   * HNSW graph file and the parameters it was built with; payloadM and groups (payload value
   * groups that got payload_m links) are absent in segments built before payload_m links.
   */
  hnsw: { file: string; m: number; efConstruct: number; payloadM?: number; groups?: number } | null;
  /** Quantized data file and the configuration it was built from. */
  quantization: { file: string; config: unknown } | null;
}

export interface SegmentManifest {
  format: 1;
  id: string;
  sealed: boolean;
  /** Maximum number of points (appendable segments are sealed when full). */
  capacity: number;
  vectors: SegmentVectorManifest[];
  payloadIndexes: { key: string; file: string; schema: unknown }[];
}

/** The part of a segment's state committed by the collection manifest. */
export interface SegmentCommit {
  id: string;
  count: number;
  payloadBytes: number;
  generation: number;
}

export interface AppendPoint {
  id: PointId;
  /** Per vector index: the (validated, normalised) vector, or null when the point has none. */
  vectors: (Float32Array | null)[];
  payload: Uint8Array | null;
  version: number;
}

function bitmapBytes(bits: number): number {
  return Math.ceil(bits / 32) * 4;
}

function readExact(fd: number, out: Uint8Array, position: number, what: string): void {
  let done = 0;
  while (done < out.byteLength) {
    const n = readSync(fd, out, done, out.byteLength - done, position + done);
    if (n === 0) throw new RingvecError('service', `${what} is shorter than its manifest says`);
    done += n;
  }
}

function readFilePrefix(path: string, bytes: number, into: Uint8Array): void {
  if (bytes === 0) return;
  const fd = openSync(path, 'r');
  try {
    readExact(fd, into.subarray(0, bytes), 0, path);
  } finally {
    closeSync(fd);
  }
}

export class Segment {
  readonly dir: string;
  readonly manifest: SegmentManifest;
  readonly view: SegmentView;
  private readonly vectorWriters: VectorFileWriter[];
  private idsFd: number;
  private payloadFd: number;
  private payloadUsed: number;
  private generation: number;
  private flushedGeneration: number;
  /** Set by any mutation; cleared when a flush captures the state. */
  private dirty = false;

  private constructor(
    dir: string,
    manifest: SegmentManifest,
    state: SharedSegmentState,
    payloadUsed: number,
    generation: number,
  ) {
    this.dir = dir;
    this.manifest = manifest;
    this.view = new SegmentView(state);
    this.payloadUsed = payloadUsed;
    this.generation = generation;
    this.flushedGeneration = generation;
    this.vectorWriters = manifest.vectors.map((v) =>
      VectorFileWriter.open(join(dir, v.file), float32VectorFileInfo(v.dim)),
    );
    this.idsFd = openSync(join(dir, 'ids.bin'), 'r+');
    this.payloadFd = openSync(join(dir, 'payload.log'), 'r+');
  }

  get state(): SharedSegmentState {
    return this.view.state;
  }

  get id(): string {
    return this.manifest.id;
  }

  get handle(): number {
    return this.view.handle;
  }

  get sealed(): boolean {
    return this.manifest.sealed;
  }

  get count(): number {
    return this.view.count();
  }

  get isFull(): boolean {
    return this.count >= this.manifest.capacity;
  }

  get isDirty(): boolean {
    return this.dirty;
  }

  /** Largest capacity whose RAM buffers fit V8's shared-buffer limit. */
  static maxCapacity(vectors: SegmentVectorConfig[]): number {
    const widest = Math.max(POINT_ID_BYTES, ...vectors.map((v) => v.dim * 4));
    return Math.floor(MAX_SHARED_BUFFER_BYTES / widest);
  }

  /** Creates an empty appendable segment in `dir` (which must not exist). */
  static create(
    dir: string,
    id: string,
    vectors: SegmentVectorConfig[],
    capacity: number,
    handle: number,
  ): Segment {
    if (capacity > Segment.maxCapacity(vectors)) {
      throw new RingvecError(
        'service',
        `segment capacity ${capacity} exceeds the shared-memory limit`,
      );
    }
    mkdirSync(dir, { recursive: false });
    const manifest: SegmentManifest = {
      format: 1,
      id,
      sealed: false,
      capacity,
      vectors: vectors.map((v, i) => ({
        name: v.name,
        dim: v.dim,
        distance: v.distance,
        onDisk: v.onDisk,
        file: `vectors-${i}.bin`,
        hnsw: null,
        quantization: null,
      })),
      payloadIndexes: [],
    };
    for (const v of manifest.vectors) {
      VectorFileWriter.create(join(dir, v.file), float32VectorFileInfo(v.dim)).close();
    }
    closeSync(openSync(join(dir, 'ids.bin'), 'wx'));
    const payloadFd = openSync(join(dir, 'payload.log'), 'wx');
    writeSync(payloadFd, PAYLOAD_MAGIC, 0, PAYLOAD_MAGIC.byteLength, 0);
    closeSync(payloadFd);
    writeFileAtomicSync(join(dir, 'segment.json'), JSON.stringify(manifest, null, 2));

    const initial = Math.min(capacity, 1024);
    const state: SharedSegmentState = {
      id,
      handle,
      revision: 0,
      sealed: false,
      vectors: manifest.vectors.map((v) => ({
        name: v.name,
        dim: v.dim,
        distance: v.distance,
        onDisk: v.onDisk,
        file: vectorFileLayout(join(dir, v.file), float32VectorFileInfo(v.dim)),
        ram: v.onDisk ? null : createSharedBuffer(initial * v.dim * 4, capacity * v.dim * 4),
        missing: createSharedBuffer(bitmapBytes(initial), bitmapBytes(capacity)),
        hnsw: null,
        quantized: null,
      })),
      count: new SharedArrayBuffer(4),
      deleted: createSharedBuffer(bitmapBytes(initial), bitmapBytes(capacity)),
      versions: createSharedBuffer(initial * 8, capacity * 8),
      ids: createSharedBuffer(initial * POINT_ID_BYTES, capacity * POINT_ID_BYTES),
      payloadIndex: createSharedBuffer(initial * 4, capacity * 4),
      payloadArena: createSharedBuffer(4096, MAX_SHARED_BUFFER_BYTES),
      payloadIndexes: {},
      stale: createSharedBuffer(bitmapBytes(initial), bitmapBytes(capacity)),
    };
    new Uint8Array(state.payloadArena).set(PAYLOAD_MAGIC, 0);
    return new Segment(dir, manifest, state, PAYLOAD_ARENA_HEADER_BYTES, 0);
  }

  /** Loads a segment as committed by the collection manifest. */
  static load(dir: string, commit: SegmentCommit, handle: number): Segment {
    const manifest = JSON.parse(readFileSync(join(dir, 'segment.json'), 'utf8')) as SegmentManifest;
    if (manifest.format !== 1 || manifest.id !== commit.id) {
      throw new RingvecError('service', `segment ${dir} has an unexpected manifest`);
    }
    const count = commit.count;
    const capacity = manifest.sealed ? count : manifest.capacity;
    const room = Math.max(capacity, 1);

    const ids = createSharedBuffer(count * POINT_ID_BYTES, room * POINT_ID_BYTES);
    readFilePrefix(join(dir, 'ids.bin'), count * POINT_ID_BYTES, new Uint8Array(ids));

    const payloadArena = createSharedBuffer(
      Math.max(commit.payloadBytes, PAYLOAD_ARENA_HEADER_BYTES),
      MAX_SHARED_BUFFER_BYTES,
    );
    readFilePrefix(join(dir, 'payload.log'), commit.payloadBytes, new Uint8Array(payloadArena));
    if (!Buffer.from(payloadArena, 0, 8).equals(PAYLOAD_MAGIC)) {
      throw new RingvecError('service', `payload log of segment ${dir} has no valid header`);
    }

    const vectors: SharedVectorState[] = manifest.vectors.map((v) => {
      const path = join(dir, v.file);
      const info = readVectorFileHeader(path, v.dim);
      let ram: SharedArrayBuffer | null = null;
      if (!v.onDisk) {
        // A sealed segment never grows: a fixed buffer, with huge pages (HNSW reads it at random).
        ram = manifest.sealed
          ? hugePageSharedBuffer(count * v.dim * 4)
          : createSharedBuffer(count * v.dim * 4, room * v.dim * 4);
        const fd = openSync(path, 'r');
        try {
          readExact(fd, new Uint8Array(ram), 4096, path);
        } finally {
          closeSync(fd);
        }
      }
      return {
        name: v.name,
        dim: v.dim,
        distance: v.distance,
        onDisk: v.onDisk,
        file: vectorFileLayout(path, info),
        ram,
        missing: createSharedBuffer(bitmapBytes(count), bitmapBytes(room)),
        hnsw: v.hnsw ? sharedFromFile(join(dir, v.hnsw.file)) : null,
        quantized: v.quantization ? sharedFromFile(join(dir, v.quantization.file)) : null,
      };
    });

    const state: SharedSegmentState = {
      id: manifest.id,
      handle,
      revision: 0,
      sealed: manifest.sealed,
      vectors,
      count: new SharedArrayBuffer(4),
      deleted: createSharedBuffer(bitmapBytes(count), bitmapBytes(room)),
      versions: createSharedBuffer(count * 8, room * 8),
      ids,
      payloadIndex: createSharedBuffer(count * 4, room * 4),
      payloadArena,
      payloadIndexes: Object.fromEntries(
        manifest.payloadIndexes.map((p) => [p.key, sharedFromFile(join(dir, p.file))]),
      ),
      stale: createSharedBuffer(bitmapBytes(count), bitmapBytes(room)),
    };
    readStateFile(join(dir, `state-${commit.generation}.bin`), state, count);
    Atomics.store(new Int32Array(state.count), 0, count);
    return new Segment(dir, manifest, state, commit.payloadBytes, commit.generation);
  }

  /** Adopts a segment built by the optimizer (segment-builder.ts): files and shared state ready. */
  static fromBuilt(
    dir: string,
    manifest: SegmentManifest,
    state: SharedSegmentState,
    commit: SegmentCommit,
    handle: number,
  ): Segment {
    state.handle = handle;
    return new Segment(dir, manifest, state, commit.payloadBytes, commit.generation);
  }

  /** Rewrites segment.json (atomically) after a change of its index or quantization files. */
  private saveManifest(): void {
    writeFileAtomicSync(join(this.dir, 'segment.json'), JSON.stringify(this.manifest, null, 2));
  }

  /**
   * Swaps in new quantized data for a vector (requantization), or removes it (`null`). Returns
   * the file that is no longer referenced (to delete once no snapshot needs it).
   */
  replaceQuantization(
    vectorIndex: number,
    next: { file: string; config: unknown; buffer: SharedArrayBuffer } | null,
  ): string | null {
    const vector = this.manifest.vectors[vectorIndex]!;
    const old = vector.quantization?.file ?? null;
    vector.quantization = next === null ? null : { file: next.file, config: next.config };
    this.state.vectors[vectorIndex]!.quantized = next === null ? null : next.buffer;
    this.state.revision++;
    this.saveManifest();
    return old === null ? null : join(this.dir, old);
  }

  /**
   * Swaps in payload indexes built over this segment at a moment when `staleAtBuild` marked the
   * points whose payload had changed since; those stay marked. Returns the replaced file.
   */
  replacePayloadIndexes(
    next: { file: string; schema: unknown; buffer: SharedArrayBuffer } | null,
  ): string | null {
    const old = this.manifest.payloadIndexes[0]?.file ?? null;
    this.manifest.payloadIndexes =
      next === null ? [] : [{ key: '*', file: next.file, schema: next.schema }];
    this.state.payloadIndexes = next === null ? {} : { '*': next.buffer };
    this.state.revision++;
    this.saveManifest();
    return old === null || old === next?.file ? null : join(this.dir, old);
  }

  // ---- mutations (main thread only) ----

  /** Appends points; returns the offset of the first. The caller checks capacity first. */
  appendPoints(points: AppendPoint[]): number {
    const first = this.count;
    const n = points.length;
    if (first + n > this.manifest.capacity) {
      throw new RingvecError('service', `segment ${this.id} is full`);
    }
    const end = first + n;
    this.growArrays(end);
    const state = this.state;

    for (let vi = 0; vi < state.vectors.length; vi++) {
      const v = state.vectors[vi]!;
      const block = new Float32Array(n * v.dim);
      const missing = this.view.missing[vi]!;
      for (let i = 0; i < n; i++) {
        const vector = points[i]!.vectors[vi] ?? null;
        if (vector === null) missing.set(first + i);
        else block.set(vector, i * v.dim);
      }
      this.vectorWriters[vi]!.write(first, block, n);
      if (v.ram) new Float32Array(v.ram).set(block, first * v.dim);
    }

    const idBytes = new Uint8Array(n * POINT_ID_BYTES);
    const idView = new DataView(idBytes.buffer);
    const versions = float64View(state.versions);
    const payloadIndex = uint32View(state.payloadIndex);
    for (let i = 0; i < n; i++) {
      const point = points[i]!;
      writePointId(idView, i * POINT_ID_BYTES, point.id);
      versions[first + i] = point.version;
      payloadIndex[first + i] = point.payload ? this.appendPayload(point.payload) : 0;
    }
    new Uint8Array(state.ids).set(idBytes, first * POINT_ID_BYTES);
    writeAll(this.idsFd, idBytes, first * POINT_ID_BYTES);

    this.dirty = true;
    Atomics.store(new Int32Array(state.count), 0, end);
    return first;
  }

  markDeleted(offset: number): void {
    this.view.deleted.set(offset);
    this.dirty = true;
  }

  setPayload(offset: number, payload: Uint8Array | null, version: number): void {
    const position = payload && payload.byteLength > 0 ? this.appendPayload(payload) : 0;
    // Payload indexes were built from the old payload: check this point's payload directly.
    if (Object.keys(this.state.payloadIndexes).length > 0) this.view.stale.set(offset);
    Atomics.store(new Uint32Array(this.state.payloadIndex), offset, position);
    this.setVersion(offset, version);
  }

  removeVector(offset: number, vectorIndex: number, version: number): void {
    this.view.missing[vectorIndex]!.set(offset);
    this.setVersion(offset, version);
  }

  setVersion(offset: number, version: number): void {
    new Float64Array(this.state.versions)[offset] = version;
    this.dirty = true;
  }

  private appendPayload(bytes: Uint8Array): number {
    const position = this.payloadUsed;
    const end = position + 4 + bytes.byteLength;
    if (!ensureSharedCapacity(this.state.payloadArena, end)) {
      throw new RingvecError(
        'service',
        `payload storage of segment ${this.id} is full (${MAX_SHARED_BUFFER_BYTES} bytes)`,
      );
    }
    const record = Buffer.allocUnsafe(4 + bytes.byteLength);
    record.writeUInt32LE(bytes.byteLength, 0);
    record.set(bytes, 4);
    new Uint8Array(this.state.payloadArena).set(record, position);
    writeAll(this.payloadFd, record, position);
    this.payloadUsed = end;
    return position;
  }

  private growArrays(points: number): void {
    const state = this.state;
    const grow = (buffer: SharedArrayBuffer, bytes: number) => {
      if (!ensureSharedCapacity(buffer, bytes)) {
        throw new RingvecError('service', `segment ${this.id} cannot grow to ${points} points`);
      }
    };
    grow(state.ids, points * POINT_ID_BYTES);
    grow(state.versions, points * 8);
    grow(state.payloadIndex, points * 4);
    this.view.deleted.reserve(points);
    this.view.stale.reserve(points);
    for (let vi = 0; vi < state.vectors.length; vi++) {
      const v = state.vectors[vi]!;
      if (v.ram) grow(v.ram, points * v.dim * 4);
      this.view.missing[vi]!.reserve(points);
    }
  }

  // ---- persistence ----

  /**
   * Captures the state synchronously (consistent with every operation applied so far) and
   * writes it durably: appended bytes are fsynced and a new state generation is written.
   * Resolves to the commit to record in the collection manifest.
   */
  async flush(): Promise<SegmentCommit> {
    const count = this.count;
    const commit: SegmentCommit = {
      id: this.id,
      count,
      payloadBytes: this.payloadUsed,
      generation: this.generation,
    };
    if (!this.dirty && existsSync(join(this.dir, `state-${this.generation}.bin`))) return commit;
    this.dirty = false;
    const stateBytes = encodeStateFile(this.state, count);
    const generation = ++this.generation;
    commit.generation = generation;
    await Promise.all([
      ...this.vectorWriters.map((w) => fdatasyncAsync(w.fileDescriptor)),
      fdatasyncAsync(this.idsFd),
      fdatasyncAsync(this.payloadFd),
    ]);
    await writeFileAtomic(join(this.dir, `state-${generation}.bin`), stateBytes);
    return commit;
  }

  /** After the collection manifest names `commit`, older state generations can go. */
  forgetOlderGenerations(commit: SegmentCommit): void {
    for (let g = this.flushedGeneration; g < commit.generation; g++) {
      const path = join(this.dir, `state-${g}.bin`);
      if (existsSync(path)) unlinkSync(path);
    }
    this.flushedGeneration = commit.generation;
  }

  /** RAM and disk usage, in bytes. */
  sizes(): { ramBytes: number; diskBytes: number } {
    let ramBytes = this.state.ids.byteLength + this.state.versions.byteLength;
    ramBytes +=
      this.state.payloadIndex.byteLength + this.payloadUsed + this.state.deleted.byteLength;
    let diskBytes = 0;
    for (const v of this.state.vectors) {
      if (v.ram) ramBytes += v.ram.byteLength;
      if (v.hnsw) ramBytes += v.hnsw.byteLength;
      if (v.quantized) ramBytes += v.quantized.byteLength;
    }
    for (const name of ['ids.bin', 'payload.log', ...this.manifest.vectors.map((v) => v.file)]) {
      try {
        diskBytes += statSync(join(this.dir, name)).size;
      } catch {
        // a file being replaced; sizes are informational
      }
    }
    return { ramBytes, diskBytes };
  }

  close(): void {
    for (const writer of this.vectorWriters) writer.close();
    if (this.idsFd >= 0) closeSync(this.idsFd);
    if (this.payloadFd >= 0) closeSync(this.payloadFd);
    this.idsFd = -1;
    this.payloadFd = -1;
  }

  /** Closes and deletes the segment's directory. */
  destroy(): void {
    this.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Bytes of payload.log in use (for checks and tests). */
  get payloadBytes(): number {
    return this.payloadUsed;
  }

  /** Size of the vector file of vector `vectorIndex`, in complete records (for checks). */
  recordsOnDisk(vectorIndex: number): number {
    return this.vectorWriters[vectorIndex]!.recordsOnDisk();
  }

  get idsFileBytes(): number {
    return fstatSync(this.idsFd).size;
  }
}

function writeAll(fd: number, bytes: Uint8Array, position: number): void {
  let done = 0;
  while (done < bytes.byteLength) {
    done += writeSync(fd, bytes, done, bytes.byteLength - done, position + done);
  }
}

/** A whole file in a SharedArrayBuffer (with transparent huge pages: it is searched at random). */
function sharedFromFile(path: string): SharedArrayBuffer {
  const fd = openSync(path, 'r');
  try {
    const shared = hugePageSharedBuffer(fstatSync(fd).size);
    readExact(fd, new Uint8Array(shared), 0, path);
    return shared;
  } finally {
    closeSync(fd);
  }
}

/**
 * state-<gen>.bin: header, deleted bitmap, versions, payload positions, stale-payload bitmap,
 * one missing-vector bitmap per vector, crc32 of everything before it.
 */
export function encodeStateFile(state: SharedSegmentState, count: number): Uint8Array {
  const bits = bitmapBytes(count);
  const total = stateFileBytes(count, state.vectors.length);
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  out.set(Buffer.from(STATE_MAGIC), 0);
  dv.setUint32(8, 1, true);
  dv.setUint32(12, count, true);
  dv.setUint32(16, state.vectors.length, true);
  let pos = STATE_HEADER_BYTES;
  out.set(new SharedBitmap(state.deleted).snapshotBytes(count), pos);
  pos += bits;
  out.set(new Uint8Array(state.versions, 0, count * 8), pos);
  pos += count * 8;
  const positions = uint32View(state.payloadIndex);
  for (let i = 0; i < count; i++) dv.setUint32(pos + i * 4, Atomics.load(positions, i), true);
  pos += count * 4;
  out.set(new SharedBitmap(state.stale).snapshotBytes(count), pos);
  pos += bits;
  for (const vector of state.vectors) {
    out.set(new SharedBitmap(vector.missing).snapshotBytes(count), pos);
    pos += bits;
  }
  dv.setUint32(pos, crc32(out.subarray(0, pos)), true);
  return out;
}

function stateFileBytes(count: number, vectors: number): number {
  const bits = bitmapBytes(count);
  return STATE_HEADER_BYTES + bits + count * 8 + count * 4 + bits + vectors * bits + 4;
}

function readStateFile(path: string, state: SharedSegmentState, count: number): void {
  if (!existsSync(path)) {
    if (count === 0) return;
    throw new RingvecError('service', `segment state file ${path} is missing`);
  }
  const bytes = readFileSync(path);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bits = bitmapBytes(count);
  const expected = stateFileBytes(count, state.vectors.length);
  if (
    bytes.byteLength !== expected ||
    bytes.subarray(0, 8).toString() !== STATE_MAGIC ||
    dv.getUint32(12, true) !== count ||
    dv.getUint32(16, true) !== state.vectors.length ||
    dv.getUint32(expected - 4, true) !== crc32(bytes.subarray(0, expected - 4))
  ) {
    throw new RingvecError(
      'service',
      `segment state file ${path} is corrupt or does not match its manifest`,
    );
  }
  let pos = STATE_HEADER_BYTES;
  new Uint8Array(state.deleted).set(bytes.subarray(pos, pos + bits));
  pos += bits;
  new Uint8Array(state.versions).set(bytes.subarray(pos, pos + count * 8));
  pos += count * 8;
  const positions = uint32View(state.payloadIndex);
  for (let i = 0; i < count; i++) positions[i] = dv.getUint32(pos + i * 4, true);
  pos += count * 4;
  new Uint8Array(state.stale).set(bytes.subarray(pos, pos + bits));
  pos += bits;
  for (const v of state.vectors) {
    new Uint8Array(v.missing).set(bytes.subarray(pos, pos + bits));
    pos += bits;
  }
}
