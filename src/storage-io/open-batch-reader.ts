// Chooses and opens a BatchReader. io_uring is opt-in; when it is requested but unavailable the
// reader falls back to mmap (or to pread without the addon) and `resolveIoBackend` says why, so
// the engine can log one line and report the backend actually in use.

import { loadAddon, addonStatus } from '../native/addon.js';
import { probeIoUring } from '../native/io-uring-probe.js';
import type { BatchReadOptions, BatchReader, IoBackend, RecordFileLayout } from './batch-reader.js';
import { IoUringBatchReader, type IoUringReadOptions } from './io-uring-batch-reader.js';
import { ioMetrics, type IoMetrics } from './io-metrics.js';
import { MmapBatchReader } from './mmap-batch-reader.js';
import { PreadBatchReader } from './pread-batch-reader.js';

export interface OpenBatchReaderOptions extends Partial<IoUringReadOptions> {
  readonly metrics?: IoMetrics;
}

export interface ResolvedIoBackend {
  readonly requested: IoBackend;
  readonly backend: IoBackend;
  /** Why the requested backend is not used (null when it is). */
  readonly reason: string | null;
}

/** The backend that will serve `requested` on this thread, and why if it differs. */
export function resolveIoBackend(requested: IoBackend): ResolvedIoBackend {
  const addon = loadAddon();
  const withoutAddon = (): ResolvedIoBackend => ({
    requested,
    backend: 'pread',
    reason: `native addon not loaded (${addonStatus().reason}); using pread`,
  });
  if (requested === 'pread') return { requested, backend: 'pread', reason: null };
  if (requested === 'mmap')
    return addon === null ? withoutAddon() : { requested, backend: 'mmap', reason: null };
  const probe = probeIoUring();
  if (probe.available) return { requested, backend: 'io_uring', reason: null };
  const fallback = addon === null ? 'pread' : 'mmap';
  return {
    requested,
    backend: fallback,
    reason: `io_uring unavailable: ${probe.reason}; using ${fallback}`,
  };
}

/** Opens `layout` with `backend`, or the fallback resolveIoBackend names. */
export function openBatchReader(
  layout: RecordFileLayout,
  backend: IoBackend,
  options: OpenBatchReaderOptions = {},
): BatchReader {
  const { metrics = ioMetrics(), ...rest } = options;
  const resolved = resolveIoBackend(backend).backend;
  if (resolved === 'io_uring') return new IoUringBatchReader(layout, rest, metrics);
  if (resolved === 'mmap') return new MmapBatchReader(layout, metrics);
  const preadOptions: Partial<BatchReadOptions> =
    rest.queueDepth === undefined ? {} : { queueDepth: rest.queueDepth };
  return new PreadBatchReader(layout, preadOptions, metrics);
}
