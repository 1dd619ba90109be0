// Request bodies of the legacy search API, dropped from the v1.19 OpenAPI but still served by
// Qdrant and listed in v1.18: search, recommend and discover, each with /batch, and search/recommend
// /groups. The io_uring article's benchmark uses POST …/points/recommend.
// Sources: lib/api/src/rest/schema.rs (SearchRequestInternal, SearchGroupsRequestInternal,
// BaseGroupRequest), lib/collection/src/operations/types.rs (SearchRequest, RecommendRequest*,
// DiscoverRequest*, RecommendExample, UsingVector). Defaults: offset/with_* from
// lib/shard/src/search.rs (`offset.unwrap_or_default()`), lib/collection/src/recommendations.rs and
// discovery.rs, `WithPayloadInterface::default()` = false, `WithVector::default()` = false.

import type { z } from 'zod';
import {
  jsonPathSchema,
  lookupLocationSchema,
  optFilter,
  optShardKey,
  searchParamsSchema,
  withPayloadSchema,
  withVectorSchema,
  type FilterInput,
  type LookupLocation,
  type SearchParams,
  type ShardKeySelector,
  type WithPayload,
  type WithVector,
} from './common-schemas.js';
import {
  namedVectorStructSchema,
  recommendExampleSchema,
  type NamedVectorStruct,
  type RecommendExample,
} from './vector-schemas.js';
import {
  recommendStrategySchema,
  withLookupSchema,
  type RecommendStrategy,
  type WithLookup,
} from './query-schemas.js';
import {
  float,
  opt,
  optDefault,
  range,
  seq,
  str,
  struct,
  uint,
  withDefault,
} from './serde-schemas.js';

/** Fields shared by every legacy search-like request. */
interface LegacyCommon {
  filter?: FilterInput;
  params?: SearchParams | undefined;
  /** Default false (None is `WithPayloadInterface::Bool(false)` in collection/search.rs). */
  with_payload: WithPayload;
  /** Alias `with_vectors` (not for discover). Default false (search.rs `unwrap_or_default()`). */
  with_vector: WithVector;
  shard_key?: ShardKeySelector | undefined;
}

/** `limit` and paging of the ungrouped requests. */
interface LegacyPage {
  /** Required (alias `top`). ≥ 1. */
  limit: number;
  /** Default 0 (lib/shard/src/search.rs, recommendations.rs `offset.unwrap_or_default()`). */
  offset: number;
}

/** The group parameters of search/recommend groups (schema.rs `BaseGroupRequest`). */
interface LegacyGroups {
  group_by: string;
  /** Required, u32 ≥ 1. */
  group_size: number;
  /** Required, u32 ≥ 1. */
  limit: number;
  with_lookup?: WithLookup | undefined;
}

const common = {
  filter: optFilter,
  params: opt(searchParamsSchema),
  with_payload: optDefault(withPayloadSchema, () => false),
  with_vector: optDefault(withVectorSchema, () => false),
  shard_key: optShardKey,
};
const page = {
  limit: range(uint('usize'), { min: 1 }),
  offset: optDefault(uint('usize'), () => 0),
};
const groups = {
  group_by: jsonPathSchema,
  group_size: range(uint('u32'), { min: 1 }),
  limit: range(uint('u32'), { min: 1 }),
  with_lookup: opt(withLookupSchema),
};
const scoreThreshold = opt(float('f32'));
/** `using`: the vector to use; default "" (the unnamed vector). */
const using = optDefault(str(), () => '');
const examples = withDefault(seq(recommendExampleSchema), () => []);
const strategy = optDefault(recommendStrategySchema, () => 'average_vector' as const);

// ---- search -----------------------------------------------------------------------------------

/** POST /collections/{name}/points/search. */
export interface SearchRequest extends LegacyCommon, LegacyPage {
  vector: NamedVectorStruct;
  score_threshold?: number | undefined;
}

export const searchRequestSchema: z.ZodType<SearchRequest> = struct(
  'SearchRequest',
  { vector: namedVectorStructSchema, ...common, ...page, score_threshold: scoreThreshold },
  { aliases: { top: 'limit', with_vectors: 'with_vector' } },
);

