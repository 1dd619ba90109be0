// zod building blocks that behave like Qdrant's serde types: the same accepted shapes, the same
// defaults and the same error wording. Two kinds of issue come out of them, as in Qdrant:
//  - format issues (serde could not deserialize: wrong type, unknown variant, missing field), which
//    abort parsing of the value they belong to;
//  - validation issues (validator rejected a well-formed value: ranges, lengths), which are marked
//    `params.kind = 'validation'` and `continue: true`, so the rest of the body is still checked.
// Untagged enums are not zod unions: a zod union hides the reason a variant failed, and a validation
// issue inside a variant would make zod discard it. `dispatch` picks the variant from the value's shape
// (its JSON type or a key), then parses it with that variant only.

import { z } from 'zod';
import {
  MISSING_FIELD,
  formatJsonNumber,
  invalidType,
  invalidValue,
  lengthMessage,
  rangeMessage,
  unknownField,
  unknownVariant,
} from './serde-messages.js';

export type IssueKind = 'format' | 'validation';
type Ctx = z.core.$RefinementCtx<unknown>;
type Path = (string | number)[];

/** Returned by custom parsers to mean "an issue was pushed, there is no value". */
export const INVALID: unique symbol = Symbol('invalid');
type Parsed<T> = T | typeof INVALID;

export function pushFormat(ctx: Ctx, message: string, path: Path = []): void {
  ctx.issues.push({ code: 'custom', message, input: undefined, path, params: { kind: 'format' } });
}

export function pushValidation(ctx: Ctx, message: string, path: Path = []): void {
  ctx.issues.push({
    code: 'custom',
    message,
    input: undefined,
    path,
    params: { kind: 'validation' },
    continue: true,
  });
}

/** Error map for zod's own issues: serde wording, with the "missing field" sentinel. */
export function serdeErrorMap(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return MISSING_FIELD;
      return invalidType(issue.input, issue.expected);
    case 'unrecognized_keys':
      return unknownField(issue.keys[0] ?? '', []);
    default:
      return undefined;
  }
}

/** Parse options used for every parse, including nested ones. */
export const PARSE_PARAMS = { error: serdeErrorMap } as const;

/** A schema whose whole logic is `fn`; undefined input means the field is missing. */
export function custom<T>(fn: (value: unknown, ctx: Ctx) => Parsed<T>): z.ZodType<T> {
  return z.unknown().transform((value, ctx): T => {
    if (value === undefined) {
      pushFormat(ctx, MISSING_FIELD);
      return z.NEVER;
    }
    const out = fn(value, ctx);
    return out === INVALID ? z.NEVER : out;
  });
}

/**
 * Runs `schema` on `value` as part of the current parse: its issues are re-pushed with their paths
 * (prefixed by `at`), validation issues stay non-aborting.
 */
export function parseNested<T>(
  schema: z.ZodType<T>,
  value: unknown,
  ctx: Ctx,
  at: Path = [],
): Parsed<T> {
  const result = schema.safeParse(value, PARSE_PARAMS);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    const path = [...at, ...(issue.path as Path)];
    if (issueKind(issue) === 'validation') pushValidation(ctx, issue.message, path);
    else pushFormat(ctx, issue.message, path);
  }
  return INVALID;
}

export function issueKind(issue: z.core.$ZodIssue): IssueKind {
  if (issue.code === 'custom') {
    const params = issue.params as { kind?: unknown } | undefined;
    if (params?.kind === 'validation') return 'validation';
  }
  return 'format';
}

