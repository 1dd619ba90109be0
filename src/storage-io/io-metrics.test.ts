// IoMetrics: slots per thread in one SharedArrayBuffer, histogram buckets, Prometheus text.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { IoMetrics, LATENCY_BUCKETS_SECONDS } from './io-metrics.js';

test('metrics from several threads add up in one SharedArrayBuffer', async () => {
  const metrics = IoMetrics.create();
  const mmap = metrics.recorder('mmap');
  mmap.completed(10, 30720, 0.00002);
  mmap.completed(1, 3072, 5);
  const url = new URL('./io-metrics.js', import.meta.url).href;
  const worker = new Worker(
    `import { IoMetrics } from ${JSON.stringify(url)};
     import { workerData } from 'node:worker_threads';
     const r = IoMetrics.attach(workerData).recorder('io_uring');
     r.deviceReads(7); r.residencyHits(3); r.inFlight(2); r.completed(10, 100, 0.001);`,
    { eval: true, workerData: metrics.buffer },
  );
  await new Promise((resolve) => worker.on('exit', resolve));
  const snap = metrics.snapshot();
  assert.equal(snap.mmap.reads, 2);
  assert.equal(snap.mmap.records, 11);
  assert.equal(snap.mmap.latencyBuckets[1], 1, '20 µs lands in the 25 µs bucket');
  assert.equal(snap.mmap.latencyBuckets[LATENCY_BUCKETS_SECONDS.length], 1, '5 s lands in +Inf');
  assert.equal(snap.io_uring.deviceReads, 7);
  assert.equal(snap.io_uring.inFlight, 2);
  const text = metrics.toPrometheus();
  assert.match(text, /ringvec_io_read_duration_seconds_bucket\{backend="mmap",le="\+Inf"\} 2/);
  assert.match(text, /ringvec_io_read_duration_seconds_count\{backend="io_uring"\} 1/);
  assert.match(text, /# TYPE ringvec_io_in_flight gauge/);
});
