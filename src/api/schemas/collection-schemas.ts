// Request bodies of the collection-level endpoints: create (PUT /collections/{name}), update
// (PATCH /collections/{name}), aliases (POST /collections/aliases), payload index
// (PUT /collections/{name}/index) and snapshot recovery (PUT …/snapshots/recover).
// Sources: lib/storage/src/content_manager/collection_meta_ops.rs (CreateCollection,
// UpdateCollection, alias operations), lib/collection/src/operations/types.rs (VectorParams,
// SparseVectorParams, VectorParamsDiff), lib/collection/src/operations/config_diff.rs,
// lib/segment/src/types.rs (quantization, StrictModeConfig, PayloadFieldSchema),
// lib/segment/src/data_types/index.rs, src/common/update.rs (CreateFieldIndex),
// lib/collection/src/operations/snapshot_ops.rs (SnapshotRecover).

import type { z } from 'zod';
import { RingvecError } from '../../common/errors.js';
import {
  bareValidatorCode,
  invalidType,
  unknownVariant,
  untaggedMismatch,
} from './serde-messages.js';
import { jsonPathSchema, payloadSchema, type Payload } from './common-schemas.js';
import {
  INVALID,
  bool,
  custom,
  dispatch,
  enumOf,
  float,
  isJsonObject,
  map,
  opt,
  pushFormat,
  range,
  seq,
  str,
  struct,
  uint,
  validate,
  withDefault,
} from './serde-schemas.js';

// ---- enums ------------------------------------------------------------------------------------

export const DISTANCES = ['Cosine', 'Euclid', 'Dot', 'Manhattan'] as const;
export type Distance = (typeof DISTANCES)[number];
export const MEMORY_PLACEMENTS = ['cold', 'cached', 'pinned'] as const;
/** Memory placement (1.19): `cold` = on disk, lazily cached; `cached` = preloaded; `pinned` = RAM. */
export type Memory = (typeof MEMORY_PLACEMENTS)[number];
export type Datatype = 'float32' | 'uint8' | 'float16' | 'turbo4';
export type CompressionRatio = 'x4' | 'x8' | 'x16' | 'x32' | 'x64';
export type BinaryQuantizationEncoding = 'one_bit' | 'two_bits' | 'one_and_half_bits';
export type BinaryQuantizationQueryEncoding = 'default' | 'binary' | 'scalar4bits' | 'scalar8bits';
export type TurboQuantBitSize = 'bits1' | 'bits1_5' | 'bits2' | 'bits4';
export type Modifier = 'none' | 'idf';
export type ShardingMethod = 'auto' | 'custom';

const distance = enumOf('Distance', DISTANCES);
const memory = enumOf('Memory', MEMORY_PLACEMENTS);
const datatype = enumOf('Datatype', ['float32', 'uint8', 'float16', 'turbo4'] as const);

function rejectPinned(what: string) {
  return (value: Memory | undefined) =>
    value === 'pinned'
      ? { message: `\`pinned\` memory placement is not supported for ${what}` }
      : undefined;
}

// ---- HNSW, WAL, optimizers, payload storage --------------------------------------------------

/** Partial HNSW config; absent fields keep the collection's (or the service config's) values. */
export interface HnswConfigDiff {
  m?: number | undefined;
  /** ≥ 4. */
  ef_construct?: number | undefined;
  /** KiB, ≥ 10 (alias `full_scan_threshold_kb`). */
  full_scan_threshold?: number | undefined;
  max_indexing_threads?: number | undefined;
  /** Deprecated in 1.19 for `memory`. */
  on_disk?: boolean | undefined;
  memory?: Memory | undefined;
  payload_m?: number | undefined;
  inline_storage?: boolean | undefined;
}

export const hnswConfigDiffSchema: z.ZodType<HnswConfigDiff> = struct(
  'HnswConfigDiff',
  {
    m: opt(uint('usize')),
    ef_construct: opt(range(uint('usize'), { min: 4 })),
    full_scan_threshold: opt(range(uint('usize'), { min: 10 })),
    max_indexing_threads: opt(uint('usize')),
    on_disk: opt(bool()),
    memory: opt(memory),
    payload_m: opt(uint('usize')),
    inline_storage: opt(bool()),
  },
  { aliases: { full_scan_threshold_kb: 'full_scan_threshold' } },
);

export interface WalConfigDiff {
  /** ≥ 1. */
  wal_capacity_mb?: number | undefined;
  wal_segments_ahead?: number | undefined;
  wal_retain_closed?: number | undefined;
}

