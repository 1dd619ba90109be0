// One parse function per endpoint: the route calls it with the decoded JSON body (from
// common/json.ts `parseJson`, so huge u64 ids arrive as bigint) or the query record, and gets the
// typed request with Qdrant's defaults applied, or a RingvecError (400 format / 422 validation).

import { RingvecError } from '../../common/errors.js';
import { parseRequest } from './parse-request.js';
import { lengthMessage } from './serde-messages.js';
import {
  changeAliasesSchema,
  checkCreateCollection,
  createCollectionSchema,
  createFieldIndexSchema,
  shardSnapshotRecoverSchema,
  snapshotRecoverSchema,
  updateCollectionSchema,
  type ChangeAliasesRequest,
  type CreateCollectionRequest,
  type CreateFieldIndexRequest,
  type SnapshotRecoverRequest,
  type UpdateCollectionRequest,
} from './collection-schemas.js';
import {
  countSchema,
  deletePayloadSchema,
  deleteVectorsSchema,
  facetSchema,
  getPointsSchema,
  pointsSelectorSchema,
  scrollSchema,
  setPayloadSchema,
  updateOperationsSchema,
  updateVectorsSchema,
  upsertPointsSchema,
  type CountRequest,
  type DeletePayloadRequest,
  type DeleteVectorsRequest,
  type FacetRequest,
  type GetPointsRequest,
  type PointsSelector,
  type ScrollRequest,
  type SetPayloadRequest,
  type UpdateOperationsRequest,
  type UpdateVectorsRequest,
  type UpsertPointsRequest,
} from './point-schemas.js';
import {
  queryBatchSchema,
  queryGroupsSchema,
  queryRequestSchema,
  searchMatrixSchema,
  type QueryBatchRequest,
  type QueryGroupsRequest,
  type QueryRequest,
  type SearchMatrixRequest,
} from './query-schemas.js';
import {
  discoverBatchSchema,
  discoverRequestSchema,
  recommendBatchSchema,
  recommendGroupsSchema,
  recommendRequestSchema,
  searchBatchSchema,
  searchGroupsSchema,
  searchRequestSchema,
  type DiscoverBatchRequest,
  type DiscoverRequest,
  type RecommendBatchRequest,
  type RecommendGroupsRequest,
  type RecommendRequest,
  type SearchBatchRequest,
  type SearchGroupsRequest,
  type SearchRequest,
} from './legacy-search-schemas.js';
import {
  collectionTimeoutParamsSchema,
  metricsParamsSchema,
  optimizationsParamSchema,
  optimizationsParams,
  readParamsSchema,
  removePeerParamsSchema,
  telemetryParamsSchema,
  snapshotParamsSchema,
  snapshotUploadParamsSchema,
  updateParamsSchema,
  type CollectionTimeoutParams,
  type MetricsParams,
  type OptimizationsParams,
  type ReadParams,
  type RemovePeerParams,
  type TelemetryParams,
  type SnapshotParams,
  type SnapshotUploadParams,
  type UpdateParams,
} from './query-params.js';

// ---- collections ------------------------------------------------------------------------------

/** PUT /collections/{name}; also applies the create operation's name checks (400 Wrong input). */
export function parseCreateCollection(body: unknown): CreateCollectionRequest {
  const request = parseRequest(createCollectionSchema, body);
  checkCreateCollection(request);
  return request;
}
/** PATCH /collections/{name}. */
export const parseUpdateCollection = (body: unknown): UpdateCollectionRequest =>
  parseRequest(updateCollectionSchema, body);
/** POST /collections/aliases. */
export const parseChangeAliases = (body: unknown): ChangeAliasesRequest =>
  parseRequest(changeAliasesSchema, body);
/** PUT /collections/{name}/index. */
export const parseCreateFieldIndex = (body: unknown): CreateFieldIndexRequest =>
  parseRequest(createFieldIndexSchema, body);
