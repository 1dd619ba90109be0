// Query-string parameters. Qdrant reads them with serde_urlencoded, so every value is a string
// parsed with Rust's `str::parse` and errors read "provided string was not `true` or `false`",
// "invalid digit found in string", … Sources: src/common/update.rs (UpdateParams),
// src/actix/api/read_params.rs (ReadParams), src/actix/api/collections_api.rs (WaitTimeout),
// src/actix/api/snapshot_api.rs (SnapshottingParam, SnapshotUploadingParam),
// lib/collection/src/operations/{point_ops.rs,consistency_params.rs}.
// Input is what an HTTP framework gives: a record of string (or string[] when repeated) values.

import type { z } from 'zod';
import { RingvecError } from '../../common/errors.js';
import { DUPLICATE_FIELD, expectedOneOf } from './serde-messages.js';
import { sha256Problem, type SnapshotPriority } from './collection-schemas.js';
import { INVALID, custom, pushFormat, pushValidation, struct, validate } from './serde-schemas.js';

type Ctx = z.core.$RefinementCtx<unknown>;

/** The single string value of a parameter, or INVALID after reporting a repeated one. */
function single(value: unknown, ctx: Ctx): string | typeof INVALID {
  if (Array.isArray(value)) {
    if (value.length === 1 && typeof value[0] === 'string') return value[0];
    pushFormat(ctx, DUPLICATE_FIELD);
    return INVALID;
  }
  return typeof value === 'string' ? value : String(value);
}

/** Absent → `fallback`; otherwise parsed by `parse` (which reports its own problems). */
function param<T, D extends T | undefined>(
  parse: (text: string, ctx: Ctx) => T | typeof INVALID,
  fallback: () => D,
): z.ZodType<T | D> {
  const present = custom<T>((value, ctx) => {
    const text = single(value, ctx);
    return text === INVALID ? INVALID : parse(text, ctx);
  });
  return present.optional().transform((v) => (v === undefined ? fallback() : v));
}

function parseBool(text: string, ctx: Ctx): boolean | typeof INVALID {
  if (text === 'true') return true;
  if (text === 'false') return false;
  pushFormat(ctx, 'provided string was not `true` or `false`');
  return INVALID;
}

/** Rust's `u64::from_str`: optional `+`, decimal digits, no overflow. */
function parseU64(text: string, ctx: Ctx, nonZero = false): number | typeof INVALID {
  if (text === '') {
    pushFormat(ctx, 'cannot parse integer from empty string');
    return INVALID;
  }
  if (!/^\+?\d+$/.test(text)) {
    pushFormat(ctx, 'invalid digit found in string');
    return INVALID;
  }
  const big = BigInt(text.replace(/^\+/, ''));
  if (big > 0xffff_ffff_ffff_ffffn) {
    pushFormat(ctx, 'number too large to fit in target type');
    return INVALID;
  }
  if (nonZero && big === 0n) {
    pushFormat(ctx, 'invalid value: integer `0`, expected a nonzero u64');
    return INVALID;
  }
  return Number(big);
}

function parseEnum<T extends string>(values: readonly T[]) {
  return (text: string, ctx: Ctx): T | typeof INVALID => {
    if ((values as readonly string[]).includes(text)) return text as T;
    pushFormat(ctx, `unknown variant \`${text}\`, expected ${expectedOneOf(values)}`);
    return INVALID;
  };
}

const timeoutMin1 = () =>
  validate(
    param(
      (t, ctx) => parseU64(t, ctx),
      () => undefined,
    ),
    (t) => (t === 0 ? { message: 'value 0 invalid, must be 1 or larger' } : undefined),
  );

// ---- the parameter sets -----------------------------------------------------------------------

export type WriteOrdering = 'weak' | 'medium' | 'strong';

/** `?wait=&ordering=&timeout=` of every point/index write. */
export interface UpdateParams {
  /** Default false: answer once the operation is in the WAL, before it is applied. */
  wait: boolean;
  /** Default `weak` (point_ops.rs `WriteOrdering::default`). */
  ordering: WriteOrdering;
  /** Seconds; 0 is accepted here (UpdateParams parses a plain duration). */
  timeout?: number | undefined;
}

export const updateParamsSchema: z.ZodType<UpdateParams> = struct('UpdateParams', {
  wait: param(parseBool, () => false),
  ordering: param(parseEnum(['weak', 'medium', 'strong'] as const), () => 'weak' as const),
  timeout: param(
    (t, ctx) => parseU64(t, ctx),
    () => undefined,
  ),
});

export type ReadConsistencyType = 'majority' | 'quorum' | 'all';
/** A replica count (≥ 1) or a named level. */
export type ReadConsistency = number | ReadConsistencyType;

/** `?consistency=&timeout=` of every read. */
export interface ReadParams {
  /** Default 1 (consistency_params.rs `ReadConsistency::default` = `Factor(1)`); "" counts as unset. */
  consistency: ReadConsistency;
  /** Seconds, ≥ 1 (a NonZeroU64). */
  timeout?: number | undefined;
}

function parseConsistency(text: string, ctx: Ctx): ReadConsistency | typeof INVALID {
  if (text === '') return 1;
  if (text === 'majority' || text === 'quorum' || text === 'all') return text;
  if (/^\+?\d+$/.test(text)) {
    const factor = Number(text.replace(/^\+/, ''));
    if (factor === 0) {
      pushValidation(ctx, 'value 0 invalid, must be 1 or larger', ['factor']);
      return INVALID;
    }
    return factor;
  }
  pushFormat(ctx, `failed to deserialize read consistency query parameter value '${text}'`);
  return INVALID;
}

