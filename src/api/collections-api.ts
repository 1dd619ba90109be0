// Collection endpoints, transport-free: wire request (already validated by schemas/) → engine
// call → wire result. Features Qdrant has and ringvec does not (sparse vectors, custom sharding,
// multivectors, turbo quantization, non-float32 datatypes) are refused with a 400 that says so.

import { RingvecError, errors } from '../common/errors.js';
import type {
  CreateCollectionRequest as CoreCreate,
  QuantizationConfig as CoreQuantization,
  UpdateCollectionRequest as CoreUpdate,
  VectorParams as CoreVectorParams,
  OptimizersConfig,
} from '../collection/collection-config.js';
import type { Collection, UpdateResult } from '../collection/collection.js';
import { parsePayloadFieldSchema } from '../index/payload/field-schema.js';
import type { Engine } from '../engine/engine.js';
import type {
  ChangeAliasesRequest,
  CreateCollectionRequest,
  OptimizersConfigDiff,
  QuantizationConfig,
  QuantizationConfigDiff,
  UpdateCollectionRequest,
  VectorParams,
} from './schemas/index.js';

function unsupported(what: string): never {
  throw new RingvecError('bad_request', `${what} is not supported by ringvec`);
}

function mapQuantization(config: QuantizationConfig): CoreQuantization {
  if ('turbo' in config) unsupported('turbo quantization');
  if ('scalar' in config) {
    const { type, quantile, always_ram, memory } = config.scalar;
    return {
      scalar: {
        type,
        ...(quantile === undefined ? {} : { quantile }),
        ...(always_ram === undefined && memory === undefined
          ? {}
          : { always_ram: always_ram ?? memory !== 'cold' }),
      },
    };
  }
  if ('product' in config) {
    const { compression, always_ram, memory } = config.product;
    return {
      product: {
        compression,
        ...(always_ram === undefined && memory === undefined
          ? {}
          : { always_ram: always_ram ?? memory !== 'cold' }),
      },
    };
  }
  const { always_ram, memory, encoding, query_encoding } = config.binary;
  return {
    binary: {
      ...(always_ram === undefined && memory === undefined
        ? {}
        : { always_ram: always_ram ?? memory !== 'cold' }),
      ...(encoding === undefined ? {} : { encoding }),
      ...(query_encoding === undefined ? {} : { query_encoding }),
    },
  };
}

function mapQuantizationDiff(config: QuantizationConfigDiff): CoreQuantization | 'Disabled' {
  return config === 'Disabled' ? 'Disabled' : mapQuantization(config);
}

function onDiskOf(params: {
  on_disk?: boolean | undefined;
  memory?: string | undefined;
}): boolean | undefined {
  if (params.memory !== undefined) return params.memory === 'cold';
  return params.on_disk;
}

function definedOnly<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}

function mapVectorParams(name: string, params: VectorParams): CoreVectorParams {
  if (params.multivector_config) unsupported(`multivectors (vector "${name}")`);
  if (params.datatype !== undefined && params.datatype !== 'float32') {
    unsupported(`datatype ${params.datatype} (vector "${name}"); use float32`);
  }
  const onDisk = onDiskOf(params);
  return {
    size: params.size,
    distance: params.distance,
    ...(params.hnsw_config === undefined ? {} : { hnsw_config: definedOnly(params.hnsw_config) }),
    ...(params.quantization_config === undefined
      ? {}
      : { quantization_config: mapQuantization(params.quantization_config) }),
    ...(onDisk === undefined ? {} : { on_disk: onDisk }),
  };
}

function mapOptimizers(diff: OptimizersConfigDiff): Partial<OptimizersConfig> {
  const { max_optimization_threads: threads, ...rest } = diff;
  return {
    ...definedOnly(rest),
    ...(threads === undefined
      ? {}
      : { max_optimization_threads: threads === 'auto' ? null : threads }),
  };
}

export function toCoreCreate(request: CreateCollectionRequest): CoreCreate {
  if (request.sparse_vectors && Object.keys(request.sparse_vectors).length > 0) {
    unsupported('sparse vectors');
  }
  if (request.sharding_method === 'custom') unsupported('custom sharding');
  const vectors = request.vectors;
  const single = typeof (vectors as VectorParams).size === 'number';
  const onDiskPayload =
    request.payload?.memory !== undefined
      ? request.payload.memory === 'cold'
      : request.on_disk_payload;
  return {
    vectors: single
      ? mapVectorParams('', vectors as VectorParams)
      : Object.fromEntries(
          Object.entries(vectors as Record<string, VectorParams>).map(([name, params]) => [
            name,
            mapVectorParams(name, params),
          ]),
        ),
    ...(request.shard_number === undefined ? {} : { shard_number: request.shard_number }),
    ...(request.replication_factor === undefined
      ? {}
      : { replication_factor: request.replication_factor }),
    ...(request.write_consistency_factor === undefined
      ? {}
      : { write_consistency_factor: request.write_consistency_factor }),
    ...(onDiskPayload === undefined ? {} : { on_disk_payload: onDiskPayload }),
    ...(request.hnsw_config === undefined ? {} : { hnsw_config: definedOnly(request.hnsw_config) }),
    ...(request.optimizers_config === undefined
      ? {}
      : { optimizers_config: mapOptimizers(request.optimizers_config) }),
    ...(request.wal_config === undefined ? {} : { wal_config: definedOnly(request.wal_config) }),
    ...(request.quantization_config === undefined
      ? {}
      : { quantization_config: mapQuantization(request.quantization_config) }),
    ...(request.metadata === undefined ? {} : { metadata: request.metadata }),
  };
}

