// Collection and alias endpoints.

import type { FastifyInstance } from 'fastify';
import {
  changeAliases,
  collectionAliases,
  collectionClusterInfo,
  collectionExists,
  collectionInfo,
  createCollection,
  createFieldIndex,
  deleteFieldIndex,
  listAliases,
  listCollections,
  updateCollection,
} from '../../api/collections-api.js';
import {
  parseChangeAliases,
  parseCollectionName,
  parseCollectionTimeoutParams,
  parseCreateCollection,
  parseCreateFieldIndex,
  parseUpdateParams,
  parseUpdateCollection,
} from '../../api/schemas/index.js';
import { route } from '../http-server.js';
import type { ServerState } from '../server-state.js';

export function registerCollectionRoutes(app: FastifyInstance, state: ServerState): void {
  const engine = state.engine;
  const name = (params: Record<string, string>, strict = false) =>
    parseCollectionName(params.collection_name ?? '', { strict });

  route(app, 'GET', '/collections', 'read', () => listCollections(engine));

  route(app, 'GET', '/collections/:collection_name', 'read', ({ params }) =>
    collectionInfo(engine.get(name(params)), (onDisk) => state.io.backendFor(onDisk)),
  );

  route(app, 'PUT', '/collections/:collection_name', 'write', ({ params, query, body }) => {
    parseCollectionTimeoutParams(query);
    return createCollection(engine, name(params, true), parseCreateCollection(body));
  });

  route(app, 'PATCH', '/collections/:collection_name', 'write', ({ params, query, body }) => {
    parseCollectionTimeoutParams(query);
    return updateCollection(engine, name(params), parseUpdateCollection(body ?? {}));
  });

  route(app, 'DELETE', '/collections/:collection_name', 'write', ({ params, query }) => {
    parseCollectionTimeoutParams(query);
    return engine.delete(name(params));
  });

  route(app, 'GET', '/collections/:collection_name/exists', 'read', ({ params }) =>
    collectionExists(engine, name(params)),
  );

  route(app, 'GET', '/collections/:collection_name/cluster', 'read', ({ params }) =>
    collectionClusterInfo(engine.get(name(params))),
  );

  route(app, 'POST', '/collections/aliases', 'write', ({ query, body }) => {
    parseCollectionTimeoutParams(query);
    return changeAliases(engine, parseChangeAliases(body));
  });

  route(app, 'GET', '/collections/:collection_name/aliases', 'read', ({ params }) =>
    collectionAliases(engine, name(params)),
  );

  route(app, 'GET', '/aliases', 'read', () => listAliases(engine));

  route(app, 'PUT', '/collections/:collection_name/index', 'write', ({ params, query, body }) => {
    const { wait } = parseUpdateParams(query);
    return createFieldIndex(engine.get(name(params)), parseCreateFieldIndex(body), body, wait);
  });

  route(
    app,
    'DELETE',
    '/collections/:collection_name/index/:field_name',
    'write',
    ({ params, query }) => {
      const { wait } = parseUpdateParams(query);
      return deleteFieldIndex(engine.get(name(params)), params.field_name ?? '', wait);
    },
  );
}
