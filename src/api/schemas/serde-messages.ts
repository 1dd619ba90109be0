// The wording of Qdrant's request errors, reproduced from the two Rust crates that produce them:
// serde (shape and type problems: "invalid type: string \"x\", expected usize", "unknown variant
// `Cosin`, expected one of `Cosine`, …", "missing field `vectors`") and validator as rendered by
// Qdrant's `describe_error` (lib/collection/src/operations/validation.rs: "value 0 invalid, must be 1
// or larger"). Only text lives here; the zod plumbing is in serde-schemas.ts.

/** Sentinel message for an absent required field; parse-request.ts renders it as serde does. */
export const MISSING_FIELD = '\u0000missing field';
/** Sentinel message for a field given twice (a repeated query parameter). */
export const DUPLICATE_FIELD = '\u0000duplicate field';

/** How a serde `Unexpected` value prints ("integer `5`", "string \"x\"", "sequence", …). */
export function describeUnexpected(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'boolean':
      return `boolean \`${value}\``;
    case 'bigint':
      return `integer \`${value}\``;
    case 'number':
      return Number.isInteger(value) ? `integer \`${value}\`` : `floating point \`${value}\``;
    case 'string':
      return `string ${JSON.stringify(value)}`;
    case 'object':
      if (value instanceof Float32Array) return 'sequence';
      return Array.isArray(value) ? 'sequence' : 'map';
    default:
      return typeof value;
  }
}

export function invalidType(value: unknown, expected: string): string {
  return `invalid type: ${describeUnexpected(value)}, expected ${expected}`;
}

export function invalidValue(value: unknown, expected: string): string {
  return `invalid value: ${describeUnexpected(value)}, expected ${expected}`;
}

/** serde's `OneOf`: "`a`", "`a` or `b`", "one of `a`, `b`, `c`". */
export function expectedOneOf(values: readonly string[]): string {
  const quoted = values.map((v) => `\`${v}\``);
  if (quoted.length === 0) return 'there are no variants';
  if (quoted.length === 1) return quoted[0]!;
  if (quoted.length === 2) return `${quoted[0]!} or ${quoted[1]!}`;
  return `one of ${quoted.join(', ')}`;
}

export function unknownVariant(value: string, values: readonly string[]): string {
  return `unknown variant \`${value}\`, expected ${expectedOneOf(values)}`;
}

export function unknownField(key: string, fields: readonly string[]): string {
  if (fields.length === 0) return `unknown field \`${key}\`, there are no fields`;
  return `unknown field \`${key}\`, expected ${expectedOneOf(fields)}`;
}

export function untaggedMismatch(enumName: string): string {
  return `data did not match any variant of untagged enum ${enumName}`;
}

/**
 * A number as serde_json writes it: floats keep a decimal point ("1.0"), and an f32 is widened to
 * f64 first, so 0.3f32 prints as 0.30000001192092896, exactly as validator reports it.
 */
export function formatJsonNumber(value: number, isFloat: boolean, isF32 = false): string {
  const v = isF32 ? Math.fround(value) : value;
  if (isFloat && Number.isInteger(v) && Math.abs(v) < 1e16) return `${v}.0`;
  return String(v);
}

/** validator `range` as described by Qdrant's describe_error. `value` is already formatted. */
export function rangeMessage(bounds: { value?: string; min?: string; max?: string }): string {
  const { value, min, max } = bounds;
  let msg: string;
  if (min !== undefined && max !== undefined) msg = `must be from ${min} to ${max}`;
  else if (min !== undefined) msg = `must be ${min} or larger`;
  else msg = `must be ${max ?? '?'} or smaller`;
  return value === undefined ? msg : `value ${value} invalid, ${msg}`;
}

/** validator `length` as described by Qdrant's describe_error (counts are characters or items). */
export function lengthMessage(bounds: { value?: string; min?: number; max?: number }): string {
  const { value, min, max } = bounds;
  let msg: string;
  if (min !== undefined && max !== undefined) msg = `must be from ${min} to ${max} characters`;
  else if (min !== undefined) msg = `must be at least ${min} characters`;
  else msg = `must be at most ${max ?? '?'} characters`;
  return value === undefined ? msg : `value ${value} invalid, ${msg}`;
}

/** A validator error with only a code: `Display` prints "Validation error: <code> [{}]". */
export function bareValidatorCode(code: string): string {
  return `Validation error: ${code} [{}]`;
}
