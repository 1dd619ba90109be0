// Grouped search (…/query/groups, …/search/groups, …/recommend/groups), as Qdrant's group-by
// driver does it (lib/shard/src/grouping, lib/collection/src/grouping): the plan is run repeatedly
// for `groups × group_size` candidates that carry the group key, excluding points already seen;
// first to discover groups (skipping full ones), then to fill the best unfilled ones, at most five
// requests each. Groups are ranked by their best hit; `with_lookup` attaches the point of another
// collection whose id is the group value.

import { canonicalUuid, type PointId } from '../common/point-id.js';
import { U64_MAX } from '../common/point-id.js';
import type { Collection } from '../collection/collection.js';
import type { AnyValues, Condition, Filter } from '../filter/filter-types.js';
import { getValuesAtPath, parseJsonPath, type JsonPath } from '../filter/json-path.js';
import { higherIsBetter } from '../segment/types.js';
import { fillRecords, executePlan, wireScoredPoint } from './query-execute.js';
import { allOf, type PlanNode, type QueryHit, type QueryPlan } from './query-plan.js';
import type { QueryContext } from './query-vectors.js';
import { getPoints } from './points-api.js';
import type { WithLookup } from './schemas/index.js';

const MAX_COLLECT_REQUESTS = 5;
const MAX_FILL_REQUESTS = 5;

export interface GroupsRequest {
  plan: QueryPlan;
  groupBy: string;
  groupSize: number;
  /** Number of groups. */
  groups: number;
  withLookup?: WithLookup | undefined;
}

export interface PointGroup {
  hits: Record<string, unknown>[];
  id: string | number | bigint;
  lookup?: Record<string, unknown>;
}

type GroupValue = string | number | bigint;
/** Better first (< 0 when `a` ranks before `b`); null for random samples (no order). */
type Ranking = ((a: QueryHit, b: QueryHit) => number) | null;

/** How the plan's results are ordered (Qdrant's `query_result_order`). */
function ranking(collection: Collection, plan: QueryPlan): Ranking {
  const scoring = plan.scoring;
  const byScore = (larger: boolean) => (a: QueryHit, b: QueryHit) =>
    larger ? b.score - a.score : a.score - b.score;
  if (scoring === null) return byScore(false);
  switch (scoring.kind) {
    case 'vector':
      if (scoring.query.kind !== 'nearest') return byScore(true);
      return byScore(higherIsBetter(collection.vector(scoring.using).config.distance));
    case 'rrf':
    case 'dbsf':
      return byScore(true);
    case 'order_by': {
      const descending = scoring.orderBy.direction === 'desc';
      return (a, b) => {
        const x = Number(a.orderValue ?? 0);
        const y = Number(b.orderValue ?? 0);
        return descending ? y - x : x - y;
      };
    }
    case 'mmr':
    case 'sample':
      return null;
  }
}

/** Group values of a hit (Qdrant's GroupId: strings and integers), or null to skip the point. */
function groupValues(payload: Record<string, unknown> | null, path: JsonPath): GroupValue[] | null {
  if (payload === null) return null;
  const out: GroupValue[] = [];
  const seen = new Set<string>();
  for (const selected of getValuesAtPath(payload, path)) {
    for (const value of Array.isArray(selected) ? selected : [selected]) {
      let key: string;
      if (typeof value === 'string') key = `s${value}`;
      else if (typeof value === 'number' && Number.isInteger(value)) key = `n${value}`;
      else if (typeof value === 'bigint' && value <= U64_MAX) key = `n${value}`;
      else return null; // One unusable value makes Qdrant skip the point.
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(value as GroupValue);
    }
  }
  return out;
}

function groupKey(value: GroupValue): string {
  return typeof value === 'string' ? `s${value}` : `n${value}`;
}

interface Group {
  value: GroupValue;
  hits: Map<PointId, QueryHit>;
  best: QueryHit;
}

class GroupsAggregator {
  readonly groups = new Map<string, Group>();
  readonly full = new Set<string>();
  readonly ids = new Set<PointId>();

  constructor(
    private readonly maxGroups: number,
    private readonly groupSize: number,
    private readonly rank: Ranking,
  ) {}

  add(hit: QueryHit, values: GroupValue[]): void {
    for (const value of values) {
      const key = groupKey(value);
      let group = this.groups.get(key);
      if (group === undefined) {
        group = { value, hits: new Map(), best: hit };
        this.groups.set(key, group);
      } else if (this.rank !== null && this.rank(hit, group.best) < 0) {
        group.best = hit;
      }
      const seen = group.hits.get(hit.id);
      if (seen === undefined || seen.version < hit.version) group.hits.set(hit.id, hit);
      this.ids.add(hit.id);
      if (group.hits.size === this.groupSize) this.full.add(key);
    }
  }

  /** Keys of the best `maxGroups` groups by their best hit (stable: first seen wins ties). */
  bestKeys(): string[] {
    const entries = [...this.groups.entries()];
    const rank = this.rank;
    if (rank !== null) entries.sort(([, a], [, b]) => rank(a.best, b.best));
    return entries.slice(0, this.maxGroups).map(([key]) => key);
  }

  filledBestCount(): number {
    return this.bestKeys().filter((key) => this.full.has(key)).length;
  }

  distill(): { value: GroupValue; hits: QueryHit[] }[] {
    const rank = this.rank;
    return this.bestKeys().map((key) => {
      const group = this.groups.get(key)!;
      const hits = [...group.hits.values()];
      if (rank !== null) hits.sort(rank);
      return { value: group.value, hits: hits.slice(0, this.groupSize) };
    });
  }
}

