// Point endpoints, transport-free: upsert (list and batch forms), retrieval, deletes, vector and
// payload edits, batch updates, scroll and count. Filter selectors are resolved to ids right
// before their operation is logged, so the WAL replays deterministically.

import { RingvecError, errors } from '../common/errors.js';
import { formatPointId, type PointId } from '../common/point-id.js';
import type {
  Collection,
  PayloadSelector,
  PointRecord,
  UpdateResult,
  VectorSelector,
} from '../collection/collection.js';
import type {
  PointWrite,
  UpdateOperation as CoreOperation,
  VectorsWrite,
} from '../collection/update-operations.js';
import { DEFAULT_VECTOR_NAME } from '../collection/collection-config.js';
import type { Filter } from '../filter/filter-types.js';
import { parseFilter } from '../filter/parse-filter.js';
import {
  isInferenceInput,
  isMultiDenseVector,
  isSparseVector,
  type BatchVectors,
  type CountRequest,
  type FacetRequest,
  type DeletePayloadRequest,
  type DeleteVectorsRequest,
  type GetPointsRequest,
  type ScrollRequest,
  type SetPayloadRequest,
  type UpdateOperation,
  type UpdateVectorsRequest,
  type UpsertPointsRequest,
  type VectorData,
  type VectorStruct,
  type WithPayload,
  type WithVector,
} from './schemas/index.js';

/** The wire filter (validated JSON) in core form; null for "no filter". */
export function coreFilter(filter: unknown, path = 'filter'): Filter | null {
  if (filter === undefined || filter === null) return null;
  return parseFilter(filter, path);
}

export function payloadSelector(selector: WithPayload): PayloadSelector {
  if (Array.isArray(selector)) return { include: selector };
  return selector;
}

export function vectorSelector(selector: WithVector): VectorSelector {
  return selector;
}

function denseVector(value: VectorData, name: string): Float32Array {
  if (value instanceof Float32Array) return value;
  if (isSparseVector(value))
    throw new RingvecError(
      'bad_request',
      `sparse vector "${name}": sparse vectors are not supported by ringvec`,
    );
  if (isMultiDenseVector(value))
    throw new RingvecError(
      'bad_request',
      `vector "${name}": multivectors are not supported by ringvec`,
    );
  if (isInferenceInput(value))
    throw new RingvecError(
      'bad_request',
      `vector "${name}": inference (documents, images) is not supported by ringvec`,
    );
  throw new RingvecError('bad_request', `vector "${name}" has an unsupported form`);
}

/** A point's vectors by name; the unnamed vector is "". */
export function vectorsOf(struct: VectorStruct): Map<string, Float32Array> {
  if (struct instanceof Float32Array) return new Map([[DEFAULT_VECTOR_NAME, struct]]);
  if (isMultiDenseVector(struct) || isInferenceInput(struct)) {
    denseVector(struct, DEFAULT_VECTOR_NAME);
  }
  const out = new Map<string, Float32Array>();
  for (const [name, value] of Object.entries(struct as Record<string, VectorData>)) {
    out.set(name, denseVector(value, name));
  }
  return out;
}

function batchPoints(batch: {
  ids: PointId[];
  vectors: BatchVectors;
  payloads?: (Record<string, unknown> | undefined)[] | undefined;
}): PointWrite[] {
  const { ids, vectors, payloads } = batch;
  const count = ids.length;
  const columns = new Map<string, VectorData[]>();
  if (Array.isArray(vectors)) {
    columns.set(DEFAULT_VECTOR_NAME, vectors as VectorData[]);
  } else {
    for (const [name, column] of Object.entries(vectors)) columns.set(name, column);
  }
  for (const [name, column] of columns) {
    if (column.length !== count) {
      throw new RingvecError(
        'bad_input',
        `number of vectors (${column.length}) for "${name}" does not match number of ids (${count})`,
      );
    }
  }
  if (payloads !== undefined && payloads.length !== count) {
    throw new RingvecError(
      'bad_input',
      `number of payloads (${payloads.length}) does not match number of ids (${count})`,
    );
  }
  return ids.map((id, i) => {
    const pointVectors = new Map<string, Float32Array>();
    for (const [name, column] of columns) pointVectors.set(name, denseVector(column[i]!, name));
    return { id, vectors: pointVectors, payload: payloads?.[i] ?? null };
  });
}