/** An untagged enum: `pick` chooses the variant schema from the value, or returns an error text. */
export function dispatch<T>(pick: (value: unknown) => z.ZodType<T> | string): z.ZodType<T> {
  return custom<T>((value, ctx) => {
    const variant = pick(value);
    if (typeof variant === 'string') {
      pushFormat(ctx, variant);
      return INVALID;
    }
    return parseNested(variant, value, ctx);
  });
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---- optionality ------------------------------------------------------------------------------

/** `Option<T>`: absent or null → undefined. */
export function opt<T>(schema: z.ZodType<T>): z.ZodType<T | undefined> {
  return schema.nullish().transform((v) => v ?? undefined);
}

/** `#[serde(default)]` on a non-Option field: absent → `value`; null is a type error, as in serde. */
export function withDefault<T>(schema: z.ZodType<T>, value: () => T): z.ZodType<T> {
  return schema.optional().transform((v) => (v === undefined ? value() : v));
}

/** `Option<T>` that Qdrant resolves with `unwrap_or(value)` later: absent or null → `value`. */
export function optDefault<T>(schema: z.ZodType<T>, value: () => T): z.ZodType<T> {
  return schema.nullish().transform((v) => (v === undefined || v === null ? value() : v));
}

// ---- scalars ----------------------------------------------------------------------------------

export function bool(): z.ZodType<boolean> {
  return z.boolean({
    error: (iss) => (iss.input === undefined ? MISSING_FIELD : invalidType(iss.input, 'a boolean')),
  });
}

export function str(): z.ZodType<string> {
  return z.string({
    error: (iss) => (iss.input === undefined ? MISSING_FIELD : invalidType(iss.input, 'a string')),
  });
}

export type UintKind = 'u8' | 'u32' | 'u64' | 'usize';
const UINT_MAX: Record<UintKind, bigint> = {
  u8: 255n,
  u32: 4294967295n,
  u64: 0xffff_ffff_ffff_ffffn,
  usize: 0xffff_ffff_ffff_ffffn,
};

/**
 * Unsigned integer. Returned as a JS number; a u64 above 2^53 (arriving as bigint) is rounded, which
 * is harmless for the sizes and counts these fields hold (point ids use `pointId`, not this).
 */
export function uint(kind: UintKind, nonZero = false): z.ZodType<number> {
  const max = UINT_MAX[kind];
  const expected = nonZero ? `a nonzero ${kind}` : kind;
  return custom<number>((v, ctx) => {
    let big: bigint;
    if (typeof v === 'number') {
      if (!Number.isInteger(v)) {
        pushFormat(ctx, invalidType(v, expected));
        return INVALID;
      }
      big = BigInt(v);
    } else if (typeof v === 'bigint') {
      big = v;
    } else {
      pushFormat(ctx, invalidType(v, expected));
      return INVALID;
    }
    if (big < 0n || big > max || (nonZero && big === 0n)) {
      pushFormat(ctx, invalidValue(v, expected));
      return INVALID;
    }
    return Number(big);
  });
}

/** Signed 64-bit integer (`IntPayloadType`). */
export function int64(): z.ZodType<number | bigint> {
  return custom<number | bigint>((v, ctx) => {
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    if (typeof v === 'bigint' && v >= -(2n ** 63n) && v < 2n ** 63n) return v;
    pushFormat(ctx, typeof v === 'bigint' ? invalidValue(v, 'i64') : invalidType(v, 'i64'));
    return INVALID;
  });
}

/** f32 / f64. JSON cannot carry NaN or infinities; a finite value that overflows f32 is refused. */
export function float(kind: 'f32' | 'f64'): z.ZodType<number> {
  return custom<number>((v, ctx) => {
    const n = typeof v === 'bigint' ? Number(v) : v;
    if (typeof n !== 'number') {
      pushFormat(ctx, invalidType(v, kind));
      return INVALID;
    }
    if (!Number.isFinite(n) || (kind === 'f32' && !Number.isFinite(Math.fround(n)))) {
      pushFormat(ctx, `invalid value: ${String(n)}, expected a finite ${kind}`);
      return INVALID;
    }
    return n;
  });
}

/**
 * A unit-variant enum (`#[serde(rename_all = "snake_case")] enum Distance { … }`). `aliases` maps
 * serde aliases to the canonical name returned.
 */
export function enumOf<const T extends string>(
  name: string,
  values: readonly T[],
  aliases: Readonly<Record<string, T>> = {},
): z.ZodType<T> {
  const set = new Set<string>(values);
  return custom<T>((v, ctx) => {
    if (typeof v !== 'string') {
      pushFormat(ctx, invalidType(v, `enum ${name}`));
      return INVALID;
    }
    if (set.has(v)) return v as T;
    const aliased = Object.prototype.hasOwnProperty.call(aliases, v) ? aliases[v] : undefined;
    if (aliased !== undefined) return aliased;
    pushFormat(ctx, unknownVariant(v, [...values, ...Object.keys(aliases)]));
    return INVALID;
  });
}

// ---- containers -------------------------------------------------------------------------------

export function seq<T>(item: z.ZodType<T>): z.ZodType<T[]> {
  return z.array(item, {
    error: (iss) =>
      iss.code === 'invalid_type'
        ? iss.input === undefined
          ? MISSING_FIELD
          : invalidType(iss.input, 'a sequence')
        : undefined,
  });
}

/** `HashMap<String, T>` / `BTreeMap<String, T>`. */
export function map<T>(value: z.ZodType<T>): z.ZodType<Record<string, T>> {
  return z.record(z.string(), value, {
    error: (iss) =>
      iss.code === 'invalid_type'
        ? iss.input === undefined
          ? MISSING_FIELD
          : invalidType(iss.input, 'a map')
        : undefined,
  });
}

/** Any JSON object (`Payload`, metadata, free-form options), returned as is. */
export function jsonObject(expected = 'a map'): z.ZodType<Record<string, unknown>> {
  return custom<Record<string, unknown>>((v, ctx) => {
    if (isJsonObject(v)) return v;
    pushFormat(ctx, invalidType(v, expected));
    return INVALID;
  });
}

export interface StructOptions {
  /** serde `alias`: alternative key → field name. */
  aliases?: Readonly<Record<string, string>>;
  /** serde `deny_unknown_fields`. */
  strict?: boolean;
}

/** A serde struct: unknown keys are ignored (stripped) unless `strict`. */
export function struct<S extends z.core.$ZodLooseShape>(
  name: string,
  shape: S,
  options: StructOptions = {},
): z.ZodType<z.output<z.ZodObject<S>>> {
  const fields = Object.keys(shape);
  const error = (iss: z.core.$ZodRawIssue): string | undefined => {
    if (iss.code === 'invalid_type')
      return iss.input === undefined ? MISSING_FIELD : invalidType(iss.input, `struct ${name}`);
    if (iss.code === 'unrecognized_keys') return unknownField(iss.keys[0] ?? '', fields);
    return undefined;
  };
  const object = options.strict ? z.strictObject(shape, { error }) : z.object(shape, { error });
  const aliases = options.aliases;
  if (aliases === undefined) return object as unknown as z.ZodType<z.output<z.ZodObject<S>>>;
  const renamed = z.preprocess((v, ctx) => {
    if (!isJsonObject(v)) return v;
    let input = v;
    for (const [alias, field] of Object.entries(aliases)) {
      if (!Object.prototype.hasOwnProperty.call(v, alias)) continue;
      if (Object.prototype.hasOwnProperty.call(v, field)) {
        ctx.issues.push({
          code: 'custom',
          message: `duplicate field \`${field}\``,
          input: v,
          params: { kind: 'format' },
        });
        return v;
      }
      if (input === v) input = { ...v };
      input[field] = v[alias];
      delete input[alias];
    }
    return input;
  }, object);
  return renamed as unknown as z.ZodType<z.output<z.ZodObject<S>>>;
}

// ---- validator-style constraints ---------------------------------------------------------------

export interface RangeBounds {
  min?: number;
  max?: number;
  /** Render numbers as floats ("1.0"), as for `f32`/`f64` fields. */
  float?: boolean;
  f32?: boolean;
  /** Omit the "value … invalid" part: Qdrant's custom range checks do not report the value. */
  hideValue?: boolean;
}

/** validator `range(min, max)`: a validation (422) issue, not a format one. */
export function range(schema: z.ZodType<number>, bounds: RangeBounds): z.ZodType<number> {
  const fmt = (n: number): string => formatJsonNumber(n, bounds.float === true);
  return schema.check((ctx) => {
    const v = ctx.value;
    if (
      (bounds.min !== undefined && v < bounds.min) ||
      (bounds.max !== undefined && v > bounds.max)
    ) {
      const message = rangeMessage({
        ...(bounds.hideValue
          ? {}
          : { value: formatJsonNumber(v, bounds.float === true, bounds.f32 === true) }),
        ...(bounds.min !== undefined ? { min: fmt(bounds.min) } : {}),
        ...(bounds.max !== undefined ? { max: fmt(bounds.max) } : {}),
      });
      ctx.issues.push({
        code: 'custom',
        message,
        input: v,
        params: { kind: 'validation' },
        continue: true,
      });
    }
  });
}

/** validator `length(min, max)` on a string (characters) — the value is reported JSON-quoted. */
export function strLength(
  schema: z.ZodType<string>,
  bounds: { min?: number; max?: number },
): z.ZodType<string> {
  return schema.check((ctx) => {
    const n = [...ctx.value].length;
    if (
      (bounds.min !== undefined && n < bounds.min) ||
      (bounds.max !== undefined && n > bounds.max)
    ) {
      ctx.issues.push({
        code: 'custom',
        message: lengthMessage({ value: JSON.stringify(ctx.value), ...bounds }),
        input: ctx.value,
        params: { kind: 'validation' },
        continue: true,
      });
    }
  });
}

type Failure = { message: string; path?: Path };

/** A free-form validation rule: `rule` returns the failures (message and sub-path), if any. */
export function validate<T>(
  schema: z.ZodType<T>,
  rule: (value: T) => Failure | Failure[] | undefined,
): z.ZodType<T> {
  return schema.check((ctx) => {
    let result: Failure | Failure[] | undefined;
    try {
      result = rule(ctx.value);
    } catch (error) {
      // A child already failed validation and left a hole the rule cannot read; the child's issue
      // is reported, this rule is not.
      if (error instanceof TypeError && ctx.issues.length > 0) return;
      throw error;
    }
    if (result === undefined) return;
    for (const failure of Array.isArray(result) ? result : [result]) {
      ctx.issues.push({
        code: 'custom',
        message: failure.message,
        input: ctx.value,
        path: failure.path ?? [],
        params: { kind: 'validation' },
        continue: true,
      });
    }
  });
}
