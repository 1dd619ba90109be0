import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseCollectionTimeoutParams,
  parseMetricsParams,
  parseOptimizationsParams,
  parseReadParams,
  parseRemovePeerParams,
  parseTelemetryParams,
  parseSnapshotParams,
  parseSnapshotUploadParams,
  parseUpdateParams,
} from './request-parsers.js';
import { expectError, plain } from './test-support.js';

const deserialize = (what: string) => `Deserialize error in query parameters: ${what}`;
const validation = (what: string) => `Validation error in query parameters: [${what}]`;

test('write params: wait=false, ordering=weak by default; timeout in seconds', () => {
  assert.deepEqual(plain(parseUpdateParams({})), { wait: false, ordering: 'weak' });
  assert.deepEqual(plain(parseUpdateParams(undefined)), { wait: false, ordering: 'weak' });
  assert.deepEqual(
    plain(parseUpdateParams({ wait: 'true', ordering: 'strong', timeout: '30', other: 'x' })),
    {
      wait: true,
      ordering: 'strong',
      timeout: 30,
    },
  );
  assert.equal(parseUpdateParams({ timeout: '0' }).timeout, 0);
  expectError(
    () => parseUpdateParams({ wait: '1' }),
    'format',
    deserialize('wait: provided string was not `true` or `false`'),
  );
  expectError(
    () => parseUpdateParams({ wait: '' }),
    'format',
    deserialize('wait: provided string was not `true` or `false`'),
  );
  expectError(
    () => parseUpdateParams({ ordering: 'fast' }),
    'format',
    deserialize('ordering: unknown variant `fast`, expected one of `weak`, `medium`, `strong`'),
  );
  expectError(
    () => parseUpdateParams({ timeout: '1.5' }),
    'format',
    deserialize('timeout: invalid digit found in string'),
  );
  expectError(
    () => parseUpdateParams({ timeout: '' }),
    'format',
    deserialize('timeout: cannot parse integer from empty string'),
  );
  expectError(
    () => parseUpdateParams({ timeout: '18446744073709551616' }),
    'format',
    deserialize('timeout: number too large to fit in target type'),
  );
  expectError(
    () => parseUpdateParams({ wait: ['true', 'true'] }),
    'format',
    deserialize('duplicate field `wait`'),
  );
});

test('read params: consistency factor or level, "" is unset; timeout is nonzero', () => {
  assert.deepEqual(plain(parseReadParams({})), { consistency: 1 });
  assert.deepEqual(plain(parseReadParams({ consistency: '' })), { consistency: 1 });
  assert.deepEqual(plain(parseReadParams({ consistency: '3', timeout: '10' })), {
    consistency: 3,
    timeout: 10,
  });
  for (const level of ['majority', 'quorum', 'all'])
    assert.equal(parseReadParams({ consistency: level }).consistency, level);
  expectError(
    () => parseReadParams({ consistency: '0' }),
    'validation',
    validation('consistency.factor: value 0 invalid, must be 1 or larger'),
  );
  expectError(
    () => parseReadParams({ consistency: 'most' }),
    'format',
    deserialize("consistency: failed to deserialize read consistency query parameter value 'most'"),
  );
  expectError(
    () => parseReadParams({ timeout: '0' }),
    'format',
    deserialize('timeout: invalid value: integer `0`, expected a nonzero u64'),
  );
});

test('collection timeout: validated as ≥ 1', () => {
  assert.deepEqual(plain(parseCollectionTimeoutParams({})), {});
  assert.equal(parseCollectionTimeoutParams({ timeout: '60' }).timeout, 60);
  expectError(
    () => parseCollectionTimeoutParams({ timeout: '0' }),
    'validation',
    validation('timeout: value 0 invalid, must be 1 or larger'),
  );
});

test('snapshot params: wait defaults to true', () => {
  assert.deepEqual(parseSnapshotParams({}), { wait: true });
  assert.deepEqual(parseSnapshotParams({ wait: 'false' }), { wait: false });
  assert.deepEqual(
    plain(parseSnapshotUploadParams({ priority: 'replica', checksum: 'A'.repeat(64) })),
    {
      wait: true,
      priority: 'replica',
      checksum: 'A'.repeat(64),
    },
  );
  expectError(
    () => parseSnapshotUploadParams({ checksum: 'xyz' }),
    'validation',
    validation(
      'checksum: Validation error: invalid_sha256_hash [{"length": Number(3), "expected_length": Number(64)}]',
    ),
  );
});

test('service query strings: telemetry, metrics, remove peer, optimizations', () => {
  assert.deepEqual(plain(parseTelemetryParams({})), {
    anonymize: false,
    details_level: 0,
    per_collection: false,
  });
  assert.deepEqual(
    plain(parseTelemetryParams({ anonymize: 'true', details_level: '3', timeout: '5' })),
    {
      anonymize: true,
      details_level: 3,
      per_collection: false,
      timeout: 5,
    },
  );
  expectError(
    () => parseTelemetryParams({ timeout: '0' }),
    'validation',
    validation('timeout: value 0 invalid, must be 1 or larger'),
  );
  assert.deepEqual(plain(parseMetricsParams({ per_collection: 'true' })), {
    anonymize: false,
    per_collection: true,
  });
  assert.deepEqual(plain(parseRemovePeerParams({ force: 'true' })), { force: true });
  assert.deepEqual(plain(parseOptimizationsParams({})), { queued: false, idle_segments: false });
  assert.deepEqual(plain(parseOptimizationsParams({ with: 'queued, completed' })), {
    queued: true,
    completed_limit: 16,
    idle_segments: false,
  });
  assert.equal(
    parseOptimizationsParams({ with: 'completed', completed_limit: '3' }).completed_limit,
    3,
  );
  expectError(
    () => parseOptimizationsParams({ with: 'running' }),
    'bad_input',
    "Wrong input: Unknown field in 'with' parameter: running",
  );
});