/** Integers and strings among group values, as `match` lists (Qdrant's `values_to_any_variants`). */
function anyValues(values: GroupValue[]): AnyValues[] {
  const out: AnyValues[] = [];
  const integers = values.filter(
    (v): v is number | bigint => typeof v !== 'string' && BigInt(v) <= 0x7fff_ffff_ffff_ffffn,
  );
  if (integers.length > 0) out.push({ type: 'integers', items: integers });
  const strings = values.filter((v): v is string => typeof v === 'string');
  if (strings.length > 0) out.push({ type: 'strings', items: strings });
  return out;
}

function matchConditions(
  path: JsonPath,
  values: GroupValue[],
  kind: 'any' | 'except',
): Condition[] {
  return anyValues(values).map((list) => ({
    kind: 'field',
    key: path,
    match: { kind, values: list },
  }));
}

/** Prefetch limits grow by group_size so enough candidates survive every stage. */
function scaledPrefetches(nodes: readonly PlanNode[], factor: number): PlanNode[] {
  return nodes.map((node) => ({
    ...node,
    limit: node.limit * factor,
    prefetches: scaledPrefetches(node.prefetches, factor),
  }));
}

/** Runs the group-by driver; groups best first, hits best first, payloads as requested. */
export async function groupPoints(
  context: QueryContext,
  request: GroupsRequest,
): Promise<{ groups: PointGroup[] }> {
  const collection = context.collection;
  const path = parseJsonPath(request.groupBy)!;
  const { plan, groupSize, groups } = request;
  const aggregator = new GroupsAggregator(groups, groupSize, ranking(collection, plan));
  const candidates = groups * groupSize;
  const keyPresent: Condition = { kind: 'is_empty', key: path };

  const runOnce = async (restriction: Condition[]): Promise<number> => {
    const mustNot: Condition[] = [keyPresent];
    if (aggregator.ids.size > 0) mustNot.push({ kind: 'has_id', ids: new Set(aggregator.ids) });
    const extra: Filter = { ...(restriction.length > 0 ? { must: restriction } : {}), mustNot };
    const hits = await executePlan(collection, {
      ...plan,
      prefetches: scaledPrefetches(plan.prefetches, groupSize),
      filter: allOf(plan.filter, extra),
      limit: candidates,
      offset: 0,
      withPayload: false,
      withVector: false,
    });
    for (const hit of hits) {
      const at = collection.locatePoint(hit.id);
      const values = groupValues(at === undefined ? null : collection.readPayload(at), path);
      if (values !== null) aggregator.add(hit, values);
    }
    return hits.length;
  };

  let collecting = true;
  for (let request = 0; request < MAX_COLLECT_REQUESTS && collecting; request++) {
    const fullValues = [...aggregator.full].map((key) => aggregator.groups.get(key)!.value);
    const found = await runOnce(matchConditions(path, fullValues, 'except'));
    if (aggregator.filledBestCount() >= groups) return finish();
    if (found === 0) collecting = false;
  }
  for (let request = 0; request < MAX_FILL_REQUESTS; request++) {
    const unfilled = aggregator
      .bestKeys()
      .filter((key) => !aggregator.full.has(key))
      .map((key) => aggregator.groups.get(key)!.value);
    const found = await runOnce(matchConditions(path, unfilled, 'any'));
    if (aggregator.filledBestCount() >= groups || found === 0) break;
  }
  return finish();

  async function finish(): Promise<{ groups: PointGroup[] }> {
    const distilled = aggregator.distill();
    const unique = new Map<PointId, QueryHit>();
    for (const group of distilled) for (const hit of group.hits) unique.set(hit.id, hit);
    const filled = new Map(
      (await fillRecords(collection, [...unique.values()], plan.withPayload, plan.withVector)).map(
        (hit) => [hit.id, hit],
      ),
    );
    const out: PointGroup[] = distilled.map((group) => ({
      hits: group.hits.map((hit) => wireScoredPoint(filled.get(hit.id) ?? hit)),
      id: group.value,
    }));
    if (request.withLookup !== undefined) await attachLookups(context, request.withLookup, out);
    return { groups: out };
  }
}

/** A group value as a point id of the lookup collection, if it can be one. */
function lookupId(value: GroupValue): PointId | null {
  if (typeof value === 'string') return canonicalUuid(value);
  if (typeof value === 'bigint') return value >= 0n && value <= U64_MAX ? value : null;
  return value >= 0 ? value : null;
}

async function attachLookups(
  context: QueryContext,
  withLookup: WithLookup,
  groups: PointGroup[],
): Promise<void> {
  const target = context.collectionByName(withLookup.collection);
  const ids = groups.map((group) => lookupId(group.id)).filter((id): id is PointId => id !== null);
  if (ids.length === 0) return;
  const records = await getPoints(target, {
    ids,
    with_payload: withLookup.with_payload,
    with_vector: withLookup.with_vectors,
  });
  const byId = new Map(records.map((record) => [record.id as PointId, record]));
  for (const group of groups) {
    const id = lookupId(group.id);
    // A string group value matches only a UUID written in canonical form, as in Qdrant.
    if (id === null || (typeof group.id === 'string' && group.id !== id)) continue;
    const record = byId.get(id);
    if (record !== undefined) group.lookup = record;
  }
}