/** Applies Qdrant's update_mode and update_filter to an upsert. */
async function conditionalPoints(
  collection: Collection,
  points: PointWrite[],
  mode: 'upsert' | 'insert_only' | 'update_only',
  updateFilter: Filter | null,
): Promise<PointWrite[]> {
  if (mode === 'upsert' && updateFilter === null) return points;
  const allowedExisting =
    updateFilter === null
      ? null
      : new Set((await collection.matchingPoints(updateFilter)).map((p) => p.id));
  return points.filter((point) => {
    const exists = collection.locatePoint(point.id) !== undefined;
    if (mode === 'insert_only' && exists) return false;
    if (mode === 'update_only' && !exists) return false;
    if (exists && allowedExisting !== null && !allowedExisting.has(point.id)) return false;
    return true;
  });
}

async function upsertOperation(
  collection: Collection,
  request: UpsertPointsRequest,
): Promise<CoreOperation> {
  const points =
    'batch' in request
      ? batchPoints(request.batch)
      : request.points.map((p) => ({
          id: p.id,
          vectors: vectorsOf(p.vector),
          payload: p.payload ?? null,
        }));
  return {
    type: 'upsert',
    points: await conditionalPoints(
      collection,
      points,
      request.update_mode,
      coreFilter(request.update_filter, 'update_filter'),
    ),
  };
}

/** Ids chosen by a selector (explicit ids, or every point matching a filter). */
async function selectedIds(
  collection: Collection,
  selector: { points?: PointId[] | undefined; filter?: unknown },
): Promise<PointId[]> {
  if (selector.points !== undefined) return selector.points;
  const filter = coreFilter(selector.filter);
  return (await collection.matchingPoints(filter)).map((p) => p.id);
}

/** Payload edits by id require the points to exist (Qdrant: 404); by filter they never fail. */
async function payloadTargets(
  collection: Collection,
  selector: { points?: PointId[] | undefined; filter?: unknown },
): Promise<PointId[]> {
  if (selector.points !== undefined) {
    for (const id of selector.points) {
      if (!collection.locatePoint(id)) throw errors.pointNotFound(formatPointId(id));
    }
    return selector.points;
  }
  return selectedIds(collection, selector);
}

/**
 * Turns one wire operation into the core operation, resolving selectors against the current
 * state. Call it inside `collection.exclusive` so nothing changes between resolving and applying.
 */
export async function toCoreOperation(
  collection: Collection,
  operation: UpdateOperation,
): Promise<CoreOperation> {
  if ('upsert' in operation) return upsertOperation(collection, operation.upsert);
  if ('delete' in operation) {
    return { type: 'delete', ids: await selectedIds(collection, operation.delete) };
  }
  if ('set_payload' in operation) {
    const request: SetPayloadRequest = operation.set_payload;
    return {
      type: 'set_payload',
      ids: await payloadTargets(collection, request),
      payload: request.payload,
      key: request.key ?? null,
    };
  }
  if ('overwrite_payload' in operation) {
    const request: SetPayloadRequest = operation.overwrite_payload;
    return {
      type: 'overwrite_payload',
      ids: await payloadTargets(collection, request),
      payload: request.payload,
    };
  }
  if ('delete_payload' in operation) {
    const request: DeletePayloadRequest = operation.delete_payload;
    return {
      type: 'delete_payload',
      ids: await payloadTargets(collection, request),
      keys: request.keys,
    };
  }
  if ('clear_payload' in operation) {
    return {
      type: 'clear_payload',
      ids: await payloadTargets(collection, operation.clear_payload),
    };
  }
  if ('update_vectors' in operation) {
    const request: UpdateVectorsRequest = operation.update_vectors;
    const filter = coreFilter(request.update_filter, 'update_filter');
    const allowed =
      filter === null ? null : new Set((await collection.matchingPoints(filter)).map((p) => p.id));
    const points: VectorsWrite[] = [];
    for (const point of request.points) {
      if (allowed !== null && !allowed.has(point.id)) continue;
      points.push({ id: point.id, vectors: vectorsOf(point.vector) });
    }
    return { type: 'update_vectors', points };
  }
  const request: DeleteVectorsRequest = operation.delete_vectors;
  const ids =
    request.points !== undefined
      ? request.points.filter((id) => collection.locatePoint(id) !== undefined)
      : await selectedIds(collection, request);
  return { type: 'delete_vectors', ids, vectors: request.vector };
}