const walConfigDiffSchema: z.ZodType<WalConfigDiff> = struct('WalConfigDiff', {
  wal_capacity_mb: opt(range(uint('usize'), { min: 1 })),
  wal_segments_ahead: opt(uint('usize')),
  wal_retain_closed: opt(uint('usize')),
});

export interface OptimizersConfigDiff {
  /** In [0, 1]. */
  deleted_threshold?: number | undefined;
  /** ≥ 100. */
  vacuum_min_vector_number?: number | undefined;
  default_segment_number?: number | undefined;
  /** KiB, ≥ 1 (alias `max_segment_size_kb`). */
  max_segment_size?: number | undefined;
  /** Deprecated since 1.15 (alias `memmap_threshold_kb`). */
  memmap_threshold?: number | undefined;
  /** KiB (alias `indexing_threshold_kb`). */
  indexing_threshold?: number | undefined;
  flush_interval_sec?: number | undefined;
  /** `'auto'` or a thread count (0 disables optimizations). */
  max_optimization_threads?: number | 'auto' | undefined;
  prevent_unoptimized?: boolean | undefined;
}

const maxOptimizationThreadsSchema: z.ZodType<number | 'auto'> = dispatch<number | 'auto'>(
  (value) =>
    typeof value === 'string'
      ? enumOf('MaxOptimizationThreadsSetting', ['auto'] as const)
      : typeof value === 'number' || typeof value === 'bigint'
        ? uint('usize')
        : untaggedMismatch('MaxOptimizationThreads'),
);

export const optimizersConfigDiffSchema: z.ZodType<OptimizersConfigDiff> = struct(
  'OptimizersConfigDiff',
  {
    deleted_threshold: opt(range(float('f64'), { min: 0, max: 1, float: true })),
    vacuum_min_vector_number: opt(range(uint('usize'), { min: 100 })),
    default_segment_number: opt(uint('usize')),
    max_segment_size: opt(range(uint('usize'), { min: 1 })),
    memmap_threshold: opt(uint('usize')),
    indexing_threshold: opt(uint('usize')),
    flush_interval_sec: opt(uint('u64')),
    max_optimization_threads: opt(maxOptimizationThreadsSchema),
    prevent_unoptimized: opt(bool()),
  },
  {
    aliases: {
      max_segment_size_kb: 'max_segment_size',
      memmap_threshold_kb: 'memmap_threshold',
      indexing_threshold_kb: 'indexing_threshold',
    },
  },
);

export interface PayloadStorageParams {
  /** `cold` or `cached`; `pinned` is refused. */
  memory?: Memory | undefined;
}

const payloadStorageParamsSchema: z.ZodType<PayloadStorageParams> = struct('PayloadStorageParams', {
  memory: validate(opt(memory), rejectPinned('payload storage')),
});

// ---- quantization -----------------------------------------------------------------------------

export interface ScalarQuantizationConfig {
  type: 'int8';
  /** In [0.5, 1]; undefined uses the whole value range. */
  quantile?: number | undefined;
  /** Deprecated in 1.19 for `memory`. */
  always_ram?: boolean | undefined;
  memory?: Memory | undefined;
}
export interface ProductQuantizationConfig {
  compression: CompressionRatio;
  always_ram?: boolean | undefined;
  memory?: Memory | undefined;
}
export interface BinaryQuantizationConfig {
  always_ram?: boolean | undefined;
  memory?: Memory | undefined;
  /** Undefined means `one_bit`. */
  encoding?: BinaryQuantizationEncoding | undefined;
  /** Undefined means `default`. */
  query_encoding?: BinaryQuantizationQueryEncoding | undefined;
}
export interface TurboQuantizationConfig {
  always_ram?: boolean | undefined;
  memory?: Memory | undefined;
  /** Undefined means `bits4`. */
  bits?: TurboQuantBitSize | undefined;
}
export type QuantizationConfig =
  | { scalar: ScalarQuantizationConfig }
  | { product: ProductQuantizationConfig }
  | { binary: BinaryQuantizationConfig }
  | { turbo: TurboQuantizationConfig };
/** A quantization change: a new config, or `"Disabled"` to remove quantization. */
export type QuantizationConfigDiff = QuantizationConfig | 'Disabled';

