// The HNSW vector index: a built graph plus search over it. Search scores through any PointScorer
// (in-RAM, quantized, or reading originals from disk); filtering and deleted points are handled
// inside the traversal by an `accept` predicate. Searches running at the same time on one thread
// (async scorers) each borrow their own LayerSearcher from a per-thread pool, so nothing is
// allocated per search but the result.

import { errors } from '../../common/errors.js';
import type { PointScorer, StoredPointScorer } from '../../kernels/point-scorer.js';
import { addGroupLinks, type GroupLinksOptions, type GroupLinksParams } from './group-links.js';
import { buildHnswGraph, type HnswBuildOptions, type HnswBuildParams } from './hnsw-builder.js';
import { HnswGraph, NO_ENTRY_POINT, type HnswGraphLoadOptions } from './hnsw-graph.js';
import { LayerSearcher, type AcceptOffset } from './layer-searcher.js';

export interface HnswSearchParams {
  /** Number of results wanted. */
  limit: number;
  /** Size of the candidate list (Qdrant `hnsw_ef`); default ef_construct, as Qdrant; ≥ limit. */
  ef?: number;
  /** Only offsets for which this returns true are returned; the others are still traversed. */
  accept?: AcceptOffset;
  /**
   * With `accept`: keep scoring rejected points to walk through them (default true, robust for
   * any filter). false = Qdrant's filtered HNSW: after the first accepted point only accepted
   * points are scored; much cheaper for selective filters whose groups have payload_m links
   * (withGroupLinks), lower recall without them.
   */
  followRejected?: boolean;
}

/** Up to `limit` results, closest first: offsets[i] scored scores[i] (greater = closer). */
export interface HnswSearchResult {
  offsets: Uint32Array;
  scores: Float32Array;
  /** Points scored by this search (distance evaluations), for diagnostics and benchmarks. */
  pointsScored: number;
  /** scoreOffsets calls made (= disk round trips for an asynchronous scorer). */
  scoreCalls: number;
}

const pool: LayerSearcher[] = [];
// Each pooled searcher keeps a visited set of 2 bytes per point of the largest graph searched.
const MAX_POOLED = 16;

function acquire(graph: HnswGraph): LayerSearcher {
  return pool.pop() ?? new LayerSearcher(graph.count, graph.stride0);
}

function release(searcher: LayerSearcher): void {
  searcher.unbind();
  if (pool.length < MAX_POOLED) pool.push(searcher);
}

export class HnswIndex {
  readonly graph: HnswGraph;

  constructor(graph: HnswGraph) {
    this.graph = graph;
  }

  /** Builds the graph over every point of `scorer` (synchronous; run it in a worker for big sets). */
  static build(
    scorer: StoredPointScorer,
    params: HnswBuildParams,
    options: HnswBuildOptions = {},
  ): HnswIndex {
    return new HnswIndex(buildHnswGraph(scorer, params, options));
  }

  /** Loads a graph written by toBytes() (see HnswGraph.fromBuffer for copying and validation). */
  static fromBuffer(
    input: Uint8Array | ArrayBuffer | SharedArrayBuffer,
    options: HnswGraphLoadOptions = {},
  ): HnswIndex {
    return new HnswIndex(HnswGraph.fromBuffer(input, options));
  }

  /**
   * A copy with Qdrant `payload_m` links inside each group of points (e.g. all points with one
   * keyword value), so searches filtered to a group stay connected and cheap.
   */
  withGroupLinks(
    scorer: StoredPointScorer,
    groups: Iterable<Uint32Array>,
    params: GroupLinksParams,
    options: GroupLinksOptions = {},
  ): HnswIndex {
    return new HnswIndex(addGroupLinks(this.graph, scorer, groups, params, options));
  }

  get count(): number {
    return this.graph.count;
  }

  /** The file format (a view of the shared graph memory, not a copy). */
  toBytes(): Uint8Array {
    return this.graph.toBytes();
  }

  /**
   * Approximate nearest neighbours of the query. Synchronous (returns the result) when the scorer
   * is; returns a promise only when the scorer does (vectors read from disk).
   */
  search(
    query: PointScorer,
    params: HnswSearchParams,
  ): HnswSearchResult | Promise<HnswSearchResult> {
    const { limit, accept } = params;
    if (!Number.isInteger(limit) || limit < 0) {
      throw errors.badInput(`search limit: expected an integer ≥ 0, got ${limit}`);
    }
    const requestedEf = params.ef ?? this.graph.efConstruct;
    if (!Number.isInteger(requestedEf) || requestedEf < 1) {
      throw errors.badInput(`hnsw_ef: expected an integer ≥ 1, got ${requestedEf}`);
    }
    const graph = this.graph;
    if (limit === 0 || graph.entryPoint === NO_ENTRY_POINT) return emptyResult();
    const ef = Math.max(requestedEf, limit);
    const searcher = acquire(graph);
    searcher.bind(graph, query);
    let pending: Promise<void> | undefined;
    try {
      pending = then(searcher.start(graph.entryPoint), () =>
        then(searcher.descend(graph.maxLevel, 0), () =>
          searcher.searchLevel(0, ef, accept, params.followRejected ?? true),
        ),
      );
    } catch (error) {
      release(searcher);
      throw error;
    }
    if (pending === undefined) return collect(searcher, limit);
    return pending.then(
      () => collect(searcher, limit),
      (error: unknown) => {
        release(searcher);
        throw error;
      },
    );
  }
}

/** Runs `next` now if `pending` is undefined, else after it. */
function then(
  pending: Promise<void> | undefined,
  next: () => Promise<void> | undefined,
): Promise<void> | undefined {
  return pending === undefined ? next() : pending.then(next);
}

/** Takes the best `limit` results out of the searcher and returns it to the pool. */
function collect(searcher: LayerSearcher, limit: number): HnswSearchResult {
  const results = searcher.results;
  while (results.size > limit) results.pop();
  const offsets = new Uint32Array(results.size);
  const scores = new Float32Array(results.size);
  results.drainDescending(offsets, scores);
  const { pointsScored, scoreCalls } = searcher;
  release(searcher);
  return { offsets, scores, pointsScored, scoreCalls };
}

function emptyResult(): HnswSearchResult {
  return {
    offsets: new Uint32Array(0),
    scores: new Float32Array(0),
    pointsScored: 0,
    scoreCalls: 0,
  };
}