// ---------------------------------------------------------------- endpoints

/**
 * Resolves, logs and applies one operation with no other write in between, then (outside the
 * exclusive section, so concurrent writers share fsyncs) waits for durability when `wait`.
 */
export async function applyOperation(
  collection: Collection,
  operation: UpdateOperation,
  wait: boolean,
): Promise<UpdateResult> {
  const { operationId, durable } = await collection.exclusive(async () =>
    collection.submit(await toCoreOperation(collection, operation)),
  );
  if (wait) {
    await durable;
    return { operation_id: operationId, status: 'completed' };
  }
  durable.catch(() => undefined);
  return { operation_id: operationId, status: 'acknowledged' };
}

export function upsertPoints(
  collection: Collection,
  request: UpsertPointsRequest,
  wait: boolean,
): Promise<UpdateResult> {
  return applyOperation(collection, { upsert: request }, wait);
}

/** POST /points/batch: operations in order, each with its own operation id. */
export async function batchUpdate(
  collection: Collection,
  operations: UpdateOperation[],
  wait: boolean,
): Promise<UpdateResult[]> {
  const results: UpdateResult[] = [];
  for (const operation of operations) {
    results.push(await applyOperation(collection, operation, wait));
  }
  return results;
}

/** Records as Qdrant prints them (version is internal to search results). */
function wireRecord(record: PointRecord): Record<string, unknown> {
  const out: Record<string, unknown> = { id: record.id };
  if (record.payload !== undefined) out.payload = record.payload;
  if (record.vector !== undefined) out.vector = record.vector;
  return out;
}

export async function getPoints(
  collection: Collection,
  request: GetPointsRequest,
): Promise<Record<string, unknown>[]> {
  const records = await collection.retrieve(
    request.ids,
    payloadSelector(request.with_payload),
    vectorSelector(request.with_vector),
  );
  return records.map(wireRecord);
}

export async function getPoint(
  collection: Collection,
  id: PointId,
): Promise<Record<string, unknown>> {
  const [record] = await collection.retrieve([id], true, true);
  if (!record) throw errors.pointNotFound(formatPointId(id));
  return wireRecord(record);
}

export async function scrollPoints(
  collection: Collection,
  request: ScrollRequest,
): Promise<Record<string, unknown>> {
  const withPayload = payloadSelector(request.with_payload);
  const withVector = vectorSelector(request.with_vector);
  if (request.order_by !== undefined) {
    return collection.scrollOrdered(request, withPayload, withVector, coreFilter(request.filter));
  }
  const { points, next } = await collection.scrollById(
    request.offset ?? null,
    request.limit,
    coreFilter(request.filter),
  );
  const records = await collection.records(points, withPayload, withVector);
  return { points: records.map(wireRecord), next_page_offset: next };
}

export async function countPoints(
  collection: Collection,
  request: CountRequest,
): Promise<{ count: number }> {
  return { count: await collection.countPoints(coreFilter(request.filter)) };
}

export async function facet(
  collection: Collection,
  request: FacetRequest,
): Promise<{ hits: { value: unknown; count: number }[] }> {
  return { hits: await collection.facet(request.key, coreFilter(request.filter), request.limit) };
}
