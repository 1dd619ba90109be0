// Search inside one segment, on any thread. Chooses between a plain scan and the HNSW graph as
// Qdrant does (exact requested, no graph yet, or a filter that matches few points → plain scan),
// searches the quantized vectors when they exist (unless `ignore`), and rescores the best
// `limit × oversampling` candidates with the original vectors in ONE batched read (the path the
// io_uring async scorer accelerates).

import type { PointId } from '../common/point-id.js';
import type { Filter } from '../filter/filter-types.js';
import { PayloadIndexSet } from '../index/payload/payload-index-set.js';
import {
  estimateFilterCardinality,
  filterCandidates,
} from '../index/payload/estimate-filter-cardinality.js';
import { compileFilter } from '../filter/compile-filter.js';
import { getValuesAtPath, parseJsonPath } from '../filter/json-path.js';
import type { HnswIndex } from '../index/hnsw/hnsw-index.js';
import type { Kernels } from '../kernels/index.js';
import type { PointScorer } from '../kernels/point-scorer.js';
import type { QuantizedVectors } from '../quantization/index.js';
import { TopK } from '../quantization/index.js';
import type { BatchReader, RecordFileLayout } from '../storage-io/batch-reader.js';
import {
  composeScorers,
  OriginalVectorScorer,
  queryVectors,
  type SegmentQuery,
} from './query-scoring.js';
import type { SegmentView } from './segment-view.js';
import { int32View } from './shared-buffer.js';
import { kernelOpOf, type SharedVectorState } from './types.js';

export interface QuantizationParams {
  ignore: boolean;
  rescore: boolean | null;
  oversampling: number | null;
}

export interface SegmentSearchParams {
  hnswEf: number | null;
  exact: boolean;
  indexedOnly: boolean;
  quantization: QuantizationParams | null;
}

export interface SegmentSearchRequest {
  vectorName: string;
  /**
   * Per segment id: the offsets of the point ids named in `has_id` conditions, resolved by the
   * collection, so those conditions are bitmap lookups instead of decoding every point's id.
   */
  resolvedIds?: Record<string, Map<PointId, number>> | undefined;
  query: SegmentQuery;
  /** Results wanted from this segment. */
  limit: number;
  filter: Filter | null;
  params: SegmentSearchParams;
  /** Internal score bound: results must score ≥ this (greater = closer). */
  scoreThreshold: number | null;
}

export interface SegmentSearchResult {
  offsets: Uint32Array;
  /** Internal scores, best first. */
  scores: Float32Array;
}

/** Per-thread resources: kernels, readers and loaded indexes, cached across searches. */
export interface SearchResources {
  readonly kernels: Kernels;
  /** A BatchReader for an on-disk vector file (cached by the caller per thread). */
  readerFor(layout: RecordFileLayout): BatchReader;
  /** The HNSW index over this vector, when the segment has one. */
  hnswFor(vector: SharedVectorState): HnswIndex | null;
  /** The quantized vectors of this vector, when built. */
  quantizedFor(vector: SharedVectorState): QuantizedVectors | null;
  /** Points a plain scan scores per batch (and reads per batched read when on disk). */
  readonly scanBatch: number;
}

/** Qdrant's full_scan_threshold is in KB of vectors; 1 KB = one 256-dim float vector. */
const DEFAULT_FULL_SCAN_THRESHOLD_KB = 10000;

const EMPTY: SegmentSearchResult = { offsets: new Uint32Array(0), scores: new Float32Array(0) };

const indexSets = new WeakMap<SharedArrayBuffer, PayloadIndexSet>();

/** The segment's payload indexes (opened once per thread over the shared bytes), or null. */
export function payloadIndexesOf(view: SegmentView): PayloadIndexSet | null {
  const buffer = view.state.payloadIndexes['*'];
  if (buffer === undefined) return null;
  let set = indexSets.get(buffer);
  if (set === undefined) {
    set = PayloadIndexSet.load(new Uint8Array(buffer));
    indexSets.set(buffer, set);
  }
  return set;
}

