// One collection: its configuration, its segments, its write-ahead log and the flush that ties
// them together. All mutations run on the main thread, in operation order:
//
//   validate → append to the WAL → apply to segments → (wait=true) fsync the WAL → answer
//
// A point lives in exactly one segment; `locations` says where. Updates never modify a vector
// in place: the new version is appended to the appendable segment and the old offset is marked
// deleted (copy-on-write), so search threads never read a half-written vector.
//
// Durability: the WAL makes every acknowledged update survive a crash. A flush (every
// flush_interval_sec, and on close) persists every segment's state and then atomically replaces
// collection.json, which names the segments, their committed state and the last operation they
// contain; the WAL is then truncated up to it. Recovery loads collection.json and replays the
// WAL from there.

import { randomUUID } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic, writeFileAtomicSync } from '../common/durable-fs.js';
import { RingvecError, errors } from '../common/errors.js';
import { f32Array, parseJson, shortestF32, stringifyJson } from '../common/json.js';
import { logger, type Logger } from '../common/logger.js';
import {
  POINT_ID_BYTES,
  comparePointIds,
  formatPointId,
  type PointId,
} from '../common/point-id.js';
import type { StorageSettings } from '../common/settings.js';
import {
  Segment,
  type AppendPoint,
  type SegmentCommit,
  type SegmentManifest,
} from '../segment/segment.js';
import { VECTOR_FILE_HEADER_BYTES, readVectorFileHeader } from '../segment/vector-file.js';
import type { SegmentView } from '../segment/segment-view.js';
import type { Filter } from '../filter/filter-types.js';
import { normalizeInPlace } from '../segment/types.js';
import {
  applyCollectionUpdate,
  resolveVectors,
  type CollectionConfig,
  type ResolvedVector,
  type UpdateCollectionRequest,
} from './collection-config.js';
import { PointLocations } from './point-locations.js';
import {
  decodeOperation,
  encodeOperation,
  type Payload,
  type UpdateOperation,
} from './update-operations.js';
import { WriteAheadLog } from './wal.js';
import type { SearchExecutor } from '../exec/search-executor.js';
import type { FacetValue } from '../segment/segment-search.js';
import type { BatchReader, RecordFileLayout } from '../storage-io/batch-reader.js';
import type { OptimizerRunner } from '../exec/optimizer-pool.js';
import type { PayloadFieldSchema } from '../index/payload/field-schema.js';
import { payloadIndexInfo } from '../index/payload/field-schema.js';
import { PayloadIndexSet } from '../index/payload/payload-index-set.js';
import type { BuildSource, SegmentBuildResult } from '../segment/segment-builder.js';
import { CollectionOptimizer } from './optimizer.js';
import { queryVectors, type SegmentQuery } from '../segment/query-scoring.js';
import { externalScore, internalThreshold } from '../segment/types.js';
import { mergeSegmentResults, type CoreSearchRequest, type ScoredPoint } from './search-request.js';
import { checkPayloadKey, deletePayloadKeys, mergePayload } from './payload-edit.js';
import { getValuesAtPath } from '../filter/json-path.js';
import { parseDatetime } from '../filter/datetime.js';

const MANIFEST_FILE = 'collection.json';
const MANIFEST_FORMAT = 1;

interface CollectionManifest {
  format: number;
  name: string;
  config: CollectionConfig;
  flushedOp: number;
  segments: SegmentCommit[];
  /** Payload index schemas by key (the indexes themselves are per segment). */
  payloadSchema: Record<string, unknown>;
}

export interface UpdateResult {
  operation_id: number;
  status: 'acknowledged' | 'completed';
}

export type PayloadSelector = boolean | { include: string[] } | { exclude: string[] };
export type VectorSelector = boolean | string[];

export interface PointRecord {
  id: PointId;
  version: number;
  payload?: Payload;
  vector?: number[] | Record<string, number[]>;
}

export interface CollectionOptions {
  storage: StorageSettings;
  /** Runs segment searches (in this thread or on search workers). */
  executor: SearchExecutor;
  /** Runs optimizations in background workers (null: no background optimization). */
  optimizer: OptimizerRunner | null;
  /**
   * Reads on-disk vectors for the main thread (retrieval, recommend by id) without blocking the
   * event loop: io_uring when enabled, pread on libuv's pool otherwise — never mmap here.
   */
  mainReader?: { readerFor(layout: RecordFileLayout): BatchReader };
  /** Called when segments change (so search threads can learn the new set). */
  onSegmentsChanged?: (collection: Collection) => void;
}

/** Where a point is now, resolved to objects. */
interface Located {
  segment: Segment;
  offset: number;
}

export class Collection {
  readonly name: string;
  readonly dir: string;
  private config: CollectionConfig;
  private vectors: ResolvedVector[];
  private readonly storage: StorageSettings;
  private readonly log: Logger;
  private readonly segments = new Map<number, Segment>();
  private appendable: Segment | null = null;
  private readonly locations = new PointLocations();
  private wal: WriteAheadLog;
  private lastOp: number;
  private flushedOp: number;
  private nextHandle = 1;
  private payloadSchema: Record<string, unknown>;
  private lastManifest: CollectionManifest | null = null;
  private flushing: Promise<void> | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  /** Segments replaced or emptied, deleted once a manifest without them is durable. */
  private retired: Segment[] = [];
  private closed = false;
  private readonly options: CollectionOptions;
  /** Open snapshots: while > 0, no state generation or retired segment is deleted. */
  private pins = 0;
  private deferredCleanup: (() => void)[] = [];
  readonly optimizer: CollectionOptimizer;
  /** Searches in flight; retired segments' readers are released when it drops to 0. */
  private activeSearches = 0;
  private pendingForget: SegmentView[] = [];

  private constructor(
    name: string,
    dir: string,
    manifest: CollectionManifest,
    wal: WriteAheadLog,
    options: CollectionOptions,
  ) {
    this.name = name;
    this.dir = dir;
    this.config = manifest.config;
    this.vectors = resolveVectors(manifest.config);
    this.storage = options.storage;
    this.options = options;
    this.log = logger('collection').child({ collection: name });
    this.wal = wal;
    this.lastOp = manifest.flushedOp;
    this.flushedOp = manifest.flushedOp;
    this.payloadSchema = manifest.payloadSchema;
    this.optimizer = new CollectionOptimizer(this, options.optimizer);
  }

  // ---------------------------------------------------------------- lifecycle

  /** Creates the collection's directory and an empty, durable collection. */
  static create(
    name: string,
    dir: string,
    config: CollectionConfig,
    options: CollectionOptions,
  ): Collection {
    mkdirSync(join(dir, 'segments'), { recursive: true });
    const manifest: CollectionManifest = {
      format: MANIFEST_FORMAT,
      name,
      config,
      flushedOp: 0,
      segments: [],
      payloadSchema: {},
    };
    writeFileAtomicSync(join(dir, MANIFEST_FILE), stringifyJson(manifest));
    return Collection.open(name, dir, options);
  }

