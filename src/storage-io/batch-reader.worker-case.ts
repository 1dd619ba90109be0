// Worker side of the shared suite's worker_thread case: opens a reader of the given backend in
// this thread (its own io_uring ring), reads the records and posts the bytes back. With
// `exitEarly` it exits while the read is still in flight, which must neither crash the process
// nor leave the kernel writing into freed buffers.

import { parentPort, workerData } from 'node:worker_threads';
import type { IoBackend, RecordFileLayout } from './batch-reader.js';
import { IoUringBatchReader } from './io-uring-batch-reader.js';
import { MmapBatchReader } from './mmap-batch-reader.js';
import { PreadBatchReader } from './pread-batch-reader.js';

interface Job {
  readonly backend: IoBackend;
  readonly options: { readonly queueDepth: number; readonly direct: boolean };
  readonly layout: RecordFileLayout;
  readonly records: Uint32Array;
  readonly exitEarly: boolean;
}

const job = workerData as Job;
const reader =
  job.backend === 'io_uring'
    ? new IoUringBatchReader(job.layout, job.options)
    : job.backend === 'mmap'
      ? new MmapBatchReader(job.layout)
      : new PreadBatchReader(job.layout, job.options);
const out = new Uint8Array(job.records.length * job.layout.recordBytes);
const pending = reader.read(job.records, job.records.length, out);
if (job.exitEarly) {
  process.exit(0);
}
await pending;
reader.close();
parentPort?.postMessage(out);
