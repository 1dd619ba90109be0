// Point endpoints: writes (with ?wait=), retrieval, scroll and count.

import type { FastifyInstance } from 'fastify';
import { RingvecError } from '../../common/errors.js';
import { parsePointId, type PointId } from '../../common/point-id.js';
import {
  applyOperation,
  batchUpdate,
  countPoints,
  facet,
  getPoint,
  getPoints,
  scrollPoints,
  upsertPoints,
} from '../../api/points-api.js';
import {
  parseClearPayload,
  parseCollectionName,
  parseCount,
  parseFacet,
  parseDeletePayload,
  parseDeletePoints,
  parseDeleteVectors,
  parseGetPoints,
  parseReadParams,
  parseScroll,
  parseSetPayload,
  parseUpdateOperations,
  parseUpdateParams,
  parseUpdateVectors,
  parseUpsertPoints,
} from '../../api/schemas/index.js';
import { route } from '../http-server.js';
import type { ServerState } from '../server-state.js';

/** A point id from a URL path segment: digits are a u64, anything else must be a UUID. */
export function pathPointId(text: string): PointId {
  try {
    return parsePointId(/^\d+$/.test(text) ? BigInt(text) : text, 'id');
  } catch {
    throw new RingvecError(
      'format',
      `Format error in path parameters: value ${text} is not a valid point ID, valid values are either an unsigned integer or a UUID`,
    );
  }
}

export function registerPointRoutes(app: FastifyInstance, state: ServerState): void {
  const engine = state.engine;
  const collection = (params: Record<string, string>) =>
    engine.get(parseCollectionName(params.collection_name ?? ''));
  const base = '/collections/:collection_name/points';

  route(app, 'GET', `${base}/:id`, 'read', ({ params, query }) => {
    parseReadParams(query);
    return getPoint(collection(params), pathPointId(params.id ?? ''));
  });

  route(app, 'POST', base, 'read', ({ params, query, body }) => {
    parseReadParams(query);
    return getPoints(collection(params), parseGetPoints(body));
  });

  route(app, 'PUT', base, 'write', ({ params, query, body }) => {
    const { wait } = parseUpdateParams(query);
    return upsertPoints(collection(params), parseUpsertPoints(body), wait);
  });

  route(app, 'POST', `${base}/delete`, 'write', ({ params, query, body }) => {
    const { wait } = parseUpdateParams(query);
    return applyOperation(collection(params), { delete: parseDeletePoints(body) }, wait);
  });

  route(app, 'PUT', `${base}/vectors`, 'write', ({ params, query, body }) => {
    const { wait } = parseUpdateParams(query);
    return applyOperation(collection(params), { update_vectors: parseUpdateVectors(body) }, wait);
  });

  route(app, 'POST', `${base}/vectors/delete`, 'write', ({ params, query, body }) => {
    const { wait } = parseUpdateParams(query);
    return applyOperation(collection(params), { delete_vectors: parseDeleteVectors(body) }, wait);
  });

  route(app, 'POST', `${base}/payload`, 'write', ({ params, query, body }) => {
    const { wait } = parseUpdateParams(query);
    return applyOperation(collection(params), { set_payload: parseSetPayload(body) }, wait);
  });

  route(app, 'PUT', `${base}/payload`, 'write', ({ params, query, body }) => {
    const { wait } = parseUpdateParams(query);
    return applyOperation(collection(params), { overwrite_payload: parseSetPayload(body) }, wait);
  });

  route(app, 'POST', `${base}/payload/delete`, 'write', ({ params, query, body }) => {
    const { wait } = parseUpdateParams(query);
    return applyOperation(collection(params), { delete_payload: parseDeletePayload(body) }, wait);
  });

  route(app, 'POST', `${base}/payload/clear`, 'write', ({ params, query, body }) => {
    const { wait } = parseUpdateParams(query);
    return applyOperation(collection(params), { clear_payload: parseClearPayload(body) }, wait);
  });

  route(app, 'POST', `${base}/batch`, 'write', ({ params, query, body }) => {
    const { wait } = parseUpdateParams(query);
    return batchUpdate(collection(params), parseUpdateOperations(body).operations, wait);
  });

  route(app, 'POST', `${base}/scroll`, 'read', ({ params, query, body }) => {
    parseReadParams(query);
    return scrollPoints(collection(params), parseScroll(body ?? {}));
  });

  route(app, 'POST', '/collections/:collection_name/facet', 'read', ({ params, query, body }) => {
    parseReadParams(query);
    return facet(collection(params), parseFacet(body));
  });

  route(app, 'POST', `${base}/count`, 'read', ({ params, query, body }) => {
    parseReadParams(query);
    return countPoints(collection(params), parseCount(body ?? {}));
  });
}