  /** Loads a collection from `dir` and replays its WAL. */
  static open(name: string, dir: string, options: CollectionOptions): Collection {
    const manifestPath = join(dir, MANIFEST_FILE);
    const manifest = parseJson(readFileSync(manifestPath, 'utf8')) as CollectionManifest;
    if (manifest.format !== MANIFEST_FORMAT) {
      throw new RingvecError('service', `${manifestPath} has unknown format ${manifest.format}`);
    }
    const { wal, records } = WriteAheadLog.open(
      join(dir, 'wal'),
      manifest.config.wal_config.wal_capacity_mb * 1024 * 1024,
      manifest.flushedOp,
    );
    const collection = new Collection(name, dir, manifest, wal, options);
    collection.loadSegments(manifest.segments);
    collection.replay(records);
    collection.startFlushTimer();
    collection.optimizer.trigger();
    return collection;
  }

  private loadSegments(commits: SegmentCommit[]): void {
    const segmentsDir = join(this.dir, 'segments');
    mkdirSync(segmentsDir, { recursive: true });
    const known = new Set(commits.map((c) => c.id));
    for (const entry of readdirSync(segmentsDir)) {
      if (!known.has(entry)) {
        // Created after the last committed manifest (its data is in the WAL) or left by a
        // crashed optimizer: not part of the committed state.
        rmSync(join(segmentsDir, entry), { recursive: true, force: true });
      }
    }
    for (const commit of commits) {
      const segment = Segment.load(join(segmentsDir, commit.id), commit, this.nextHandle++);
      this.segments.set(segment.handle, segment);
      this.indexSegmentPoints(segment);
    }
    // Continue writing into the last appendable segment that still has room.
    for (const segment of this.segments.values()) {
      if (!segment.sealed && !segment.isFull) this.appendable = segment;
    }
  }

  /** Adds a segment's live points to `locations`, resolving duplicates by version. */
  private indexSegmentPoints(segment: Segment): void {
    const view = segment.view;
    const count = view.count();
    for (let offset = 0; offset < count; offset++) {
      if (view.isDeleted(offset)) continue;
      const id = view.pointId(offset);
      const existing = this.locations.get(id);
      if (existing) {
        const other = this.segments.get(existing.handle)!;
        if (other.view.version(existing.offset) >= view.version(offset)) {
          segment.markDeleted(offset);
          continue;
        }
        other.markDeleted(existing.offset);
      }
      this.locations.set(id, segment.handle, offset);
    }
  }

  private replay(records: { op: number; body: Uint8Array }[]): void {
    if (records.length === 0) return;
    const started = Date.now();
    for (const record of records) {
      let op: UpdateOperation;
      try {
        op = decodeOperation(record.body);
        this.apply(op, record.op);
      } catch (error) {
        this.log.warn(
          { op: record.op, err: error },
          'skipping WAL operation that cannot be applied',
        );
      }
      this.lastOp = record.op;
    }
    this.log.info(
      { operations: records.length, ms: Date.now() - started },
      'replayed write-ahead log',
    );
  }

  private startFlushTimer(): void {
    const seconds = this.config.optimizer_config.flush_interval_sec;
    if (seconds <= 0) return;
    this.flushTimer = setInterval(() => {
      this.flush().catch((error: unknown) =>
        this.log.error({ err: error }, 'periodic flush failed'),
      );
    }, seconds * 1000);
    this.flushTimer.unref();
  }

  /** Flushes and releases files. The collection cannot be used afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.optimizer.stop();
    if (this.flushTimer) clearInterval(this.flushTimer);
    await this.flush();
    this.closed = true;
    await this.wal.close();
    for (const segment of this.segments.values()) segment.close();
    const retired = this.retired.splice(0);
    // A snapshot still copying may need these files: destroy them when it releases its pin.
    this.cleanup(() => retired.forEach((segment) => segment.destroy()));
    this.segments.clear();
  }

  /** Closes the collection and deletes all its files. */
  async drop(): Promise<void> {
    this.optimizer.stop();
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.closed = true;
    await this.wal.close().catch(() => undefined);
    for (const segment of this.segments.values()) segment.close();
    this.segments.clear();
    rmSync(this.dir, { recursive: true, force: true });
  }

  // ---------------------------------------------------------------- config and info

  get collectionConfig(): CollectionConfig {
    return this.config;
  }

  get resolvedVectors(): readonly ResolvedVector[] {
    return this.vectors;
  }

  get lastOperation(): number {
    return this.lastOp;
  }

  get pointsCount(): number {
    return this.locations.size;
  }

  get payloadIndexSchema(): Record<string, unknown> {
    return this.payloadSchema;
  }

  segmentList(): Segment[] {
    return [...this.segments.values()];
  }

  segmentViews(): SegmentView[] {
    return [...this.segments.values()].map((s) => s.view);
  }

  /** Applies a PATCH to the configuration and persists it. */
  async updateConfig(update: UpdateCollectionRequest): Promise<void> {
    const next = applyCollectionUpdate(this.config, update);
    this.config = next;
    this.vectors = resolveVectors(next);
    await this.flush(true);
    this.optimizer.trigger();
  }

  vector(name: string): { index: number; config: ResolvedVector } {
    const index = this.vectors.findIndex((v) => v.name === name);
    if (index < 0) throw errors.vectorNotFound(name === '' ? '""' : name);
    return { index, config: this.vectors[index]! };
  }

  // ---------------------------------------------------------------- updates

  /**
   * Validates, logs and applies one operation (synchronously, so nothing interleaves), and
   * returns its operation id with a promise that settles once it is durable.
   * Validation errors are thrown before anything is written.
   */
  submit(op: UpdateOperation): { operationId: number; durable: Promise<void> } {
    this.assertOpen();
    this.validate(op);
    const opNumber = this.lastOp + 1;
    this.wal.append(opNumber, encodeOperation(op));
    this.lastOp = opNumber;
    this.apply(op, opNumber);
    this.optimizer.trigger();
    return { operationId: opNumber, durable: this.wal.sync() };
  }

  /** submit(), then (when `wait`) waits until the operation is durable. */
  async update(op: UpdateOperation, wait: boolean): Promise<UpdateResult> {
    const { operationId, durable } = this.submit(op);
    if (wait) {
      await durable;
      return { operation_id: operationId, status: 'completed' };
    }
    // Durable soon (next group commit); errors surface in the log.
    durable.catch((error: unknown) => this.log.error({ err: error }, 'WAL sync failed'));
    return { operation_id: operationId, status: 'acknowledged' };
  }

  private writeLock: Promise<unknown> = Promise.resolve();

