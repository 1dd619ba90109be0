// The universal query API, transport-free: POST …/points/query, /query/batch and /query/groups.
// A request becomes a plan (query-plan.ts: ids resolved to vectors, validation as Qdrant does it),
// the plan runs against the collection (query-execute.ts), grouped requests go through the
// group-by driver (query-groups.ts).

import { RingvecError } from '../common/errors.js';
import type { Engine } from '../engine/engine.js';
import { executePlan, wireScoredPoint } from './query-execute.js';
import { groupPoints, type PointGroup } from './query-groups.js';
import { planQuery } from './query-plan.js';
import type { QueryContext } from './query-vectors.js';
import type { QueryBatchRequest, QueryGroupsRequest, QueryRequest } from './schemas/index.js';

export type { QueryContext } from './query-vectors.js';

/**
 * The collection a request names (Qdrant's 404 "Collection `x` doesn't exist!" when missing) and
 * the lookup of other collections for `lookup_from` / `with_lookup` (404 "Collection x not found").
 */
export function queryContext(engine: Engine, name: string): QueryContext {
  return {
    collection: engine.get(name),
    collectionByName(other: string) {
      if (!engine.exists(other))
        throw new RingvecError('not_found', `Collection ${other} not found`);
      return engine.get(other);
    },
  };
}

export interface QueryResponse {
  points: Record<string, unknown>[];
}

/** POST /collections/{name}/points/query. */
export async function queryPoints(
  context: QueryContext,
  request: QueryRequest,
): Promise<QueryResponse> {
  const plan = await planQuery(context, request, request.limit, request.offset);
  const hits = await executePlan(context.collection, plan);
  return { points: hits.map(wireScoredPoint) };
}

/** POST /collections/{name}/points/query/batch: one response per request, in order. */
export async function queryPointsBatch(
  context: QueryContext,
  request: QueryBatchRequest,
): Promise<QueryResponse[]> {
  // Every request is planned (and so validated) before any of them runs, as in Qdrant.
  const plans = await Promise.all(
    request.searches.map((search) => planQuery(context, search, search.limit, search.offset)),
  );
  const results = await Promise.all(plans.map((plan) => executePlan(context.collection, plan)));
  return results.map((hits) => ({ points: hits.map(wireScoredPoint) }));
}

/** POST /collections/{name}/points/query/groups. */
export async function queryPointGroups(
  context: QueryContext,
  request: QueryGroupsRequest,
): Promise<{ groups: PointGroup[] }> {
  return groupPoints(context, {
    plan: await planQuery(context, request, request.limit, 0),
    groupBy: request.group_by,
    groupSize: request.group_size,
    groups: request.limit,
    withLookup: request.with_lookup,
  });
}