/** Live points of the segment that pass `filter` (null: every live point). */
export function pointPredicate(
  view: SegmentView,
  filter: Filter | null,
  resolvedIds?: Map<PointId, number>,
): (offset: number) => boolean {
  // Plain reads of the shared words: a stale bit only lets a just-deleted point through, and
  // the collection drops points that moved when it merges results. The view covers every point
  // the search can see (bits are reserved before points are published); a word past its end
  // reads as undefined, i.e. not deleted.
  const deleted = int32View(view.state.deleted);
  const live = (offset: number) => (deleted[offset >>> 5]! & (1 << (offset & 31))) === 0;
  if (filter === null) return live;
  const indexes = payloadIndexesOf(view);
  const check = compileFilter(filter, {
    payload: (offset) => view.payloadObject(offset),
    pointId: (offset) => view.pointId(offset),
    hasVector: (offset, name) => {
      const index = view.vectorIndex(name);
      return index >= 0 && view.hasVector(offset, index);
    },
    ...(indexes === null
      ? {}
      : { indexes, isIndexStale: (offset: number) => view.stale.get(offset) }),
    ...(resolvedIds === undefined ? {} : { resolvePointId: (id: PointId) => resolvedIds.get(id) }),
  });
  return (offset) => live(offset) && check(offset);
}

const NO_INDEXES = new PayloadIndexSet();

/**
 * How a filter narrows the segment: index candidates (plus stale points) to scan instead of
 * everything, and Qdrant's cardinality bounds {min, exp, max} from the payload indexes and the
 * resolved has_id ids (without indexes, unindexed conditions are bounded by the point count).
 */
export function filterScanPlan(
  view: SegmentView,
  filter: Filter | null,
  count: number,
  resolvedIds?: Map<PointId, number>,
): { candidates: Uint32Array | null; min: number; expected: number; max: number } {
  if (filter === null) return { candidates: null, min: count, expected: count, max: count };
  const indexes = payloadIndexesOf(view);
  const staleCount = indexes === null ? 0 : view.stale.count(count);
  const estimation = estimateFilterCardinality(filter, indexes ?? NO_INDEXES, count, {
    uncertainPoints: staleCount,
    ...(resolvedIds === undefined ? {} : { resolvePointId: (id: PointId) => resolvedIds.get(id) }),
  });
  const bounds = { min: estimation.min, expected: estimation.exp, max: estimation.max };
  const listed = indexes === null ? null : filterCandidates(estimation, indexes);
  if (listed === null) return { candidates: null, ...bounds };
  if (staleCount === 0) return { candidates: listed, ...bounds };
  const merged = new Set<number>(listed);
  for (let offset = 0; offset < count; offset++) if (view.stale.get(offset)) merged.add(offset);
  return { candidates: Uint32Array.from([...merged].sort((a, b) => a - b)), ...bounds };
}

/** The accept predicate of a search: live, has this vector, passes the filter. */
export function acceptPredicate(
  view: SegmentView,
  vectorIndex: number,
  filter: Filter | null,
  resolvedIds?: Map<PointId, number>,
): (offset: number) => boolean {
  const live = pointPredicate(view, filter, resolvedIds);
  const missing = int32View(view.state.vectors[vectorIndex]!.missing);
  return (offset) => (missing[offset >>> 5]! & (1 << (offset & 31))) === 0 && live(offset);
}

export function originalScorer(
  resources: SearchResources,
  view: SegmentView,
  vectorIndex: number,
  query: SegmentQuery,
): PointScorer {
  const vector = view.state.vectors[vectorIndex]!;
  const ram = view.ramVectors(vectorIndex);
  return new OriginalVectorScorer(
    resources.kernels,
    kernelOpOf(vector.distance),
    query,
    vector.dim,
    ram,
    ram === null ? resources.readerFor(vector.file) : null,
  );
}