const scalarQuantizationSchema = struct('ScalarQuantization', {
  scalar: struct('ScalarQuantizationConfig', {
    type: enumOf('ScalarType', ['int8'] as const),
    quantile: opt(range(float('f32'), { min: 0.5, max: 1, float: true, f32: true })),
    always_ram: opt(bool()),
    memory: opt(memory),
  }),
});
const productQuantizationSchema = struct('ProductQuantization', {
  product: struct('ProductQuantizationConfig', {
    compression: enumOf('CompressionRatio', ['x4', 'x8', 'x16', 'x32', 'x64'] as const),
    always_ram: opt(bool()),
    memory: opt(memory),
  }),
});
const binaryQuantizationSchema = struct('BinaryQuantization', {
  binary: struct('BinaryQuantizationConfig', {
    always_ram: opt(bool()),
    memory: opt(memory),
    encoding: opt(
      enumOf('BinaryQuantizationEncoding', ['one_bit', 'two_bits', 'one_and_half_bits'] as const),
    ),
    query_encoding: opt(
      enumOf('BinaryQuantizationQueryEncoding', [
        'default',
        'binary',
        'scalar4bits',
        'scalar8bits',
      ] as const),
    ),
  }),
});
const turboQuantizationSchema = struct('TurboQuantization', {
  turbo: struct('TurboQuantQuantizationConfig', {
    always_ram: opt(bool()),
    memory: opt(memory),
    bits: opt(enumOf('TurboQuantBitSize', ['bits1', 'bits1_5', 'bits2', 'bits4'] as const)),
  }),
});

function pickQuantization(
  value: unknown,
  enumName: string,
): z.ZodType<QuantizationConfig> | string {
  if (isJsonObject(value)) {
    if ('scalar' in value) return scalarQuantizationSchema;
    if ('product' in value) return productQuantizationSchema;
    if ('binary' in value) return binaryQuantizationSchema;
    if ('turbo' in value) return turboQuantizationSchema;
  }
  return untaggedMismatch(enumName);
}

export const quantizationConfigSchema: z.ZodType<QuantizationConfig> = dispatch((value) =>
  pickQuantization(value, 'QuantizationConfig'),
);

export const quantizationConfigDiffSchema: z.ZodType<QuantizationConfigDiff> =
  dispatch<QuantizationConfigDiff>((value) => {
    if (typeof value === 'string') {
      return custom<'Disabled'>((v, ctx) => {
        if (v === 'Disabled') return 'Disabled';
        pushFormat(ctx, unknownVariant(String(v), ['Disabled']));
        return INVALID;
      });
    }
    return pickQuantization(value, 'QuantizationConfigDiff');
  });

// ---- vectors ----------------------------------------------------------------------------------

export interface MultiVectorConfig {
  comparator: 'max_sim';
}

export interface VectorParams {
  /** 1 ..= 65536. */
  size: number;
  distance: Distance;
  hnsw_config?: HnswConfigDiff | undefined;
  /** Alias `quantization`. */
  quantization_config?: QuantizationConfig | undefined;
  /** Deprecated in 1.19 for `memory`: true means `cold` (originals served from disk). */
  on_disk?: boolean | undefined;
  /** `cold` or `cached`; `pinned` is refused for dense vectors. */
  memory?: Memory | undefined;
  /** Undefined means float32. */
  datatype?: Datatype | undefined;
  multivector_config?: MultiVectorConfig | undefined;
}

/** One unnamed vector, or named vectors by name. */
export type VectorsConfig = VectorParams | Record<string, VectorParams>;

export const vectorParamsSchema: z.ZodType<VectorParams> = struct(
  'VectorParams',
  {
    size: validate(uint('u64', true), (size) =>
      size > 65536 ? { message: 'must be from 1 to 65536' } : undefined,
    ),
    distance,
    hnsw_config: opt(hnswConfigDiffSchema),
    quantization_config: opt(quantizationConfigSchema),
    on_disk: opt(bool()),
    memory: validate(opt(memory), rejectPinned('dense vector storage')),
    datatype: opt(datatype),
    multivector_config: opt(
      struct('MultiVectorConfig', {
        comparator: enumOf('MultiVectorComparator', ['max_sim'] as const),
      }),
    ),
  },
  { aliases: { quantization: 'quantization_config' } },
);

/** `VectorParams` when the object has a scalar `size` or `distance`, else a map of them. */
export const vectorsConfigSchema: z.ZodType<VectorsConfig> = dispatch<VectorsConfig>((value) => {
  if (!isJsonObject(value)) return untaggedMismatch('VectorsConfig');
  const single =
    ('size' in value && !isJsonObject(value['size'])) ||
    ('distance' in value && !isJsonObject(value['distance']));
  return single ? vectorParamsSchema : map(vectorParamsSchema);
});

export interface SparseIndexParams {
  full_scan_threshold?: number | undefined;
  on_disk?: boolean | undefined;
  memory?: Memory | undefined;
  /** `turbo4` is refused for sparse vectors. */
  datatype?: Datatype | undefined;
}

