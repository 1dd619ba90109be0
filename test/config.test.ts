// Configuration: defaults, file and environment precedence, unknown keys, invalid values.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { settingsSchema } from '../src/common/settings.js';
import { asyncScorerRequested } from '../src/common/settings.js';
import { ConfigError, loadConfig } from '../src/server/load-config.js';
import { tempDir } from './helpers/test-server.js';

test('config/config.yaml agrees with the schema defaults', () => {
  const fromFile = loadConfig({ env: {} }).settings;
  const fromSchema = settingsSchema.parse({});
  assert.deepEqual(fromFile, fromSchema);
  assert.equal(fromFile.service.http_port, 6333);
  assert.equal(fromFile.storage.storage_path, './storage');
  assert.equal(fromFile.storage.performance.async_scorer, false);
});

test('precedence: defaults < --config-path < QDRANT__ < RINGVEC__', () => {
  const dir = tempDir();
  const file = join(dir, 'config.yaml');
  writeFileSync(
    file,
    'service:\n  http_port: 7001\n  max_request_size_mb: 8\nstorage:\n  storage_path: /data/a\n',
  );
  const fileOnly = loadConfig({ configPath: file, env: {} }).settings;
  assert.equal(fileOnly.service.http_port, 7001);
  assert.equal(fileOnly.service.max_request_size_mb, 8);
  const withQdrant = loadConfig({
    configPath: file,
    env: { QDRANT__SERVICE__HTTP_PORT: '7002', QDRANT__STORAGE__STORAGE_PATH: '/data/q' },
  }).settings;
  assert.equal(withQdrant.service.http_port, 7002);
  assert.equal(withQdrant.storage.storage_path, '/data/q');
  const withRingvec = loadConfig({
    configPath: file,
    env: { QDRANT__SERVICE__HTTP_PORT: '7002', RINGVEC__SERVICE__HTTP_PORT: '7000' },
  }).settings;
  assert.equal(withRingvec.service.http_port, 7000);
  assert.equal(
    withRingvec.service.max_request_size_mb,
    8,
    'file values survive env overrides of other keys',
  );
});

test('both async_scorer keys of the article and of Qdrant ≥ 1.4 enable io_uring', () => {
  const dir = tempDir();
  const legacy = join(dir, 'legacy.yaml');
  writeFileSync(legacy, 'storage:\n\tasync_scorer: true\n'.replace('\t', '  '));
  assert.equal(
    asyncScorerRequested(loadConfig({ configPath: legacy, env: {} }).settings.storage),
    true,
  );
  const env = { RINGVEC__STORAGE__PERFORMANCE__ASYNC_SCORER: 'true' };
  assert.equal(asyncScorerRequested(loadConfig({ env }).settings.storage), true);
  const disabled = { ...env, RINGVEC__STORAGE__PERFORMANCE__IO_URING: 'disabled' };
  assert.equal(asyncScorerRequested(loadConfig({ env: disabled }).settings.storage), false);
  const auto = { RINGVEC__STORAGE__PERFORMANCE__IO_URING: 'auto' };
  assert.equal(asyncScorerRequested(loadConfig({ env: auto }).settings.storage), true);
  assert.equal(asyncScorerRequested(loadConfig({ env: {} }).settings.storage), false);
});

test('unknown keys are reported, not fatal', () => {
  const dir = tempDir();
  const file = join(dir, 'config.yaml');
  writeFileSync(file, 'service:\n  http_port: 7001\n  colour: blue\nnonsense: 1\n');
  const loaded = loadConfig({
    configPath: file,
    env: { RINGVEC__STORAGE__PERFORMANCE__TURBO: '1' },
  });
  assert.deepEqual(loaded.unknownKeys.sort(), [
    'nonsense',
    'service.colour',
    'storage.performance.turbo',
  ]);
});

test('invalid values stop start-up naming the key, the value and what is allowed', () => {
  assert.throws(
    () => loadConfig({ env: { RINGVEC__SERVICE__HTTP_PORT: 'abc' } }),
    (error: unknown) =>
      error instanceof ConfigError &&
      /service\.http_port = "abc": .*expected number/i.test(error.message),
  );
  assert.throws(
    () => loadConfig({ env: { RINGVEC__SERVICE__HTTP_PORT: '70000' } }),
    (error: unknown) =>
      error instanceof ConfigError && /service\.http_port = 70000: .*65535/.test(error.message),
  );
  assert.throws(
    () => loadConfig({ env: { RINGVEC__STORAGE__PERFORMANCE__IO_URING: 'sometimes' } }),
    (error: unknown) =>
      error instanceof ConfigError &&
      /storage\.performance\.io_uring = "sometimes": .*"disabled".*"auto"/.test(error.message),
  );
  const dir = tempDir();
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, 'service: [1, 2\n');
  assert.throws(() => loadConfig({ configPath: file, env: {} }), /not valid YAML/);
  assert.throws(
    () => loadConfig({ configPath: join(dir, 'missing.yaml'), env: {} }),
    /cannot read config file/,
  );
});