function quantizedScorer(quantized: QuantizedVectors, query: SegmentQuery): PointScorer {
  return composeScorers(
    query,
    queryVectors(query).map((v) => quantized.scorer(v)),
  );
}

/**
 * A batch of original vectors a scan reads holds at most this many bytes: with two batches in
 * flight, larger ones fall out of the CPU caches between the copy and the scoring (exact search
 * over 1M × 768 on this project's machine: 2,048 points of 3 KiB per batch scored warm in 0.35–
 * 0.39 s against 0.13–0.15 s for 256–1,024; docs/benchmarks.md).
 */
const MAX_SCAN_BATCH_BYTES = 3 << 20;

/** Points per batch of a scan over original vectors of `dim` floats (at least 16). */
function originalScanBatch(scanBatch: number, dim: number): number {
  return Math.max(16, Math.min(scanBatch, Math.floor(MAX_SCAN_BATCH_BYTES / (dim * 4))));
}

/** One batch of a plain scan: its offsets, their scores, and the read/score still under way. */
interface ScanBatch {
  readonly offsets: Uint32Array;
  readonly scores: Float32Array;
  filled: number;
  pending: Promise<void> | undefined;
}

/**
 * Plain scan over `candidates` (or every point) keeping the best `limit`, `batchSize` points at a
 * time. Two batches are in flight: while one batch's vectors are read from disk, the one before
 * it is scored, so the device does not wait for the CPU (in-RAM scorers finish synchronously:
 * there the overlap changes nothing). Batches are merged in order, so ties resolve as in a
 * sequential scan.
 */
async function plainScan(
  scorer: PointScorer,
  count: number,
  accept: (offset: number) => boolean,
  limit: number,
  threshold: number | null,
  candidates: Uint32Array | null,
  batchSize: number,
): Promise<SegmentSearchResult> {
  const top = new TopK(limit);
  const newBatch = (): ScanBatch => ({
    offsets: new Uint32Array(batchSize),
    scores: new Float32Array(batchSize),
    filled: 0,
    pending: undefined,
  });
  let current = newBatch();
  let inFlight: ScanBatch | null = null;
  const merge = async (batch: ScanBatch) => {
    if (batch.pending) await batch.pending;
    batch.pending = undefined;
    for (let i = 0; i < batch.filled; i++) {
      const score = batch.scores[i]!;
      if (threshold === null || score >= threshold) top.push(batch.offsets[i]!, score);
    }
    batch.filled = 0;
  };
  /** Starts scoring `current`, then merges the batch started before it. */
  const flush = async () => {
    if (current.filled === 0) return;
    current.pending = scorer.scoreOffsets(current.offsets, current.filled, current.scores);
    const previous = inFlight;
    inFlight = current;
    if (previous !== null) await merge(previous);
    current = previous ?? newBatch();
  };
  const n = candidates === null ? count : candidates.length;
  try {
    for (let i = 0; i < n; i++) {
      const offset = candidates === null ? i : candidates[i]!;
      if (offset >= count || !accept(offset)) continue;
      current.offsets[current.filled++] = offset;
      if (current.filled === batchSize) await flush();
    }
    await flush();
    if (inFlight !== null) await merge(inFlight);
  } catch (error) {
    // A batch still in flight must not become an unhandled rejection (it would end the thread).
    // (The cast: TypeScript does not see that flush, a closure, assigns inFlight.)
    (inFlight as ScanBatch | null)?.pending?.catch(() => undefined);
    throw error;
  }
  const result = top.sorted();
  return { offsets: result.offsets, scores: result.scores };
}

