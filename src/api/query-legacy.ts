// The legacy search API (listed in Qdrant's v1.18 OpenAPI, still served): POST …/points/search,
// /recommend and /discover, their /batch forms, and search/recommend /groups. Each request is one
// vector search, planned like a universal query without prefetches (lib/collection/src/
// recommendations.rs, discovery.rs, operations/types.rs).

import { RingvecError } from '../common/errors.js';
import type { SegmentQuery } from '../segment/query-scoring.js';
import { executePlan, wireScoredPoint } from './query-execute.js';
import { groupPoints, type PointGroup } from './query-groups.js';
import { segmentSearchParams, withoutIds, type QueryPlan } from './query-plan.js';
import {
  ReferencedVectors,
  averageRecommendVector,
  checkShardKey,
  referencedIds,
  unsupportedVector,
  vectorSource,
  type QueryContext,
} from './query-vectors.js';
import { coreFilter, payloadSelector, vectorSelector } from './points-api.js';
import type {
  DiscoverBatchRequest,
  DiscoverRequest,
  FilterInput,
  RecommendBatchRequest,
  RecommendGroupsRequest,
  RecommendRequest,
  SearchBatchRequest,
  SearchGroupsRequest,
  SearchParams,
  SearchRequest,
  WithPayload,
  WithVector,
} from './schemas/index.js';

type WirePoint = Record<string, unknown>;

interface LegacyFields {
  filter?: FilterInput;
  params?: SearchParams | undefined;
  with_payload: WithPayload;
  with_vector: WithVector;
  score_threshold?: number | undefined;
}

function legacyPlan(
  fields: LegacyFields,
  using: string,
  query: SegmentQuery,
  filter: ReturnType<typeof coreFilter>,
  limit: number,
  offset: number,
): QueryPlan {
  return {
    prefetches: [],
    scoring: { kind: 'vector', using, query },
    filter,
    params: segmentSearchParams(fields.params),
    scoreThreshold: fields.score_threshold ?? null,
    limit,
    offset,
    withPayload: payloadSelector(fields.with_payload),
    withVector: vectorSelector(fields.with_vector),
  };
}

async function run(context: QueryContext, plans: QueryPlan[]): Promise<WirePoint[][]> {
  const results = await Promise.all(plans.map((plan) => executePlan(context.collection, plan)));
  return results.map((hits) => hits.map(wireScoredPoint));
}

// ---- search -----------------------------------------------------------------------------------

type SearchFields = Omit<SearchRequest, 'limit' | 'offset'>;

function searchPlan(request: SearchFields, limit: number, offset: number): QueryPlan {
  const { vector } = request;
  checkShardKey(request.shard_key);
  if (!(vector.vector instanceof Float32Array)) unsupportedVector(vector.vector);
  return legacyPlan(
    request,
    vector.name ?? '',
    { kind: 'nearest', vector: vector.vector },
    coreFilter(request.filter),
    limit,
    offset,
  );
}

/** POST /collections/{name}/points/search. */
export async function searchPoints(
  context: QueryContext,
  request: SearchRequest,
): Promise<WirePoint[]> {
  const [points] = await run(context, [searchPlan(request, request.limit, request.offset)]);
  return points!;
}

/** POST /collections/{name}/points/search/batch. */
export function searchPointsBatch(
  context: QueryContext,
  request: SearchBatchRequest,
): Promise<WirePoint[][]> {
  return run(
    context,
    request.searches.map((search) => searchPlan(search, search.limit, search.offset)),
  );
}

/** POST /collections/{name}/points/search/groups. */
export function searchPointGroups(
  context: QueryContext,
  request: SearchGroupsRequest,
): Promise<{ groups: PointGroup[] }> {
  return groupPoints(context, {
    plan: searchPlan(request, request.limit, 0),
    groupBy: request.group_by,
    groupSize: request.group_size,
    groups: request.limit,
    withLookup: request.with_lookup,
  });
}

// ---- recommend --------------------------------------------------------------------------------

type RecommendFields = Omit<RecommendRequest, 'limit' | 'offset'>;

