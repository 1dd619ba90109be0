// Pieces shared by many request bodies: payload/vector selectors, search params, shard keys,
// lookup locations, order_by, JSON paths, payloads and the still-unparsed filter.
// Sources: lib/segment/src/types.rs (WithPayloadInterface, WithVector, SearchParams,
// QuantizationSearchParams, AcornSearchParams, IdfParams, ShardKey), lib/api/src/rest/schema.rs
// (ShardKeySelector, LookupLocation), lib/segment/src/data_types/order_by.rs,
// lib/segment/src/json_path/parse.rs.

import type { z } from 'zod';
import { invalidType, untaggedMismatch } from './serde-messages.js';
import {
  INVALID,
  bool,
  custom,
  dispatch,
  enumOf,
  float,
  int64,
  isJsonObject,
  jsonObject,
  opt,
  pushFormat,
  range,
  seq,
  str,
  struct,
  uint,
  withDefault,
} from './serde-schemas.js';

/**
 * A filter exactly as received: a JSON object, not yet checked. The route layer hands it to
 * `parseFilter` (src/filter/). Null and absent both become undefined.
 */
export type FilterInput = unknown;
/** A point payload: any JSON object. */
export type Payload = Record<string, unknown>;

/** `Filter` position: only a JSON object is accepted here; its content is src/filter's business. */
export const filterSchema: z.ZodType<FilterInput> = custom<FilterInput>((value, ctx) => {
  if (isJsonObject(value)) return value;
  pushFormat(ctx, invalidType(value, 'struct Filter'));
  return INVALID;
});
export const optFilter = opt(filterSchema);

export const payloadSchema: z.ZodType<Payload> = jsonObject('a map');

// Rust's `char::is_alphanumeric` is Alphabetic or Numeric (Nd, Nl, No).
const RAW_KEY = String.raw`[\p{Alphabetic}\p{N}_-]+`;
const QUOTED_KEY = String.raw`"[^"\\]*"`;
const JSON_PATH = new RegExp(
  String.raw`^(?:${RAW_KEY}|${QUOTED_KEY})(?:\.${RAW_KEY}|\.${QUOTED_KEY}|\[\d+\]|\[\])*$`,
  'u',
);

export function isValidJsonPath(path: string): boolean {
  return JSON_PATH.test(path);
}

/** A payload key path such as `a.b[0].c` or `"key with spaces"[]`, checked, returned as written. */
export const jsonPathSchema: z.ZodType<string> = custom<string>((value, ctx) => {
  if (typeof value !== 'string') {
    pushFormat(ctx, invalidType(value, 'a string'));
    return INVALID;
  }
  if (!isValidJsonPath(value)) {
    pushFormat(ctx, `Invalid json path: '${value}'`);
    return INVALID;
  }
  return value;
});

// ---- with_payload / with_vector ---------------------------------------------------------------

/** `true`/`false`, a list of keys to include, or `{include: […]}` / `{exclude: […]}`. */
export type WithPayload = boolean | string[] | { include: string[] } | { exclude: string[] };
/** `true`/`false`, or the names of the vectors to return. */
export type WithVector = boolean | string[];

const WITH_PAYLOAD_EXPECTING =
  'Expected a boolean, an array of strings, or an object with an include/exclude field';
const includeSchema = struct(
  'PayloadSelectorInclude',
  { include: seq(jsonPathSchema) },
  { strict: true },
);
const excludeSchema = struct(
  'PayloadSelectorExclude',
  { exclude: seq(jsonPathSchema) },
  { strict: true },
);

export const withPayloadSchema: z.ZodType<WithPayload> = dispatch<WithPayload>((value) => {
  if (typeof value === 'boolean') return bool();
  if (Array.isArray(value)) return seq(jsonPathSchema);
  if (isJsonObject(value)) {
    if ('include' in value) return includeSchema;
    if ('exclude' in value) return excludeSchema;
  }
  return WITH_PAYLOAD_EXPECTING;
});

export const withVectorSchema: z.ZodType<WithVector> = dispatch<WithVector>((value) => {
  if (typeof value === 'boolean') return bool();
  if (Array.isArray(value)) return seq(str());
  return 'Expected a boolean, or an array of strings';
});

// ---- search params ----------------------------------------------------------------------------

export interface QuantizationSearchParams {
  /** Default false (lib/segment/src/types.rs `default_quantization_ignore_value`). */
  ignore: boolean;
  /** Undefined: decided by the engine (rescore when originals are available). */
  rescore?: boolean | undefined;
  /** Undefined means 1.0 (no oversampling). Must be ≥ 1.0. */
  oversampling?: number | undefined;
}

export interface AcornSearchParams {
  /** Default false (types.rs `#[serde(default)] enable`). */
  enable: boolean;
  /** Undefined means 0.4 (types.rs `ACORN_MAX_SELECTIVITY_DEFAULT`). In [0, 1]. */
  max_selectivity?: number | undefined;
}

