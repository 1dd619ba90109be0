// The query plan: every search-like request (universal query, legacy search / recommend /
// discover, their groups, the distance matrix) becomes a tree of plan nodes after point ids are
// resolved to vectors and filters are parsed, the way Qdrant turns a `CollectionQueryRequest` into
// a `ShardQueryRequest` (lib/collection/src/operations/universal_query/collection_query.rs).
// A node either reads the collection (a leaf: search, scroll, sample) or re-ranks the union of its
// prefetches' results (vector re-scoring among those candidates only, fusion, order_by, sample).

import { RingvecError } from '../common/errors.js';
import type { PointId } from '../common/point-id.js';
import type { PayloadSelector, VectorSelector } from '../collection/collection.js';
import type { ScoredPoint } from '../collection/search-request.js';
import type { Condition, Filter } from '../filter/filter-types.js';
import type { SegmentQuery } from '../segment/query-scoring.js';
import type { SegmentSearchParams } from '../segment/segment-search.js';
import { DEFAULT_RRF_K } from './query-fusion.js';
import {
  ReferencedVectors,
  averageRecommendVector,
  checkShardKey,
  referencedIds,
  unsupportedVector,
  vectorSource,
  type QueryContext,
  type VectorReference,
  type VectorSource,
} from './query-vectors.js';
import { coreFilter, payloadSelector, vectorSelector } from './points-api.js';
import type {
  OrderBy,
  Prefetch,
  Query,
  QueryRequest,
  SearchParams,
  VectorInput,
} from './schemas/index.js';

/** A point in an intermediate or final result. Scroll-based results have version 0, score 1. */
export interface QueryHit extends ScoredPoint {
  /** The payload value a point was ordered by (order_by queries). */
  orderValue?: number | bigint;
}

export type PlanScoring =
  | { kind: 'vector'; using: string; query: SegmentQuery }
  | {
      kind: 'mmr';
      using: string;
      vector: Float32Array;
      /** Weight of relevance (1 − diversity). */
      lambda: number;
      candidatesLimit: number;
    }
  | { kind: 'rrf'; k: number; weights: number[] | null }
  | { kind: 'dbsf' }
  | { kind: 'order_by'; orderBy: OrderBy }
  | { kind: 'sample' };

export interface PlanNode {
  prefetches: PlanNode[];
  /** Null: points in id order (only without prefetches). */
  scoring: PlanScoring | null;
  filter: Filter | null;
  params: SegmentSearchParams;
  scoreThreshold: number | null;
  limit: number;
}

export interface QueryPlan extends PlanNode {
  offset: number;
  withPayload: PayloadSelector;
  withVector: VectorSelector;
}

// ---- filters ----------------------------------------------------------------------------------

/** Both filters must hold (null means no filter). */
export function allOf(a: Filter | null, b: Filter | null): Filter | null {
  if (a === null) return b;
  if (b === null) return a;
  const simple = (f: Filter) => f.should === undefined && f.minShould === undefined;
  if (simple(a) && simple(b)) {
    const must = [...(a.must ?? []), ...(b.must ?? [])];
    const mustNot = [...(a.mustNot ?? []), ...(b.mustNot ?? [])];
    return {
      ...(must.length > 0 ? { must } : {}),
      ...(mustNot.length > 0 ? { mustNot } : {}),
    };
  }
  return {
    must: [
      { kind: 'filter', filter: a },
      { kind: 'filter', filter: b },
    ],
  };
}

function hasId(ids: Iterable<PointId>): Condition {
  return { kind: 'has_id', ids: new Set(ids) };
}

/** Only these points. */
export function onlyIds(ids: Iterable<PointId>): Filter {
  return { must: [hasId(ids)] };
}

/** `filter`, and not these points. */
export function withoutIds(ids: readonly PointId[], filter: Filter | null): Filter | null {
  if (ids.length === 0) return filter;
  return allOf({ mustNot: [hasId(ids)] }, filter);
}

// ---- parameters -------------------------------------------------------------------------------

export function segmentSearchParams(params: SearchParams | undefined): SegmentSearchParams {
  return {
    hnswEf: params?.hnsw_ef ?? null,
    exact: params?.exact ?? false,
    indexedOnly: params?.indexed_only ?? false,
    quantization:
      params?.quantization === undefined
        ? null
        : {
            ignore: params.quantization.ignore,
            rescore: params.quantization.rescore ?? null,
            oversampling: params.quantization.oversampling ?? null,
          },
  };
}

