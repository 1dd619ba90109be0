// storage-io's public surface: the BatchReader contract, its three implementations, the backend
// choice with fallback, and the shared I/O metrics.

export type { BatchReadOptions, BatchReader, IoBackend, RecordFileLayout } from './batch-reader.js';
export { MmapBatchReader } from './mmap-batch-reader.js';
export { PreadBatchReader } from './pread-batch-reader.js';
export {
  IO_URING_DEFAULTS,
  IoUringBatchReader,
  type IoUringReadOptions,
  type ResidencyCheck,
} from './io-uring-batch-reader.js';
export {
  openBatchReader,
  resolveIoBackend,
  type OpenBatchReaderOptions,
  type ResolvedIoBackend,
} from './open-batch-reader.js';
export {
  IO_BACKENDS,
  IoMetrics,
  LATENCY_BUCKETS_SECONDS,
  ioMetrics,
  useSharedIoMetrics,
  type IoBackendMetrics,
  type IoRecorder,
} from './io-metrics.js';
