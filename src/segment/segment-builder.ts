// Builds a sealed segment from the live points of source segments: the optimizer's job (index
// build, merge, vacuum), run in a background worker. Everything is read from the sources' shared
// state as captured at one operation (`BuildSource`), so the collection keeps taking writes while
// this runs; the collection reconciles changes made meanwhile when it swaps the result in.
//
// Steps: copy ids, versions and payloads → payload indexes → vectors (on-disk originals read
// through a BatchReader in large batches) → quantize from the new originals → build the HNSW graph
// (over the quantized codes when the originals are on disk, so they never need to be in RAM at
// once), plus Qdrant's `payload_m` links inside the point groups of indexed payload values →
// state-1.bin and segment.json, all fsynced. The result's shared buffers are handed
// to the main thread without copying.

import { Buffer } from 'node:buffer';
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync, fsyncDirectorySync } from '../common/durable-fs.js';
import { POINT_ID_BYTES } from '../common/point-id.js';
import { HnswIndex } from '../index/hnsw/hnsw-index.js';
import { DenseVectorScorer } from '../index/hnsw/dense-vector-scorer.js';
import type { PayloadFieldSchema } from '../index/payload/field-schema.js';
import { PayloadIndexSet } from '../index/payload/payload-index-set.js';
import type { PayloadFieldIndex } from '../index/payload/payload-field-index.js';
import { getKernels } from '../kernels/index.js';
import type { StoredPointScorer } from '../kernels/point-scorer.js';
import { hugePageSharedBuffer } from '../native/huge-pages.js';
import {
  quantize,
  type QuantizationConfig,
  type QuantizedVectors,
  type VectorSource,
} from '../quantization/index.js';
import type { BatchReader, RecordFileLayout } from '../storage-io/batch-reader.js';
import { SharedBitmap } from './bitmap.js';
import { encodeStateFile, type SegmentCommit, type SegmentManifest } from './segment.js';
import { PAYLOAD_ARENA_HEADER_BYTES } from './segment-view.js';
import { createSharedBuffer, MAX_SHARED_BUFFER_BYTES } from './shared-buffer.js';
import {
  kernelOpOf,
  type Distance,
  type SharedSegmentState,
  type SharedVectorState,
} from './types.js';
import {
  encodeVectorFileHeader,
  float32VectorFileInfo,
  VECTOR_FILE_HEADER_BYTES,
  vectorFileLayout,
} from './vector-file.js';

export interface BuildSource {
  state: SharedSegmentState;
  /** Offsets to copy (live at the snapshot), ascending. */
  offsets: Uint32Array;
  /** Payload positions of those offsets at the snapshot (the arena is append-only). */
  payloadPositions: Uint32Array;
  versions: Float64Array;
  /** vectors.length bytes per copied point: 1 = the point has no such vector. */
  missing: Uint8Array;
}

export interface BuildVectorSpec {
  name: string;
  dim: number;
  distance: Distance;
  onDisk: boolean;
  /**
   * m = 0 or build = false: no graph (plain segment). payloadM: Qdrant's `payload_m` (null = m);
   * fullScanThresholdKb: groups of an indexed payload value smaller than this many KiB of vectors
   * get no extra links (a filtered search scans them instead).
   */
  hnsw: {
    m: number;
    efConstruct: number;
    build: boolean;
    payloadM?: number | null;
    fullScanThresholdKb?: number;
  };
  quantization: QuantizationConfig | null;
}

export interface SegmentBuildTask {
  dir: string;
  id: string;
  sources: BuildSource[];
  vectors: BuildVectorSpec[];
  payloadSchema: [string, PayloadFieldSchema][];
}

export interface SegmentBuildResult {
  manifest: SegmentManifest;
  state: SharedSegmentState;
  commit: SegmentCommit;
}

export type BuildPhase = 'copy' | 'quantize' | 'hnsw' | 'payload_links' | 'payload_index';
export type BuildProgress = (phase: BuildPhase, done: number, total: number) => void;

export interface BuildResources {
  readerFor(layout: RecordFileLayout): BatchReader;
}

const COPY_BATCH = 4096;

function seedOf(id: string): number {
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  return h >>> 0;
}

function writeAll(fd: number, bytes: Uint8Array, position: number): void {
  let done = 0;
  while (done < bytes.byteLength)
    done += writeSync(fd, bytes, done, bytes.byteLength - done, position + done);
}

