// A collection's configuration, kept in Qdrant's CollectionConfig shape (what GET
// /collections/{name} reports), plus the resolved view the engine works with: one entry per named
// vector with its effective HNSW and quantization settings. Also applies PATCH diffs.

import { RingvecError } from '../common/errors.js';
import type { HnswSettings, OptimizerSettings, StorageSettings } from '../common/settings.js';
import type { Distance, SegmentVectorConfig } from '../segment/types.js';

/** Qdrant's name of the unnamed (single) vector. */
export const DEFAULT_VECTOR_NAME = '';

export type QuantizationConfig =
  | { scalar: { type: 'int8'; quantile?: number | null; always_ram?: boolean | null } }
  | {
      product: {
        compression: 'x4' | 'x8' | 'x16' | 'x32' | 'x64';
        always_ram?: boolean | null;
      };
    }
  | {
      binary: {
        always_ram?: boolean | null;
        encoding?: 'one_bit' | 'two_bits' | 'one_and_half_bits' | null;
        query_encoding?: 'default' | 'binary' | 'scalar4bits' | 'scalar8bits' | null;
      };
    };

export interface HnswConfig {
  m: number;
  ef_construct: number;
  full_scan_threshold: number;
  max_indexing_threads: number;
  on_disk?: boolean | null;
  payload_m?: number | null;
  inline_storage?: boolean | null;
}

export type HnswConfigDiff = Partial<HnswConfig>;

export interface VectorParams {
  size: number;
  distance: Distance;
  hnsw_config?: HnswConfigDiff | null;
  quantization_config?: QuantizationConfig | null;
  on_disk?: boolean | null;
  datatype?: 'float32' | null;
  multivector_config?: null;
}

export type VectorsConfig = VectorParams | Record<string, VectorParams>;

export interface OptimizersConfig {
  deleted_threshold: number;
  vacuum_min_vector_number: number;
  default_segment_number: number;
  max_segment_size?: number | null;
  memmap_threshold?: number | null;
  indexing_threshold?: number | null;
  flush_interval_sec: number;
  max_optimization_threads?: number | null;
  prevent_unoptimized?: boolean | null;
}

export interface WalConfig {
  wal_capacity_mb: number;
  wal_segments_ahead: number;
  wal_retain_closed?: number;
}

export interface CollectionParams {
  vectors: VectorsConfig;
  shard_number: number;
  replication_factor: number;
  write_consistency_factor: number;
  on_disk_payload: boolean;
  sparse_vectors?: null;
}

export interface CollectionConfig {
  params: CollectionParams;
  hnsw_config: HnswConfig;
  optimizer_config: OptimizersConfig;
  wal_config: WalConfig;
  quantization_config: QuantizationConfig | null;
  strict_mode_config?: Record<string, unknown> | null;
  metadata?: Record<string, unknown> | null;
}

/** The request to create a collection, already validated by the API layer. */
export interface CreateCollectionRequest {
  vectors: VectorsConfig;
  shard_number?: number | null;
  replication_factor?: number | null;
  write_consistency_factor?: number | null;
  on_disk_payload?: boolean | null;
  hnsw_config?: HnswConfigDiff | null;
  optimizers_config?: Partial<OptimizersConfig> | null;
  wal_config?: Partial<WalConfig> | null;
  quantization_config?: QuantizationConfig | null;
  metadata?: Record<string, unknown> | null;
}

/** PATCH /collections/{name}. */
export interface UpdateCollectionRequest {
  vectors?: Record<
    string,
    {
      hnsw_config?: HnswConfigDiff | null;
      quantization_config?: QuantizationConfig | 'Disabled' | null;
      on_disk?: boolean | null;
    }
  > | null;
  optimizers_config?: Partial<OptimizersConfig> | null;
  params?: Partial<
    Pick<CollectionParams, 'replication_factor' | 'write_consistency_factor' | 'on_disk_payload'>
  > | null;
  hnsw_config?: HnswConfigDiff | null;
  quantization_config?: QuantizationConfig | 'Disabled' | null;
  metadata?: Record<string, unknown> | null;
}

