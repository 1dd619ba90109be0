// Vector data in requests: dense, multi-dense, sparse, named maps of them, and the inference objects
// (Document / Image / InferenceObject) Qdrant accepts in their place. Dense data is read by a hand
// loop straight into a Float32Array (never number[]): an upsert can carry 256 × 1536 floats, and a
// zod number schema per element took ~1.4 ms for 256 × 768 on the dev machine while still leaving a
// number[] to convert; this loop does both in ~0.5 ms (see the benchmark in vector-schemas.test.ts).
// Values are stored as f32, as Qdrant does.
//
// Qdrant models these as serde untagged enums (lib/api/src/rest/schema.rs `VectorStruct`, `Vector`,
// `BatchVectorStruct`, `VectorInput`, `NamedVectorStruct`; lib/collection/src/operations/types.rs
// `RecommendExample`) and reports only "data did not match any variant …" when none fits. Here the
// variant is picked from the value's shape and its own error is reported, with a path.

import { z } from 'zod';
import { parsePointId, type PointId } from '../../common/point-id.js';
import { RingvecError } from '../../common/errors.js';
import {
  MISSING_FIELD,
  bareValidatorCode,
  invalidType,
  untaggedMismatch,
} from './serde-messages.js';
import {
  INVALID,
  custom,
  isJsonObject,
  jsonObject,
  opt,
  parseNested,
  pushFormat,
  pushValidation,
  str,
  strLength,
  struct,
} from './serde-schemas.js';

type Ctx = z.core.$RefinementCtx<unknown>;
type Path = (string | number)[];

/** A dense vector, stored as f32. */
export type DenseVector = Float32Array;
/** Several dense vectors of one dimension for one point (late interaction, `max_sim`). */
export type MultiDenseVector = Float32Array[];
/** `indices` must be unique and as long as `values` (checked). Order is as given. */
export interface SparseVector {
  indices: Uint32Array;
  values: Float32Array;
}
/** Text for server-side inference. ringvec has no inference: the engine rejects these. */
export interface DocumentInput {
  text: string;
  model: string;
  options?: Record<string, unknown> | undefined;
}
export interface ImageInput {
  image: unknown;
  model: string;
  options?: Record<string, unknown> | undefined;
}
export interface InferenceObjectInput {
  object: unknown;
  model: string;
  options?: Record<string, unknown> | undefined;
}
export type InferenceInput = DocumentInput | ImageInput | InferenceObjectInput;

/** One named vector's data (`Vector`): dense, sparse, multi-dense or an inference object. */
export type VectorData = DenseVector | SparseVector | MultiDenseVector | InferenceInput;
/** A point's vectors (`VectorStruct`): the unnamed vector, or a map of named ones. */
export type VectorStruct =
  DenseVector | MultiDenseVector | Record<string, VectorData> | InferenceInput;
/** Columnar vectors of a batch upsert (`BatchVectorStruct`), one entry per id. */
export type BatchVectors =
  DenseVector[] | MultiDenseVector[] | Record<string, VectorData[]> | InferenceInput[];
/** A query vector or a point id whose vector is looked up (`VectorInput`). */
export type VectorInput = DenseVector | SparseVector | MultiDenseVector | PointId | InferenceInput;
/** Legacy recommend/discover example (`RecommendExample`): a point id or a raw vector. */
export type RecommendExample = PointId | DenseVector | SparseVector;
/** Legacy search vector (`NamedVectorStruct`). `name` undefined means the default vector. */
export type NamedVectorStruct =
  | { name?: undefined; vector: DenseVector }
  | { name: string; vector: DenseVector }
  | { name: string; vector: SparseVector };

export function isSparseVector(v: unknown): v is SparseVector {
  return isJsonObject(v) && v['indices'] instanceof Uint32Array;
}
export function isMultiDenseVector(v: unknown): v is MultiDenseVector {
  return Array.isArray(v) && (v.length === 0 || v[0] instanceof Float32Array);
}
export function isInferenceInput(v: unknown): v is InferenceInput {
  return (
    isJsonObject(v) && typeof v['model'] === 'string' && !(v['indices'] instanceof Uint32Array)
  );
}

// ---- hand-written readers (hot path) ----------------------------------------------------------

/** Smallest double that rounds to f32 infinity (2^128 - 2^103); anything below stays finite. */
const F32_OVERFLOW = 3.4028235677973366e38;

