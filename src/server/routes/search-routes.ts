// Search endpoints: the universal query API (query, batch, groups), the legacy search /
// recommend / discover API of Qdrant's v1.18 spec, and the distance matrix.

import type { FastifyInstance } from 'fastify';
import {
  queryContext,
  queryPointGroups,
  queryPoints,
  queryPointsBatch,
} from '../../api/query-api.js';
import {
  discoverPoints,
  discoverPointsBatch,
  recommendPointGroups,
  recommendPoints,
  recommendPointsBatch,
  searchPointGroups,
  searchPoints,
  searchPointsBatch,
} from '../../api/query-legacy.js';
import { matrixOffsets, matrixPairs } from '../../api/query-matrix.js';
import {
  parseCollectionName,
  parseDiscover,
  parseDiscoverBatch,
  parseQuery,
  parseQueryBatch,
  parseQueryGroups,
  parseReadParams,
  parseRecommend,
  parseRecommendBatch,
  parseRecommendGroups,
  parseSearch,
  parseSearchBatch,
  parseSearchGroups,
  parseSearchMatrix,
} from '../../api/schemas/index.js';
import { route, type RouteHandler } from '../http-server.js';
import type { ServerState } from '../server-state.js';

export function registerSearchRoutes(app: FastifyInstance, state: ServerState): void {
  const base = '/collections/:collection_name/points';
  /** A read endpoint: query string checked, body parsed, one API call on the named collection. */
  const read = <T>(
    path: string,
    parse: (body: unknown) => T,
    call: (context: ReturnType<typeof queryContext>, request: T) => unknown,
  ) => {
    // Checked in Qdrant's extractor order: path, body, query string; then the collection.
    const handler: RouteHandler = ({ params, query, body }) => {
      const name = parseCollectionName(params.collection_name ?? '');
      const request = parse(body);
      parseReadParams(query);
      return call(queryContext(state.engine, name), request);
    };
    route(app, 'POST', `${base}/${path}`, 'read', handler);
  };

  read('query', (body) => parseQuery(body ?? {}), queryPoints);
  read('query/batch', parseQueryBatch, queryPointsBatch);
  read('query/groups', parseQueryGroups, queryPointGroups);

  read('search', parseSearch, searchPoints);
  read('search/batch', parseSearchBatch, searchPointsBatch);
  read('search/groups', parseSearchGroups, searchPointGroups);
  read('recommend', parseRecommend, recommendPoints);
  read('recommend/batch', parseRecommendBatch, recommendPointsBatch);
  read('recommend/groups', parseRecommendGroups, recommendPointGroups);
  read('discover', parseDiscover, discoverPoints);
  read('discover/batch', parseDiscoverBatch, discoverPointsBatch);

  read('search/matrix/pairs', (body) => parseSearchMatrix(body ?? {}), matrixPairs);
  read('search/matrix/offsets', (body) => parseSearchMatrix(body ?? {}), matrixOffsets);
}