/**
 * Smallest group that gets payload_m links: as many points as `full_scan_threshold` KiB of this
 * vector holds (Qdrant's rule: smaller filtered sets are scanned, not searched in the graph).
 */
export function groupThresholdPoints(dim: number, fullScanThresholdKb = 10_000): number {
  return Math.max(2, Math.floor((fullScanThresholdKb * 1024) / (dim * 4)));
}

/**
 * Qdrant's payload blocks: for every indexed field whose index lists values (keyword, uuid,
 * integer, bool), the points of each value that has at least `minPoints` of them, leaving out a
 * value held by every point (its links would duplicate the main graph's).
 */
export function payloadGroups(
  set: PayloadIndexSet,
  total: number,
  minPoints: number,
): Uint32Array[] {
  const groups: Uint32Array[] = [];
  for (const index of set.values()) {
    if (!index.supportsFacets || index.facets === undefined) continue;
    for (const hit of index.facets()) {
      if (hit.count < minPoints || hit.count >= total) continue;
      const points = valuePoints(index, hit.value);
      if (points !== null && points.length >= minPoints) groups.push(points);
    }
  }
  return groups;
}

function valuePoints(
  index: PayloadFieldIndex,
  value: string | number | boolean,
): Uint32Array | null {
  return index.candidates({ kind: 'field', key: index.key, match: { kind: 'value', value } });
}

/** A VectorSource over a vector file, read in large batches through a BatchReader. */
export class FileVectorSource implements VectorSource {
  constructor(
    private readonly reader: BatchReader,
    readonly dim: number,
    readonly count: number,
  ) {}

  async readBatch(first: number, count: number): Promise<Float32Array> {
    const out = new Float32Array(count * this.dim);
    const pending = this.reader.readRange(first, count, new Uint8Array(out.buffer));
    if (pending) await pending;
    return out;
  }

  async readRows(offsets: Uint32Array): Promise<Float32Array> {
    const out = new Float32Array(offsets.length * this.dim);
    const pending = this.reader.read(offsets, offsets.length, new Uint8Array(out.buffer));
    if (pending) await pending;
    return out;
  }
}

/** Reads rows of one source vector (RAM copy or file). */
async function sourceRows(
  resources: BuildResources,
  vector: SharedVectorState,
  offsets: Uint32Array,
): Promise<Float32Array> {
  const dim = vector.dim;
  const out = new Float32Array(offsets.length * dim);
  if (vector.ram) {
    const ram = new Float32Array(vector.ram);
    for (let i = 0; i < offsets.length; i++) {
      out.set(ram.subarray(offsets[i]! * dim, (offsets[i]! + 1) * dim), i * dim);
    }
    return out;
  }
  const reader = resources.readerFor(vector.file);
  const pending = reader.read(offsets, offsets.length, new Uint8Array(out.buffer));
  if (pending) await pending;
  return out;
}

/** Quantizes a vector of a built segment (RAM copy or file), reporting progress. */
export async function quantizeVector(
  resources: BuildResources,
  vector: SharedVectorState,
  count: number,
  config: QuantizationConfig,
  onProgress: (done: number, total: number) => void,
): Promise<QuantizedVectors> {
  const source: VectorSource = vector.ram
    ? {
        dim: vector.dim,
        count,
        readBatch: (first, n) =>
          new Float32Array(vector.ram!, first * vector.dim * 4, n * vector.dim),
      }
    : new FileVectorSource(resources.readerFor(vector.file), vector.dim, count);
  return quantize(config, source, vector.distance, {
    onProgress: (p) => {
      if (p.phase === 'encode') onProgress(p.done, p.total);
    },
  });
}

/** (offset, payload) for offsets [0, count) of a payload arena, for building payload indexes. */
export function* payloadEntries(
  arena: SharedArrayBuffer,
  positions: Uint32Array,
  count: number,
): Generator<readonly [number, Record<string, unknown> | undefined]> {
  const bytes = Buffer.from(arena);
  for (let offset = 0; offset < count; offset++) {
    const position = positions[offset]!;
    if (position === 0) {
      yield [offset, undefined];
      continue;
    }
    const length = bytes.readUInt32LE(position);
    yield [
      offset,
      JSON.parse(bytes.toString('utf8', position + 4, position + 4 + length)) as Record<
        string,
        unknown
      >,
    ];
  }
}