export interface SparseVectorParams {
  index?: SparseIndexParams | undefined;
  /** Undefined means `none`. */
  modifier?: Modifier | undefined;
}

export const sparseVectorParamsSchema: z.ZodType<SparseVectorParams> = struct(
  'SparseVectorParams',
  {
    index: opt(
      struct('SparseIndexParams', {
        full_scan_threshold: opt(uint('usize')),
        on_disk: opt(bool()),
        memory: opt(memory),
        datatype: validate(opt(datatype), (d) =>
          d === 'turbo4'
            ? { message: 'sparse vectors do not support the `turbo4` datatype' }
            : undefined,
        ),
      }),
    ),
    modifier: opt(enumOf('Modifier', ['none', 'idf'] as const)),
  },
);

export interface VectorParamsDiff {
  hnsw_config?: HnswConfigDiff | undefined;
  /** Alias `quantization`. */
  quantization_config?: QuantizationConfigDiff | undefined;
  on_disk?: boolean | undefined;
  memory?: Memory | undefined;
}

const vectorParamsDiffSchema: z.ZodType<VectorParamsDiff> = struct(
  'VectorParamsDiff',
  {
    hnsw_config: opt(hnswConfigDiffSchema),
    quantization_config: opt(quantizationConfigDiffSchema),
    on_disk: opt(bool()),
    memory: validate(opt(memory), rejectPinned('dense vector storage')),
  },
  { aliases: { quantization: 'quantization_config' } },
);

// ---- strict mode ------------------------------------------------------------------------------

export interface StrictModeConfig {
  enabled?: boolean | undefined;
  max_query_limit?: number | undefined;
  max_timeout?: number | undefined;
  unindexed_filtering_retrieve?: boolean | undefined;
  unindexed_filtering_update?: boolean | undefined;
  search_max_hnsw_ef?: number | undefined;
  search_allow_exact?: boolean | undefined;
  search_max_oversampling?: number | undefined;
  upsert_max_batchsize?: number | undefined;
  search_max_batchsize?: number | undefined;
  max_collection_vector_size_bytes?: number | undefined;
  read_rate_limit?: number | undefined;
  write_rate_limit?: number | undefined;
  max_collection_payload_size_bytes?: number | undefined;
  max_points_count?: number | undefined;
  filter_max_conditions?: number | undefined;
  condition_max_size?: number | undefined;
  multivector_config?: Record<string, { max_vectors?: number | undefined }> | undefined;
  sparse_config?: Record<string, { max_length?: number | undefined }> | undefined;
  max_payload_index_count?: number | undefined;
  /** Deprecated in 1.19. 1 ..= 100. */
  max_resident_memory_percent?: number | undefined;
}

const usize = () => opt(uint('usize'));
const usizeMin1 = () => opt(range(uint('usize'), { min: 1 }));

export const strictModeConfigSchema: z.ZodType<StrictModeConfig> = struct('StrictModeConfig', {
  enabled: opt(bool()),
  max_query_limit: usizeMin1(),
  max_timeout: usizeMin1(),
  unindexed_filtering_retrieve: opt(bool()),
  unindexed_filtering_update: opt(bool()),
  search_max_hnsw_ef: usize(),
  search_allow_exact: opt(bool()),
  search_max_oversampling: opt(float('f64')),
  upsert_max_batchsize: usize(),
  search_max_batchsize: usize(),
  max_collection_vector_size_bytes: usize(),
  read_rate_limit: usizeMin1(),
  write_rate_limit: usizeMin1(),
  max_collection_payload_size_bytes: usize(),
  max_points_count: usizeMin1(),
  filter_max_conditions: usize(),
  condition_max_size: usize(),
  multivector_config: opt(map(struct('StrictModeMultivector', { max_vectors: usizeMin1() }))),
  sparse_config: opt(map(struct('StrictModeSparse', { max_length: usizeMin1() }))),
  max_payload_index_count: usize(),
  max_resident_memory_percent: opt(range(uint('u8'), { min: 1, max: 100 })),
});

// ---- create / update collection ---------------------------------------------------------------

