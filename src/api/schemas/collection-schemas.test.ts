import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseChangeAliases,
  parseCollectionName,
  parseCreateCollection,
  parseCreateFieldIndex,
  parseShardSnapshotRecover,
  parseSnapshotRecover,
  parseUpdateCollection,
} from './request-parsers.js';
import {
  assertOpenApiValid,
  expectError,
  expectFormat,
  expectValidation,
  plain,
} from './test-support.js';

test('create collection: Qdrant documentation examples parse and match the OpenAPI schema', () => {
  const examples: unknown[] = [
    { vectors: { size: 100, distance: 'Cosine' } },
    { vectors: { size: 768, distance: 'Cosine', on_disk: true } },
    {
      vectors: {
        image: { size: 4, distance: 'Dot' },
        text: { size: 8, distance: 'Cosine', datatype: 'float16' },
      },
    },
    {
      vectors: { size: 768, distance: 'Cosine', on_disk: true },
      quantization_config: { scalar: { type: 'int8', quantile: 0.99, always_ram: true } },
    },
    {
      vectors: { size: 1536, distance: 'Cosine' },
      quantization_config: { product: { compression: 'x16', always_ram: true } },
    },
    {
      vectors: { size: 1536, distance: 'Cosine', on_disk: true },
      quantization_config: { binary: { always_ram: true, encoding: 'two_bits' } },
      hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10000, on_disk: false },
      optimizers_config: { default_segment_number: 2, indexing_threshold: 20000 },
      wal_config: { wal_capacity_mb: 64 },
      shard_number: 1,
      replication_factor: 1,
      on_disk_payload: true,
    },
    {
      vectors: {
        size: 128,
        distance: 'Cosine',
        multivector_config: { comparator: 'max_sim' },
      },
    },
    { vectors: {}, sparse_vectors: { text: { index: { on_disk: false }, modifier: 'idf' } } },
    {
      vectors: { size: 4, distance: 'Euclid' },
      strict_mode_config: { enabled: true, max_query_limit: 100 },
    },
    { vectors: { size: 4, distance: 'Manhattan' }, metadata: { owner: 'me' } },
  ];
  for (const body of examples) {
    assertOpenApiValid('CreateCollection', body);
    parseCreateCollection(body);
  }
  const parsed = parseCreateCollection(examples[3]);
  assert.deepEqual(plain(parsed), {
    vectors: { size: 768, distance: 'Cosine', on_disk: true },
    quantization_config: { scalar: { type: 'int8', quantile: 0.99, always_ram: true } },
  });
  // `vectors` may be omitted: no dense vectors.
  assert.deepEqual(plain(parseCreateCollection({})), { vectors: {} });
  // Aliases `quantization`, `optimizer_config`, `full_scan_threshold_kb`.
  assert.deepEqual(
    plain(
      parseCreateCollection({
        vectors: { size: 4, distance: 'Dot', quantization: { binary: {} } },
        optimizer_config: { indexing_threshold_kb: 0 },
        hnsw_config: { full_scan_threshold_kb: 20 },
      }),
    ),
    {
      vectors: { size: 4, distance: 'Dot', quantization_config: { binary: {} } },
      optimizers_config: { indexing_threshold: 0 },
      hnsw_config: { full_scan_threshold: 20 },
    },
  );
});

test('create collection: shape errors are 400 with the serde text', () => {
  expectFormat(
    parseCreateCollection,
    { vectors: { size: 4, distance: 'Cosin' } },
    'vectors.distance: unknown variant `Cosin`, expected one of `Cosine`, `Euclid`, `Dot`, `Manhattan`',
  );
  expectFormat(
    parseCreateCollection,
    { vectors: { size: 4 } },
    'vectors: missing field `distance`',
  );
  expectFormat(
    parseCreateCollection,
    { vectors: { size: 'x', distance: 'Dot' } },
    'vectors.size: invalid type: string "x", expected a nonzero u64',
  );
  expectFormat(
    parseCreateCollection,
    { vectors: { size: 0, distance: 'Dot' } },
    'vectors.size: invalid value: integer `0`, expected a nonzero u64',
  );
  expectFormat(
    parseCreateCollection,
    { vectors: { a: { size: 4, distance: 'Dot', datatype: 'int4' } } },
    'vectors.a.datatype: unknown variant `int4`, expected one of `float32`, `uint8`, `float16`, `turbo4`',
  );
  expectFormat(
    parseCreateCollection,
    { vectors: { size: 4, distance: 'Dot' }, quantization_config: { scalar: { type: 'int4' } } },
    'quantization_config.scalar.type: unknown variant `int4`, expected `int8`',
  );
  expectFormat(
    parseCreateCollection,
    { vectors: { size: 4, distance: 'Dot' }, quantization_config: { other: {} } },
    'quantization_config: data did not match any variant of untagged enum QuantizationConfig',
  );
  expectFormat(
    parseCreateCollection,
    { vectors: 5 },
    'vectors: data did not match any variant of untagged enum VectorsConfig',
  );
  expectFormat(
    parseCreateCollection,
    [],
    'invalid type: sequence, expected struct CreateCollection',
  );
});