/** PUT /collections/{name}/snapshots/recover. */
export const parseSnapshotRecover = (body: unknown): SnapshotRecoverRequest =>
  parseRequest(snapshotRecoverSchema, body);
/** PUT /collections/{name}/shards/{shard}/snapshots/recover. */
export const parseShardSnapshotRecover = (body: unknown): SnapshotRecoverRequest =>
  parseRequest(shardSnapshotRecoverSchema, body);

// ---- points -----------------------------------------------------------------------------------

/** PUT /collections/{name}/points (list or columnar batch). */
export const parseUpsertPoints = (body: unknown): UpsertPointsRequest =>
  parseRequest(upsertPointsSchema, body);
/** POST /collections/{name}/points. */
export const parseGetPoints = (body: unknown): GetPointsRequest =>
  parseRequest(getPointsSchema, body);
/** POST /collections/{name}/points/delete. */
export const parseDeletePoints = (body: unknown): PointsSelector =>
  parseRequest(pointsSelectorSchema, body);
/** PUT /collections/{name}/points/vectors. */
export const parseUpdateVectors = (body: unknown): UpdateVectorsRequest =>
  parseRequest(updateVectorsSchema, body);
/** POST /collections/{name}/points/vectors/delete. */
export const parseDeleteVectors = (body: unknown): DeleteVectorsRequest =>
  parseRequest(deleteVectorsSchema, body);
/** POST (set) and PUT (overwrite) /collections/{name}/points/payload. */
export const parseSetPayload = (body: unknown): SetPayloadRequest =>
  parseRequest(setPayloadSchema, body);
/** POST /collections/{name}/points/payload/delete. */
export const parseDeletePayload = (body: unknown): DeletePayloadRequest =>
  parseRequest(deletePayloadSchema, body);
/** POST /collections/{name}/points/payload/clear. */
export const parseClearPayload = (body: unknown): PointsSelector =>
  parseRequest(pointsSelectorSchema, body);
/** POST /collections/{name}/points/batch. */
export const parseUpdateOperations = (body: unknown): UpdateOperationsRequest =>
  parseRequest(updateOperationsSchema, body);
/** POST /collections/{name}/points/scroll. */
export const parseScroll = (body: unknown): ScrollRequest => parseRequest(scrollSchema, body);
/** POST /collections/{name}/points/count. */
export const parseCount = (body: unknown): CountRequest => parseRequest(countSchema, body);
/** POST /collections/{name}/facet. */
export const parseFacet = (body: unknown): FacetRequest => parseRequest(facetSchema, body);

// ---- queries ----------------------------------------------------------------------------------

/** POST /collections/{name}/points/query. */
export const parseQuery = (body: unknown): QueryRequest => parseRequest(queryRequestSchema, body);
/** POST /collections/{name}/points/query/batch. */
export const parseQueryBatch = (body: unknown): QueryBatchRequest =>
  parseRequest(queryBatchSchema, body);
/** POST /collections/{name}/points/query/groups. */
export const parseQueryGroups = (body: unknown): QueryGroupsRequest =>
  parseRequest(queryGroupsSchema, body);
/** POST /collections/{name}/points/search/matrix/{pairs,offsets}. */
export const parseSearchMatrix = (body: unknown): SearchMatrixRequest =>
  parseRequest(searchMatrixSchema, body);

// ---- legacy search API ------------------------------------------------------------------------

/** POST /collections/{name}/points/search. */
export const parseSearch = (body: unknown): SearchRequest =>
  parseRequest(searchRequestSchema, body);
/** POST /collections/{name}/points/search/batch. */
export const parseSearchBatch = (body: unknown): SearchBatchRequest =>
  parseRequest(searchBatchSchema, body);
/** POST /collections/{name}/points/search/groups. */
export const parseSearchGroups = (body: unknown): SearchGroupsRequest =>
  parseRequest(searchGroupsSchema, body);
/** POST /collections/{name}/points/recommend. */
export const parseRecommend = (body: unknown): RecommendRequest =>
  parseRequest(recommendRequestSchema, body);