/** PUT /collections/{name}. Unset fields take the service configuration's defaults. */
export interface CreateCollectionRequest {
  /** Default: no dense vectors (`{}`), collection_meta_ops.rs `#[serde(default)]`. */
  vectors: VectorsConfig;
  /** ≥ 1. */
  shard_number?: number | undefined;
  sharding_method?: ShardingMethod | undefined;
  /** ≥ 1. */
  replication_factor?: number | undefined;
  /** ≥ 1. */
  write_consistency_factor?: number | undefined;
  /** Deprecated in 1.19 for `payload.memory`. */
  on_disk_payload?: boolean | undefined;
  payload?: PayloadStorageParams | undefined;
  hnsw_config?: HnswConfigDiff | undefined;
  wal_config?: WalConfigDiff | undefined;
  /** Alias `optimizer_config`. */
  optimizers_config?: OptimizersConfigDiff | undefined;
  /** Alias `quantization`. Undefined: no quantization. */
  quantization_config?: QuantizationConfig | undefined;
  sparse_vectors?: Record<string, SparseVectorParams> | undefined;
  strict_mode_config?: StrictModeConfig | undefined;
  metadata?: Payload | undefined;
}

const u32Min1 = () => opt(range(uint('u32'), { min: 1 }));

export const createCollectionSchema: z.ZodType<CreateCollectionRequest> = struct(
  'CreateCollection',
  {
    vectors: withDefault(vectorsConfigSchema, () => ({})),
    shard_number: u32Min1(),
    sharding_method: opt(enumOf('ShardingMethod', ['auto', 'custom'] as const)),
    replication_factor: u32Min1(),
    write_consistency_factor: u32Min1(),
    on_disk_payload: opt(bool()),
    payload: opt(payloadStorageParamsSchema),
    hnsw_config: opt(hnswConfigDiffSchema),
    wal_config: opt(walConfigDiffSchema),
    optimizers_config: opt(optimizersConfigDiffSchema),
    quantization_config: opt(quantizationConfigSchema),
    sparse_vectors: opt(map(sparseVectorParamsSchema)),
    strict_mode_config: opt(strictModeConfigSchema),
    metadata: opt(payloadSchema),
  },
  { aliases: { optimizer_config: 'optimizers_config', quantization: 'quantization_config' } },
);

const INVALID_NAME_CHARS = ['<', '>', ':', '"', '/', '\\', '|', '?', '*', '\0', '\u001f'];

/** lib/common/common/src/validation.rs `validate_vector_name`: the error text, or undefined. */
export function vectorNameProblem(name: string): string | undefined {
  if (Buffer.byteLength(name, 'utf8') > 200) return 'vector name must be at most 200 bytes long';
  const bad = INVALID_NAME_CHARS.find((c) => name.includes(c));
  return bad === undefined ? undefined : `vector name cannot contain "${bad}" char`;
}

/**
 * The checks Qdrant makes when it builds the create operation (CreateCollectionOperation::new):
 * vector names, and dense/sparse name clashes. They answer 400 "Wrong input: …".
 */
export function checkCreateCollection(request: CreateCollectionRequest): void {
  const { vectors, sparse_vectors: sparse } = request;
  const isSingle = typeof (vectors as { distance?: unknown }).distance === 'string';
  const denseNames = isSingle ? [''] : Object.keys(vectors);
  if (!isSingle) {
    for (const name of denseNames) {
      const problem = vectorNameProblem(name);
      if (problem !== undefined)
        throw new RingvecError('bad_input', `Invalid dense vector name \`${name}\`: ${problem}`);
    }
  }
  if (sparse === undefined) return;
  for (const name of Object.keys(sparse)) {
    const problem = vectorNameProblem(name);
    if (problem !== undefined)
      throw new RingvecError('bad_input', `Invalid sparse vector name \`${name}\`: ${problem}`);
  }
  if (Object.prototype.hasOwnProperty.call(sparse, ''))
    throw new RingvecError('bad_input', 'Sparse vector name cannot be empty');
  const duplicate = denseNames.find((name) => Object.prototype.hasOwnProperty.call(sparse, name));
  if (duplicate !== undefined)
    throw new RingvecError(
      'bad_input',
      `Dense and sparse vector names must be unique - duplicate found with '${duplicate}'`,
    );
}

export interface CollectionParamsDiff {
  replication_factor?: number | undefined;
  write_consistency_factor?: number | undefined;
  read_fan_out_factor?: number | undefined;
  read_fan_out_delay_ms?: number | undefined;
  on_disk_payload?: boolean | undefined;
  payload?: PayloadStorageParams | undefined;
}

/** PATCH /collections/{name}. Every field is a change; undefined leaves it as is. */
export interface UpdateCollectionRequest {
  /** Per vector name; the unnamed vector is `""`. */
  vectors?: Record<string, VectorParamsDiff> | undefined;
  /** Alias `optimizer_config`. */
  optimizers_config?: OptimizersConfigDiff | undefined;
  params?: CollectionParamsDiff | undefined;
  hnsw_config?: HnswConfigDiff | undefined;
  /** Alias `quantization`. `"Disabled"` removes quantization. */
  quantization_config?: QuantizationConfigDiff | undefined;
  sparse_vectors?: Record<string, SparseVectorParams> | undefined;
  strict_mode_config?: StrictModeConfig | undefined;
  /** Merged into the existing metadata; a null value removes that key. */
  metadata?: Payload | undefined;
}