function readDense(value: readonly unknown[], ctx: Ctx, path: Path): DenseVector | typeof INVALID {
  const n = value.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const x = value[i];
    // One comparison pair rejects NaN, ±Infinity and doubles beyond the f32 range.
    if (typeof x === 'number' && x < F32_OVERFLOW && x > -F32_OVERFLOW) {
      out[i] = x;
      continue;
    }
    const n64 = typeof x === 'bigint' ? Number(x) : x;
    if (typeof n64 === 'number' && n64 < F32_OVERFLOW && n64 > -F32_OVERFLOW) {
      out[i] = n64;
      continue;
    }
    pushFormat(
      ctx,
      typeof n64 === 'number'
        ? `invalid value: ${String(n64)}, expected a finite f32`
        : invalidType(x, 'f32'),
      [...path, i],
    );
    return INVALID;
  }
  return out;
}

function readMultiDense(
  value: readonly unknown[],
  ctx: Ctx,
  path: Path,
): MultiDenseVector | typeof INVALID {
  const out: Float32Array[] = new Array<Float32Array>(value.length);
  for (let i = 0; i < value.length; i++) {
    const row = value[i];
    if (!Array.isArray(row)) {
      pushFormat(ctx, invalidType(row, 'a sequence'), [...path, i]);
      return INVALID;
    }
    const dense = readDense(row, ctx, [...path, i]);
    if (dense === INVALID) return INVALID;
    out[i] = dense;
  }
  return out;
}

/** lib/common/common/src/validation.rs `validate_multi_vector`. */
function validateMultiDense(vectors: MultiDenseVector, ctx: Ctx, path: Path): void {
  const at = [...path, 'data'];
  if (vectors.length === 0) return pushValidation(ctx, 'multi vector must not be empty', at);
  if (vectors.some((v) => v.length === 0))
    return pushValidation(ctx, 'all vectors must be non-empty', at);
  const dim = vectors[0]!.length;
  const bad = vectors.find((v) => v.length !== dim);
  if (bad !== undefined)
    pushValidation(
      ctx,
      `all vectors must have the same dimension, found vector with dimension ${bad.length}`,
      at,
    );
}

/** lib/api/src/rest/schema.rs `validate_non_empty_dense`. */
function validateNonEmptyDense(vector: DenseVector, ctx: Ctx, path: Path): void {
  if (vector.length === 0)
    pushValidation(ctx, 'dense vector must not be empty', [...path, 'vector']);
}

function readU32Array(value: unknown, ctx: Ctx, path: Path): Uint32Array | typeof INVALID {
  if (value === undefined) {
    pushFormat(ctx, MISSING_FIELD, path);
    return INVALID;
  }
  if (!Array.isArray(value)) {
    pushFormat(ctx, invalidType(value, 'a sequence'), path);
    return INVALID;
  }
  const out = new Uint32Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const x: unknown = value[i];
    const n = typeof x === 'bigint' ? Number(x) : x;
    if (typeof n !== 'number' || !Number.isInteger(n)) {
      pushFormat(ctx, invalidType(x, 'u32'), [...path, i]);
      return INVALID;
    }
    if (n < 0 || n > 0xffff_ffff) {
      pushFormat(ctx, `invalid value: integer \`${String(x)}\`, expected u32`, [...path, i]);
      return INVALID;
    }
    out[i] = n;
  }
  return out;
}

/** `SparseVector` plus its `Validate` (lib/sparse/src/common/sparse_vector.rs). */
function readSparse(
  value: Record<string, unknown>,
  ctx: Ctx,
  path: Path,
): SparseVector | typeof INVALID {
  const indices = readU32Array(value['indices'], ctx, [...path, 'indices']);
  if (indices === INVALID) return INVALID;
  const rawValues = value['values'];
  if (rawValues === undefined || !Array.isArray(rawValues)) {
    pushFormat(
      ctx,
      rawValues === undefined ? MISSING_FIELD : invalidType(rawValues, 'a sequence'),
      [...path, 'values'],
    );
    return INVALID;
  }
  const values = readDense(rawValues, ctx, [...path, 'values']);
  if (values === INVALID) return INVALID;
  if (indices.length !== values.length)
    pushValidation(ctx, bareValidatorCode('must be the same length as indices'), [
      ...path,
      'values',
    ]);
  if (new Set(indices).size !== indices.length)
    pushValidation(ctx, bareValidatorCode('must be unique'), [...path, 'indices']);
  return { indices, values };
}

// ---- inference objects (shape only) -----------------------------------------------------------

const model = strLength(str(), { min: 1 });
const options = opt(jsonObject());
const documentSchema: z.ZodType<DocumentInput> = struct('Document', {
  text: str(),
  model,
  options,
});
const imageSchema: z.ZodType<ImageInput> = struct('Image', {
  image: z.unknown(),
  model,
  options,
});
const inferenceObjectSchema: z.ZodType<InferenceObjectInput> = struct('InferenceObject', {
  object: z.unknown(),
  model,
  options,
});

