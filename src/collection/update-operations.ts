// The update operations a collection applies, in their internal form: ids already parsed,
// vectors as Float32Array keyed by vector name, filter selectors already resolved to ids (so
// replaying the WAL is deterministic). Also their WAL encoding.
//
// WAL body: [u32 JSON length][JSON][zero padding to 4 bytes][float32 data]. Inside the JSON each
// vector is {"$f32": [first float, length]} pointing into the float32 section, so large upserts
// are not printed as decimal text; ids and payloads keep exact 64-bit integers (common/json.ts).

import { parseJson, stringifyJson } from '../common/json.js';
import { parsePointId, type PointId } from '../common/point-id.js';

export type Payload = Record<string, unknown>;

export interface PointWrite {
  id: PointId;
  vectors: Map<string, Float32Array>;
  payload: Payload | null;
}

export interface VectorsWrite {
  id: PointId;
  vectors: Map<string, Float32Array>;
}

export type UpdateOperation =
  | { type: 'upsert'; points: PointWrite[] }
  | { type: 'delete'; ids: PointId[] }
  | { type: 'set_payload'; ids: PointId[]; payload: Payload; key: string | null }
  | { type: 'overwrite_payload'; ids: PointId[]; payload: Payload }
  | { type: 'delete_payload'; ids: PointId[]; keys: string[] }
  | { type: 'clear_payload'; ids: PointId[] }
  | { type: 'update_vectors'; points: VectorsWrite[] }
  | { type: 'delete_vectors'; ids: PointId[]; vectors: string[] }
  | {
      type: 'create_field_index';
      key: string;
      schema: { type: string; params?: Record<string, unknown> };
    }
  | { type: 'delete_field_index'; key: string };

interface F32Ref {
  $f32: [number, number];
}

function encodeVectors(
  vectors: Map<string, Float32Array>,
  chunks: Float32Array[],
  cursor: { floats: number },
): Record<string, F32Ref> {
  const out: Record<string, F32Ref> = {};
  for (const [name, vector] of vectors) {
    out[name] = { $f32: [cursor.floats, vector.length] };
    chunks.push(vector);
    cursor.floats += vector.length;
  }
  return out;
}

export function encodeOperation(op: UpdateOperation): Uint8Array {
  const chunks: Float32Array[] = [];
  const cursor = { floats: 0 };
  let json: unknown;
  switch (op.type) {
    case 'upsert':
      json = {
        type: op.type,
        points: op.points.map((p) => ({
          id: p.id,
          vectors: encodeVectors(p.vectors, chunks, cursor),
          payload: p.payload,
        })),
      };
      break;
    case 'update_vectors':
      json = {
        type: op.type,
        points: op.points.map((p) => ({
          id: p.id,
          vectors: encodeVectors(p.vectors, chunks, cursor),
        })),
      };
      break;
    default:
      json = op;
  }
  const text = Buffer.from(stringifyJson(json), 'utf8');
  const floatsStart = (4 + text.byteLength + 3) & ~3;
  const out = new Uint8Array(floatsStart + cursor.floats * 4);
  new DataView(out.buffer).setUint32(0, text.byteLength, true);
  out.set(text, 4);
  const floats = new Float32Array(out.buffer, floatsStart, cursor.floats);
  let at = 0;
  for (const chunk of chunks) {
    floats.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

function decodeVectors(encoded: unknown, floats: Float32Array): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [name, ref] of Object.entries(encoded as Record<string, F32Ref>)) {
    const [first, length] = ref.$f32;
    out.set(name, floats.slice(first, first + length));
  }
  return out;
}

export function decodeOperation(body: Uint8Array): UpdateOperation {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const textLength = view.getUint32(0, true);
  const text = Buffer.from(body.buffer, body.byteOffset + 4, textLength).toString('utf8');
  const floatsStart = (4 + textLength + 3) & ~3;
  // Warning: `body` may be a Buffer, whose slice() is a view; copy into a fresh, aligned array.
  const floatBytes = new Uint8Array(body.byteLength - floatsStart);
  floatBytes.set(body.subarray(floatsStart));
  const floats = new Float32Array(floatBytes.buffer);
  const json = parseJson(text) as Record<string, unknown> & { type: UpdateOperation['type'] };
  const ids = (list: unknown) => (list as unknown[]).map((id) => parsePointId(id));
  switch (json.type) {
    case 'upsert':
      return {
        type: 'upsert',
        points: (json.points as { id: unknown; vectors: unknown; payload: Payload | null }[]).map(
          (p) => ({
            id: parsePointId(p.id),
            vectors: decodeVectors(p.vectors, floats),
            payload: p.payload,
          }),
        ),
      };
    case 'update_vectors':
      return {
        type: 'update_vectors',
        points: (json.points as { id: unknown; vectors: unknown }[]).map((p) => ({
          id: parsePointId(p.id),
          vectors: decodeVectors(p.vectors, floats),
        })),
      };
    case 'delete':
      return { type: 'delete', ids: ids(json.ids) };
    case 'set_payload':
      return {
        type: 'set_payload',
        ids: ids(json.ids),
        payload: json.payload as Payload,
        key: (json.key as string | null) ?? null,
      };
    case 'overwrite_payload':
      return { type: 'overwrite_payload', ids: ids(json.ids), payload: json.payload as Payload };
    case 'delete_payload':
      return { type: 'delete_payload', ids: ids(json.ids), keys: json.keys as string[] };
    case 'clear_payload':
      return { type: 'clear_payload', ids: ids(json.ids) };
    case 'delete_vectors':
      return { type: 'delete_vectors', ids: ids(json.ids), vectors: json.vectors as string[] };
    case 'create_field_index':
      return {
        type: 'create_field_index',
        key: json.key as string,
        schema: json.schema as { type: string; params?: Record<string, unknown> },
      };
    case 'delete_field_index':
      return { type: 'delete_field_index', key: json.key as string };
  }
}