// ---- universal query → plan -------------------------------------------------------------------

/** The request fields a universal query node has (a prefetch, or the root request). */
type QueryNode = Pick<
  Prefetch,
  'prefetch' | 'query' | 'using' | 'filter' | 'params' | 'score_threshold' | 'lookup_from'
>;

function badRequest(message: string): RingvecError {
  return new RingvecError('bad_request', message);
}

/** Qdrant's `CollectionQueryRequest::validation`, applied to the root and every prefetch. */
function validateNode(node: QueryNode): void {
  if (node.prefetch.length > 0 && node.query === undefined)
    throw badRequest(
      "A query is needed to merge the prefetches. Can't have prefetches without defining a query.",
    );
  if (node.score_threshold !== undefined) {
    if (node.query !== undefined && 'order_by' in node.query)
      throw badRequest("Can't use score_threshold with an order_by query.");
    if (node.query === undefined)
      throw badRequest(
        "A query is needed to use the score_threshold. Can't have score_threshold without defining a query.",
      );
  }
  if (node.query !== undefined && ('fusion' in node.query || 'rrf' in node.query)) {
    if (node.using !== '')
      throw badRequest("Fusion queries cannot be combined with the 'using' field.");
  }
}

/** Point ids a query refers to (they are excluded from the results of the same collection). */
function queryInputs(query: Query): unknown[] {
  if ('nearest' in query) return [query.nearest];
  if ('recommend' in query) return [...query.recommend.positive, ...query.recommend.negative];
  if ('discover' in query)
    return [
      query.discover.target,
      ...query.discover.context.flatMap((pair) => [pair.positive, pair.negative]),
    ];
  if ('context' in query) return query.context.flatMap((pair) => [pair.positive, pair.negative]);
  if ('relevance_feedback' in query)
    return [
      query.relevance_feedback.target,
      ...query.relevance_feedback.feedback.map((item) => item.example),
    ];
  return [];
}

/** Ids referenced in this collection by the node and its prefetches. */
function excludedIds(context: QueryContext, node: QueryNode, out: PointId[]): PointId[] {
  const other =
    node.lookup_from !== undefined && node.lookup_from.collection !== context.collection.name;
  if (!other && node.query !== undefined) out.push(...referencedIds(queryInputs(node.query)));
  for (const prefetch of node.prefetch) excludedIds(context, prefetch, out);
  return out;
}

/** A query's scoring, with referenced ids resolved to vectors. */
function planScoring(
  vectors: ReferencedVectors,
  source: VectorSource,
  using: string,
  query: Query,
  limit: number,
): PlanScoring {
  const vector = (input: VectorInput) => vectors.queryVector(source, input);
  if ('nearest' in query) {
    const nearest = vector(query.nearest);
    if (query.mmr === undefined)
      return { kind: 'vector', using, query: { kind: 'nearest', vector: nearest } };
    return {
      kind: 'mmr',
      using,
      vector: nearest,
      lambda: Math.fround(1 - (query.mmr.diversity ?? 0.5)),
      candidatesLimit: query.mmr.candidates_limit ?? limit,
    };
  }
  if ('recommend' in query) {
    const { positive, negative, strategy } = query.recommend;
    const positives = positive.map(vector);
    const negatives = negative.map(vector);
    if (strategy === 'average_vector') {
      const average = averageRecommendVector(positives, negatives);
      return { kind: 'vector', using, query: { kind: 'nearest', vector: average } };
    }
    const kind = strategy === 'best_score' ? 'recommend_best_score' : 'recommend_sum_scores';
    return { kind: 'vector', using, query: { kind, positives, negatives } };
  }
  if ('discover' in query) {
    const target = vector(query.discover.target);
    const pairs = query.discover.context.map((pair): [Float32Array, Float32Array] => [
      vector(pair.positive),
      vector(pair.negative),
    ]);
    return { kind: 'vector', using, query: { kind: 'discover', target, pairs } };
  }
  if ('context' in query) {
    const pairs = query.context.map((pair): [Float32Array, Float32Array] => [
      vector(pair.positive),
      vector(pair.negative),
    ]);
    return { kind: 'vector', using, query: { kind: 'context', pairs } };
  }
  if ('order_by' in query) return { kind: 'order_by', orderBy: query.order_by };
  if ('fusion' in query)
    return query.fusion === 'rrf'
      ? { kind: 'rrf', k: DEFAULT_RRF_K, weights: null }
      : { kind: 'dbsf' };
  if ('rrf' in query)
    return { kind: 'rrf', k: query.rrf.k ?? DEFAULT_RRF_K, weights: query.rrf.weights ?? null };
  if ('sample' in query) return { kind: 'sample' };
  // Formula and relevance feedback queries were refused by checkInputs.
  throw badRequest('this query is not supported by ringvec');
}

