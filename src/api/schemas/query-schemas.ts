// Request bodies of the universal query API (POST …/points/query, /query/batch, /query/groups)
// and of the distance matrix (POST …/points/search/matrix/{pairs,offsets}).
// Sources: lib/api/src/rest/schema.rs (QueryRequestInternal, Prefetch, QueryInterface, Query and its
// variants, QueryGroupsRequestInternal, WithLookup, SearchMatrixRequestInternal),
// lib/api/src/rest/validate.rs, and the defaults applied when the REST request is converted:
// src/common/inference/query_requests_rest.rs + lib/collection/src/operations/universal_query/
// collection_query.rs (`CollectionQueryRequest::DEFAULT_*`), lib/collection/src/collection/
// distance_matrix.rs (`DEFAULT_SAMPLE`, `DEFAULT_LIMIT_PER_SAMPLE`).

import { z } from 'zod';
import { bareValidatorCode, invalidType, untaggedMismatch } from './serde-messages.js';
import {
  jsonPathSchema,
  lookupLocationSchema,
  optFilter,
  optShardKey,
  orderBySchema,
  searchParamsSchema,
  withPayloadSchema,
  withVectorSchema,
  type FilterInput,
  type LookupLocation,
  type OrderBy,
  type SearchParams,
  type ShardKeySelector,
  type WithPayload,
  type WithVector,
} from './common-schemas.js';
import { vectorInputSchema, type VectorInput } from './vector-schemas.js';
import {
  INVALID,
  custom,
  dispatch,
  enumOf,
  float,
  isJsonObject,
  jsonObject,
  opt,
  optDefault,
  parseNested,
  pushFormat,
  range,
  seq,
  str,
  struct,
  uint,
  validate,
  withDefault,
} from './serde-schemas.js';

export type RecommendStrategy = 'average_vector' | 'best_score' | 'sum_scores';
export const recommendStrategySchema = enumOf('RecommendStrategy', [
  'average_vector',
  'best_score',
  'sum_scores',
] as const);

/** `Option<Vec<T>>` deserialized with `MaybeOneOrMany`: one item, a list, or null (→ []). */
function maybeOneOrMany<T>(item: z.ZodType<T>): z.ZodType<T[]> {
  return custom<T[]>((value, ctx) => {
    if (value === null) return [];
    if (Array.isArray(value)) return parseNested(seq(item), value, ctx);
    if (isJsonObject(value)) {
      const one = parseNested(item, value, ctx);
      return one === INVALID ? INVALID : [one];
    }
    pushFormat(ctx, invalidType(value, 'a sequence or a map'));
    return INVALID;
  });
}

// ---- query variants ---------------------------------------------------------------------------

/** Maximal marginal relevance re-ranking of a nearest query. */
export interface Mmr {
  /** In [0, 1]; undefined means 0.5 (collection_query.rs `DEFAULT_MMR_LAMBDA`). */
  diversity?: number | undefined;
  /** ≤ 16384; undefined means the request's limit. */
  candidates_limit?: number | undefined;
}

export interface RecommendInput {
  /** Default [] (query_requests_rest.rs flattens `None`). */
  positive: VectorInput[];
  negative: VectorInput[];
  /** Default `average_vector` (schema.rs `RecommendStrategy::default`). */
  strategy: RecommendStrategy;
}

export interface ContextPair {
  positive: VectorInput;
  negative: VectorInput;
}

export interface DiscoverInput {
  target: VectorInput;
  /** One pair or a list; null → []. */
  context: ContextPair[];
}

export type Fusion = 'rrf' | 'dbsf';

export interface Rrf {
  /** ≥ 1; undefined means Qdrant's default k (2). */
  k?: number | undefined;
  /** One weight per prefetch; undefined weighs them equally. */
  weights?: number[] | undefined;
}

