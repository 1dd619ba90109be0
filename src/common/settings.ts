// ringvec's configuration, in Qdrant's shape (config/config.yaml). This module only defines the
// schema, its defaults and its types; loading (files, environment) is server/load-config.ts.
// Every layer receives the parts it needs as plain typed objects.

import { z } from 'zod';

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.number().int().min(min).max(max);

export const performanceSchema = z.object({
  /** Search worker threads; 0 = one per core. */
  max_search_threads: int(0, 1024).default(0),
  /** CPUs for optimization jobs: 0 = auto, negative = cores minus that, positive = exact. */
  optimizer_cpu_budget: z.number().int().default(0),
  update_rate_limit: int(1).nullable().default(null),
  /** Qdrant ≥ 1.4 key for the io_uring async scorer. */
  async_scorer: z.boolean().default(false),
  /** Qdrant 1.19: `auto` = io_uring for on-disk data when supported; unset follows async_scorer. */
  io_uring: z.enum(['disabled', 'auto']).nullable().default(null),
  /** ringvec: reads kept in flight per ring. */
  io_queue_depth: int(1, 4096).default(64),
  /**
   * ringvec: points a plain scan (exact search, small segments) reads and scores per batch, at
   * most 3 MiB of original vectors (segment-search.ts).
   */
  io_batch_size: int(16, 65536).default(1024),
  /** ringvec: read through O_DIRECT instead of the page cache in the io_uring backend. */
  io_direct: z.boolean().default(false),
  max_concurrent_collection_loads: int(1).nullable().default(null),
  max_concurrent_shard_loads: int(1).nullable().default(null),
  max_concurrent_segment_loads: int(1).nullable().default(null),
  incoming_shard_transfers_limit: int(0).nullable().default(null),
  outgoing_shard_transfers_limit: int(0).nullable().default(null),
});

export const optimizersSchema = z.object({
  deleted_threshold: z.number().min(0).max(1).default(0.2),
  vacuum_min_vector_number: int(100).default(1000),
  default_segment_number: int(0).default(0),
  max_segment_size_kb: int(1).nullable().default(null),
  memmap_threshold_kb: int(0).nullable().default(null),
  indexing_threshold_kb: int(0).nullable().default(10000),
  flush_interval_sec: int(0).default(5),
  max_optimization_threads: int(0).nullable().default(null),
});

export const hnswIndexSchema = z.object({
  m: int(0).default(16),
  ef_construct: int(4).default(100),
  full_scan_threshold_kb: int(10).default(10000),
  max_indexing_threads: int(0).default(0),
  on_disk: z.boolean().default(false),
  payload_m: int(0).nullable().default(null),
  memory: z.string().nullable().default(null),
});

export const storageSchema = z.object({
  storage_path: z.string().min(1).default('./storage'),
  snapshots_path: z.string().min(1).default('./snapshots'),
  snapshots_config: z
    .object({ snapshots_storage: z.enum(['local']).default('local') })
    .default({ snapshots_storage: 'local' }),
  temp_path: z.string().nullable().default(null),
  on_disk_payload: z.boolean().default(true),
  /** The 1.3-era key of the io_uring article; same effect as performance.async_scorer. */
  async_scorer: z.boolean().default(false),
  update_concurrency: int(1).nullable().default(null),
  node_type: z.enum(['Normal', 'Listener']).default('Normal'),
  wal: z
    .object({
      wal_capacity_mb: int(1).default(32),
      wal_segments_ahead: int(0).default(0),
    })
    .prefault({}),
  performance: performanceSchema.prefault({}),
  optimizers: optimizersSchema.prefault({}),
  optimizers_overwrite: optimizersSchema.partial().nullable().default(null),
  hnsw_index: hnswIndexSchema.prefault({}),
  shard_transfer_method: z.string().nullable().default(null),
  collection: z
    .object({
      replication_factor: int(1).default(1),
      write_consistency_factor: int(1).default(1),
      vectors: z.object({ on_disk: z.boolean().nullable().default(null) }).prefault({}),
      quantization: z.unknown().nullable().default(null),
      shard_number_per_node: int(1).default(1),
    })
    .prefault({}),
});

export const serviceSchema = z.object({
  host: z.string().min(1).default('0.0.0.0'),
  http_port: int(0, 65535).default(6333),
  grpc_port: int(0, 65535).nullable().default(null),
  max_request_size_mb: int(1, 4096).default(32),
  max_workers: int(0).default(0),
  enable_cors: z.boolean().default(true),
  enable_tls: z
    .literal(false, { error: 'TLS is not supported by ringvec; terminate TLS in a proxy' })
    .default(false),
  verify_https_client_certificate: z.boolean().default(false),
  api_key: z.string().min(1).nullable().default(null),
  read_only_api_key: z.string().min(1).nullable().default(null),
  jwt_rbac: z.boolean().default(false),
  hide_jwt_dashboard: z.boolean().default(false),
  hardware_reporting: z.boolean().default(false),
});

export const settingsSchema = z.object({
  log_level: z
    .string()
    .transform((level) => level.toLowerCase())
    .pipe(z.enum(['trace', 'debug', 'info', 'warn', 'error', 'off']))
    .default('info'),
  logger: z
    .object({
      format: z.enum(['text', 'json']).default('text'),
      on_disk: z.unknown().optional(),
    })
    .prefault({}),
  storage: storageSchema.prefault({}),
  service: serviceSchema.prefault({}),
  cluster: z
    .object({
      enabled: z
        .literal(false, { error: 'distributed mode is not supported by ringvec' })
        .default(false),
    })
    .loose()
    .prefault({}),
  telemetry_disabled: z.boolean().default(false),
  tls: z.unknown().optional(),
  gpu: z.unknown().optional(),
  inference: z.unknown().optional(),
  feature_flags: z.unknown().optional(),
  audit: z.unknown().optional(),
});

export type Settings = z.infer<typeof settingsSchema>;
export type StorageSettings = Settings['storage'];
export type PerformanceSettings = StorageSettings['performance'];
export type OptimizerSettings = StorageSettings['optimizers'];
export type HnswSettings = StorageSettings['hnsw_index'];
export type ServiceSettings = Settings['service'];

/** True when the configuration asks for the io_uring async scorer on on-disk vectors. */
export function asyncScorerRequested(storage: StorageSettings): boolean {
  const mode = storage.performance.io_uring;
  if (mode === 'disabled') return false;
  if (mode === 'auto') return true;
  return storage.async_scorer || storage.performance.async_scorer;
}
