import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDatetime, parseDatetime } from './datetime.js';

const micros = (iso: string) => Date.parse(iso) * 1000;

test('accepts the formats Qdrant accepts, as UTC instants', () => {
  const base = micros('2014-01-01T00:00:00Z');
  assert.equal(parseDatetime('2014-01-01T00:00:00Z'), base);
  assert.equal(parseDatetime('2014-01-01t00:00:00z'), base);
  assert.equal(parseDatetime('2014-01-01 00:00:00Z'), base);
  assert.equal(parseDatetime('2014-01-01T01:00:00+01:00'), base);
  assert.equal(parseDatetime('2014-01-01T01:00:00+0100'), base);
  assert.equal(parseDatetime('2014-01-01T01:00:00+01'), base);
  assert.equal(parseDatetime('2013-12-31T19:30:00-04:30'), base);
  assert.equal(parseDatetime('2014-01-01T00:00:00'), base);
  assert.equal(parseDatetime('2014-01-01 00:00:00'), base);
  assert.equal(parseDatetime('2014-01-01T00:00'), base);
  assert.equal(parseDatetime('2014-01-01 00:00'), base);
  assert.equal(parseDatetime('2014-01-01'), base);
  assert.equal(parseDatetime('2014-01-01T00:00:00.123456789Z'), base + 123456);
  assert.equal(parseDatetime('2014-01-01T00:00:00.5'), base + 500000);
  assert.equal(parseDatetime('2024-02-29'), micros('2024-02-29T00:00:00Z'));
  assert.equal(parseDatetime('1969-12-31T23:59:59Z'), -1_000_000);
  assert.equal(parseDatetime('0001-01-01T00:00:00Z'), -62_135_596_800_000_000);
});

test('rejects what Qdrant rejects', () => {
  for (const bad of [
    '',
    '2014',
    '2014-13-01',
    '2023-02-29',
    '2014-01-01T24:00:00Z',
    '2014-01-01T00:00Z',
    '2014-01-01X00:00:00',
    '2014-01-01T00:00:00+25:00',
    'yesterday',
    '2014-01-01T00:00:00.Z',
  ]) {
    assert.equal(parseDatetime(bad), null, bad);
  }
});

test('formats like chrono (RFC 3339, Z, fraction only when present)', () => {
  assert.equal(formatDatetime(micros('2014-01-01T00:00:00Z')), '2014-01-01T00:00:00Z');
  assert.equal(formatDatetime(micros('2014-01-01T00:00:00.250Z')), '2014-01-01T00:00:00.250Z');
  assert.equal(formatDatetime(micros('2014-01-01T00:00:00Z') + 7), '2014-01-01T00:00:00.000007Z');
  assert.equal(formatDatetime(-1_000_000), '1969-12-31T23:59:59Z');
  for (const t of ['2024-02-29T10:00:00Z', '1900-03-01T00:00:00Z', '2100-12-31T23:59:59Z']) {
    assert.equal(formatDatetime(parseDatetime(t)!), t);
  }
});