/**
 * A score formula, kept as received: a number, a variable name (`$score`, a payload key), or an
 * expression object (`{"mult": […]}`, conditions, decays…). Parsed by the engine.
 */
export type Expression = number | string | Record<string, unknown>;

export interface FeedbackItem {
  example: VectorInput;
  score: number;
}

export interface RelevanceFeedbackInput {
  target: VectorInput;
  /** Not empty. */
  feedback: FeedbackItem[];
  strategy: { naive: { a: number; b: number; c: number } };
}

/** A query, normalised: a bare vector or id in `query` becomes `{ nearest: … }`. */
export type Query =
  | { nearest: VectorInput; mmr?: Mmr | undefined }
  | { recommend: RecommendInput }
  | { discover: DiscoverInput }
  | { context: ContextPair[] }
  | { order_by: OrderBy }
  | { fusion: Fusion }
  | { rrf: Rrf }
  | { formula: Expression; defaults: Record<string, unknown> }
  | { sample: 'random' }
  | { relevance_feedback: RelevanceFeedbackInput };

const contextPairSchema: z.ZodType<ContextPair> = struct('ContextPair', {
  positive: vectorInputSchema,
  negative: vectorInputSchema,
});

const expressionSchema: z.ZodType<Expression> = custom<Expression>((value, ctx) => {
  if (typeof value === 'number' || typeof value === 'string' || isJsonObject(value)) return value;
  pushFormat(ctx, untaggedMismatch('Expression'));
  return INVALID;
});

const QUERY_VARIANTS: [string, z.ZodType<Query>][] = [
  [
    'nearest',
    struct('NearestQuery', {
      nearest: vectorInputSchema,
      mmr: opt(
        struct('Mmr', {
          diversity: opt(range(float('f32'), { min: 0, max: 1, float: true, f32: true })),
          candidates_limit: opt(range(uint('usize'), { max: 16384 })),
        }),
      ),
    }),
  ],
  [
    'recommend',
    struct('RecommendQuery', {
      recommend: validate(
        struct('RecommendInput', {
          positive: optDefault(seq(vectorInputSchema), () => []),
          negative: optDefault(seq(vectorInputSchema), () => []),
          strategy: optDefault(recommendStrategySchema, () => 'average_vector' as const),
        }),
        (r) =>
          r.positive.length === 0 && r.negative.length === 0
            ? {
                message: bareValidatorCode(
                  'At least one positive or negative vector/id must be provided',
                ),
                path: ['positives, negatives'],
              }
            : undefined,
      ),
    }),
  ],
  [
    'discover',
    struct('DiscoverQuery', {
      discover: struct('DiscoverInput', {
        target: vectorInputSchema,
        context: maybeOneOrMany(contextPairSchema),
      }),
    }),
  ],
  ['context', struct('ContextQuery', { context: maybeOneOrMany(contextPairSchema) })],
  ['order_by', struct('OrderByQuery', { order_by: orderBySchema })],
  ['fusion', struct('FusionQuery', { fusion: enumOf('Fusion', ['rrf', 'dbsf'] as const) })],
  [
    'rrf',
    struct('RrfQuery', {
      rrf: struct('Rrf', {
        k: opt(range(uint('usize'), { min: 1 })),
        weights: opt(seq(float('f32'))),
      }),
    }),
  ],
  [
    'formula',
    struct('FormulaQuery', {
      formula: expressionSchema,
      defaults: withDefault(jsonObject(), () => ({})),
    }),
  ],
  ['sample', struct('SampleQuery', { sample: enumOf('Sample', ['random'] as const) })],
  [
    'relevance_feedback',
    struct('RelevanceFeedbackQuery', {
      relevance_feedback: validate(
        struct('RelevanceFeedbackInput', {
          target: vectorInputSchema,
          feedback: seq(
            struct('FeedbackItem', { example: vectorInputSchema, score: float('f32') }),
          ),
          strategy: dispatch<{ naive: { a: number; b: number; c: number } }>((value) =>
            isJsonObject(value) && 'naive' in value
              ? struct('NaiveFeedbackStrategy', {
                  naive: struct('NaiveFeedbackStrategyParams', {
                    a: float('f32'),
                    b: range(float('f32'), { min: 0, float: true, f32: true }),
                    c: float('f32'),
                  }),
                })
              : untaggedMismatch('FeedbackStrategy'),
          ),
        }),
        (r) =>
          r.feedback.length === 0
            ? { message: 'feedback elements must be non-empty', path: ['__all__'] }
            : undefined,
      ),
    }),
  ],
];