  /**
   * Runs `work` with no other exclusive work of this collection in between: for operations
   * whose selectors (filters, update_mode) must be resolved against the state they apply to.
   * Keep waiting for durability outside it, so concurrent writers still share fsyncs.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.writeLock.then(work, work);
    this.writeLock = run.catch(() => undefined);
    return run;
  }

  private assertOpen(): void {
    if (this.closed) throw new RingvecError('unavailable', `collection ${this.name} is closed`);
  }

  private checkVectors(vectors: Map<string, Float32Array>, requireAll: boolean): void {
    for (const [name, vector] of vectors) {
      const { config } = this.vector(name);
      if (vector.length !== config.dim) throw errors.wrongDimension(config.dim, vector.length);
    }
    if (requireAll && vectors.size === 0 && this.vectors.length === 1) {
      throw errors.badInput('point has no vector');
    }
  }

  private validate(op: UpdateOperation): void {
    switch (op.type) {
      case 'upsert':
        for (const point of op.points) this.checkVectors(point.vectors, true);
        return;
      case 'update_vectors':
        for (const point of op.points) {
          this.checkVectors(point.vectors, false);
          if (!this.locations.has(point.id)) throw errors.pointNotFound(formatPointId(point.id));
        }
        return;
      case 'delete_vectors':
        for (const name of op.vectors) this.vector(name);
        return;
      case 'set_payload':
      case 'overwrite_payload':
      case 'delete_payload':
      case 'clear_payload':
        if (op.type === 'set_payload' && op.key !== null) checkPayloadKey(op.key);
        if (op.type === 'delete_payload') op.keys.forEach(checkPayloadKey);
        // Qdrant reports missing points for payload updates by id.
        for (const id of op.ids) {
          if (!this.locations.has(id)) throw errors.pointNotFound(formatPointId(id));
        }
        return;
      case 'delete':
      case 'create_field_index':
      case 'delete_field_index':
        return;
    }
  }

  private locate(id: PointId): Located | undefined {
    const location = this.locations.get(id);
    if (location === undefined) return undefined;
    return { segment: this.segments.get(location.handle)!, offset: location.offset };
  }

  /** Applies an operation to the segments. Never throws for a validated operation. */
  private apply(op: UpdateOperation, version: number): void {
    switch (op.type) {
      case 'upsert': {
        // Later occurrences of an id in one request win, as in Qdrant.
        const latest = new Map<PointId, (typeof op.points)[number]>();
        for (const point of op.points) latest.set(point.id, point);
        const points: AppendPoint[] = [];
        for (const point of latest.values()) {
          points.push({
            id: point.id,
            vectors: this.vectorRow(point.vectors),
            payload: point.payload ? Buffer.from(stringifyJson(point.payload)) : null,
            version,
          });
        }
        this.appendPoints(points);
        return;
      }
      case 'delete':
        for (const id of op.ids) {
          const at = this.locate(id);
          if (!at) continue;
          at.segment.markDeleted(at.offset);
          this.locations.delete(id);
        }
        return;
      case 'set_payload':
      case 'overwrite_payload':
      case 'delete_payload':
      case 'clear_payload':
        for (const id of op.ids) {
          const at = this.locate(id);
          if (!at) continue;
          const next = this.editPayload(op, at);
          at.segment.setPayload(
            at.offset,
            next && Object.keys(next).length > 0 ? Buffer.from(stringifyJson(next)) : null,
            version,
          );
        }
        return;
      case 'update_vectors': {
        const points: AppendPoint[] = [];
        for (const update of op.points) {
          const at = this.locate(update.id);
          if (!at) continue;
          const row = this.readVectorRow(at);
          for (const [name, vector] of update.vectors) {
            const index = this.vectors.findIndex((v) => v.name === name);
            row[index] = this.prepared(vector, index);
          }
          const payloadText = at.segment.view.payloadText(at.offset);
          points.push({
            id: update.id,
            vectors: row,
            payload: payloadText === null ? null : Buffer.from(payloadText),
            version,
          });
        }
        this.appendPoints(points);
        return;
      }
      case 'create_field_index':
        this.payloadSchema[op.key] = op.schema;
        return;
      case 'delete_field_index':
        delete this.payloadSchema[op.key];
        return;
      case 'delete_vectors':
        for (const id of op.ids) {
          const at = this.locate(id);
          if (!at) continue;
          for (const name of op.vectors) {
            const index = this.vectors.findIndex((v) => v.name === name);
            at.segment.removeVector(at.offset, index, version);
          }
        }
        return;
    }
  }

  private editPayload(
    op: Extract<
      UpdateOperation,
      { type: 'set_payload' | 'overwrite_payload' | 'delete_payload' | 'clear_payload' }
    >,
    at: Located,
  ): Payload | null {
    switch (op.type) {
      case 'overwrite_payload':
        return op.payload;
      case 'clear_payload':
        return null;
      case 'set_payload':
        return mergePayload(this.readPayload(at) ?? {}, op.payload, op.key);
      case 'delete_payload':
        return deletePayloadKeys(this.readPayload(at) ?? {}, op.keys);
    }
  }

  /** Normalises Cosine vectors (a copy: the caller's array may be logged). */
  private prepared(vector: Float32Array, index: number): Float32Array {
    if (this.vectors[index]!.distance !== 'Cosine') return vector;
    const copy = new Float32Array(vector);
    normalizeInPlace(copy);
    return copy;
  }

  private vectorRow(vectors: Map<string, Float32Array>): (Float32Array | null)[] {
    return this.vectors.map((v, index) => {
      const vector = vectors.get(v.name);
      return vector === undefined ? null : this.prepared(vector, index);
    });
  }

  /** The point's stored vectors, per vector index (null where it has none). */
  private readVectorRow(at: Located): (Float32Array | null)[] {
    const view = at.segment.view;
    return view.state.vectors.map((v, index) => {
      if (!view.hasVector(at.offset, index)) return null;
      const ram = view.ramVectors(index);
      if (ram) return ram.slice(at.offset * v.dim, (at.offset + 1) * v.dim);
      const out = new Float32Array(v.dim);
      readVectorSync(v.file.path, v.file.headerBytes + at.offset * v.file.strideBytes, out);
      return out;
    });
  }

  private appendPoints(points: AppendPoint[]): void {
    let next = 0;
    while (next < points.length) {
      const segment = this.segmentForWrites();
      const room = segment.manifest.capacity - segment.count;
      const batch = points.slice(next, next + room);
      // Mark old versions deleted first: a reader must never see two live copies.
      for (const point of batch) {
        const at = this.locate(point.id);
        if (at) at.segment.markDeleted(at.offset);
      }
      const first = segment.appendPoints(batch);
      batch.forEach((point, i) => this.locations.set(point.id, segment.handle, first + i));
      next += batch.length;
    }
  }