export const updateCollectionSchema: z.ZodType<UpdateCollectionRequest> = struct(
  'UpdateCollection',
  {
    vectors: opt(map(vectorParamsDiffSchema)),
    optimizers_config: opt(optimizersConfigDiffSchema),
    params: opt(
      struct('CollectionParamsDiff', {
        replication_factor: opt(uint('u32', true)),
        write_consistency_factor: opt(uint('u32', true)),
        read_fan_out_factor: opt(uint('u32')),
        read_fan_out_delay_ms: opt(uint('u64')),
        on_disk_payload: opt(bool()),
        payload: opt(payloadStorageParamsSchema),
      }),
    ),
    hnsw_config: opt(hnswConfigDiffSchema),
    quantization_config: opt(quantizationConfigDiffSchema),
    sparse_vectors: opt(map(sparseVectorParamsSchema)),
    strict_mode_config: opt(strictModeConfigSchema),
    metadata: opt(payloadSchema),
  },
  { aliases: { optimizer_config: 'optimizers_config', quantization: 'quantization_config' } },
);

// ---- aliases ----------------------------------------------------------------------------------

export type AliasOperation =
  | { create_alias: { collection_name: string; alias_name: string } }
  | { delete_alias: { alias_name: string } }
  | { rename_alias: { old_alias_name: string; new_alias_name: string } };

/** POST /collections/aliases: applied atomically, in order. */
export interface ChangeAliasesRequest {
  actions: AliasOperation[];
}

const createAliasSchema = struct('CreateAliasOperation', {
  create_alias: struct('CreateAlias', { collection_name: str(), alias_name: str() }),
});
const deleteAliasSchema = struct('DeleteAliasOperation', {
  delete_alias: struct('DeleteAlias', { alias_name: str() }),
});
const renameAliasSchema = struct('RenameAliasOperation', {
  rename_alias: struct('RenameAlias', { old_alias_name: str(), new_alias_name: str() }),
});

const aliasOperationSchema: z.ZodType<AliasOperation> = dispatch<AliasOperation>((value) => {
  if (isJsonObject(value)) {
    if ('create_alias' in value) return createAliasSchema;
    if ('delete_alias' in value) return deleteAliasSchema;
    if ('rename_alias' in value) return renameAliasSchema;
  }
  return untaggedMismatch('AliasOperations');
});

export const changeAliasesSchema: z.ZodType<ChangeAliasesRequest> = struct(
  'ChangeAliasesOperation',
  { actions: seq(aliasOperationSchema) },
);

// ---- payload index ----------------------------------------------------------------------------

export const PAYLOAD_SCHEMA_TYPES = [
  'keyword',
  'integer',
  'float',
  'geo',
  'text',
  'bool',
  'datetime',
  'uuid',
] as const;
export type PayloadSchemaType = (typeof PAYLOAD_SCHEMA_TYPES)[number];
export type TokenizerType = 'prefix' | 'whitespace' | 'word' | 'multilingual';

const LANGUAGES = {
  arabic: 'ar',
  azerbaijani: 'az',
  basque: 'eu',
  bengali: 'bn',
  catalan: 'ca',
  chinese: 'zh',
  danish: 'da',
  dutch: 'nl',
  english: 'en',
  finnish: 'fi',
  french: 'fr',
  german: 'de',
  greek: 'el',
  hebrew: 'he',
  hinglish: 'hi-en',
  hungarian: 'hu',
  indonesian: 'id',
  italian: 'it',
  japanese: 'jp',
  kazakh: 'kk',
  nepali: 'ne',
  norwegian: 'no',
  portuguese: 'pt',
  romanian: 'ro',
  russian: 'ru',
  slovene: 'sl',
  spanish: 'es',
  swedish: 'sv',
  tajik: 'tg',
  turkish: 'tr',
} as const;
const SNOWBALL_LANGUAGES = {
  arabic: 'ar',
  armenian: 'hy',
  danish: 'da',
  dutch: 'nl',
  english: 'en',
  finnish: 'fi',
  french: 'fr',
  german: 'de',
  greek: 'el',
  hungarian: 'hu',
  italian: 'it',
  norwegian: 'no',
  portuguese: 'pt',
  romanian: 'ro',
  russian: 'ru',
  spanish: 'es',
  swedish: 'sv',
  tamil: 'ta',
  turkish: 'tr',
} as const;
export type Language = keyof typeof LANGUAGES;
export type SnowballLanguage = keyof typeof SNOWBALL_LANGUAGES;

