// OriginalVectorScorer over on-disk vectors: reads land in pooled per-thread buffers, so batches
// in flight at the same time (a search thread overlaps many requests' reads) must each keep their
// own buffer, and a failed read must not hand its buffer to the next batch.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getKernels } from '../kernels/index.js';
import type { BatchReader } from '../storage-io/batch-reader.js';
import { OriginalVectorScorer } from './query-scoring.js';

const DIM = 16;
const COUNT = 200;

function vectors(): Float32Array {
  const out = new Float32Array(COUNT * DIM);
  for (let i = 0; i < out.length; i++) out[i] = Math.sin(i * 0.37) + (i % 7) * 0.01;
  return out;
}

/** Serves records from `data`, completing after `delayMs` (0: synchronously); fails reads of `failRecord`. */
function fakeReader(data: Float32Array, delayMs: number, failRecord = -1): BatchReader {
  const bytes = new Uint8Array(data.buffer);
  const recordBytes = DIM * 4;
  const copy = (records: Uint32Array, count: number, out: Uint8Array) => {
    for (let k = 0; k < count; k++) {
      const r = records[k]!;
      out.set(bytes.subarray(r * recordBytes, (r + 1) * recordBytes), k * recordBytes);
    }
  };
  return {
    backend: 'pread',
    layout: { path: 'fake', headerBytes: 0, recordBytes, strideBytes: recordBytes },
    read(records, count, out) {
      if (records.subarray(0, count).includes(failRecord)) {
        return Promise.reject(new Error(`read of record ${failRecord} failed`));
      }
      // The bytes land at once and the read completes later, as with a ring: a buffer shared by
      // batches in flight would be overwritten before it is scored.
      copy(records, count, out);
      if (delayMs === 0) return undefined;
      return new Promise((resolve) => setTimeout(resolve, delayMs));
    },
    readRange() {
      throw new Error('not used');
    },
    close() {},
  };
}

function offsets(seed: number, n: number): Uint32Array {
  return Uint32Array.from({ length: n }, (_, i) => (seed * 31 + i * 17) % COUNT);
}

test('on-disk scoring equals RAM scoring, also with batches in flight at once', async () => {
  const kernels = getKernels();
  const data = vectors();
  const query = { kind: 'nearest' as const, vector: data.slice(5 * DIM, 6 * DIM) };
  const inRam = new OriginalVectorScorer(kernels, 'dot', query, DIM, data, null);
  const expected = (batch: Uint32Array) => {
    const out = new Float32Array(batch.length);
    inRam.scoreOffsets(batch, batch.length, out);
    return out;
  };
  // Later batches finish first: every batch must still be scored from its own buffer.
  const batches = [1, 2, 3, 4, 5, 6].map((seed) => offsets(seed, 40 + seed * 10));
  const results = await Promise.all(
    batches.map(async (batch, i) => {
      const scorer = new OriginalVectorScorer(
        kernels,
        'dot',
        query,
        DIM,
        null,
        fakeReader(data, 30 - i * 5),
      );
      const out = new Float32Array(batch.length);
      await scorer.scoreOffsets(batch, batch.length, out);
      return out;
    }),
  );
  results.forEach((out, i) => assert.deepEqual(out, expected(batches[i]!)));

  const sync = new OriginalVectorScorer(kernels, 'dot', query, DIM, null, fakeReader(data, 0));
  const out = new Float32Array(50);
  assert.equal(sync.scoreOffsets(offsets(9, 50), 50, out), undefined);
  assert.deepEqual(out, expected(offsets(9, 50)));
});

test('a failed read rejects and later batches are still scored right', async () => {
  const kernels = getKernels();
  const data = vectors();
  const query = { kind: 'nearest' as const, vector: data.slice(0, DIM) };
  const batch = offsets(3, 60);
  const failing = new OriginalVectorScorer(
    kernels,
    'dot',
    query,
    DIM,
    null,
    fakeReader(data, 0, batch[10]!),
  );
  await assert.rejects(async () => failing.scoreOffsets(batch, 60, new Float32Array(60)), {
    message: `read of record ${batch[10]!} failed`,
  });
  const scorer = new OriginalVectorScorer(kernels, 'dot', query, DIM, null, fakeReader(data, 1));
  const inRam = new OriginalVectorScorer(kernels, 'dot', query, DIM, data, null);
  const got = new Float32Array(60);
  const want = new Float32Array(60);
  await scorer.scoreOffsets(batch, 60, got);
  inRam.scoreOffsets(batch, 60, want);
  assert.deepEqual(got, want);
});