  /** The segment new points go to; a full one is replaced by a fresh segment. */
  private segmentForWrites(): Segment {
    if (this.appendable && !this.appendable.isFull) return this.appendable;
    const id = randomUUID();
    const segment = Segment.create(
      join(this.dir, 'segments', id),
      id,
      this.vectors,
      this.appendableCapacity(),
      this.nextHandle++,
    );
    this.segments.set(segment.handle, segment);
    this.appendable = segment;
    this.options.onSegmentsChanged?.(this);
    return segment;
  }

  /** Points per appendable segment: about indexing_threshold worth of vectors. */
  private appendableCapacity(): number {
    const bytesPerPoint = this.vectors.reduce((sum, v) => sum + v.dim * 4, 0) || 4;
    const thresholdKb = this.config.optimizer_config.indexing_threshold ?? 10000;
    const budget = thresholdKb > 0 ? thresholdKb * 1024 : 64 * 1024 * 1024;
    const points = Math.floor(budget / bytesPerPoint);
    return Math.max(1024, Math.min(points, Segment.maxCapacity(this.vectors)));
  }

  // ---------------------------------------------------------------- reads

  readPayload(at: Located): Payload | null {
    const text = at.segment.view.payloadText(at.offset);
    return text === null ? null : (parseJson(text) as Payload);
  }

  /** Retrieves points by id, in request order, skipping missing ids (as Qdrant does). */
  async retrieve(
    ids: PointId[],
    withPayload: PayloadSelector,
    withVector: VectorSelector,
  ): Promise<PointRecord[]> {
    this.assertOpen();
    const found: { id: PointId; at: Located }[] = [];
    const seen = new Set<PointId>();
    for (const id of ids) {
      if (seen.has(id)) continue;
      seen.add(id);
      const at = this.locate(id);
      if (at) found.push({ id, at });
    }
    return this.records(found, withPayload, withVector);
  }

  /** Builds the response record of a point (payload and vectors as selected). */
  async record(
    id: PointId,
    at: Located,
    withPayload: PayloadSelector,
    withVector: VectorSelector,
  ): Promise<PointRecord> {
    const [record] = await this.records([{ id, at }], withPayload, withVector);
    return record!;
  }

  /**
   * Response records of several points. On-disk vectors are read asynchronously, in one batch
   * per segment and vector, so the event loop never waits on the disk.
   */
  async records(
    points: readonly { id: PointId; at: Located }[],
    withPayload: PayloadSelector,
    withVector: VectorSelector,
  ): Promise<PointRecord[]> {
    const out: PointRecord[] = points.map(({ id, at }) => {
      const record: PointRecord = { id, version: at.segment.view.version(at.offset) };
      if (withPayload !== false)
        record.payload = selectPayload(this.readPayload(at) ?? {}, withPayload);
      return record;
    });
    if (withVector === false || points.length === 0) return out;
    const names = withVector === true ? null : new Set(withVector);
    const single = this.vectors.length === 1 && this.vectors[0]!.name === '';
    const rows: Map<string, (Float32Array | undefined)[]> = new Map();
    for (const v of this.vectors) {
      if (names !== null && !names.has(v.name)) continue;
      rows.set(
        v.name,
        await this.readVectorsAt(
          points.map((p) => p.at),
          v.name,
        ),
      );
    }
    out.forEach((record, i) => {
      if (single) {
        const vector = rows.get('')?.[i];
        if (vector) record.vector = f32Array(vector);
        return;
      }
      const vectors: Record<string, number[]> = {};
      for (const [name, list] of rows) {
        const vector = list[i];
        if (vector) vectors[name] = f32Array(vector);
      }
      record.vector = vectors;
    });
    return out;
  }

  /** The location of a point (for the search path's result assembly). */
  locatePoint(id: PointId): Located | undefined {
    return this.locate(id);
  }

  /** Resolves a segment handle (search results carry handles). */
  segmentByHandle(handle: number): Segment | undefined {
    return this.segments.get(handle);
  }

  /**
   * Resolves the ids of `has_id` conditions to (segment, offset) so filters check them with a
   * lookup; keyed by segment id (what segment searches receive).
   */
  resolveFilterIds(filter: Filter | null): Record<string, Map<PointId, number>> | undefined {
    if (filter === null) return undefined;
    const ids = new Set<PointId>();
    const visit = (f: Filter) => {
      for (const list of [f.must, f.should, f.mustNot, f.minShould?.conditions]) {
        for (const condition of list ?? []) {
          if (condition.kind === 'has_id') condition.ids.forEach((id) => ids.add(id));
          else if (condition.kind === 'filter' || condition.kind === 'nested')
            visit(condition.filter);
        }
      }
    };
    visit(filter);
    if (ids.size === 0) return undefined;
    const out: Record<string, Map<PointId, number>> = {};
    for (const segment of this.segments.values()) out[segment.id] = new Map();
    for (const id of ids) {
      const at = this.locate(id);
      if (at) out[at.segment.id]!.set(id, at.offset);
    }
    return out;
  }

  /** Every live point that passes `filter`, in no particular order (scanned on search threads). */
  async matchingPoints(filter: Filter | null): Promise<{ id: PointId; at: Located }[]> {
    const segments = [...this.segments.values()];
    const results = await this.trackSearch(() =>
      this.options.executor.scan(
        segments.map((s) => s.view),
        { filter, resolvedIds: this.resolveFilterIds(filter), mode: 'match' },
      ),
    );
    const out: { id: PointId; at: Located }[] = [];
    results.forEach((matched, i) => {
      const segment = segments[i]!;
      if (!(matched instanceof Uint32Array)) return;
      for (const offset of matched) {
        const id = segment.view.pointId(offset);
        // a point updated while the scan ran is reported where it lives now
        if (this.locations.isAt(id, segment.handle, offset))
          out.push({ id, at: { segment, offset } });
      }
    });
    return out;
  }

  /** Number of live points that pass `filter`. */
  async countPoints(filter: Filter | null): Promise<number> {
    if (filter === null) return this.locations.size;
    const results = await this.trackSearch(() =>
      this.options.executor.scan(this.segmentViews(), {
        filter,
        resolvedIds: this.resolveFilterIds(filter),
        mode: 'count',
      }),
    );
    return results.reduce<number>((sum, n) => sum + (typeof n === 'number' ? n : 0), 0);
  }