/** Population of sparse IDF statistics: collection-wide, or the points matching a filter. */
export type IdfParams = 'global' | { corpus: FilterInput };

export interface SearchParams {
  /** HNSW beam size; undefined means the collection's `ef_construct`-derived default. ≥ 1. */
  hnsw_ef?: number | undefined;
  /** Default false (types.rs `SearchParams`, `#[serde(default)] exact`; null is refused). */
  exact: boolean;
  quantization?: QuantizationSearchParams | undefined;
  /** Default false (types.rs `#[serde(default)] indexed_only`). */
  indexed_only: boolean;
  acorn?: AcornSearchParams | undefined;
  idf?: IdfParams | undefined;
}

const quantizationSearchParamsSchema: z.ZodType<QuantizationSearchParams> = struct(
  'QuantizationSearchParams',
  {
    ignore: withDefault(bool(), () => false),
    rescore: opt(bool()),
    oversampling: opt(range(float('f64'), { min: 1, float: true })),
  },
);

const acornSearchParamsSchema: z.ZodType<AcornSearchParams> = struct('AcornSearchParams', {
  enable: withDefault(bool(), () => false),
  max_selectivity: opt(range(float('f64'), { min: 0, max: 1, float: true })),
});

const idfParamsSchema: z.ZodType<IdfParams> = dispatch<IdfParams>((value) => {
  if (typeof value === 'string') return enumOf('IdfScope', ['global'] as const);
  if (isJsonObject(value)) return struct('IdfCorpusParams', { corpus: filterSchema });
  return untaggedMismatch('IdfParams');
});

export const searchParamsSchema: z.ZodType<SearchParams> = struct('SearchParams', {
  hnsw_ef: opt(range(uint('usize'), { min: 1 })),
  exact: withDefault(bool(), () => false),
  quantization: opt(quantizationSearchParamsSchema),
  indexed_only: withDefault(bool(), () => false),
  acorn: opt(acornSearchParamsSchema),
  idf: opt(idfParamsSchema),
});

// ---- shard keys and lookups -------------------------------------------------------------------

export type ShardKey = string | number;
export type ShardKeySelector = ShardKey | ShardKey[] | { target: ShardKey; fallback: ShardKey };

const SHARD_KEY_EXPECTING = 'Expected a string or an integer';
const shardKeySchema: z.ZodType<ShardKey> = dispatch<ShardKey>((value) => {
  if (typeof value === 'string') return str();
  if (typeof value === 'number' || typeof value === 'bigint') return uint('u64');
  return untaggedMismatch('ShardKey');
});

export const shardKeySelectorSchema: z.ZodType<ShardKeySelector> = dispatch<ShardKeySelector>(
  (value) => {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint')
      return shardKeySchema;
    if (Array.isArray(value)) return seq(shardKeySchema);
    if (isJsonObject(value))
      return struct('ShardKeyWithFallback', { target: shardKeySchema, fallback: shardKeySchema });
    return SHARD_KEY_EXPECTING;
  },
);
export const optShardKey = opt(shardKeySelectorSchema);

/** Where ids in a query are looked up: another collection (and vector), instead of this one. */
export interface LookupLocation {
  collection: string;
  /** Undefined: the default (unnamed) vector. */
  vector?: string | undefined;
  shard_key?: ShardKeySelector | undefined;
}

export const lookupLocationSchema: z.ZodType<LookupLocation> = struct('LookupLocation', {
  collection: str(),
  vector: opt(str()),
  shard_key: optShardKey,
});

// ---- order_by ---------------------------------------------------------------------------------

export type Direction = 'asc' | 'desc';
/** Integer (i64, bigint beyond 2^53), float, or an RFC 3339 datetime string. */
export type StartFrom = number | bigint | string;

/** `order_by`, normalised: the bare-key form `"price"` becomes `{ key: "price" }`. */
export interface OrderBy {
  key: string;
  /** Undefined means ascending (order_by.rs `Direction::default`). */
  direction?: Direction | undefined;
  /** Undefined: the lowest value for `asc`, the highest for `desc`. */
  start_from?: StartFrom | undefined;
}

const startFromSchema: z.ZodType<StartFrom> = dispatch<StartFrom>((value) => {
  if (typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value)))
    return int64();
  if (typeof value === 'number') return float('f64');
  if (typeof value === 'string') return str();
  return untaggedMismatch('StartFrom');
});

const orderByStructSchema: z.ZodType<OrderBy> = struct('OrderBy', {
  key: jsonPathSchema,
  direction: opt(enumOf('Direction', ['asc', 'desc'] as const)),
  start_from: opt(startFromSchema),
});

export const orderBySchema: z.ZodType<OrderBy> = dispatch<OrderBy>((value) => {
  if (typeof value === 'string') return jsonPathSchema.transform((key) => ({ key }));
  if (isJsonObject(value)) return orderByStructSchema;
  return 'Expected a string, or an object with a key, direction and/or start_from';
});