function languageEnum<L extends string>(name: string, table: Readonly<Record<L, string>>) {
  const names = Object.keys(table) as L[];
  const aliases = Object.fromEntries(names.map((n) => [table[n], n])) as Record<string, L>;
  return enumOf<L>(name, names, aliases);
}
const language = languageEnum<Language>('Language', LANGUAGES);
const snowballLanguage = languageEnum<SnowballLanguage>('SnowballLanguage', SNOWBALL_LANGUAGES);

export type StopwordsInterface =
  Language | { languages?: Language[] | undefined; custom?: string[] | undefined };
export type StemmingAlgorithm = { type: 'snowball'; language: SnowballLanguage } | { type: 'none' };

const stopwordsSchema: z.ZodType<StopwordsInterface> = dispatch<StopwordsInterface>((value) => {
  if (typeof value === 'string') return language;
  if (isJsonObject(value))
    return struct('StopwordsSet', { languages: opt(seq(language)), custom: opt(seq(str())) });
  return untaggedMismatch('StopwordsInterface');
});

const stemmerSchema: z.ZodType<StemmingAlgorithm> = dispatch<StemmingAlgorithm>((value) => {
  if (isJsonObject(value)) {
    if (value['type'] === 'snowball')
      return struct('SnowballParams', {
        type: enumOf('Snowball', ['snowball'] as const),
        language: snowballLanguage,
      });
    if (value['type'] === 'none')
      return struct('DisabledStemmerParams', { type: enumOf('NoStemmer', ['none'] as const) });
  }
  return untaggedMismatch('StemmingAlgorithm');
});

interface IndexParamsBase {
  on_disk?: boolean | undefined;
  memory?: Memory | undefined;
  enable_hnsw?: boolean | undefined;
}
export type PayloadSchemaParams =
  | (IndexParamsBase & {
      type: 'keyword';
      is_tenant?: boolean | undefined;
      prefix?: boolean | undefined;
    })
  | (IndexParamsBase & {
      type: 'integer';
      lookup?: boolean | undefined;
      range?: boolean | undefined;
      is_principal?: boolean | undefined;
    })
  | (IndexParamsBase & { type: 'float'; is_principal?: boolean | undefined })
  | (IndexParamsBase & { type: 'geo' })
  | (IndexParamsBase & {
      type: 'text';
      /** Default `word`. */
      tokenizer: TokenizerType;
      min_token_len?: number | undefined;
      max_token_len?: number | undefined;
      lowercase?: boolean | undefined;
      ascii_folding?: boolean | undefined;
      phrase_matching?: boolean | undefined;
      stopwords?: StopwordsInterface | undefined;
      stemmer?: StemmingAlgorithm | undefined;
    })
  | (IndexParamsBase & { type: 'bool' })
  | (IndexParamsBase & { type: 'datetime'; is_principal?: boolean | undefined })
  | (IndexParamsBase & { type: 'uuid'; is_tenant?: boolean | undefined });
export type PayloadFieldSchema = PayloadSchemaType | PayloadSchemaParams;

const indexBase = { on_disk: opt(bool()), memory: opt(memory), enable_hnsw: opt(bool()) };
const indexType = <T extends string>(t: T) =>
  enumOf(`${t[0]!.toUpperCase()}${t.slice(1)}IndexType`, [t]);

const INDEX_PARAMS: Record<PayloadSchemaType, z.ZodType<PayloadSchemaParams>> = {
  keyword: struct('KeywordIndexParams', {
    type: indexType('keyword'),
    is_tenant: opt(bool()),
    prefix: opt(bool()),
    ...indexBase,
  }),
  integer: validate(
    struct('IntegerIndexParams', {
      type: indexType('integer'),
      lookup: opt(bool()),
      range: opt(bool()),
      is_principal: opt(bool()),
      ...indexBase,
    }),
    (p) =>
      p.lookup === false && p.range === false
        ? {
            message: bareValidatorCode(
              "the 'lookup' and 'range' capabilities can't be both disabled",
            ),
            path: ['lookup'],
          }
        : undefined,
  ),
  float: struct('FloatIndexParams', {
    type: indexType('float'),
    is_principal: opt(bool()),
    ...indexBase,
  }),
  geo: struct('GeoIndexParams', { type: indexType('geo'), ...indexBase }),
  text: struct('TextIndexParams', {
    type: indexType('text'),
    tokenizer: withDefault(
      enumOf('TokenizerType', ['prefix', 'whitespace', 'word', 'multilingual'] as const),
      () => 'word' as const,
    ),
    min_token_len: opt(uint('usize')),
    max_token_len: opt(uint('usize')),
    lowercase: opt(bool()),
    ascii_folding: opt(bool()),
    phrase_matching: opt(bool()),
    stopwords: opt(stopwordsSchema),
    stemmer: opt(stemmerSchema),
    ...indexBase,
  }),
  bool: struct('BoolIndexParams', { type: indexType('bool'), ...indexBase }),
  datetime: struct('DatetimeIndexParams', {
    type: indexType('datetime'),
    is_principal: opt(bool()),
    ...indexBase,
  }),
  uuid: struct('UuidIndexParams', {
    type: indexType('uuid'),
    is_tenant: opt(bool()),
    ...indexBase,
  }),
};