  /**
   * Qdrant's facet: the most common values of `key` among points matching `filter`, counting
   * each point once per distinct value. Needs a keyword, integer (with lookup), bool or uuid
   * payload index on the key, as Qdrant does; counts are exact.
   */
  async facet(
    key: string,
    filter: Filter | null,
    limit: number,
  ): Promise<{ value: FacetValue; count: number }[]> {
    const schema = this.payloadSchema[key] as
      { type?: string; params?: { lookup?: boolean } } | undefined;
    const facetable =
      schema !== undefined &&
      (schema.type === 'keyword' ||
        schema.type === 'bool' ||
        schema.type === 'uuid' ||
        (schema.type === 'integer' && schema.params?.lookup !== false));
    if (!facetable) {
      throw new RingvecError(
        'bad_input',
        `No appropriate index for faceting: \`${key}\`. Please create one to facet on this field. Check https://qdrant.tech/documentation/concepts/indexing/#payload-index to see which payload schemas support Match conditions`,
      );
    }
    const results = await this.trackSearch(() =>
      this.options.executor.scan(this.segmentViews(), {
        filter,
        resolvedIds: this.resolveFilterIds(filter),
        mode: 'facet',
        key,
      }),
    );
    const counts = new Map<FacetValue, number>();
    for (const result of results) {
      if (!Array.isArray(result)) continue;
      for (const [value, count] of result) counts.set(value, (counts.get(value) ?? 0) + count);
    }
    const order = (v: FacetValue) => (typeof v === 'boolean' ? Number(v) : v);
    return [...counts]
      .map(([value, count]) => ({ value, count }))
      .sort(
        (a, b) =>
          b.count - a.count ||
          (order(a.value) < order(b.value) ? -1 : order(a.value) > order(b.value) ? 1 : 0),
      )
      .slice(0, limit);
  }

  /** Keeps retired segments' readers open while `work` runs on them. */
  private async trackSearch<T>(work: () => Promise<T>): Promise<T> {
    this.activeSearches++;
    try {
      return await work();
    } finally {
      this.activeSearches--;
      this.releaseRetired();
    }
  }

  /**
   * Live points in id order from `from` (inclusive) that pass `filter`: at most `limit`, plus
   * the id of the next one (Qdrant's next_page_offset) or null.
   */
  async scrollById(
    from: PointId | null,
    limit: number,
    filter: Filter | null,
  ): Promise<{ points: { id: PointId; at: Located }[]; next: PointId | null }> {
    const matched =
      filter === null ? null : new Set((await this.matchingPoints(filter)).map((p) => p.id));
    const sorted = this.sortedIds();
    const page: { id: PointId; at: Located }[] = [];
    for (let i = from === null ? 0 : lowerBound(sorted, from); i < sorted.length; i++) {
      const id = sorted[i]!;
      if (matched !== null && !matched.has(id)) continue;
      const at = this.locate(id);
      if (!at) continue;
      if (page.length === limit) return { points: page, next: id };
      page.push({ id, at });
    }
    return { points: page, next: null };
  }

  private sortedIdsCache: { version: number; ids: PointId[] } | null = null;

  /** Every live id in Qdrant's scroll order, cached until an id is added or removed. */
  private sortedIds(): PointId[] {
    const version = this.locations.membershipVersion;
    if (this.sortedIdsCache?.version !== version) {
      const ids = [...this.locations.ids()].sort(comparePointIds);
      this.sortedIdsCache = { version, ids };
    }
    return this.sortedIdsCache.ids;
  }

  /**
   * Scroll ordered by a payload value (Qdrant's order_by): needs a range-capable payload index on
   * the key; a point appears once per value; no next page offset (use start_from).
   */
  async scrollOrdered(
    request: {
      limit: number;
      filter?: unknown;
      order_by?:
        | {
            key: string;
            direction?: 'asc' | 'desc' | undefined;
            start_from?: number | bigint | string | undefined;
          }
        | undefined;
    },
    withPayload: PayloadSelector,
    withVector: VectorSelector,
    filter: Filter | null = null,
  ): Promise<{ points: Record<string, unknown>[]; next_page_offset: null }> {
    const orderBy = request.order_by!;
    const schema = this.payloadSchema[orderBy.key] as { type?: string } | string | undefined;
    const type = typeof schema === 'string' ? schema : schema?.type;
    if (type !== 'integer' && type !== 'float' && type !== 'datetime') {
      throw new RingvecError(
        'bad_input',
        `No range index for \`order_by\` key: \`${orderBy.key}\`. Please create one to use \`order_by\`. Check https://qdrant.tech/documentation/concepts/indexing/#payload-index to see which payload schemas support Range conditions`,
      );
    }
    const path = checkPayloadKey(orderBy.key);
    const descending = orderBy.direction === 'desc';
    const start = orderValue(orderBy.start_from);
    const entries: { value: number; id: PointId; at: Located }[] = [];
    for (const { id, at } of await this.matchingPoints(filter)) {
      for (const raw of getValuesAtPath(this.readPayload(at) ?? undefined, path)) {
        const value = orderValue(raw as number | string);
        if (value === null) continue;
        if (start !== null && (descending ? value > start : value < start)) continue;
        entries.push({ value, id, at });
      }
    }
    entries.sort((a, b) =>
      descending
        ? b.value - a.value || comparePointIds(b.id, a.id)
        : a.value - b.value || comparePointIds(a.id, b.id),
    );
    const page = entries.slice(0, request.limit);
    const records = await this.records(page, withPayload, withVector);
    return {
      points: page.map((entry, i) => {
        const record = records[i]!;
        const out: Record<string, unknown> = { id: record.id };
        if (record.payload !== undefined) out.payload = record.payload;
        if (record.vector !== undefined) out.vector = record.vector;
        out.order_value = entry.value;
        return out;
      }),
      next_page_offset: null,
    };
  }

  /** Runs search requests (one answer per request, best first). */
  search(requests: CoreSearchRequest[]): Promise<ScoredPoint[][]> {
    this.assertOpen();
    return Promise.all(requests.map((request) => this.searchOne(request)));
  }

  private preparedQuery(query: SegmentQuery, index: number, dim: number): SegmentQuery {
    for (const vector of queryVectors(query)) {
      if (vector.length !== dim) throw errors.wrongDimension(dim, vector.length);
    }
    const prepare = (v: Float32Array) => this.prepared(v, index);
    switch (query.kind) {
      case 'nearest':
        return { kind: 'nearest', vector: prepare(query.vector) };
      case 'recommend_best_score':
      case 'recommend_sum_scores':
        return {
          kind: query.kind,
          positives: query.positives.map(prepare),
          negatives: query.negatives.map(prepare),
        };
      case 'discover':
        return {
          kind: 'discover',
          target: prepare(query.target),
          pairs: query.pairs.map(([p, n]) => [prepare(p), prepare(n)]),
        };
      case 'context':
        return { kind: 'context', pairs: query.pairs.map(([p, n]) => [prepare(p), prepare(n)]) };
    }
  }

  private searchOne(request: CoreSearchRequest): Promise<ScoredPoint[]> {
    return this.trackSearch(() => this.searchSegments(request));
  }