/** Refuses queries and inputs ringvec cannot score before anything is looked up. */
function checkInputs(query: Query): void {
  if ('formula' in query) throw badRequest('formula queries are not supported by ringvec');
  if ('relevance_feedback' in query)
    throw badRequest('relevance_feedback queries are not supported by ringvec');
  for (const input of queryInputs(query)) {
    if (input instanceof Float32Array || typeof input !== 'object') continue;
    unsupportedVector(input);
  }
}

const MAX_PREFETCH_DEPTH = 64;

/**
 * The ids every (nested) query refers to, by vector source. Checks shapes, inputs and filters on
 * the way, so nothing is read before the whole request is known to be well formed (Qdrant
 * rejects malformed filters while deserializing the body).
 */
function references(
  context: QueryContext,
  node: QueryNode,
  depth: number,
  out: VectorReference[],
): VectorReference[] {
  if (depth > MAX_PREFETCH_DEPTH)
    throw new RingvecError(
      'bad_input',
      `Validation failed: prefetches depth ${depth} exceeds max depth ${MAX_PREFETCH_DEPTH}`,
    );
  validateNode(node);
  coreFilter(node.filter);
  if (node.query !== undefined) {
    checkInputs(node.query);
    const ids = referencedIds(queryInputs(node.query));
    if (ids.length > 0)
      out.push({ source: vectorSource(context, node.using, node.lookup_from, false), ids });
  }
  for (const prefetch of node.prefetch) references(context, prefetch, depth + 1, out);
  return out;
}

function planNode(
  context: QueryContext,
  vectors: ReferencedVectors,
  node: QueryNode,
  limit: number,
  filter: Filter | null,
): PlanNode {
  const source = vectorSource(context, node.using, node.lookup_from, false);
  const scoring =
    node.query === undefined ? null : planScoring(vectors, source, node.using, node.query, limit);
  if (node.prefetch.length === 0 && scoring !== null) {
    if (scoring.kind === 'rrf' || scoring.kind === 'dbsf')
      throw new RingvecError(
        'bad_input',
        'Validation failed: cannot apply Fusion without prefetches',
      );
  }
  return {
    prefetches: node.prefetch.map((prefetch) =>
      planNode(context, vectors, prefetch, prefetch.limit, coreFilter(prefetch.filter)),
    ),
    scoring,
    filter,
    params: segmentSearchParams(node.params),
    scoreThreshold: node.score_threshold ?? null,
    limit,
  };
}

/** Fields of a query or query-groups request that make the plan. */
export type QueryRequestCore = Omit<QueryRequest, 'limit' | 'offset'>;

/**
 * The plan of a universal query. Ids referenced by any (nested) query of this collection are
 * excluded from the results; a random sample ignores `offset` (its output is not stable).
 */
export async function planQuery(
  context: QueryContext,
  request: QueryRequestCore,
  limit: number,
  offset: number,
): Promise<QueryPlan> {
  checkShardKey(request.shard_key);
  const vectors = await ReferencedVectors.read(references(context, request, 0, []));
  const filter = withoutIds(excludedIds(context, request, []), coreFilter(request.filter));
  const root = planNode(context, vectors, request, limit, filter);
  const sample = root.scoring?.kind === 'sample' && root.prefetches.length === 0;
  return {
    ...root,
    offset: sample ? 0 : offset,
    withPayload: payloadSelector(request.with_payload),
    withVector: vectorSelector(request.with_vector),
  };
}