/** POST /collections/{name}/points/recommend/batch. */
export const parseRecommendBatch = (body: unknown): RecommendBatchRequest =>
  parseRequest(recommendBatchSchema, body);
/** POST /collections/{name}/points/recommend/groups. */
export const parseRecommendGroups = (body: unknown): RecommendGroupsRequest =>
  parseRequest(recommendGroupsSchema, body);
/** POST /collections/{name}/points/discover. */
export const parseDiscover = (body: unknown): DiscoverRequest =>
  parseRequest(discoverRequestSchema, body);
/** POST /collections/{name}/points/discover/batch. */
export const parseDiscoverBatch = (body: unknown): DiscoverBatchRequest =>
  parseRequest(discoverBatchSchema, body);

// ---- query strings ----------------------------------------------------------------------------

const QUERY = 'query parameters';

/** `wait`, `ordering`, `timeout` of point and payload-index writes. */
export const parseUpdateParams = (query: unknown): UpdateParams =>
  parseRequest(updateParamsSchema, query ?? {}, QUERY);
/** `consistency`, `timeout` of reads (retrieve, scroll, count, facet, query, search…). */
export const parseReadParams = (query: unknown): ReadParams =>
  parseRequest(readParamsSchema, query ?? {}, QUERY);
/** `timeout` of collection create/update/delete and alias changes. */
export const parseCollectionTimeoutParams = (query: unknown): CollectionTimeoutParams =>
  parseRequest(collectionTimeoutParamsSchema, query ?? {}, QUERY);
/** `wait` of snapshot create/delete/recover (default true). */
export const parseSnapshotParams = (query: unknown): SnapshotParams =>
  parseRequest(snapshotParamsSchema, query ?? {}, QUERY);
/** `wait`, `priority`, `checksum` of snapshot upload. */
export const parseSnapshotUploadParams = (query: unknown): SnapshotUploadParams =>
  parseRequest(snapshotUploadParamsSchema, query ?? {}, QUERY);

// ---- path parameters --------------------------------------------------------------------------

/**
 * `{collection_name}` in a path (src/actix/api/mod.rs `CollectionPath` / `StrictCollectionPath`):
 * 1 ..= 255 characters; `strict` (collection creation) also refuses `<>:"/\|?*`, NUL and \x1F, the
 * rest refuse only `/` and NUL. Throws a 422 validation error.
 */
export function parseCollectionName(name: string, options: { strict?: boolean } = {}): string {
  const problems: string[] = [];
  const length = [...name].length;
  if (length < 1 || length > 255)
    problems.push(
      `collection_name: ${lengthMessage({ value: JSON.stringify(name), min: 1, max: 255 })}`,
    );
  const forbidden = options.strict
    ? ['<', '>', ':', '"', '/', '\\', '|', '?', '*', '\0', '\u001f']
    : ['/', '\0'];
  const bad = forbidden.find((c) => name.includes(c));
  if (bad !== undefined)
    problems.push(`collection_name: collection name cannot contain "${bad}" char`);
  if (problems.length > 0)
    throw new RingvecError(
      'validation',
      `Validation error in path parameters: [${problems.join('; ')}]`,
    );
  return name;
}

// ---- service query strings --------------------------------------------------------------------

/** GET /telemetry. */
export const parseTelemetryParams = (query: unknown): TelemetryParams =>
  parseRequest(telemetryParamsSchema, query ?? {}, QUERY);
/** GET /metrics. */
export const parseMetricsParams = (query: unknown): MetricsParams =>
  parseRequest(metricsParamsSchema, query ?? {}, QUERY);
/** DELETE /cluster/peer/{peer_id}. */
export const parseRemovePeerParams = (query: unknown): RemovePeerParams =>
  parseRequest(removePeerParamsSchema, query ?? {}, QUERY);
/** GET /collections/{name}/optimizations. */
export const parseOptimizationsParams = (query: unknown): OptimizationsParams =>
  optimizationsParams(parseRequest(optimizationsParamSchema, query ?? {}, QUERY));