  private async searchSegments(request: CoreSearchRequest): Promise<ScoredPoint[]> {
    const { index, config } = this.vector(request.using);
    const query = this.preparedQuery(request.query, index, config.dim);
    const nearest = query.kind === 'nearest';
    const wanted = request.offset + request.limit;
    if (request.limit === 0) return [];
    const segments = [...this.segments.values()];
    const results = await this.options.executor.search(
      segments.map((s) => s.view),
      {
        vectorName: request.using,
        resolvedIds: this.resolveFilterIds(request.filter),
        query,
        limit: wanted,
        filter: request.filter,
        params: request.params,
        scoreThreshold:
          request.scoreThreshold === null
            ? null
            : nearest
              ? internalThreshold(config.distance, request.scoreThreshold)
              : request.scoreThreshold,
      },
      config.hnsw.full_scan_threshold,
    );
    const chosen: { id: PointId; at: Located; score: number }[] = [];
    const seen = new Set<PointId>();
    let skipped = 0;
    for (const candidate of mergeSegmentResults(
      segments.map((s) => s.handle),
      results,
    )) {
      const segment = this.segments.get(candidate.handle);
      if (segment === undefined) continue;
      const id = segment.view.pointId(candidate.offset);
      // A point updated while the search ran is reported where it lives now, once.
      if (seen.has(id) || !this.locations.isAt(id, candidate.handle, candidate.offset)) continue;
      seen.add(id);
      if (skipped < request.offset) {
        skipped++;
        continue;
      }
      chosen.push({ id, at: { segment, offset: candidate.offset }, score: candidate.score });
      if (chosen.length >= request.limit) break;
    }
    const records = await this.records(chosen, request.withPayload, request.withVector);
    return chosen.map((hit, i) => {
      const record = records[i]!;
      const point: ScoredPoint = {
        id: hit.id,
        version: record.version,
        score: shortestF32(nearest ? externalScore(config.distance, hit.score) : hit.score),
      };
      if (record.payload !== undefined) point.payload = record.payload;
      if (record.vector !== undefined) point.vector = record.vector;
      return point;
    });
  }

  /**
   * The stored vector `using` of each point, read without blocking the event loop (on-disk
   * vectors go through the main-thread BatchReader in one batch per segment).
   */
  async readPointVectors(ids: PointId[], using: string): Promise<(Float32Array | undefined)[]> {
    this.vector(using);
    return this.readVectorsAt(
      ids.map((id) => this.locate(id)),
      using,
    );
  }

  private async readVectorsAt(
    points: (Located | undefined)[],
    using: string,
  ): Promise<(Float32Array | undefined)[]> {
    const { index, config } = this.vector(using);
    const out = new Array<Float32Array | undefined>(points.length).fill(undefined);
    const bySegment = new Map<Segment, { slots: number[]; offsets: number[] }>();
    points.forEach((at, slot) => {
      if (!at || !at.segment.view.hasVector(at.offset, index)) return;
      const ram = at.segment.view.ramVectors(index);
      if (ram) {
        out[slot] = ram.slice(at.offset * config.dim, (at.offset + 1) * config.dim);
        return;
      }
      let group = bySegment.get(at.segment);
      if (!group) bySegment.set(at.segment, (group = { slots: [], offsets: [] }));
      group.slots.push(slot);
      group.offsets.push(at.offset);
    });
    await Promise.all(
      [...bySegment].map(async ([segment, group]) => {
        const layout = segment.state.vectors[index]!.file;
        const buffer = new Float32Array(group.offsets.length * config.dim);
        if (this.options.mainReader) {
          const reader = this.options.mainReader.readerFor(layout);
          const pending = reader.read(
            Uint32Array.from(group.offsets),
            group.offsets.length,
            new Uint8Array(buffer.buffer),
          );
          if (pending) await pending;
        } else {
          group.offsets.forEach((offset, i) =>
            readVectorSync(
              layout.path,
              layout.headerBytes + offset * layout.strideBytes,
              buffer.subarray(i * config.dim, (i + 1) * config.dim),
            ),
          );
        }
        group.slots.forEach(
          (slot, i) => (out[slot] = buffer.slice(i * config.dim, (i + 1) * config.dim)),
        );
      }),
    );
    return out;
  }

  /** The stored vector `using` of each point (undefined for missing points or vectors). */
  pointVectors(ids: PointId[], using: string): (Float32Array | undefined)[] {
    const { index } = this.vector(using);
    return ids.map((id) => {
      const at = this.locate(id);
      if (!at) return undefined;
      return this.readVectorRow(at)[index] ?? undefined;
    });
  }

  // ---------------------------------------------------------------- persistence

  /**
   * Persists every segment and commits a new manifest, then truncates the WAL. Concurrent calls
   * share one flush. `force` writes a manifest even when nothing changed (config updates).
   */
  async flush(force = false): Promise<void> {
    if (this.closed) return;
    while (this.flushing) await this.flushing;
    this.flushing = this.flushNow(force).finally(() => {
      this.flushing = null;
    });
    await this.flushing;
  }

  private async flushNow(force: boolean): Promise<void> {
    const op = this.lastOp;
    const segments = [...this.segments.values()];
    const anyDirty = segments.some((s) => s.isDirty) || this.retired.length > 0;
    if (!force && !anyDirty && op === this.flushedOp) return;
    // Every segment captures its state synchronously inside flush() before its first await,
    // so all commits describe the state right after operation `op`.
    const commits = await Promise.all(segments.map((s) => s.flush()));
    const manifest: CollectionManifest = {
      format: MANIFEST_FORMAT,
      name: this.name,
      config: this.config,
      flushedOp: op,
      segments: commits,
      payloadSchema: this.payloadSchema,
    };
    await writeFileAtomic(join(this.dir, MANIFEST_FILE), stringifyJson(manifest));
    this.lastManifest = manifest;
    this.flushedOp = op;
    const retired = this.retired.filter((s) => !this.segments.has(s.handle));
    this.retired = [];
    this.cleanup(() => {
      segments.forEach((segment, i) => segment.forgetOlderGenerations(commits[i]!));
      this.wal.truncate(op);
      for (const segment of retired) segment.destroy();
    });
  }

  /** Runs file deletions now, or when the last snapshot pin is released. */
  private cleanup(work: () => void): void {
    if (this.pins > 0) this.deferredCleanup.push(work);
    else work();
  }