/** Rescores candidates with the original vectors (one batched read) and keeps the best `limit`. */
async function rescoreCandidates(
  scorer: PointScorer,
  candidates: SegmentSearchResult,
  limit: number,
  threshold: number | null,
): Promise<SegmentSearchResult> {
  const n = candidates.offsets.length;
  const scores = new Float32Array(n);
  const pending = scorer.scoreOffsets(candidates.offsets, n, scores);
  if (pending) await pending;
  const top = new TopK(limit);
  for (let i = 0; i < n; i++) {
    if (threshold === null || scores[i]! >= threshold) top.push(candidates.offsets[i]!, scores[i]!);
  }
  const result = top.sorted();
  return { offsets: result.offsets, scores: result.scores };
}

function applyThreshold(
  result: SegmentSearchResult,
  threshold: number | null,
): SegmentSearchResult {
  if (threshold === null) return result;
  let keep = 0;
  while (keep < result.scores.length && result.scores[keep]! >= threshold) keep++;
  return { offsets: result.offsets.subarray(0, keep), scores: result.scores.subarray(0, keep) };
}

/**
 * Whether a filtered search should scan instead of traversing the graph: Qdrant scans when the
 * number of points the filter matches is below full_scan_threshold. With payload indexes the
 * estimate comes from them; without, from a sample of the predicate.
 */
function filterIsSelective(
  accept: (offset: number) => boolean,
  count: number,
  thresholdPoints: number,
  plan: { min: number; expected: number; max: number },
): boolean {
  if (count <= thresholdPoints || plan.max < thresholdPoints) return true;
  if (plan.min >= thresholdPoints) return false;
  if (plan.max < count) return plan.expected < thresholdPoints;
  // Nothing bounds the filter: estimate its selectivity from a sample of the predicate.
  const samples = Math.min(count, 512);
  const step = count / samples;
  let matched = 0;
  for (let i = 0; i < samples; i++) if (accept(Math.floor(i * step))) matched++;
  return (matched / samples) * count < thresholdPoints;
}

export async function searchSegment(
  resources: SearchResources,
  view: SegmentView,
  request: SegmentSearchRequest,
  fullScanThresholdKb = DEFAULT_FULL_SCAN_THRESHOLD_KB,
): Promise<SegmentSearchResult> {
  const vectorIndex = view.vectorIndex(request.vectorName);
  if (vectorIndex < 0 || request.limit <= 0) return EMPTY;
  const count = view.count();
  if (count === 0) return EMPTY;
  const vector = view.state.vectors[vectorIndex]!;
  const accept = acceptPredicate(view, vectorIndex, request.filter, request.resolvedIds?.[view.id]);
  const params = request.params;
  const hnsw = params.exact ? null : resources.hnswFor(vector);
  const quantized = resources.quantizedFor(vector);
  const useQuantized =
    quantized !== null && !params.exact && !(params.quantization?.ignore ?? false);
  const thresholdPoints = Math.max(1, Math.floor((fullScanThresholdKb * 1024) / (vector.dim * 4)));

  if (params.indexedOnly && hnsw === null && count > thresholdPoints) return EMPTY;

  const resolvedIds = request.resolvedIds?.[view.id];
  const plan = filterScanPlan(view, request.filter, count, resolvedIds);
  const scan =
    hnsw === null ||
    (request.filter !== null && filterIsSelective(accept, count, thresholdPoints, plan));
  const original = originalScorer(resources, view, vectorIndex, request.query);
  if (!useQuantized) {
    if (!scan) {
      const ef = Math.max(params.hnswEf ?? hnsw.graph.efConstruct, request.limit);
      const found = await hnsw.search(original, { limit: request.limit, ef, accept });
      return applyThreshold(found, request.scoreThreshold);
    }
    return plainScan(
      original,
      count,
      accept,
      request.limit,
      request.scoreThreshold,
      plan.candidates,
      originalScanBatch(resources.scanBatch, vector.dim),
    );
  }

  const oversampling = params.quantization?.oversampling ?? 1;
  const rescore = params.quantization?.rescore ?? quantized.defaultRescore;
  const candidatesWanted =
    oversampling > 1 ? Math.floor(oversampling * request.limit) : request.limit;
  const approximate = quantizedScorer(quantized, request.query);
  let candidates: SegmentSearchResult;
  if (!scan && hnsw !== null) {
    const ef = Math.max(params.hnswEf ?? hnsw.graph.efConstruct, candidatesWanted);
    candidates = await hnsw.search(approximate, { limit: candidatesWanted, ef, accept });
  } else {
    candidates = await plainScan(
      approximate,
      count,
      accept,
      candidatesWanted,
      null,
      plan.candidates,
      resources.scanBatch,
    );
  }
  if (!rescore) {
    const limited = {
      offsets: candidates.offsets.subarray(0, request.limit),
      scores: candidates.scores.subarray(0, request.limit),
    };
    return applyThreshold(limited, request.scoreThreshold);
  }
  return rescoreCandidates(original, candidates, request.limit, request.scoreThreshold);
}