export function toCoreUpdate(request: UpdateCollectionRequest): CoreUpdate {
  if (request.sparse_vectors && Object.keys(request.sparse_vectors).length > 0)
    unsupported('sparse vectors');
  const core: CoreUpdate = {};
  if (request.vectors) {
    core.vectors = Object.fromEntries(
      Object.entries(request.vectors).map(([name, diff]) => {
        const onDisk = onDiskOf(diff);
        return [
          name,
          {
            ...(diff.hnsw_config === undefined
              ? {}
              : { hnsw_config: definedOnly(diff.hnsw_config) }),
            ...(diff.quantization_config === undefined
              ? {}
              : { quantization_config: mapQuantizationDiff(diff.quantization_config) }),
            ...(onDisk === undefined ? {} : { on_disk: onDisk }),
          },
        ];
      }),
    );
  }
  if (request.optimizers_config) core.optimizers_config = mapOptimizers(request.optimizers_config);
  if (request.hnsw_config) core.hnsw_config = definedOnly(request.hnsw_config);
  if (request.quantization_config !== undefined) {
    core.quantization_config = mapQuantizationDiff(request.quantization_config);
  }
  if (request.params) {
    const onDiskPayload =
      request.params.payload?.memory !== undefined
        ? request.params.payload.memory === 'cold'
        : request.params.on_disk_payload;
    core.params = {
      ...(request.params.replication_factor === undefined
        ? {}
        : { replication_factor: request.params.replication_factor }),
      ...(request.params.write_consistency_factor === undefined
        ? {}
        : { write_consistency_factor: request.params.write_consistency_factor }),
      ...(onDiskPayload === undefined ? {} : { on_disk_payload: onDiskPayload }),
    };
  }
  if (request.metadata) core.metadata = request.metadata;
  return core;
}

export async function createCollection(
  engine: Engine,
  name: string,
  request: CreateCollectionRequest,
): Promise<boolean> {
  await engine.create(name, toCoreCreate(request));
  return true;
}

export async function updateCollection(
  engine: Engine,
  name: string,
  request: UpdateCollectionRequest,
): Promise<boolean> {
  await engine.get(name).updateConfig(toCoreUpdate(request));
  return true;
}

export function listCollections(engine: Engine): { collections: { name: string }[] } {
  return { collections: engine.collectionNames().map((name) => ({ name })) };
}

export function collectionExists(engine: Engine, name: string): { exists: boolean } {
  return { exists: engine.exists(name) };
}

/** GET /collections/{name}: Qdrant's CollectionInfo plus ringvec's per-vector storage facts. */
export function collectionInfo(
  collection: Collection,
  backendFor: (onDisk: boolean) => string,
): Record<string, unknown> {
  const status = collection.optimizationStatus();
  const sizes = collection.sizes();
  return {
    status: status.state,
    optimizer_status: status.error === null ? 'ok' : { error: status.error },
    ...(status.warnings.length > 0
      ? { warnings: status.warnings.map((message) => ({ message })) }
      : {}),
    indexed_vectors_count: collection.indexedVectorsCount(),
    points_count: collection.pointsCount,
    segments_count: collection.segmentList().length,
    config: collection.collectionConfig,
    payload_schema: collection.payloadSchemaInfo(),
    update_queue: { length: 0 },
    ringvec: {
      ram_data_bytes: sizes.ramBytes,
      disk_data_bytes: sizes.diskBytes,
      optimization: status.progress,
      vectors: collection
        .vectorStorageInfo()
        .map((v) => ({ ...v, io_backend: v.on_disk ? backendFor(true) : 'ram' })),
    },
  };
}

export function collectionClusterInfo(collection: Collection): Record<string, unknown> {
  return {
    peer_id: 0,
    shard_count: 1,
    local_shards: [{ shard_id: 0, points_count: collection.pointsCount, state: 'Active' }],
    remote_shards: [],
    shard_transfers: [],
  };
}

export async function changeAliases(
  engine: Engine,
  request: ChangeAliasesRequest,
): Promise<boolean> {
  return engine.updateAliases(request.actions);
}

export function listAliases(engine: Engine): {
  aliases: { alias_name: string; collection_name: string }[];
} {
  return { aliases: engine.listAliases() };
}

export function collectionAliases(
  engine: Engine,
  name: string,
): { aliases: { alias_name: string; collection_name: string }[] } {
  if (!engine.exists(name)) throw errors.collectionNotFound(name);
  return { aliases: engine.collectionAliases(engine.get(name).name) };
}

/** PUT /collections/{name}/index: the raw body's field_schema, checked by the payload index layer. */
export async function createFieldIndex(
  collection: Collection,
  request: { field_name: string; field_schema?: unknown },
  rawBody: unknown,
  wait: boolean,
): Promise<UpdateResult> {
  const raw = (rawBody as { field_schema?: unknown }).field_schema;
  if (raw === undefined || raw === null) {
    throw new RingvecError(
      'bad_input',
      `Can't auto-detect field type for ${request.field_name}; specify field_schema`,
    );
  }
  return collection.createPayloadIndex(request.field_name, parsePayloadFieldSchema(raw), wait);
}

export function deleteFieldIndex(
  collection: Collection,
  field: string,
  wait: boolean,
): Promise<UpdateResult> {
  return collection.deletePayloadIndex(field, wait);
}
