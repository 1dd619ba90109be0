// Runs a query plan against one collection, stage by stage as Qdrant's local shard does
// (lib/collection/src/shards/local_shard/query.rs, collection/query.rs):
//
//   leaves     search / scroll by id / scroll by payload order / random sample, with the root
//              filter propagated into every leaf filter
//   re-rank    a node with prefetches re-scores the union of their results: vector queries search
//              only those candidates (a has_id filter), fusion combines the ranked lists,
//              order_by and sample pick among them
//   root       limit + offset are fetched, the offset is cut, then payloads and vectors are read
//
// Results of scrolls and samples carry version 0 and score 1, as in Qdrant.

import { shortestF32 } from '../common/json.js';
import type { PointId } from '../common/point-id.js';
import type { Collection, PayloadSelector, VectorSelector } from '../collection/collection.js';
import type { Filter } from '../filter/filter-types.js';
import { normalizeInPlace } from '../segment/types.js';
import type { SegmentSearchParams } from '../segment/segment-search.js';
import { dbsfFusion, rrfFusion } from './query-fusion.js';
import {
  allOf,
  onlyIds,
  type PlanNode,
  type PlanScoring,
  type QueryHit,
  type QueryPlan,
} from './query-plan.js';

/** Best first, as many as the plan's limit after its offset; payloads and vectors filled. */
export async function executePlan(collection: Collection, plan: QueryPlan): Promise<QueryHit[]> {
  const take = plan.limit + plan.offset;
  const scoring = plan.scoring;
  if (plan.prefetches.length === 0 && scoring?.kind === 'vector') {
    // The common case: one search that reads payloads and vectors of the final page only.
    const [hits] = await collection.search([
      {
        using: scoring.using,
        query: scoring.query,
        filter: plan.filter,
        limit: plan.limit,
        offset: plan.offset,
        params: plan.params,
        scoreThreshold: plan.scoreThreshold,
        withPayload: plan.withPayload,
        withVector: plan.withVector,
      },
    ]);
    return hits ?? [];
  }
  let hits: QueryHit[];
  if (plan.prefetches.length === 0) {
    hits = await readLeaf(collection, plan, take, plan.filter);
    if (scoring?.kind === 'mmr')
      hits = await maximalMarginalRelevance(collection, scoring, hits, take);
  } else {
    const sources = await runPrefetches(collection, plan.prefetches, plan.filter);
    if (scoring?.kind === 'mmr') {
      // Candidates by relevance among the prefetched points, then diversified.
      const nearest: PlanScoring = {
        kind: 'vector',
        using: scoring.using,
        query: { kind: 'nearest', vector: scoring.vector },
      };
      const candidates = await rerank(
        collection,
        sources,
        nearest,
        scoring.candidatesLimit,
        plan.scoreThreshold,
        plan.params,
      );
      hits = await maximalMarginalRelevance(collection, scoring, candidates, take);
    } else {
      hits = await rerank(collection, sources, scoring!, take, plan.scoreThreshold, plan.params);
    }
  }
  return fillRecords(collection, hits.slice(plan.offset, take), plan.withPayload, plan.withVector);
}

/** Every prefetch's result list, in request order; `filter` is ANDed into every leaf. */
async function runPrefetches(
  collection: Collection,
  prefetches: readonly PlanNode[],
  propagated: Filter | null,
): Promise<QueryHit[][]> {
  return Promise.all(
    prefetches.map(async (prefetch) => {
      const filter = allOf(propagated, prefetch.filter);
      if (prefetch.prefetches.length === 0)
        return readLeaf(collection, prefetch, prefetch.limit, filter);
      const sources = await runPrefetches(collection, prefetch.prefetches, filter);
      const scoring = prefetch.scoring!;
      if (scoring.kind === 'mmr')
        return maximalMarginalRelevance(collection, scoring, sources.flat(), prefetch.limit);
      return rerank(
        collection,
        sources,
        scoring,
        prefetch.limit,
        prefetch.scoreThreshold,
        prefetch.params,
      );
    }),
  );
}