export interface SearchBatchRequest {
  searches: SearchRequest[];
}

export const searchBatchSchema: z.ZodType<SearchBatchRequest> = struct('SearchRequestBatch', {
  searches: seq(searchRequestSchema),
});

/** POST /collections/{name}/points/search/groups. */
export interface SearchGroupsRequest extends LegacyCommon, LegacyGroups {
  vector: NamedVectorStruct;
  score_threshold?: number | undefined;
}

export const searchGroupsSchema: z.ZodType<SearchGroupsRequest> = struct(
  'SearchGroupsRequest',
  { vector: namedVectorStructSchema, ...common, score_threshold: scoreThreshold, ...groups },
  { aliases: { with_vectors: 'with_vector' } },
);

// ---- recommend --------------------------------------------------------------------------------

interface RecommendCommon extends LegacyCommon {
  /** Point ids or raw vectors to move towards. Default [] (`#[serde(default)]`; null refused). */
  positive: RecommendExample[];
  /** Point ids or raw vectors to move away from. Default []. */
  negative: RecommendExample[];
  /** Default `average_vector` (recommendations.rs `strategy.unwrap_or_default()`). */
  strategy: RecommendStrategy;
  score_threshold?: number | undefined;
  /** Default "" (the unnamed vector). */
  using: string;
  /** Look up the examples' vectors in this collection instead. */
  lookup_from?: LookupLocation | undefined;
}

const recommendCommon = {
  positive: examples,
  negative: examples,
  strategy,
  ...common,
  score_threshold: scoreThreshold,
  using,
  lookup_from: opt(lookupLocationSchema),
};

/** POST /collections/{name}/points/recommend. */
export interface RecommendRequest extends RecommendCommon, LegacyPage {}

export const recommendRequestSchema: z.ZodType<RecommendRequest> = struct(
  'RecommendRequest',
  { ...recommendCommon, ...page },
  { aliases: { top: 'limit', with_vectors: 'with_vector' } },
);

export interface RecommendBatchRequest {
  searches: RecommendRequest[];
}

export const recommendBatchSchema: z.ZodType<RecommendBatchRequest> = struct(
  'RecommendRequestBatch',
  { searches: seq(recommendRequestSchema) },
);

/** POST /collections/{name}/points/recommend/groups. */
export interface RecommendGroupsRequest extends RecommendCommon, LegacyGroups {}

export const recommendGroupsSchema: z.ZodType<RecommendGroupsRequest> = struct(
  'RecommendGroupsRequest',
  { ...recommendCommon, ...groups },
  { aliases: { with_vectors: 'with_vector' } },
);

// ---- discover ---------------------------------------------------------------------------------

export interface ContextExamplePair {
  positive: RecommendExample;
  negative: RecommendExample;
}

/** POST /collections/{name}/points/discover. */
export interface DiscoverRequest extends LegacyCommon, LegacyPage {
  /** Without a target this is a context search. */
  target?: RecommendExample | undefined;
  context?: ContextExamplePair[] | undefined;
  /** Default "" (the unnamed vector). */
  using: string;
  lookup_from?: LookupLocation | undefined;
}

export const discoverRequestSchema: z.ZodType<DiscoverRequest> = struct(
  'DiscoverRequest',
  {
    target: opt(recommendExampleSchema),
    context: opt(
      seq(
        struct('ContextExamplePair', {
          positive: recommendExampleSchema,
          negative: recommendExampleSchema,
        }),
      ),
    ),
    ...common,
    ...page,
    using,
    lookup_from: opt(lookupLocationSchema),
  },
  // No `with_vectors` alias on DiscoverRequestInternal.
  { aliases: { top: 'limit' } },
);

export interface DiscoverBatchRequest {
  searches: DiscoverRequest[];
}

export const discoverBatchSchema: z.ZodType<DiscoverBatchRequest> = struct('DiscoverRequestBatch', {
  searches: seq(discoverRequestSchema),
});