test('create collection: constraint violations are 422 with validator text', () => {
  expectValidation(
    parseCreateCollection,
    { vectors: { size: 65537, distance: 'Dot' } },
    'vectors.size: must be from 1 to 65536',
  );
  expectValidation(
    parseCreateCollection,
    {
      vectors: { size: 4, distance: 'Dot', memory: 'pinned' },
      shard_number: 0,
      hnsw_config: { ef_construct: 3 },
      optimizers_config: { vacuum_min_vector_number: 10, deleted_threshold: 1.5 },
      quantization_config: { scalar: { type: 'int8', quantile: 0.3 } },
    },
    'vectors.memory: `pinned` memory placement is not supported for dense vector storage; ' +
      'shard_number: value 0 invalid, must be 1 or larger; ' +
      'hnsw_config.ef_construct: value 3 invalid, must be 4 or larger; ' +
      'optimizers_config.deleted_threshold: value 1.5 invalid, must be from 0.0 to 1.0; ' +
      'optimizers_config.vacuum_min_vector_number: value 10 invalid, must be 100 or larger; ' +
      'quantization_config.scalar.quantile: value 0.30000001192092896 invalid, must be from 0.5 to 1.0',
  );
  expectValidation(
    parseCreateCollection,
    { sparse_vectors: { s: { index: { datatype: 'turbo4' } } } },
    'sparse_vectors.s.index.datatype: sparse vectors do not support the `turbo4` datatype',
  );
  expectValidation(
    parseCreateCollection,
    { payload: { memory: 'pinned' } },
    'payload.memory: `pinned` memory placement is not supported for payload storage',
  );
});

test('create collection: vector name checks of the create operation answer 400 Wrong input', () => {
  expectError(
    () => parseCreateCollection({ vectors: { 'a/b': { size: 4, distance: 'Dot' } } }),
    'bad_input',
    'Wrong input: Invalid dense vector name `a/b`: vector name cannot contain "/" char',
  );
  expectError(
    () =>
      parseCreateCollection({
        vectors: { text: { size: 4, distance: 'Dot' } },
        sparse_vectors: { text: {} },
      }),
    'bad_input',
    "Wrong input: Dense and sparse vector names must be unique - duplicate found with 'text'",
  );
  expectError(
    () => parseCreateCollection({ sparse_vectors: { '': {} } }),
    'bad_input',
    'Wrong input: Sparse vector name cannot be empty',
  );
});

test('update collection: diffs, "Disabled" quantization, params', () => {
  const examples: unknown[] = [
    { optimizers_config: { indexing_threshold: 10000 } },
    { quantization_config: 'Disabled' },
    { quantization_config: { scalar: { type: 'int8', quantile: 0.95 } } },
    { vectors: { '': { hnsw_config: { m: 32 }, on_disk: true } } },
    { vectors: { image: { quantization_config: 'Disabled' } } },
    {
      params: { replication_factor: 2, write_consistency_factor: 1 },
      hnsw_config: { ef_construct: 200 },
    },
    { optimizers_config: { max_optimization_threads: 'auto' } },
    { optimizers_config: { max_optimization_threads: 4 } },
    { sparse_vectors: { text: { modifier: 'idf' } } },
    { strict_mode_config: { enabled: false }, metadata: { a: null } },
  ];
  for (const body of examples) {
    assertOpenApiValid('UpdateCollection', body);
    parseUpdateCollection(body);
  }
  assert.deepEqual(plain(parseUpdateCollection({ quantization: 'Disabled' })), {
    quantization_config: 'Disabled',
  });
  expectFormat(
    parseUpdateCollection,
    { quantization_config: 'disabled' },
    'quantization_config: unknown variant `disabled`, expected `Disabled`',
  );
  expectFormat(
    parseUpdateCollection,
    { params: { replication_factor: 0 } },
    'params.replication_factor: invalid value: integer `0`, expected a nonzero u32',
  );
  expectFormat(
    parseUpdateCollection,
    { optimizers_config: { max_optimization_threads: 'all' } },
    'optimizers_config.max_optimization_threads: unknown variant `all`, expected `auto`',
  );
  expectValidation(
    parseUpdateCollection,
    { vectors: { '': { hnsw_config: { full_scan_threshold: 1 } } } },
    'vectors..hnsw_config.full_scan_threshold: value 1 invalid, must be 10 or larger',
  );
});

test('aliases: create, delete, rename', () => {
  const body = {
    actions: [
      { create_alias: { collection_name: 'c', alias_name: 'a' } },
      { rename_alias: { old_alias_name: 'a', new_alias_name: 'b' } },
      { delete_alias: { alias_name: 'b' } },
    ],
  };
  assertOpenApiValid('ChangeAliasesOperation', body);
  assert.deepEqual(parseChangeAliases(body), body);
  expectFormat(parseChangeAliases, {}, 'missing field `actions`');
  expectFormat(
    parseChangeAliases,
    { actions: [{ drop_alias: {} }] },
    'actions[0]: data did not match any variant of untagged enum AliasOperations',
  );
  expectFormat(
    parseChangeAliases,
    { actions: [{ create_alias: { alias_name: 'a' } }] },
    'actions[0].create_alias: missing field `collection_name`',
  );
});