export interface SegmentScanRequest {
  filter: Filter | null;
  resolvedIds?: Record<string, Map<PointId, number>> | undefined;
  /** 'count': how many live points pass; 'match': which offsets; 'facet': value counts of `key`. */
  mode: 'count' | 'match' | 'facet';
  /** The payload key to facet on (mode 'facet'). */
  key?: string;
}

export type FacetValue = string | number | bigint | boolean;
/** Value → number of points (each point counted once per distinct value). */
export type FacetCounts = [FacetValue, number][];

function isFacetValue(value: unknown): value is FacetValue {
  return (
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    typeof value === 'bigint' ||
    (typeof value === 'number' && Number.isInteger(value))
  );
}

/** Facet counts of one segment: from its payload index where it is valid, else from payloads. */
function facetSegment(
  view: SegmentView,
  key: string,
  accept: (offset: number) => boolean,
  count: number,
): FacetCounts {
  const counts = new Map<FacetValue, number>();
  const add = (value: FacetValue, n: number) => counts.set(value, (counts.get(value) ?? 0) + n);
  const index = payloadIndexesOf(view)?.find(key);
  const path = parseJsonPath(key);
  const fromPayload = (offset: number) => {
    if (path === null) return;
    const seen = new Set<FacetValue>();
    for (const raw of getValuesAtPath(view.payloadObject(offset), path)) {
      for (const value of Array.isArray(raw) ? raw : [raw])
        if (isFacetValue(value)) seen.add(value);
    }
    for (const value of seen) add(value, 1);
  };
  if (index?.supportsFacets && index.facets) {
    const indexed = index.indexedPoints;
    for (const hit of index.facets((offset) => !view.stale.get(offset) && accept(offset))) {
      add(hit.value, hit.count);
    }
    for (let offset = 0; offset < count; offset++) {
      if ((offset >= indexed || view.stale.get(offset)) && accept(offset)) fromPayload(offset);
    }
  } else {
    for (let offset = 0; offset < count; offset++) if (accept(offset)) fromPayload(offset);
  }
  return [...counts];
}

/** Filter scan of one segment (count, delete/update by filter, scroll with a filter). */
export function scanSegment(
  view: SegmentView,
  request: SegmentScanRequest,
): Uint32Array | number | FacetCounts {
  const count = view.count();
  const resolvedIds = request.resolvedIds?.[view.id];
  const accept = pointPredicate(view, request.filter, resolvedIds);
  if (request.mode === 'facet') return facetSegment(view, request.key ?? '', accept, count);
  const plan = filterScanPlan(view, request.filter, count, resolvedIds);
  const candidates = plan.candidates;
  const n = candidates === null ? count : candidates.length;
  if (request.mode === 'count') {
    let total = 0;
    for (let i = 0; i < n; i++) {
      const offset = candidates === null ? i : candidates[i]!;
      if (offset < count && accept(offset)) total++;
    }
    return total;
  }
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const offset = candidates === null ? i : candidates[i]!;
    if (offset < count && accept(offset)) out.push(offset);
  }
  return Uint32Array.from(out);
}