export const readParamsSchema: z.ZodType<ReadParams> = struct('ReadParams', {
  consistency: param(parseConsistency, () => 1),
  timeout: param(
    (t, ctx) => parseU64(t, ctx, true),
    () => undefined,
  ),
});

/** `?timeout=` of collection create/update/delete and alias changes. */
export interface CollectionTimeoutParams {
  /** Seconds, ≥ 1. */
  timeout?: number | undefined;
}

export const collectionTimeoutParamsSchema: z.ZodType<CollectionTimeoutParams> = struct(
  'WaitTimeout',
  {
    timeout: validate(
      param(
        (t, ctx) => parseU64(t, ctx),
        () => undefined,
      ),
      (t) => (t === 0 ? { message: 'value 0 invalid, must be 1 or larger' } : undefined),
    ),
  },
);

/** `?wait=` of snapshot create/delete/recover. */
export interface SnapshotParams {
  /** Default true (snapshot_api.rs `params.wait.unwrap_or(true)`). */
  wait: boolean;
}

export const snapshotParamsSchema: z.ZodType<SnapshotParams> = struct('SnapshottingParam', {
  wait: param(parseBool, () => true),
});

/** `?wait=&priority=&checksum=` of snapshot upload. */
export interface SnapshotUploadParams {
  /** Default true. */
  wait: boolean;
  priority?: SnapshotPriority | undefined;
  checksum?: string | undefined;
}

const priorityValues = ['no_sync', 'snapshot', 'replica'] as const;

export const snapshotUploadParamsSchema: z.ZodType<SnapshotUploadParams> = struct(
  'SnapshotUploadingParam',
  {
    wait: param(parseBool, () => true),
    priority: param(parseEnum(priorityValues), () => undefined),
    checksum: validate(
      param(
        (t) => t,
        () => undefined,
      ),
      (c) => {
        const problem = c === undefined ? undefined : sha256Problem(c);
        return problem === undefined ? undefined : { message: problem };
      },
    ),
  },
);

// ---- service endpoints ------------------------------------------------------------------------

/** GET /telemetry (src/actix/api/service_api.rs `TelemetryParam`). */
export interface TelemetryParams {
  /** Default false. */
  anonymize: boolean;
  /** Default 0 (`DetailsLevel::Level0`). */
  details_level: number;
  /** Default false. */
  per_collection: boolean;
  /** Seconds, ≥ 1. */
  timeout?: number | undefined;
}

export const telemetryParamsSchema: z.ZodType<TelemetryParams> = struct('TelemetryParam', {
  anonymize: param(parseBool, () => false),
  details_level: param(
    (t, ctx) => parseU64(t, ctx),
    () => 0,
  ),
  per_collection: param(parseBool, () => false),
  timeout: timeoutMin1(),
});

/** GET /metrics (service_api.rs `MetricsParam`). */
export interface MetricsParams {
  /** Default false. */
  anonymize: boolean;
  /** Default false. */
  per_collection: boolean;
  /** Seconds, ≥ 1. */
  timeout?: number | undefined;
}

export const metricsParamsSchema: z.ZodType<MetricsParams> = struct('MetricsParam', {
  anonymize: param(parseBool, () => false),
  per_collection: param(parseBool, () => false),
  timeout: timeoutMin1(),
});

/** DELETE /cluster/peer/{peer_id} (src/actix/api/cluster_api.rs `QueryParams`). */
export interface RemovePeerParams {
  /** Default false. */
  force: boolean;
  /** Seconds, ≥ 1. */
  timeout?: number | undefined;
}

export const removePeerParamsSchema: z.ZodType<RemovePeerParams> = struct('QueryParams', {
  force: param(parseBool, () => false),
  timeout: timeoutMin1(),
});

/** GET /collections/{name}/optimizations, `?with=queued,completed,idle_segments&completed_limit=`. */
export interface OptimizationsParams {
  queued: boolean;
  /** Set only when `with` lists `completed`; default 16 (`DEFAULT_OPTIMIZATIONS_COMPLETED_LIMIT`). */
  completed_limit?: number | undefined;
  idle_segments: boolean;
}

const optimizationsParamSchema = struct('OptimizationsParam', {
  with: param(
    (t) => t,
    () => '',
  ),
  completed_limit: param(
    (t, ctx) => parseU64(t, ctx),
    () => 16,
  ),
});

/**
 * Parses the optimizations query. An unknown `with` entry is Qdrant's 400 "Wrong input: Unknown field
 * in 'with' parameter: …" (collections_api.rs `TryFrom<&OptimizationsParam>`).
 */
export function optimizationsParams(
  raw: z.output<typeof optimizationsParamSchema>,
): OptimizationsParams {
  const out: OptimizationsParams = { queued: false, idle_segments: false };
  for (const field of raw.with.split(',')) {
    switch (field.trim()) {
      case '':
        break;
      case 'queued':
        out.queued = true;
        break;
      case 'completed':
        out.completed_limit = raw.completed_limit;
        break;
      case 'idle_segments':
        out.idle_segments = true;
        break;
      default:
        throw new RingvecError('bad_input', `Unknown field in 'with' parameter: ${field}`);
    }
  }
  return out;
}

export { optimizationsParamSchema };