const QUERY_EXPECTING = 'Expected some form of vector, id, or a type of query';

/** `QueryInterface`: a vector input (→ nearest) or one of the query objects. */
export const queryInterfaceSchema: z.ZodType<Query> = dispatch<Query>((value) => {
  const asNearest = vectorInputSchema.transform((nearest): Query => ({ nearest }));
  if (Array.isArray(value) || ['number', 'bigint', 'string'].includes(typeof value))
    return asNearest;
  if (isJsonObject(value)) {
    // VectorInput's object forms come first in Qdrant's untagged enum.
    if ('indices' in value || 'values' in value) return asNearest;
    if ('model' in value && ('text' in value || 'image' in value || 'object' in value))
      return asNearest;
    for (const [key, schema] of QUERY_VARIANTS) if (key in value) return schema;
  }
  return QUERY_EXPECTING;
});

// ---- prefetch and requests --------------------------------------------------------------------

/** A sub-query whose results feed the parent query (fusion, re-scoring). */
export interface Prefetch {
  /** Nested prefetches; one object or a list. Default []. */
  prefetch: Prefetch[];
  query?: Query | undefined;
  /** Vector name; default "" (the unnamed vector, `DEFAULT_VECTOR_NAME`). */
  using: string;
  filter?: FilterInput;
  params?: SearchParams | undefined;
  score_threshold?: number | undefined;
  /** Default 10 (collection_query.rs `DEFAULT_LIMIT`). ≥ 1. */
  limit: number;
  lookup_from?: LookupLocation | undefined;
}

const limitDefault10 = () => optDefault(range(uint('usize'), { min: 1 }), () => 10);
const usingDefault = () => optDefault(str(), () => '');

export const prefetchSchema: z.ZodType<Prefetch> = z.lazy(() =>
  struct('Prefetch', {
    prefetch: optDefault(maybeOneOrMany(prefetchSchema), () => []),
    query: opt(queryInterfaceSchema),
    using: usingDefault(),
    filter: optFilter,
    params: opt(searchParamsSchema),
    score_threshold: opt(float('f32')),
    limit: limitDefault10(),
    lookup_from: opt(lookupLocationSchema),
  }),
);

/** Fields common to query and query-groups requests. */
interface QueryCommon {
  /** Default []. */
  prefetch: Prefetch[];
  /** Undefined with no prefetch: points in id order. */
  query?: Query | undefined;
  /** Default "" (the unnamed vector). */
  using: string;
  filter?: FilterInput;
  params?: SearchParams | undefined;
  score_threshold?: number | undefined;
  /** Default false (collection_query.rs `DEFAULT_WITH_VECTOR`). */
  with_vector: WithVector;
  /** Default false (collection_query.rs `DEFAULT_WITH_PAYLOAD`). */
  with_payload: WithPayload;
  lookup_from?: LookupLocation | undefined;
  shard_key?: ShardKeySelector | undefined;
}

/** POST /collections/{name}/points/query. */
export interface QueryRequest extends QueryCommon {
  /** Default 10. ≥ 1. */
  limit: number;
  /** Default 0. */
  offset: number;
}