/** The inference schema an object looks like, or undefined. */
function inferenceSchema(value: Record<string, unknown>): z.ZodType<InferenceInput> | undefined {
  if (!('model' in value)) return undefined;
  if ('text' in value) return documentSchema;
  if ('image' in value) return imageSchema;
  if ('object' in value) return inferenceObjectSchema;
  return undefined;
}

function readInference(
  value: Record<string, unknown>,
  ctx: Ctx,
  path: Path,
): InferenceInput | typeof INVALID | undefined {
  const schema = inferenceSchema(value);
  return schema === undefined ? undefined : parseNested(schema, value, ctx, path);
}

// ---- the untagged enums -----------------------------------------------------------------------

interface DenseRules {
  /** Refuse empty dense vectors (stored data; not query vectors, which Qdrant does not check). */
  nonEmpty: boolean;
}

function readDenseOrMulti(
  value: readonly unknown[],
  ctx: Ctx,
  path: Path,
  rules: DenseRules,
): DenseVector | MultiDenseVector | typeof INVALID {
  if (value.length > 0 && Array.isArray(value[0])) {
    const multi = readMultiDense(value, ctx, path);
    if (multi !== INVALID) validateMultiDense(multi, ctx, path);
    return multi;
  }
  const dense = readDense(value, ctx, path);
  if (dense !== INVALID && rules.nonEmpty) validateNonEmptyDense(dense, ctx, path);
  return dense;
}

/** `Vector`: one named vector's data. */
function readVectorData(value: unknown, ctx: Ctx, path: Path): VectorData | typeof INVALID {
  if (Array.isArray(value)) return readDenseOrMulti(value, ctx, path, { nonEmpty: true });
  if (isJsonObject(value)) {
    if ('indices' in value || 'values' in value) return readSparse(value, ctx, path);
    const inference = readInference(value, ctx, path);
    if (inference !== undefined) return inference;
  }
  pushFormat(ctx, untaggedMismatch('Vector'), path);
  return INVALID;
}

function readNamedMap(
  value: Record<string, unknown>,
  ctx: Ctx,
  path: Path,
): Record<string, VectorData> | typeof INVALID {
  const out: Record<string, VectorData> = {};
  for (const [name, data] of Object.entries(value)) {
    const parsed = readVectorData(data, ctx, [...path, name]);
    if (parsed === INVALID) return INVALID;
    out[name] = parsed;
  }
  return out;
}

/** `VectorStruct`: the vectors of one point in an upsert or vector update. */
export const vectorStructSchema: z.ZodType<VectorStruct> = custom<VectorStruct>((value, ctx) => {
  if (Array.isArray(value)) return readDenseOrMulti(value, ctx, [], { nonEmpty: true });
  if (isJsonObject(value)) {
    if (typeof value['model'] === 'string') {
      const inference = readInference(value, ctx, []);
      if (inference !== undefined) return inference;
    }
    return readNamedMap(value, ctx, []);
  }
  pushFormat(ctx, untaggedMismatch('VectorStruct'));
  return INVALID;
});

/** True when a point's vectors are empty, as Qdrant's `VectorStruct::is_empty`. */
export function isEmptyVectorStruct(vectors: VectorStruct): boolean {
  if (vectors instanceof Float32Array) return vectors.length === 0;
  if (Array.isArray(vectors)) return vectors.length === 0;
  if (isInferenceInput(vectors)) return false;
  return Object.values(vectors as Record<string, VectorData>).every((v) => {
    if (v instanceof Float32Array) return v.length === 0;
    if (Array.isArray(v)) return v.length === 0;
    if (isSparseVector(v)) return v.indices.length === 0;
    return false;
  });
}

