// Which BatchReader backend reads on-disk vectors: decided once at start-up from the
// configuration (async_scorer / io_uring), the io_uring probe and the addon. RAM-resident vectors
// are read from shared memory and need no backend.

import { logger } from '../common/logger.js';
import { asyncScorerRequested, type StorageSettings } from '../common/settings.js';
import { addonStatus } from '../native/addon.js';
import { probeIoUring, type IoUringProbe } from '../native/io-uring-probe.js';
import type { IoBackend } from '../storage-io/batch-reader.js';

export interface IoStatus {
  /** The configuration asks for io_uring. */
  requested: boolean;
  probe: IoUringProbe;
  /** The backend actually used for on-disk vectors. */
  onDiskBackend: IoBackend;
  backendFor(onDisk: boolean): IoBackend | 'ram';
}

export function decideIoBackend(storage: StorageSettings): IoStatus {
  const requested = asyncScorerRequested(storage);
  const probe = probeIoUring();
  const hasAddon = addonStatus().loaded;
  let onDiskBackend: IoBackend;
  if (requested && probe.available) onDiskBackend = 'io_uring';
  else onDiskBackend = hasAddon ? 'mmap' : 'pread';
  if (requested && !probe.available) {
    logger('io').warn(
      { check: probe.check },
      `async scorer requested but io_uring cannot be used: ${probe.reason} Falling back to ${onDiskBackend}.`,
    );
  }
  return {
    requested,
    probe,
    onDiskBackend,
    backendFor: (onDisk) => (onDisk ? onDiskBackend : 'ram'),
  };
}
