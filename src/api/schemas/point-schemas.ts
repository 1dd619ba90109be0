// Request bodies of the point endpoints: upsert (list and columnar batch), retrieve, delete, vector
// update/delete, payload set/overwrite/delete/clear, batch update, scroll, count and facet.
// Sources: lib/api/src/rest/schema.rs (PointStruct, PointsList, PointsBatch, PointInsertOperations,
// UpdateVectors, FacetRequest), lib/api/src/rest/validate.rs (Batch, PointVectors validation),
// lib/collection/src/operations/{point_ops.rs,vector_ops.rs,types.rs},
// lib/shard/src/operations/{point_ops.rs,payload_ops.rs}, lib/shard/src/{scroll.rs,count.rs},
// src/common/update.rs (UpdateOperations).

import type { z } from 'zod';
import type { PointId } from '../../common/point-id.js';
import { untaggedMismatch } from './serde-messages.js';
import {
  jsonPathSchema,
  optFilter,
  optShardKey,
  orderBySchema,
  payloadSchema,
  withPayloadSchema,
  withVectorSchema,
  type FilterInput,
  type OrderBy,
  type Payload,
  type ShardKeySelector,
  type WithPayload,
  type WithVector,
} from './common-schemas.js';
import {
  batchVectorsSchema,
  isEmptyVectorStruct,
  pointIdSchema,
  vectorStructSchema,
  type BatchVectors,
  type VectorStruct,
} from './vector-schemas.js';
import {
  INVALID,
  bool,
  custom,
  dispatch,
  enumOf,
  isJsonObject,
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

export type UpdateMode = 'upsert' | 'insert_only' | 'update_only';

const pointIds = seq(pointIdSchema);
const updateMode = optDefault(
  enumOf('UpdateMode', ['upsert', 'insert_only', 'update_only'] as const),
  () => 'upsert' as const,
);

// ---- upsert -----------------------------------------------------------------------------------

export interface PointStruct {
  id: PointId;
  /** Alias `vectors`. */
  vector: VectorStruct;
  payload?: Payload | undefined;
}

/** Fields shared by both upsert forms. */
interface UpsertCommon {
  shard_key?: ShardKeySelector | undefined;
  /** Existing points are only updated when they match this filter; new points always go in. */
  update_filter?: FilterInput;
  /** Default `upsert` (schema.rs `UpdateMode::default`). */
  update_mode: UpdateMode;
}

export interface PointsList extends UpsertCommon {
  points: PointStruct[];
}

/** Columnar form: `ids[i]`, `vectors…[i]` and `payloads[i]` describe point i. */
export interface PointsBatch extends UpsertCommon {
  batch: {
    ids: PointId[];
    vectors: BatchVectors;
    payloads?: (Payload | undefined)[] | undefined;
  };
}

/** PUT /collections/{name}/points. Tell the forms apart with `'batch' in request`. */
export type UpsertPointsRequest = PointsList | PointsBatch;

const pointStructSchema: z.ZodType<PointStruct> = struct(
  'PointStruct',
  { id: pointIdSchema, vector: vectorStructSchema, payload: opt(payloadSchema) },
  { aliases: { vectors: 'vector' } },
);

const batchSchema = validate(
  struct('Batch', {
    ids: pointIds,
    vectors: batchVectorsSchema,
    payloads: opt(seq(opt(payloadSchema))),
  }),
  (batch) => {
    // lib/api/src/rest/validate.rs `impl Validate for Batch`; inference inputs are not counted.
    const ids = batch.ids.length;
    const vectors = batch.vectors;
    const counts = Array.isArray(vectors)
      ? isVectorRows(vectors)
        ? [vectors.length]
        : []
      : Object.values(vectors).map((column) => column.length);
    const bad = counts.find((n) => n !== ids);
    if (bad !== undefined)
      return {
        message: `number of ids and vectors must be equal (${ids} != ${bad})`,
        path: ['batch'],
      };
    if (batch.payloads !== undefined && batch.payloads.length !== ids)
      return {
        message: `number of ids and payloads must be equal (${ids} != ${batch.payloads.length})`,
        path: ['batch'],
      };
    return undefined;
  },
);

/** Dense or multi-dense rows (not inference objects); an empty list counts as rows. */
function isVectorRows(rows: readonly unknown[]): boolean {
  const first = rows[0];
  return first === undefined || first instanceof Float32Array || Array.isArray(first);
}

const upsertCommon = {
  shard_key: optShardKey,
  update_filter: optFilter,
  update_mode: updateMode,
};

const pointsListSchema: z.ZodType<PointsList> = struct('PointsList', {
  points: seq(pointStructSchema),
  ...upsertCommon,
});
const pointsBatchSchema: z.ZodType<PointsBatch> = struct('PointsBatch', {
  batch: batchSchema,
  ...upsertCommon,
});

export const upsertPointsSchema: z.ZodType<UpsertPointsRequest> = dispatch<UpsertPointsRequest>(
  (value) => {
    // schema.rs `impl Deserialize for PointInsertOperations`: chosen by key, `batch` first.
    if (isJsonObject(value)) {
      if ('batch' in value) return pointsBatchSchema;
      if ('points' in value) return pointsListSchema;
    }
    return 'Invalid PointInsertOperations format';
  },
);

// ---- retrieve / select ------------------------------------------------------------------------

/** POST /collections/{name}/points. */
export interface GetPointsRequest {
  ids: PointId[];
  /**
   * Default false: lib/collection/src/collection/point_ops.rs `retrieve` uses
   * `unwrap_or(&WithPayloadInterface::Bool(false))` (the schema doc says "Default is true"; the code
   * wins). GET /points/{id} is different: payload and vector are always returned.
   */
  with_payload: WithPayload;
  /** Alias `with_vectors`. Default false (types.rs `#[serde(default)] with_vector: WithVector`). */
  with_vector: WithVector;
  shard_key?: ShardKeySelector | undefined;
}

export const getPointsSchema: z.ZodType<GetPointsRequest> = struct(
  'PointRequest',
  {
    ids: pointIds,
    with_payload: optDefault(withPayloadSchema, () => false),
    with_vector: withDefault(withVectorSchema, () => false),
    shard_key: optShardKey,
  },
  { aliases: { with_vectors: 'with_vector' } },
);

/** Points chosen by id or by filter (`PointsSelector`). */
export type PointsSelector =
  | { points: PointId[]; shard_key?: ShardKeySelector | undefined }
  | { filter: FilterInput; shard_key?: ShardKeySelector | undefined };

const pointIdsListSchema = struct('PointIdsList', { points: pointIds, shard_key: optShardKey });
const filterSelectorSchema = struct('FilterSelector', {
  filter: custom<FilterInput>((v, ctx) => {
    // A filter is required here: null is not accepted.
    const parsed = parseNested(optFilter, v, ctx);
    if (parsed === INVALID) return INVALID;
    if (parsed === undefined) {
      pushFormat(ctx, 'invalid type: null, expected struct Filter');
      return INVALID;
    }
    return parsed;
  }),
  shard_key: optShardKey,
});

/** POST …/points/delete and POST …/points/payload/clear. */
export const pointsSelectorSchema: z.ZodType<PointsSelector> = dispatch<PointsSelector>((value) => {
  if (isJsonObject(value)) {
    if ('points' in value) return pointIdsListSchema;
    if ('filter' in value) return filterSelectorSchema;
  }
  return untaggedMismatch('PointsSelector');
});

// ---- vectors ----------------------------------------------------------------------------------

export interface PointVectors {
  id: PointId;
  /** Alias `vectors`. Never empty (checked). */
  vector: VectorStruct;
}

/** PUT /collections/{name}/points/vectors. */
export interface UpdateVectorsRequest {
  /** At least one. */
  points: PointVectors[];
  shard_key?: ShardKeySelector | undefined;
  update_filter?: FilterInput;
}

const pointVectorsSchema: z.ZodType<PointVectors> = validate(
  struct(
    'PointVectors',
    { id: pointIdSchema, vector: vectorStructSchema },
    { aliases: { vectors: 'vector' } },
  ),
  (p) =>
    isEmptyVectorStruct(p.vector)
      ? { message: 'must specify vectors to update for point', path: ['vector'] }
      : undefined,
);

export const updateVectorsSchema: z.ZodType<UpdateVectorsRequest> = struct('UpdateVectors', {
  points: validate(seq(pointVectorsSchema), (points) =>
    points.length === 0 ? { message: 'must specify points to update' } : undefined,
  ),
  shard_key: optShardKey,
  update_filter: optFilter,
});

/** POST /collections/{name}/points/vectors/delete. */
export interface DeleteVectorsRequest {
  points?: PointId[] | undefined;
  filter?: FilterInput;
  /** Alias `vectors`. Vector names, duplicates removed (a set in Qdrant). At least one. */
  vector: string[];
  shard_key?: ShardKeySelector | undefined;
}

export const deleteVectorsSchema: z.ZodType<DeleteVectorsRequest> = struct(
  'DeleteVectors',
  {
    points: opt(pointIds),
    filter: optFilter,
    vector: validate(
      seq(str()).transform((names) => [...new Set(names)]),
      (names) =>
        names.length === 0 ? { message: 'must specify vector names to delete' } : undefined,
    ),
    shard_key: optShardKey,
  },
  { aliases: { vectors: 'vector' } },
);

// ---- payload ----------------------------------------------------------------------------------

/** `points` or `filter` must be given (payload_ops.rs `PointsSelectorValidationError`). */
const NO_SELECTOR = 'Either list of point ids or filter must be provided';

/** POST (set) and PUT (overwrite) /collections/{name}/points/payload. */
export interface SetPayloadRequest {
  payload: Payload;
  points?: PointId[] | undefined;
  filter?: FilterInput;
  shard_key?: ShardKeySelector | undefined;
  /** Set the payload under this nested path instead of the root. */
  key?: string | undefined;
}

export const setPayloadSchema: z.ZodType<SetPayloadRequest> = requireSelector(
  struct('SetPayload', {
    payload: payloadSchema,
    points: opt(pointIds),
    filter: optFilter,
    shard_key: optShardKey,
    key: opt(jsonPathSchema),
  }),
);

/** POST /collections/{name}/points/payload/delete. */
export interface DeletePayloadRequest {
  keys: string[];
  points?: PointId[] | undefined;
  filter?: FilterInput;
  shard_key?: ShardKeySelector | undefined;
}

export const deletePayloadSchema: z.ZodType<DeletePayloadRequest> = requireSelector(
  struct('DeletePayload', {
    keys: seq(jsonPathSchema),
    points: opt(pointIds),
    filter: optFilter,
    shard_key: optShardKey,
  }),
);

function requireSelector<T extends { points?: unknown; filter?: unknown }>(
  schema: z.ZodType<T>,
): z.ZodType<T> {
  // A serde `try_from` failure, hence a format error.
  return custom<T>((value, ctx) => {
    const parsed = parseNested(schema, value, ctx);
    if (parsed === INVALID) return INVALID;
    if (parsed.points === undefined && parsed.filter === undefined) {
      pushFormat(ctx, NO_SELECTOR);
      return INVALID;
    }
    return parsed;
  });
}

// ---- batch update -----------------------------------------------------------------------------

export type UpdateOperation =
  | { upsert: UpsertPointsRequest }
  | { delete: PointsSelector }
  | { set_payload: SetPayloadRequest }
  | { overwrite_payload: SetPayloadRequest }
  | { delete_payload: DeletePayloadRequest }
  | { clear_payload: PointsSelector }
  | { update_vectors: UpdateVectorsRequest }
  | { delete_vectors: DeleteVectorsRequest };

/** POST /collections/{name}/points/batch: applied in order. */
export interface UpdateOperationsRequest {
  operations: UpdateOperation[];
}

const OPERATIONS: [string, z.ZodType<UpdateOperation>][] = [
  ['upsert', struct('UpsertOperation', { upsert: upsertPointsSchema })],
  ['delete', struct('DeleteOperation', { delete: pointsSelectorSchema })],
  ['set_payload', struct('SetPayloadOperation', { set_payload: setPayloadSchema })],
  [
    'overwrite_payload',
    struct('OverwritePayloadOperation', { overwrite_payload: setPayloadSchema }),
  ],
  ['delete_payload', struct('DeletePayloadOperation', { delete_payload: deletePayloadSchema })],
  ['clear_payload', struct('ClearPayloadOperation', { clear_payload: pointsSelectorSchema })],
  ['update_vectors', struct('UpdateVectorsOperation', { update_vectors: updateVectorsSchema })],
  ['delete_vectors', struct('DeleteVectorsOperation', { delete_vectors: deleteVectorsSchema })],
];

const updateOperationSchema: z.ZodType<UpdateOperation> = dispatch<UpdateOperation>((value) => {
  if (isJsonObject(value)) {
    for (const [key, schema] of OPERATIONS) if (key in value) return schema;
  }
  return untaggedMismatch('UpdateOperation');
});

export const updateOperationsSchema: z.ZodType<UpdateOperationsRequest> = struct(
  'UpdateOperations',
  { operations: seq(updateOperationSchema) },
);

// ---- scroll / count / facet -------------------------------------------------------------------

/** POST /collections/{name}/points/scroll. */
export interface ScrollRequest {
  /** First id of the page (inclusive). */
  offset?: PointId | undefined;
  /** Default 10 (scroll.rs `default_limit`, applied in local_shard/shard_ops.rs). ≥ 1. */
  limit: number;
  filter?: FilterInput;
  /** Default true (scroll.rs `default_with_payload`). */
  with_payload: WithPayload;
  /** Alias `with_vectors`. Default false. */
  with_vector: WithVector;
  order_by?: OrderBy | undefined;
  shard_key?: ShardKeySelector | undefined;
}

export const scrollSchema: z.ZodType<ScrollRequest> = struct(
  'ScrollRequest',
  {
    offset: opt(pointIdSchema),
    limit: optDefault(range(uint('usize'), { min: 1 }), () => 10),
    filter: optFilter,
    with_payload: optDefault(withPayloadSchema, () => true),
    with_vector: withDefault(withVectorSchema, () => false),
    order_by: opt(orderBySchema),
    shard_key: optShardKey,
  },
  { aliases: { with_vectors: 'with_vector' } },
);

/** POST /collections/{name}/points/count. */
export interface CountRequest {
  filter?: FilterInput;
  /** Default true (count.rs `default_exact`). */
  exact: boolean;
  shard_key?: ShardKeySelector | undefined;
}

export const countSchema: z.ZodType<CountRequest> = struct('CountRequest', {
  filter: optFilter,
  exact: withDefault(bool(), () => true),
  shard_key: optShardKey,
});

/** POST /collections/{name}/facet. */
export interface FacetRequest {
  key: string;
  /** Default 10 (lib/segment/src/data_types/facets.rs `DEFAULT_LIMIT`). ≥ 1. */
  limit: number;
  filter?: FilterInput;
  /** Default false (facets.rs `DEFAULT_EXACT`). */
  exact: boolean;
  shard_key?: ShardKeySelector | undefined;
}

export const facetSchema: z.ZodType<FacetRequest> = struct('FacetRequest', {
  key: jsonPathSchema,
  limit: optDefault(range(uint('usize'), { min: 1 }), () => 10),
  filter: optFilter,
  exact: optDefault(bool(), () => false),
  shard_key: optShardKey,
});