/** A node without prefetches: reads the collection directly. */
async function readLeaf(
  collection: Collection,
  node: PlanNode,
  limit: number,
  filter: Filter | null,
): Promise<QueryHit[]> {
  const scoring = node.scoring;
  if (scoring === null) {
    const { points } = await collection.scrollById(null, limit, filter);
    return points.map(({ id }) => ({ id, version: 0, score: 1 }));
  }
  switch (scoring.kind) {
    case 'vector':
    case 'mmr': {
      // A leaf MMR only preselects its candidates (Qdrant diversifies at the parent).
      const [hits] = await collection.search([
        {
          using: scoring.using,
          query:
            scoring.kind === 'vector' ? scoring.query : { kind: 'nearest', vector: scoring.vector },
          filter,
          limit: scoring.kind === 'vector' ? limit : scoring.candidatesLimit,
          offset: 0,
          params: node.params,
          scoreThreshold: node.scoreThreshold,
          withPayload: false,
          withVector: false,
        },
      ]);
      return hits ?? [];
    }
    case 'order_by':
      return orderedHits(collection, scoring.orderBy, limit, filter);
    case 'sample':
      return randomHits(collection, limit, filter);
    case 'rrf':
    case 'dbsf':
      // planQuery refuses fusion without prefetches.
      return [];
  }
}

/** Re-ranks the union of `sources` by `scoring`, keeping the best `limit`. */
async function rerank(
  collection: Collection,
  sources: QueryHit[][],
  scoring: PlanScoring,
  limit: number,
  scoreThreshold: number | null,
  params: SegmentSearchParams,
): Promise<QueryHit[]> {
  if (scoring.kind === 'rrf' || scoring.kind === 'dbsf') {
    const fused =
      scoring.kind === 'rrf' ? rrfFusion(sources, scoring.k, scoring.weights) : dbsfFusion(sources);
    const kept =
      scoreThreshold === null
        ? fused
        : fused.slice(0, firstBelow(fused, Math.fround(scoreThreshold)));
    return kept.slice(0, limit);
  }
  const ids = new Set<PointId>();
  for (const source of sources) for (const hit of source) ids.add(hit.id);
  if (ids.size === 0) return [];
  const candidates = onlyIds(ids);
  switch (scoring.kind) {
    case 'vector': {
      const [hits] = await collection.search([
        {
          using: scoring.using,
          query: scoring.query,
          filter: candidates,
          limit,
          offset: 0,
          params,
          scoreThreshold,
          withPayload: false,
          withVector: false,
        },
      ]);
      return hits ?? [];
    }
    case 'mmr':
      return maximalMarginalRelevance(collection, scoring, sources.flat(), limit);
    case 'order_by':
      return orderedHits(collection, scoring.orderBy, limit, candidates);
    case 'sample':
      return randomHits(collection, limit, candidates);
  }
}

function firstBelow(hits: readonly QueryHit[], threshold: number): number {
  const index = hits.findIndex((hit) => hit.score < threshold);
  return index < 0 ? hits.length : index;
}

async function orderedHits(
  collection: Collection,
  orderBy: Extract<PlanScoring, { kind: 'order_by' }>['orderBy'],
  limit: number,
  filter: Filter | null,
): Promise<QueryHit[]> {
  const { points } = await collection.scrollOrdered(
    { limit, order_by: orderBy },
    false,
    false,
    filter,
  );
  return points.map((point) => ({
    id: point.id as PointId,
    version: 0,
    score: 1,
    orderValue: point.order_value as number,
  }));
}

/** Up to `limit` distinct points matching `filter`, uniformly at random, in random order. */
export async function randomHits(
  collection: Collection,
  limit: number,
  filter: Filter | null,
): Promise<QueryHit[]> {
  const pool = (await collection.matchingPoints(filter)).map((point) => point.id);
  const count = Math.min(limit, pool.length);
  // Partial Fisher–Yates: the first `count` slots end up a uniform sample.
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(Math.random() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, count).map((id) => ({ id, version: 0, score: 1 }));
}

/**
 * Reads payloads and vectors as selected. Points deleted since they were scored are dropped, as
 * Qdrant does.
 */
export async function fillRecords(
  collection: Collection,
  hits: QueryHit[],
  withPayload: PayloadSelector,
  withVector: VectorSelector,
): Promise<QueryHit[]> {
  if (withPayload === false && withVector === false) return hits;
  const records = await collection.retrieve(
    hits.map((hit) => hit.id),
    withPayload,
    withVector,
  );
  const byId = new Map(records.map((record) => [record.id, record]));
  const out: QueryHit[] = [];
  for (const hit of hits) {
    const record = byId.get(hit.id);
    if (record === undefined) continue;
    const filled: QueryHit = { ...hit };
    if (record.payload !== undefined) filled.payload = record.payload;
    if (record.vector !== undefined) filled.vector = record.vector;
    out.push(filled);
  }
  return out;
}

