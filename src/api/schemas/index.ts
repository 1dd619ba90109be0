// Request validation for Qdrant's REST API: wire types, zod schemas and one parse function per
// endpoint. Routes import from here; see request-parsers.ts for the entry points.

export * from './request-parsers.js';
export { parseRequest, requestError, formatIssuePath, type RequestPart } from './parse-request.js';
export * from './common-schemas.js';
export * from './vector-schemas.js';
export * from './collection-schemas.js';
export * from './point-schemas.js';
export * from './query-schemas.js';
export * from './legacy-search-schemas.js';
export * from './query-params.js';