/** Effective settings of one named vector. */
export interface ResolvedVector extends SegmentVectorConfig {
  hnsw: HnswConfig;
  quantization: QuantizationConfig | null;
}

export function isSingleVector(vectors: VectorsConfig): vectors is VectorParams {
  return typeof (vectors as VectorParams).size === 'number';
}

export function namedVectors(vectors: VectorsConfig): [string, VectorParams][] {
  if (isSingleVector(vectors)) return [[DEFAULT_VECTOR_NAME, vectors]];
  return Object.entries(vectors).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function defaultHnsw(settings: HnswSettings): HnswConfig {
  return {
    m: settings.m,
    ef_construct: settings.ef_construct,
    full_scan_threshold: settings.full_scan_threshold_kb,
    max_indexing_threads: settings.max_indexing_threads,
    on_disk: settings.on_disk,
    payload_m: settings.payload_m,
  };
}

function defaultOptimizers(settings: OptimizerSettings): OptimizersConfig {
  return {
    deleted_threshold: settings.deleted_threshold,
    vacuum_min_vector_number: settings.vacuum_min_vector_number,
    default_segment_number: settings.default_segment_number,
    max_segment_size: settings.max_segment_size_kb,
    memmap_threshold: settings.memmap_threshold_kb,
    indexing_threshold: settings.indexing_threshold_kb,
    flush_interval_sec: settings.flush_interval_sec,
    max_optimization_threads: settings.max_optimization_threads,
  };
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export function buildCollectionConfig(
  request: CreateCollectionRequest,
  storage: StorageSettings,
): CollectionConfig {
  const defaultOnDisk = storage.collection.vectors.on_disk;
  const withDefaultOnDisk = (v: VectorParams): VectorParams => {
    const onDisk = v.on_disk ?? defaultOnDisk;
    const { on_disk: _unset, ...rest } = v;
    return withoutUndefined(
      onDisk === null || onDisk === undefined ? rest : { ...rest, on_disk: onDisk },
    );
  };
  const vectors: VectorsConfig = isSingleVector(request.vectors)
    ? withDefaultOnDisk(request.vectors)
    : Object.fromEntries(
        Object.entries(request.vectors).map(([name, v]) => [name, withDefaultOnDisk(v)]),
      );
  for (const [name, params] of namedVectors(vectors)) {
    if (
      params.datatype !== undefined &&
      params.datatype !== null &&
      params.datatype !== 'float32'
    ) {
      throw new RingvecError(
        'bad_request',
        `vector datatype ${String(params.datatype)} of vector "${name}" is not supported by ringvec yet; use float32`,
      );
    }
    if (params.multivector_config) {
      throw new RingvecError(
        'bad_request',
        `multivectors (vector "${name}") are not supported by ringvec`,
      );
    }
  }
  const overwrite = storage.optimizers_overwrite ?? {};
  return {
    params: {
      vectors,
      shard_number: request.shard_number ?? 1,
      replication_factor: request.replication_factor ?? 1,
      write_consistency_factor: request.write_consistency_factor ?? 1,
      on_disk_payload: request.on_disk_payload ?? storage.on_disk_payload,
    },
    hnsw_config: {
      ...defaultHnsw(storage.hnsw_index),
      ...withoutUndefined(request.hnsw_config ?? {}),
    },
    optimizer_config: {
      ...defaultOptimizers(storage.optimizers),
      ...withoutUndefined(request.optimizers_config ?? {}),
      ...withoutUndefined(renameOverwrite(overwrite)),
    },
    wal_config: {
      wal_capacity_mb: storage.wal.wal_capacity_mb,
      wal_segments_ahead: storage.wal.wal_segments_ahead,
      ...withoutUndefined(request.wal_config ?? {}),
    },
    quantization_config:
      request.quantization_config ?? (storage.collection.quantization as QuantizationConfig | null),
    metadata: request.metadata ?? null,
  };
}

function renameOverwrite(overwrite: {
  [K in keyof OptimizerSettings]?: OptimizerSettings[K] | undefined;
}): Partial<OptimizersConfig> {
  const out: Partial<OptimizersConfig> = {};
  if (overwrite.deleted_threshold !== undefined)
    out.deleted_threshold = overwrite.deleted_threshold;
  if (overwrite.vacuum_min_vector_number !== undefined)
    out.vacuum_min_vector_number = overwrite.vacuum_min_vector_number;
  if (overwrite.default_segment_number !== undefined)
    out.default_segment_number = overwrite.default_segment_number;
  if (overwrite.max_segment_size_kb !== undefined)
    out.max_segment_size = overwrite.max_segment_size_kb;
  if (overwrite.indexing_threshold_kb !== undefined)
    out.indexing_threshold = overwrite.indexing_threshold_kb;
  if (overwrite.flush_interval_sec !== undefined)
    out.flush_interval_sec = overwrite.flush_interval_sec;
  if (overwrite.max_optimization_threads !== undefined)
    out.max_optimization_threads = overwrite.max_optimization_threads;
  return out;
}

/** The effective per-vector settings, in the collection's stable vector order. */
export function resolveVectors(config: CollectionConfig): ResolvedVector[] {
  return namedVectors(config.params.vectors).map(([name, params]) => ({
    name,
    dim: params.size,
    distance: params.distance,
    onDisk: params.on_disk ?? false,
    hnsw: { ...config.hnsw_config, ...withoutUndefined(params.hnsw_config ?? {}) },
    quantization:
      params.quantization_config === undefined || params.quantization_config === null
        ? config.quantization_config
        : params.quantization_config,
  }));
}

/**
 * Applies a PATCH request. Returns the new configuration (the old one is not modified).
 * Unknown vector names are a 400 like Qdrant's "Wrong input: Not existing vector name error".
 */
export function applyCollectionUpdate(
  config: CollectionConfig,
  update: UpdateCollectionRequest,
): CollectionConfig {
  const next: CollectionConfig = structuredClone(config);
  if (update.optimizers_config) {
    next.optimizer_config = {
      ...next.optimizer_config,
      ...withoutUndefined(update.optimizers_config),
    };
  }
  if (update.hnsw_config) {
    next.hnsw_config = { ...next.hnsw_config, ...withoutUndefined(update.hnsw_config) };
  }
  if (update.params) next.params = { ...next.params, ...withoutUndefined(update.params) };
  if (update.quantization_config !== undefined && update.quantization_config !== null) {
    next.quantization_config =
      update.quantization_config === 'Disabled' ? null : update.quantization_config;
  }
  if (update.metadata) next.metadata = { ...(next.metadata ?? {}), ...update.metadata };
  if (update.vectors) {
    for (const [name, diff] of Object.entries(update.vectors)) {
      const target = isSingleVector(next.params.vectors)
        ? name === DEFAULT_VECTOR_NAME
          ? next.params.vectors
          : undefined
        : next.params.vectors[name];
      if (target === undefined) {
        throw new RingvecError('bad_input', `Not existing vector name error: ${name}`);
      }
      if (diff.hnsw_config)
        target.hnsw_config = {
          ...(target.hnsw_config ?? {}),
          ...withoutUndefined(diff.hnsw_config),
        };
      if (diff.quantization_config !== undefined && diff.quantization_config !== null) {
        target.quantization_config =
          diff.quantization_config === 'Disabled' ? null : diff.quantization_config;
      }
      if (diff.on_disk !== undefined && diff.on_disk !== null) target.on_disk = diff.on_disk;
    }
  }
  return next;
}