// ---- maximal marginal relevance ---------------------------------------------------------------

type Similarity = (a: Float32Array, b: Float32Array) => number;

function similarityOf(distance: string): Similarity {
  // Internal similarities (greater = closer), as Qdrant's raw scorers give them.
  if (distance === 'Euclid')
    return (a, b) => {
      let sum = 0;
      for (let i = 0; i < a.length; i++) sum += (a[i]! - b[i]!) ** 2;
      return Math.fround(-sum);
    };
  if (distance === 'Manhattan')
    return (a, b) => {
      let sum = 0;
      for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
      return Math.fround(-sum);
    };
  return (a, b) => {
    let sum = 0;
    for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
    return Math.fround(sum);
  };
}

/**
 * Qdrant's MMR (lib/shard/src/query/mmr): greedily picks the candidate maximising
 * λ·relevance − (1 − λ)·max similarity to the points already picked. Scores stay the candidates'
 * original scores; candidates without the vector are dropped.
 */
export async function maximalMarginalRelevance(
  collection: Collection,
  mmr: Extract<PlanScoring, { kind: 'mmr' }>,
  candidates: readonly QueryHit[],
  limit: number,
): Promise<QueryHit[]> {
  const { config } = collection.vector(mmr.using);
  const unique: QueryHit[] = [];
  const seen = new Set<PointId>();
  for (const hit of candidates) {
    if (seen.has(hit.id)) continue;
    seen.add(hit.id);
    unique.push(hit);
  }
  const stored = await collection.readPointVectors(
    unique.map((hit) => hit.id),
    mmr.using,
  );
  const points: QueryHit[] = [];
  const vectors: Float32Array[] = [];
  unique.forEach((hit, i) => {
    const vector = stored[i];
    if (vector === undefined) return;
    points.push(hit);
    vectors.push(vector);
  });
  if (points.length < 2 || limit === 0) return points.slice(0, limit);

  const similarity = similarityOf(config.distance);
  const query = new Float32Array(mmr.vector);
  if (config.distance === 'Cosine') normalizeInPlace(query);
  const relevance = vectors.map((vector) => similarity(query, vector));
  const lambda = mmr.lambda;
  const selected: number[] = [];
  // Qdrant iterates an IndexSet with swap_remove; mirrored so ties resolve the same way.
  const remaining = points.map((_, i) => i);
  const take = (position: number) => {
    selected.push(remaining[position]!);
    remaining[position] = remaining[remaining.length - 1]!;
    remaining.pop();
  };
  const bestBy = (score: (index: number) => number) => {
    let best = 0;
    let bestScore = -Infinity;
    remaining.forEach((index, position) => {
      const value = score(index);
      if (value >= bestScore) {
        best = position;
        bestScore = value;
      }
    });
    return best;
  };
  take(bestBy((i) => relevance[i]!));
  const maxSimilarity = new Float64Array(points.length).fill(-Infinity);
  while (selected.length < limit && remaining.length > 0) {
    const last = selected[selected.length - 1]!;
    for (const index of remaining) {
      const s = similarity(vectors[index]!, vectors[last]!);
      if (s > maxSimilarity[index]!) maxSimilarity[index] = s;
    }
    take(
      bestBy((i) =>
        Math.fround(
          Math.fround(lambda * relevance[i]!) - Math.fround((1 - lambda) * maxSimilarity[i]!),
        ),
      ),
    );
  }
  return selected.map((i) => points[i]!);
}

// ---- wire form --------------------------------------------------------------------------------

/** A result point as Qdrant prints it: absent fields are omitted, never null. */
export function wireScoredPoint(hit: QueryHit): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: hit.id,
    version: hit.version,
    score: shortestF32(hit.score),
  };
  if (hit.payload !== undefined) out.payload = hit.payload;
  if (hit.vector !== undefined) out.vector = hit.vector;
  if (hit.orderValue !== undefined) out.order_value = hit.orderValue;
  return out;
}