const queryCommon = {
  prefetch: optDefault(maybeOneOrMany(prefetchSchema), () => []),
  query: opt(queryInterfaceSchema),
  using: usingDefault(),
  filter: optFilter,
  params: opt(searchParamsSchema),
  score_threshold: opt(float('f32')),
  with_vector: optDefault(withVectorSchema, () => false),
  with_payload: optDefault(withPayloadSchema, () => false),
  lookup_from: opt(lookupLocationSchema),
  shard_key: optShardKey,
};

export const queryRequestSchema: z.ZodType<QueryRequest> = struct(
  'QueryRequest',
  {
    ...queryCommon,
    limit: limitDefault10(),
    offset: optDefault(uint('usize'), () => 0),
  },
  { aliases: { with_vectors: 'with_vector' } },
);

/** POST /collections/{name}/points/query/batch. */
export interface QueryBatchRequest {
  searches: QueryRequest[];
}

export const queryBatchSchema: z.ZodType<QueryBatchRequest> = struct('QueryRequestBatch', {
  searches: seq(queryRequestSchema),
});

/** Look up each group's id as a point id in another collection. */
export interface WithLookup {
  collection: string;
  /** Default true (schema.rs `default_with_payload`); an explicit null means false. */
  with_payload: WithPayload;
  /** Alias `with_vector`. Default false. */
  with_vectors: WithVector;
}

/** `with_lookup`, normalised: a bare collection name becomes `{ collection, true, false }`. */
export const withLookupSchema: z.ZodType<WithLookup> = dispatch<WithLookup>((value) => {
  if (typeof value === 'string')
    return str().transform((collection) => ({
      collection,
      with_payload: true,
      with_vectors: false,
    }));
  if (isJsonObject(value))
    return struct(
      'WithLookup',
      {
        collection: str(),
        with_payload: withPayloadSchema
          .nullable()
          .optional()
          .transform((w) => (w === undefined ? true : (w ?? false))),
        with_vectors: optDefault(withVectorSchema, () => false),
      },
      { aliases: { with_vector: 'with_vectors' } },
    );
  return untaggedMismatch('WithLookupInterface');
});

/** Fields of grouped requests (query groups and the legacy search/recommend groups). */
export interface GroupRequestCommon {
  /** Payload key to group by (a JSON path). */
  group_by: string;
  /** Maximum points per group. */
  group_size: number;
  /** Maximum number of groups. */
  limit: number;
  with_lookup?: WithLookup | undefined;
}

const groupBy = jsonPathSchema;

/** POST /collections/{name}/points/query/groups. */
export interface QueryGroupsRequest extends QueryCommon, GroupRequestCommon {}

export const queryGroupsSchema: z.ZodType<QueryGroupsRequest> = struct('QueryGroupsRequest', {
  ...queryCommon,
  group_by: groupBy,
  // Default 3 (collection_query.rs `DEFAULT_GROUP_SIZE`). ≥ 1.
  group_size: optDefault(range(uint('usize'), { min: 1 }), () => 3),
  limit: limitDefault10(),
  with_lookup: opt(withLookupSchema),
});

/** POST …/points/search/matrix/pairs and …/matrix/offsets. */
export interface SearchMatrixRequest {
  filter?: FilterInput;
  /** Points sampled. Default 10 (distance_matrix.rs `DEFAULT_SAMPLE`). ≥ 2. */
  sample: number;
  /** Neighbours per sampled point. Default 3 (`DEFAULT_LIMIT_PER_SAMPLE`). ≥ 1. */
  limit: number;
  /** Default "" (the unnamed vector). */
  using: string;
  shard_key?: ShardKeySelector | undefined;
}

export const searchMatrixSchema: z.ZodType<SearchMatrixRequest> = struct('SearchMatrixRequest', {
  filter: optFilter,
  sample: optDefault(range(uint('usize'), { min: 2 }), () => 10),
  limit: optDefault(range(uint('usize'), { min: 1 }), () => 3),
  using: usingDefault(),
  shard_key: optShardKey,
});