/** `BatchVectorStruct`: columnar vectors of a batch upsert. */
export const batchVectorsSchema: z.ZodType<BatchVectors> = custom<BatchVectors>((value, ctx) => {
  if (Array.isArray(value)) {
    const first: unknown = value[0];
    if (value.length === 0 || Array.isArray(first)) {
      const isMulti = Array.isArray(first) && first.length > 0 && Array.isArray(first[0]);
      const out: (DenseVector | MultiDenseVector)[] = [];
      for (let i = 0; i < value.length; i++) {
        const row: unknown = value[i];
        if (!Array.isArray(row)) {
          pushFormat(ctx, invalidType(row, 'a sequence'), [i]);
          return INVALID;
        }
        const parsed = isMulti ? readMultiDense(row, ctx, [i]) : readDense(row, ctx, [i]);
        if (parsed === INVALID) return INVALID;
        if (parsed instanceof Float32Array) validateNonEmptyDense(parsed, ctx, [i]);
        else validateMultiDense(parsed, ctx, [i]);
        out.push(parsed);
      }
      return out as DenseVector[] | MultiDenseVector[];
    }
    if (isJsonObject(first)) {
      const out: InferenceInput[] = [];
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        const parsed = isJsonObject(item) ? readInference(item, ctx, [i]) : undefined;
        if (parsed === INVALID) return INVALID;
        if (parsed === undefined) {
          pushFormat(ctx, untaggedMismatch('BatchVectorStruct'), [i]);
          return INVALID;
        }
        out.push(parsed);
      }
      return out;
    }
  } else if (isJsonObject(value)) {
    const out: Record<string, VectorData[]> = {};
    for (const [name, column] of Object.entries(value)) {
      if (!Array.isArray(column)) {
        pushFormat(ctx, invalidType(column, 'a sequence'), [name]);
        return INVALID;
      }
      const parsed: VectorData[] = [];
      for (let i = 0; i < column.length; i++) {
        const data = readVectorData(column[i], ctx, [name, i]);
        if (data === INVALID) return INVALID;
        parsed.push(data);
      }
      out[name] = parsed;
    }
    return out;
  }
  pushFormat(ctx, untaggedMismatch('BatchVectorStruct'));
  return INVALID;
});

function readPointId(value: unknown, ctx: Ctx, path: Path): PointId | typeof INVALID {
  try {
    return parsePointId(value, 'id');
  } catch (error) {
    if (!(error instanceof RingvecError)) throw error;
    const message = error.description.replace(/^Format error in JSON body: id: /, '');
    pushFormat(ctx, message, path);
    return INVALID;
  }
}

/** A point id: u64 (number, or bigint above 2^53) or a UUID in any form, canonicalised. */
export const pointIdSchema: z.ZodType<PointId> = custom<PointId>((value, ctx) =>
  readPointId(value, ctx, []),
);

/** `VectorInput` of the universal query API. */
export const vectorInputSchema: z.ZodType<VectorInput> = custom<VectorInput>((value, ctx) => {
  if (Array.isArray(value)) return readDenseOrMulti(value, ctx, [], { nonEmpty: false });
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'string')
    return readPointId(value, ctx, []);
  if (isJsonObject(value)) {
    if ('indices' in value || 'values' in value) return readSparse(value, ctx, []);
    const inference = readInference(value, ctx, []);
    if (inference !== undefined) return inference;
  }
  pushFormat(ctx, untaggedMismatch('VectorInput'));
  return INVALID;
});

/** `RecommendExample` of the legacy recommend/discover API. */
export const recommendExampleSchema: z.ZodType<RecommendExample> = custom<RecommendExample>(
  (value, ctx) => {
    if (Array.isArray(value)) return readDense(value, ctx, []);
    if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'string')
      return readPointId(value, ctx, []);
    if (isJsonObject(value)) return readSparse(value, ctx, []);
    pushFormat(ctx, untaggedMismatch('RecommendExample'));
    return INVALID;
  },
);

/** `NamedVectorStruct` of the legacy search API: `[…]`, `{name, vector: […]}` or sparse. */
export const namedVectorStructSchema: z.ZodType<NamedVectorStruct> = custom<NamedVectorStruct>(
  (value, ctx) => {
    if (Array.isArray(value)) {
      const vector = readDense(value, ctx, []);
      return vector === INVALID ? INVALID : { vector };
    }
    if (isJsonObject(value)) {
      const name = value['name'];
      const vector = value['vector'];
      if (typeof name !== 'string') {
        pushFormat(ctx, name === undefined ? MISSING_FIELD : invalidType(name, 'a string'), [
          'name',
        ]);
        return INVALID;
      }
      if (Array.isArray(vector)) {
        const dense = readDense(vector, ctx, ['vector']);
        return dense === INVALID ? INVALID : { name, vector: dense };
      }
      if (isJsonObject(vector)) {
        const sparse = readSparse(vector, ctx, ['vector']);
        return sparse === INVALID ? INVALID : { name, vector: sparse };
      }
      pushFormat(
        ctx,
        vector === undefined ? MISSING_FIELD : untaggedMismatch('NamedVectorStruct'),
        ['vector'],
      );
      return INVALID;
    }
    pushFormat(ctx, untaggedMismatch('NamedVectorStruct'));
    return INVALID;
  },
);