export const payloadFieldSchemaSchema: z.ZodType<PayloadFieldSchema> = dispatch<PayloadFieldSchema>(
  (value) => {
    if (typeof value === 'string') return enumOf('PayloadSchemaType', PAYLOAD_SCHEMA_TYPES);
    if (isJsonObject(value)) {
      const type = value['type'];
      if (typeof type === 'string' && Object.prototype.hasOwnProperty.call(INDEX_PARAMS, type))
        return INDEX_PARAMS[type as PayloadSchemaType];
    }
    return untaggedMismatch('PayloadFieldSchema');
  },
);

/** PUT /collections/{name}/index. */
export interface CreateFieldIndexRequest {
  field_name: string;
  /** Alias `field_type`. Undefined: Qdrant refuses to guess (the engine answers). */
  field_schema?: PayloadFieldSchema | undefined;
}

export const createFieldIndexSchema: z.ZodType<CreateFieldIndexRequest> = struct(
  'CreateFieldIndex',
  { field_name: jsonPathSchema, field_schema: opt(payloadFieldSchemaSchema) },
  { aliases: { field_type: 'field_schema' } },
);

// ---- snapshot recovery ------------------------------------------------------------------------

export type SnapshotPriority = 'no_sync' | 'snapshot' | 'replica';
export const snapshotPrioritySchema = enumOf('SnapshotPriority', [
  'no_sync',
  'snapshot',
  'replica',
] as const);

/** lib/common/common/src/validation.rs `validate_sha256_hash`. */
export function sha256Problem(value: string): string | undefined {
  if (value.length !== 64)
    return `Validation error: invalid_sha256_hash [{"length": Number(${value.length}), "expected_length": Number(64)}]`;
  if (!/^[0-9a-fA-F]{64}$/.test(value)) return 'invalid characters, expected 0-9, a-f, A-F';
  return undefined;
}

const checksumSchema = validate(opt(str()), (v) => {
  const problem = v === undefined ? undefined : sha256Problem(v);
  return problem === undefined ? undefined : { message: problem };
});

const urlSchema: z.ZodType<string> = custom<string>((value, ctx) => {
  if (typeof value !== 'string') {
    pushFormat(ctx, invalidType(value, 'a string'));
    return INVALID;
  }
  if (!URL.canParse(value)) {
    pushFormat(
      ctx,
      /^[A-Za-z][A-Za-z0-9+.-]*:/.test(value) ? 'invalid URL' : 'relative URL without a base',
    );
    return INVALID;
  }
  return value;
});

/** PUT /collections/{name}/snapshots/recover. */
export interface SnapshotRecoverRequest {
  /** `http(s)://…` or `file:///…`. */
  location: string;
  /** Undefined means `snapshot` (snapshots/recover.rs `priority.unwrap_or_default()`). */
  priority: SnapshotPriority;
  /** Lowercase or uppercase hex SHA-256 of the snapshot file. */
  checksum?: string | undefined;
  /** Sent as `api-key` when fetching a remote snapshot. */
  api_key?: string | undefined;
}

export const snapshotRecoverSchema: z.ZodType<SnapshotRecoverRequest> = struct('SnapshotRecover', {
  location: urlSchema,
  priority: opt(snapshotPrioritySchema).transform((p) => p ?? 'snapshot'),
  checksum: checksumSchema,
  api_key: opt(str()),
});

/** PUT /collections/{name}/shards/{id}/snapshots/recover: the location may also be a file name. */
export const shardSnapshotRecoverSchema: z.ZodType<SnapshotRecoverRequest> = struct(
  'ShardSnapshotRecover',
  {
    location: str(),
    priority: opt(snapshotPrioritySchema).transform((p) => p ?? 'snapshot'),
    checksum: checksumSchema,
    api_key: opt(str()),
  },
);
