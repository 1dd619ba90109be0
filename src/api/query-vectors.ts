// Vectors of search-like requests: a query example is a raw vector or the id of a point whose
// stored vector is used (from this collection, or from `lookup_from`). Also the recommendation
// average of Qdrant's `average_vector` strategy. Only dense vectors exist in ringvec: sparse
// vectors, multivectors and inference objects are refused with a 400 that says so.

import { RingvecError, errors } from '../common/errors.js';
import { formatPointId, type PointId } from '../common/point-id.js';
import type { Collection } from '../collection/collection.js';
import {
  isInferenceInput,
  isMultiDenseVector,
  isSparseVector,
  type LookupLocation,
  type ShardKey,
  type ShardKeySelector,
  type VectorInput,
} from './schemas/index.js';

/** What the search endpoints need besides the request: the collection and its neighbours. */
export interface QueryContext {
  collection: Collection;
  /** A collection by name or alias, for `lookup_from` and `with_lookup` (404 when missing). */
  collectionByName(name: string): Collection;
}

/** Where the vectors of referenced point ids come from. */
export interface VectorSource {
  collection: Collection;
  vectorName: string;
  /** True when ids refer to another collection (they are then not excluded from results). */
  otherCollection: boolean;
}

/**
 * The source of referenced vectors. The universal query API defaults the lookup vector name to
 * `using`; the legacy recommend/discover API defaults it to the unnamed vector once `lookup_from`
 * is given (lib/collection/src/common/retrieve_request_trait.rs).
 */
export function vectorSource(
  context: QueryContext,
  using: string,
  lookupFrom: LookupLocation | undefined,
  legacy: boolean,
): VectorSource {
  if (lookupFrom === undefined) {
    return { collection: context.collection, vectorName: using, otherCollection: false };
  }
  checkShardKey(lookupFrom.shard_key);
  return {
    collection: context.collectionByName(lookupFrom.collection),
    vectorName: lookupFrom.vector ?? (legacy ? '' : using),
    otherCollection: lookupFrom.collection !== context.collection.name,
  };
}

function shardKeyText(key: ShardKey): string {
  return typeof key === 'string' ? `"${key}"` : String(key);
}

/**
 * ringvec collections have no custom sharding, so any shard key is unknown: Qdrant's 400
 * "Shard key … not found" (404 for a target/fallback pair), never silently ignored.
 */
export function checkShardKey(selector: ShardKeySelector | undefined): void {
  if (selector === undefined) return;
  if (typeof selector === 'object' && !Array.isArray(selector)) {
    const { target, fallback } = selector;
    throw new RingvecError(
      'not_found',
      `Neither target shard key ${shardKeyText(target)} nor fallback shard key ${shardKeyText(fallback)} exist not found`,
    );
  }
  const [first] = Array.isArray(selector) ? selector : [selector];
  if (first !== undefined)
    throw new RingvecError('bad_request', `Shard key ${shardKeyText(first)} not found`);
}

/** Refuses the vector kinds ringvec does not have. */
export function unsupportedVector(value: unknown): never {
  if (isSparseVector(value))
    throw new RingvecError('bad_request', 'sparse vectors are not supported by ringvec');
  if (isMultiDenseVector(value))
    throw new RingvecError('bad_request', 'multivectors are not supported by ringvec');
  if (isInferenceInput(value))
    throw new RingvecError(
      'bad_request',
      'inference (documents, images, objects) is not supported by ringvec',
    );
  throw new RingvecError('bad_request', 'this kind of vector is not supported by ringvec');
}

export function isPointIdInput(value: unknown): value is PointId {
  return typeof value === 'number' || typeof value === 'bigint' || typeof value === 'string';
}

/** A batch of referenced ids to read from one source. */
export interface VectorReference {
  source: VectorSource;
  ids: readonly PointId[];
}

/**
 * The stored vectors of every point a request refers to, read up front in one batch per
 * collection and vector name (on-disk vectors through the collection's async reader, so the event
 * loop never waits on disk), as Qdrant's `ReferencedVectors`.
 */
export class ReferencedVectors {
  private readonly vectors = new Map<Collection, Map<string, Map<PointId, Float32Array | null>>>();