  /**
   * A consistent point-in-time copy source for snapshots: flushes, then lists every file (and
   * how many bytes of it) that the committed manifest needs, plus the WAL written after it.
   * Nothing listed is deleted until `release()`; append-only files only grow, so copying the
   * first `bytes` of each later still gives the committed state, while writes continue.
   */
  async snapshotSource(): Promise<{
    manifest: string;
    files: { path: string; name: string; bytes: number }[];
    release(): void;
  }> {
    this.assertOpen();
    await this.flush(true);
    this.pins++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.pins--;
      if (this.pins === 0) for (const work of this.deferredCleanup.splice(0)) work();
    };
    try {
      const manifest = this.lastManifest!;
      const files: { path: string; name: string; bytes: number }[] = [];
      for (const commit of manifest.segments) {
        const dir = join(this.dir, 'segments', commit.id);
        const segmentManifest = JSON.parse(
          readFileSync(join(dir, 'segment.json'), 'utf8'),
        ) as SegmentManifest;
        const add = (file: string, bytes?: number) =>
          files.push({
            path: join(dir, file),
            name: `segments/${commit.id}/${file}`,
            bytes: bytes ?? statSync(join(dir, file)).size,
          });
        add('segment.json');
        for (const v of segmentManifest.vectors) {
          const info = readVectorFileHeader(join(dir, v.file), v.dim);
          add(v.file, VECTOR_FILE_HEADER_BYTES + commit.count * info.strideBytes);
          if (v.hnsw) add(v.hnsw.file);
          if (v.quantization) add(v.quantization.file);
        }
        add('ids.bin', commit.count * POINT_ID_BYTES);
        add('payload.log', commit.payloadBytes);
        if (commit.count > 0 || existsSync(join(dir, `state-${commit.generation}.bin`))) {
          add(`state-${commit.generation}.bin`);
        }
        for (const index of segmentManifest.payloadIndexes) add(index.file);
      }
      for (const name of readdirSync(join(this.dir, 'wal'))) {
        files.push({
          path: join(this.dir, 'wal', name),
          name: `wal/${name}`,
          bytes: statSync(join(this.dir, 'wal', name)).size,
        });
      }
      return { manifest: stringifyJson(manifest), files, release };
    } catch (error) {
      release();
      throw error;
    }
  }

  /** Qdrant's collection status: green (idle), yellow (optimizing), grey (pending, not started). */
  optimizationStatus(): {
    state: 'green' | 'yellow' | 'grey';
    error: string | null;
    warnings: string[];
    progress: unknown;
  } {
    const status = this.optimizer.status();
    return { state: status.state, error: status.error, warnings: [], progress: status.progress };
  }

  /**
   * Live points reachable through an HNSW graph, summed over vectors (Qdrant calls it
   * approximate: points deleted and lacking the vector may be counted twice as missing).
   */
  indexedVectorsCount(): number {
    let total = 0;
    for (const segment of this.segments.values()) {
      const view = segment.view;
      const count = view.count();
      const live = count - view.deleted.count(count);
      view.state.vectors.forEach((vector, index) => {
        if (vector.hnsw !== null) total += Math.max(0, live - view.missing[index]!.count(count));
      });
    }
    return total;
  }

  /** payload_schema of collection info: key → {data_type, params, points}. */
  payloadSchemaInfo(): Record<string, unknown> {
    const points = new Map<string, number>();
    for (const segment of this.segments.values()) {
      const buffer = segment.state.payloadIndexes['*'];
      if (buffer === undefined) continue;
      const info = PayloadIndexSet.load(new Uint8Array(buffer)).payloadSchema();
      for (const [key, entry] of Object.entries(info))
        points.set(key, (points.get(key) ?? 0) + entry.points);
    }
    return Object.fromEntries(
      Object.entries(this.payloadSchema).map(([key, schema]) => [
        key,
        payloadIndexInfo(schema as PayloadFieldSchema, points.get(key) ?? 0),
      ]),
    );
  }

  payloadIndexSchemaEntries(): [string, PayloadFieldSchema][] {
    return Object.entries(this.payloadSchema).map(([key, schema]) => [
      key,
      schema as PayloadFieldSchema,
    ]);
  }

  // ---------------------------------------------------------------- optimizer hooks

  /** The segment that takes new points (never an optimization source). */
  get writableSegment(): Segment | null {
    return this.appendable;
  }

  /** The live points of a segment as of now, for a build running in the background. */
  captureBuildSource(segment: Segment): BuildSource {
    // Points appended to a source after this capture would be lost with it: a writable
    // segment taken by the optimizer stops taking writes now.
    if (segment === this.appendable) this.appendable = null;
    const view = segment.view;
    const count = view.count();
    const offsets: number[] = [];
    for (let offset = 0; offset < count; offset++)
      if (!view.isDeleted(offset)) offsets.push(offset);
    const vectorCount = view.state.vectors.length;
    const payloadPositions = new Uint32Array(offsets.length);
    const versions = new Float64Array(offsets.length);
    const missing = new Uint8Array(offsets.length * vectorCount);
    offsets.forEach((offset, i) => {
      payloadPositions[i] = view.payloadPosition(offset);
      versions[i] = view.version(offset);
      for (let v = 0; v < vectorCount; v++)
        missing[i * vectorCount + v] = view.missing[v]!.get(offset) ? 1 : 0;
    });
    return {
      state: segment.state,
      offsets: Uint32Array.from(offsets),
      payloadPositions,
      versions,
      missing,
    };
  }

  /**
   * Swaps a built segment in for its sources. Changes made to the sources while it was built
   * are carried over: points deleted or moved since are marked deleted in the new segment, and
   * changed payloads, versions and removed vectors are applied to it.
   */
  adoptBuiltSegment(
    sources: { segment: Segment; source: BuildSource }[],
    result: SegmentBuildResult,
  ): void {
    const dir = join(this.dir, 'segments', result.manifest.id);
    if (
      this.closed ||
      sources.some(({ segment }) => this.segments.get(segment.handle) !== segment)
    ) {
      rmSync(dir, { recursive: true, force: true });
      return;
    }
    if (result.commit.count === 0) {
      // every source point was deleted meanwhile: nothing replaces the sources
      rmSync(dir, { recursive: true, force: true });
      for (const { segment } of sources) {
        if (segment === this.appendable) this.appendable = null;
        this.segments.delete(segment.handle);
        this.retire(segment);
      }
      this.options.onSegmentsChanged?.(this);
      return;
    }
    const built = Segment.fromBuilt(
      dir,
      result.manifest,
      result.state,
      result.commit,
      this.nextHandle++,
    );
    const vectorCount = this.vectors.length;
    let k = 0;
    for (const { segment, source } of sources) {
      const view = segment.view;
      for (let i = 0; i < source.offsets.length; i++, k++) {
        const offset = source.offsets[i]!;
        const id = built.view.pointId(k);
        if (!this.locations.isAt(id, segment.handle, offset)) {
          built.markDeleted(k);
          continue;
        }
        const version = view.version(offset);
        if (view.payloadPosition(offset) !== source.payloadPositions[i]) {
          const text = view.payloadText(offset);
          built.setPayload(k, text === null ? null : Buffer.from(text), version);
        } else if (version !== source.versions[i]) {
          built.setVersion(k, version);
        }
        for (let v = 0; v < vectorCount; v++) {
          if (view.missing[v]!.get(offset) && source.missing[i * vectorCount + v] === 0)
            built.removeVector(k, v, version);
        }
        this.locations.set(id, built.handle, k);
      }
    }
    this.segments.set(built.handle, built);
    for (const { segment } of sources) {
      this.segments.delete(segment.handle);
      this.retire(segment);
    }
    this.options.onSegmentsChanged?.(this);
  }

  /** Removes segments that hold no live point (their points were deleted or moved). */
  dropEmptySegments(segments: Segment[]): void {
    for (const segment of segments) {
      if (this.segments.get(segment.handle) !== segment || segment.view.liveCount() > 0) continue;
      if (segment === this.appendable) continue;
      this.segments.delete(segment.handle);
      this.retire(segment);
    }
    this.options.onSegmentsChanged?.(this);
  }

  /** Retires a segment: readers released after in-flight searches, files after the next commit. */
  private retire(segment: Segment): void {
    this.retired.push(segment);
    this.pendingForget.push(segment.view);
    this.releaseRetired();
  }

  private releaseRetired(): void {
    if (this.activeSearches > 0 || this.pendingForget.length === 0) return;
    this.options.executor.forget(this.pendingForget.splice(0));
  }

  /** Swaps requantized data in (or drops it with `null`). */
  adoptQuantization(
    segment: Segment,
    vectorIndex: number,
    next: { file: string; config: unknown; buffer: SharedArrayBuffer } | null,
  ): void {
    if (this.closed || this.segments.get(segment.handle) !== segment) {
      if (next) rmSync(join(segment.dir, next.file), { force: true });
      return;
    }
    const old = segment.replaceQuantization(vectorIndex, next);
    if (old !== null) this.cleanup(() => rmSync(old, { force: true }));
    this.options.onSegmentsChanged?.(this);
  }

  /** Payload positions of every point (a snapshot for a payload index build). */
  payloadPositionsOf(segment: Segment): Uint32Array {
    const count = segment.count;
    const out = new Uint32Array(count);
    for (let offset = 0; offset < count; offset++)
      out[offset] = segment.view.payloadPosition(offset);
    return out;
  }

  /** Swaps new payload indexes in; points whose payload changed since `positions` stay stale. */
  adoptPayloadIndexes(
    segment: Segment,
    next: { file: string; schema: unknown; buffer: SharedArrayBuffer },
    positions: Uint32Array,
  ): void {
    if (this.closed || this.segments.get(segment.handle) !== segment) {
      rmSync(join(segment.dir, next.file), { force: true });
      return;
    }
    const view = segment.view;
    for (let offset = 0; offset < positions.length; offset++) {
      if (view.payloadPosition(offset) === positions[offset]) view.stale.clear(offset);
      else view.stale.set(offset);
    }
    const old = segment.replacePayloadIndexes(next);
    if (old !== null) this.cleanup(() => rmSync(old, { force: true }));
    this.options.onSegmentsChanged?.(this);
  }

  /** Creates a payload index (as an operation in the WAL); indexes are built in the background. */
  async createPayloadIndex(
    key: string,
    schema: PayloadFieldSchema,
    wait: boolean,
  ): Promise<UpdateResult> {
    checkPayloadKey(key);
    const result = await this.update(
      {
        type: 'create_field_index',
        key,
        schema: schema as { type: string; params?: Record<string, unknown> },
      },
      wait,
    );
    if (wait) await this.optimizer.idle();
    return result;
  }

  async deletePayloadIndex(key: string, wait: boolean): Promise<UpdateResult> {
    const result = await this.update({ type: 'delete_field_index', key }, wait);
    if (wait) await this.optimizer.idle();
    return result;
  }

  /** Per named vector: where its data lives and how much of it there is. */
  vectorStorageInfo(): {
    name: string;
    size: number;
    distance: string;
    on_disk: boolean;
    original_ram_bytes: number;
    original_disk_bytes: number;
    hnsw_ram_bytes: number;
    quantized_ram_bytes: number;
    quantization: unknown;
  }[] {
    return this.vectors.map((v, index) => {
      let originalRam = 0;
      let originalDisk = 0;
      let hnsw = 0;
      let quantized = 0;
      for (const segment of this.segments.values()) {
        const state = segment.state.vectors[index];
        if (!state) continue;
        const bytes = segment.count * v.dim * 4;
        originalDisk += bytes;
        if (state.ram) originalRam += bytes;
        hnsw += state.hnsw?.byteLength ?? 0;
        quantized += state.quantized?.byteLength ?? 0;
      }
      return {
        name: v.name,
        size: v.dim,
        distance: v.distance,
        on_disk: v.onDisk,
        original_ram_bytes: originalRam,
        original_disk_bytes: originalDisk,
        hnsw_ram_bytes: hnsw,
        quantized_ram_bytes: quantized,
        quantization: v.quantization,
      };
    });
  }

  /** Sizes for collection info and telemetry. */
  sizes(): { ramBytes: number; diskBytes: number } {
    let ramBytes = 0;
    let diskBytes = this.wal.sizeBytes();
    for (const segment of this.segments.values()) {
      const s = segment.sizes();
      ramBytes += s.ramBytes;
      diskBytes += s.diskBytes;
    }
    return { ramBytes, diskBytes };
  }

  static exists(dir: string): boolean {
    return existsSync(join(dir, MANIFEST_FILE));
  }
}