export async function buildSegment(
  task: SegmentBuildTask,
  resources: BuildResources,
  onProgress: BuildProgress = () => undefined,
): Promise<SegmentBuildResult> {
  const total = task.sources.reduce((sum, s) => sum + s.offsets.length, 0);
  mkdirSync(task.dir, { recursive: false });

  // ---- ids, versions, payloads, missing vectors
  const ids = new SharedArrayBuffer(total * POINT_ID_BYTES);
  const versions = new SharedArrayBuffer(total * 8);
  const payloadIndex = new SharedArrayBuffer(total * 4);
  const versionsView = new Float64Array(versions);
  const positionsView = new Uint32Array(payloadIndex);
  const idsBytes = new Uint8Array(ids);
  const missing = task.vectors.map(() => SharedBitmap.create(total, total));
  const payloadFd = openSync(join(task.dir, 'payload.log'), 'wx');
  const payloadChunks: Buffer[] = [Buffer.from('RVPAYLD1')];
  let payloadBytes = PAYLOAD_ARENA_HEADER_BYTES;
  let next = 0;
  for (const source of task.sources) {
    const sourceIds = new Uint8Array(source.state.ids);
    const arena = Buffer.from(source.state.payloadArena);
    for (let i = 0; i < source.offsets.length; i++, next++) {
      const offset = source.offsets[i]!;
      idsBytes.set(
        sourceIds.subarray(offset * POINT_ID_BYTES, (offset + 1) * POINT_ID_BYTES),
        next * POINT_ID_BYTES,
      );
      versionsView[next] = source.versions[i]!;
      const position = source.payloadPositions[i]!;
      if (position !== 0) {
        const length = arena.readUInt32LE(position);
        payloadChunks.push(arena.subarray(position, position + 4 + length));
        positionsView[next] = payloadBytes;
        payloadBytes += 4 + length;
      }
      for (let v = 0; v < task.vectors.length; v++) {
        if (source.missing[i * task.vectors.length + v] === 1) missing[v]!.set(next);
      }
    }
  }
  const payloadArena = createSharedBuffer(payloadBytes, MAX_SHARED_BUFFER_BYTES);
  const arenaBytes = new Uint8Array(payloadArena);
  let at = 0;
  for (const chunk of payloadChunks) {
    arenaBytes.set(chunk, at);
    at += chunk.byteLength;
  }
  writeAll(payloadFd, arenaBytes.subarray(0, payloadBytes), 0);
  fsyncSync(payloadFd);
  closeSync(payloadFd);
  const idsFd = openSync(join(task.dir, 'ids.bin'), 'wx');
  writeAll(idsFd, idsBytes, 0);
  fsyncSync(idsFd);
  closeSync(idsFd);

  const manifest: SegmentManifest = {
    format: 1,
    id: task.id,
    sealed: true,
    capacity: total,
    vectors: [],
    payloadIndexes: [],
  };

  // ---- payload indexes
  const payloadIndexes: Record<string, SharedArrayBuffer> = {};
  let payloadIndexSet: PayloadIndexSet | null = null;
  if (task.payloadSchema.length > 0 && total > 0) {
    onProgress('payload_index', 0, total);
    const set = PayloadIndexSet.build(
      task.payloadSchema,
      payloadEntries(payloadArena, positionsView, total),
      total,
    );
    const bytes = set.serialize();
    const shared = new SharedArrayBuffer(bytes.byteLength);
    new Uint8Array(shared).set(bytes);
    writeFileAtomicSync(join(task.dir, 'payload-index.bin'), bytes);
    manifest.payloadIndexes.push({
      key: '*',
      file: 'payload-index.bin',
      schema: Object.fromEntries(task.payloadSchema),
    });
    payloadIndexes['*'] = shared;
    payloadIndexSet = set;
    onProgress('payload_index', total, total);
  }

  // ---- vectors: copy the originals, then quantize and index
  const vectors: SharedVectorState[] = [];
  for (let v = 0; v < task.vectors.length; v++) {
    const spec = task.vectors[v]!;
    const info = float32VectorFileInfo(spec.dim);
    const file = `vectors-${v}.bin`;
    const path = join(task.dir, file);
    const fd = openSync(path, 'wx');
    writeAll(fd, encodeVectorFileHeader(info), 0);
    const ram = spec.onDisk ? null : hugePageSharedBuffer(total * spec.dim * 4);
    let written = 0;
    for (const source of task.sources) {
      const sourceVector = source.state.vectors[v]!;
      for (let first = 0; first < source.offsets.length; first += COPY_BATCH) {
        const batch = source.offsets.subarray(
          first,
          Math.min(first + COPY_BATCH, source.offsets.length),
        );
        const rows = await sourceRows(resources, sourceVector, batch);
        writeAll(
          fd,
          new Uint8Array(rows.buffer),
          VECTOR_FILE_HEADER_BYTES + written * info.strideBytes,
        );
        if (ram) new Float32Array(ram).set(rows, written * spec.dim);
        written += batch.length;
        onProgress('copy', written, total);
      }
    }
    fsyncSync(fd);
    closeSync(fd);
    const state: SharedVectorState = {
      name: spec.name,
      dim: spec.dim,
      distance: spec.distance,
      onDisk: spec.onDisk,
      file: vectorFileLayout(path, info),
      ram,
      missing: missing[v]!.buffer,
      hnsw: null,
      quantized: null,
    };
    const vectorManifest: SegmentManifest['vectors'][number] = {
      name: spec.name,
      dim: spec.dim,
      distance: spec.distance,
      onDisk: spec.onDisk,
      file,
      hnsw: null,
      quantization: null,
    };

    let quantized: QuantizedVectors | null = null;
    if (spec.quantization !== null && total > 0) {
      quantized = await quantizeVector(resources, state, total, spec.quantization, (done, all) =>
        onProgress('quantize', done, all),
      );
      const quantFile = `quantized-${v}.bin`;
      writeFileAtomicSync(join(task.dir, quantFile), quantized.toBytes());
      state.quantized = quantized.buffer;
      vectorManifest.quantization = { file: quantFile, config: spec.quantization };
    }

    if (spec.hnsw.build && spec.hnsw.m > 0 && total > 0) {
      let scorer: StoredPointScorer;
      if (ram)
        scorer = new DenseVectorScorer(
          new Float32Array(ram),
          spec.dim,
          kernelOpOf(spec.distance),
          getKernels(),
        );
      else if (quantized) scorer = quantized;
      else {
        // On-disk originals without quantization: hold them in RAM just for the build.
        const source = new FileVectorSource(resources.readerFor(state.file), spec.dim, total);
        scorer = new DenseVectorScorer(
          await source.readBatch(0, total),
          spec.dim,
          kernelOpOf(spec.distance),
          getKernels(),
        );
      }
      let index = HnswIndex.build(
        scorer,
        { m: spec.hnsw.m, efConstruct: spec.hnsw.efConstruct, seed: seedOf(task.id) + v },
        { onProgress: (done, all) => onProgress('hnsw', done, all) },
      );
      const payloadM = spec.hnsw.payloadM ?? spec.hnsw.m;
      const groups =
        payloadIndexSet === null || payloadM === 0
          ? []
          : payloadGroups(
              payloadIndexSet,
              total,
              groupThresholdPoints(spec.dim, spec.hnsw.fullScanThresholdKb),
            );
      if (groups.length > 0) {
        index = index.withGroupLinks(
          scorer,
          groups,
          { payloadM, efConstruct: spec.hnsw.efConstruct, seed: seedOf(task.id) + v },
          { onProgress: (done) => onProgress('payload_links', done, groups.length) },
        );
      }
      const graphFile = `hnsw-${v}.bin`;
      writeFileAtomicSync(join(task.dir, graphFile), index.toBytes());
      state.hnsw = index.graph.buffer;
      vectorManifest.hnsw = {
        file: graphFile,
        m: spec.hnsw.m,
        efConstruct: spec.hnsw.efConstruct,
        payloadM,
        groups: groups.length,
      };
    }
    vectors.push(state);
    manifest.vectors.push(vectorManifest);
  }

  const countCell = new SharedArrayBuffer(4);
  new Int32Array(countCell)[0] = total;
  const state: SharedSegmentState = {
    id: task.id,
    handle: 0,
    revision: 0,
    sealed: true,
    vectors,
    count: countCell,
    deleted: SharedBitmap.create(total, total).buffer,
    versions,
    ids,
    payloadIndex,
    payloadArena,
    payloadIndexes,
    stale: SharedBitmap.create(total, total).buffer,
  };
  writeFileAtomicSync(join(task.dir, 'state-1.bin'), encodeStateFile(state, total));
  writeFileAtomicSync(join(task.dir, 'segment.json'), JSON.stringify(manifest, null, 2));
  fsyncDirectorySync(task.dir);
  return { manifest, state, commit: { id: task.id, count: total, payloadBytes, generation: 1 } };
}