test('payload index: string and object field schemas', () => {
  const examples: unknown[] = [
    { field_name: 'city', field_schema: 'keyword' },
    { field_name: 'group_id', field_schema: { type: 'keyword', is_tenant: true } },
    { field_name: 'count', field_schema: { type: 'integer', lookup: false, range: true } },
    {
      field_name: 'description',
      field_schema: {
        type: 'text',
        tokenizer: 'word',
        min_token_len: 2,
        max_token_len: 10,
        lowercase: true,
        stopwords: 'english',
        stemmer: { type: 'snowball', language: 'english' },
      },
    },
    { field_name: 'meta.created', field_schema: { type: 'datetime', is_principal: true } },
    { field_name: 'location', field_schema: 'geo' },
  ];
  for (const body of examples) {
    assertOpenApiValid('CreateFieldIndex', body);
    parseCreateFieldIndex(body);
  }
  assert.deepEqual(
    plain(parseCreateFieldIndex({ field_name: 't', field_type: { type: 'text' } })),
    {
      field_name: 't',
      field_schema: { type: 'text', tokenizer: 'word' },
    },
  );
  assert.deepEqual(
    plain(
      parseCreateFieldIndex({
        field_name: 't',
        field_schema: { type: 'text', stopwords: { languages: ['en'] } },
      }),
    ),
    {
      field_name: 't',
      field_schema: { type: 'text', tokenizer: 'word', stopwords: { languages: ['english'] } },
    },
  );
  assert.deepEqual(plain(parseCreateFieldIndex({ field_name: 'x' })), { field_name: 'x' });
  expectFormat(
    parseCreateFieldIndex,
    { field_name: 'x', field_schema: 'string' },
    'field_schema: unknown variant `string`, expected one of `keyword`, `integer`, `float`, `geo`, `text`, `bool`, `datetime`, `uuid`',
  );
  expectFormat(
    parseCreateFieldIndex,
    { field_name: 'x', field_schema: { type: 'vector' } },
    'field_schema: data did not match any variant of untagged enum PayloadFieldSchema',
  );
  expectFormat(
    parseCreateFieldIndex,
    { field_name: 'a..b' },
    "field_name: Invalid json path: 'a..b'",
  );
  expectValidation(
    parseCreateFieldIndex,
    { field_name: 'x', field_schema: { type: 'integer', lookup: false, range: false } },
    "field_schema.lookup: Validation error: the 'lookup' and 'range' capabilities can't be both disabled [{}]",
  );
});

test('snapshot recover: location, priority default, checksum, api_key', () => {
  const body = {
    location: 'http://qdrant-node-1:6333/collections/c/snapshots/c-1.snapshot',
    priority: 'replica',
    checksum: 'a'.repeat(64),
    api_key: 'secret',
  };
  assertOpenApiValid('SnapshotRecover', body);
  assert.deepEqual(plain(parseSnapshotRecover(body)), body);
  assert.deepEqual(
    plain(parseSnapshotRecover({ location: 'file:///qdrant/snapshots/c.snapshot' })),
    {
      location: 'file:///qdrant/snapshots/c.snapshot',
      priority: 'snapshot',
    },
  );
  expectFormat(
    parseSnapshotRecover,
    { location: 'c.snapshot' },
    'location: relative URL without a base',
  );
  expectFormat(parseSnapshotRecover, {}, 'missing field `location`');
  expectFormat(
    parseSnapshotRecover,
    { location: 'http://x/y', priority: 'fast' },
    'priority: unknown variant `fast`, expected one of `no_sync`, `snapshot`, `replica`',
  );
  expectValidation(
    parseSnapshotRecover,
    { location: 'http://x/y', checksum: 'z'.repeat(64) },
    'checksum: invalid characters, expected 0-9, a-f, A-F',
  );
  expectValidation(
    parseSnapshotRecover,
    { location: 'http://x/y', checksum: 'abc' },
    'checksum: Validation error: invalid_sha256_hash [{"length": Number(3), "expected_length": Number(64)}]',
  );
  assert.equal(
    parseShardSnapshotRecover({ location: 'shard-0.snapshot' }).location,
    'shard-0.snapshot',
  );
});

test('collection names in paths', () => {
  assert.equal(parseCollectionName('my_collection'), 'my_collection');
  assert.equal(parseCollectionName('a:b'), 'a:b');
  expectError(
    () => parseCollectionName('a:b', { strict: true }),
    'validation',
    'Validation error in path parameters: [collection_name: collection name cannot contain ":" char]',
  );
  expectError(
    () => parseCollectionName('x'.repeat(256)),
    'validation',
    `Validation error in path parameters: [collection_name: value "${'x'.repeat(256)}" invalid, must be from 1 to 255 characters]`,
  );
});