async function recommendPlan(
  context: QueryContext,
  request: RecommendFields,
  limit: number,
  offset: number,
): Promise<QueryPlan> {
  const { positive, negative, strategy, using } = request;
  checkShardKey(request.shard_key);
  const requestFilter = coreFilter(request.filter);
  if (strategy === 'average_vector' && positive.length === 0)
    throw new RingvecError(
      'bad_request',
      'At least one positive vector ID required with this strategy',
    );
  if (positive.length === 0 && negative.length === 0)
    throw new RingvecError(
      'bad_request',
      'At least one positive or negative vector ID required with this strategy',
    );
  for (const example of [...positive, ...negative])
    if (typeof example === 'object' && !(example instanceof Float32Array))
      unsupportedVector(example);
  const source = vectorSource(context, using, request.lookup_from, true);
  const ids = referencedIds([...positive, ...negative]);
  const vectors = await ReferencedVectors.read([{ source, ids }]);
  const positives = vectors.examples(source, positive);
  const negatives = vectors.examples(source, negative);
  const query: SegmentQuery =
    strategy === 'average_vector'
      ? { kind: 'nearest', vector: averageRecommendVector(positives, negatives) }
      : {
          kind: strategy === 'best_score' ? 'recommend_best_score' : 'recommend_sum_scores',
          positives,
          negatives,
        };
  // The examples themselves are never recommended (unless they live in another collection).
  const filter = withoutIds(source.otherCollection ? [] : ids, requestFilter);
  return legacyPlan(request, using, query, filter, limit, offset);
}

/** POST /collections/{name}/points/recommend. */
export async function recommendPoints(
  context: QueryContext,
  request: RecommendRequest,
): Promise<WirePoint[]> {
  const plan = await recommendPlan(context, request, request.limit, request.offset);
  const [points] = await run(context, [plan]);
  return points!;
}

/** POST /collections/{name}/points/recommend/batch. */
export async function recommendPointsBatch(
  context: QueryContext,
  request: RecommendBatchRequest,
): Promise<WirePoint[][]> {
  const plans = await Promise.all(
    request.searches.map((search) => recommendPlan(context, search, search.limit, search.offset)),
  );
  return run(context, plans);
}

/** POST /collections/{name}/points/recommend/groups. */
export async function recommendPointGroups(
  context: QueryContext,
  request: RecommendGroupsRequest,
): Promise<{ groups: PointGroup[] }> {
  return groupPoints(context, {
    plan: await recommendPlan(context, request, request.limit, 0),
    groupBy: request.group_by,
    groupSize: request.group_size,
    groups: request.limit,
    withLookup: request.with_lookup,
  });
}

// ---- discover ---------------------------------------------------------------------------------

async function discoverPlan(context: QueryContext, request: DiscoverRequest): Promise<QueryPlan> {
  checkShardKey(request.shard_key);
  const requestFilter = coreFilter(request.filter);
  const pairs = request.context ?? [];
  if (request.target === undefined && pairs.length === 0)
    throw new RingvecError('bad_request', 'target and/or context_pairs must be specified');
  const inputs = [
    ...(request.target === undefined ? [] : [request.target]),
    ...pairs.flatMap((pair) => [pair.positive, pair.negative]),
  ];
  for (const input of inputs)
    if (typeof input === 'object' && !(input instanceof Float32Array)) unsupportedVector(input);
  const source = vectorSource(context, request.using, request.lookup_from, true);
  const ids = referencedIds(inputs);
  const vectors = await ReferencedVectors.read([{ source, ids }]);
  // A target point without the vector leaves a context search, as in Qdrant.
  const [target] = request.target === undefined ? [] : vectors.examples(source, [request.target]);
  const vectorPairs = pairs.map((pair): [Float32Array, Float32Array] => [
    vectors.queryVector(source, pair.positive),
    vectors.queryVector(source, pair.negative),
  ]);
  const query: SegmentQuery =
    target === undefined
      ? { kind: 'context', pairs: vectorPairs }
      : { kind: 'discover', target, pairs: vectorPairs };
  const filter = withoutIds(source.otherCollection ? [] : ids, requestFilter);
  // Discovery has no score_threshold.
  return legacyPlan(
    { ...request, score_threshold: undefined },
    request.using,
    query,
    filter,
    request.limit,
    request.offset,
  );
}

/** POST /collections/{name}/points/discover. */
export async function discoverPoints(
  context: QueryContext,
  request: DiscoverRequest,
): Promise<WirePoint[]> {
  const [points] = await run(context, [await discoverPlan(context, request)]);
  return points!;
}

/** POST /collections/{name}/points/discover/batch. */
export async function discoverPointsBatch(
  context: QueryContext,
  request: DiscoverBatchRequest,
): Promise<WirePoint[][]> {
  const plans = await Promise.all(request.searches.map((search) => discoverPlan(context, search)));
  return run(context, plans);
}