  /** Reads every reference; unknown vector names are Qdrant's 400, missing points its 404. */
  static async read(references: readonly VectorReference[]): Promise<ReferencedVectors> {
    const out = new ReferencedVectors();
    const wanted = new Map<Collection, Map<string, Set<PointId>>>();
    for (const { source, ids } of references) {
      if (ids.length === 0) continue;
      let byName = wanted.get(source.collection);
      if (!byName) wanted.set(source.collection, (byName = new Map()));
      let set = byName.get(source.vectorName);
      if (!set) byName.set(source.vectorName, (set = new Set()));
      for (const id of ids) set.add(id);
    }
    for (const [collection, byName] of wanted) {
      const read = new Map<string, Map<PointId, Float32Array | null>>();
      out.vectors.set(collection, read);
      for (const [name, set] of byName) {
        const ids = [...set];
        const vectors = await collection.readPointVectors(ids, name);
        const found = new Map<PointId, Float32Array | null>();
        ids.forEach((id, i) => {
          if (vectors[i] !== undefined) found.set(id, vectors[i]);
          else if (collection.locatePoint(id) !== undefined) found.set(id, null);
          else throw errors.pointNotFound(formatPointId(id));
        });
        read.set(name, found);
      }
    }
    return out;
  }

  /** The vector of a point that was read; null when the point has no such vector. */
  get(source: VectorSource, id: PointId): Float32Array | null {
    const vector = this.vectors.get(source.collection)?.get(source.vectorName)?.get(id);
    if (vector === undefined) throw errors.pointNotFound(formatPointId(id));
    return vector;
  }

  /**
   * A universal-query input as a dense vector. A point without the vector is Qdrant's 404
   * "Vector with name "…" for point not found".
   */
  queryVector(source: VectorSource, input: VectorInput): Float32Array {
    if (input instanceof Float32Array) return input;
    if (!isPointIdInput(input)) unsupportedVector(input);
    const vector = this.get(source, input);
    if (vector === null)
      throw new RingvecError(
        'not_found',
        `Vector with name ${JSON.stringify(source.vectorName)} for point not found`,
      );
    return vector;
  }

  /**
   * Legacy recommend/discover examples as dense vectors. A point without the vector is skipped
   * silently, as Qdrant's `convert_to_vectors` does.
   */
  examples(source: VectorSource, inputs: readonly VectorInput[]): Float32Array[] {
    const out: Float32Array[] = [];
    for (const input of inputs) {
      if (input instanceof Float32Array) out.push(input);
      else if (isPointIdInput(input)) {
        const vector = this.get(source, input);
        if (vector !== null) out.push(vector);
      } else unsupportedVector(input);
    }
    return out;
  }
}

/** The point ids among the inputs. */
export function referencedIds(inputs: readonly unknown[]): PointId[] {
  return inputs.filter(isPointIdInput);
}

const f32 = Math.fround;

/** Element-wise mean in f32; vectors of different lengths extend it as in Qdrant's `avg_vectors`. */
function averageOf(vectors: readonly Float32Array[]): Float32Array {
  const length = Math.max(...vectors.map((v) => v.length));
  const sum = new Float32Array(length);
  for (const vector of vectors)
    for (let i = 0; i < vector.length; i++) sum[i] = sum[i]! + vector[i]!;
  for (let i = 0; i < length; i++) sum[i] = sum[i]! / vectors.length;
  return sum;
}

/**
 * Qdrant's `average_vector` recommendation query: avg(positive), or 2·avg(positive) − avg(negative)
 * when there are negatives (lib/collection/src/recommendations.rs).
 */
export function averageRecommendVector(
  positives: readonly Float32Array[],
  negatives: readonly Float32Array[],
): Float32Array {
  if (positives.length === 0)
    throw errors.badInput('Positive vectors should not be empty with `average` strategy');
  const positive = averageOf(positives);
  if (negatives.length === 0) return positive;
  const negative = averageOf(negatives);
  const length = Math.min(positive.length, negative.length);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = f32(f32(positive[i]! + positive[i]!) - negative[i]!);
  return out;
}