function selectPayload(payload: Payload, selector: PayloadSelector): Payload {
  if (selector === true || selector === false) return payload;
  if ('include' in selector) {
    const out: Payload = {};
    for (const key of selector.include) {
      const top = key.split('.')[0]!;
      if (top in payload) out[top] = payload[top];
    }
    return out;
  }
  const out: Payload = { ...payload };
  for (const key of selector.exclude) delete out[key.split('.')[0]!];
  return out;
}

function readVectorSync(path: string, position: number, out: Float32Array): void {
  const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  const fd = openSync(path, 'r');
  try {
    let done = 0;
    while (done < bytes.byteLength) {
      const n = readSync(fd, bytes, done, bytes.byteLength - done, position + done);
      if (n === 0)
        throw new RingvecError('service', `vector file ${path} is truncated at ${position}`);
      done += n;
    }
  } finally {
    closeSync(fd);
  }
}

/** A number or RFC 3339 datetime (as microseconds) used for ordering; null for other values. */
function orderValue(raw: number | bigint | string | undefined | null): number | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : null;
  if (typeof raw === 'bigint') return Number(raw);
  if (typeof raw === 'string') return parseDatetime(raw);
  return null;
}

/** First index of `sorted` whose id is ≥ `id`. */
function lowerBound(sorted: readonly PointId[], id: PointId): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (comparePointIds(sorted[mid]!, id) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}
