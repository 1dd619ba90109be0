// The io_uring backend (the async scorer): records already in the page cache are copied
// synchronously (so warm data costs what mmap costs), the rest are read through this thread's
// ring in one rolling pipeline of `queueDepth` reads, and the returned promise settles when the
// last one lands. The event loop never waits on the disk. See native/src/io_uring.c.

import { errors } from '../common/errors.js';
import { loadAddon, type NativeAddon, type NativeRingFile } from '../native/addon.js';
import type { BatchReadOptions, BatchReader, RecordFileLayout } from './batch-reader.js';
import { ioMetrics, type IoMetrics, type IoRecorder } from './io-metrics.js';
import { checkOutput, closedError, ioError, recordOffset } from './read-errors.js';

/**
 * How records already in the page cache are found and copied before anything is submitted:
 * - 'map': a residency map (one byte per page): a page's first read asks mincore about the 64 KiB
 *   window around it (one call; the span mmap's fault-around maps; on a file where windows
 *   answer fewer than two later reads each, as with random reads, only the record's own pages,
 *   with a window every 16th probe to keep measuring), the resident pages of the window and the
 *   record's own answer are remembered (pages our own reads bring in are marked resident) and
 *   forgotten every 10 s, so warm records cost a byte lookup and a copy from a mapping, as mmap
 *   would. An eviction since costs a page fault (mmap's cost); a page cached by someone else
 *   since is read through the ring once.
 * - 'mincore': one mincore call per record, then a copy from the mapping (exact, ~0.7 µs/record
 *   of syscall here).
 * - 'nowait': preadv2(RWF_NOWAIT) per record (exact, ~1 µs/record; on Linux 6.18 it also starts
 *   reading a page that is not cached before it answers EAGAIN, one device read per record
 *   outside the ring's batches).
 * - 'none': everything goes through the ring.
 */
export type ResidencyCheck = 'map' | 'mincore' | 'nowait' | 'none';

export interface IoUringReadOptions extends BatchReadOptions {
  readonly residency: ResidencyCheck;
  /** Size of each read of readRange (bytes). */
  readonly rangeChunkBytes: number;
  /** Reads of readRange kept in flight. */
  readonly rangeQueueDepth: number;
}

export const IO_URING_DEFAULTS: IoUringReadOptions = {
  queueDepth: 64,
  direct: false,
  residency: 'map',
  rangeChunkBytes: 1 << 20,
  rangeQueueDepth: 4,
};

const RESIDENCY_CODE: Record<ResidencyCheck, number> = { none: 0, mincore: 1, nowait: 2, map: 3 };

export class IoUringBatchReader implements BatchReader {
  readonly backend = 'io_uring' as const;
  readonly layout: RecordFileLayout;
  readonly options: IoUringReadOptions;
  private readonly addon: NativeAddon;
  private readonly metrics: IoRecorder;
  private readonly residency: number;
  private readonly stats = new Float64Array(3);
  private file: NativeRingFile | null;
  private range = new Uint32Array(0);

  constructor(
    layout: RecordFileLayout,
    options: Partial<IoUringReadOptions> = {},
    metrics: IoMetrics = ioMetrics(),
  ) {
    const addon = loadAddon();
    if (addon === null) throw errors.service('the io_uring backend needs the native addon');
    this.addon = addon;
    this.layout = layout;
    this.options = { ...IO_URING_DEFAULTS, ...options };
    this.residency = RESIDENCY_CODE[this.options.residency];
    this.metrics = metrics.recorder('io_uring');
    try {
      this.file = addon.ringOpen(layout.path, this.options.direct);
    } catch (error) {
      throw ioError(layout, 0, error);
    }
  }

  read(records: Uint32Array, count: number, out: Uint8Array): Promise<void> | undefined {
    const file = this.file;
    if (file === null) throw closedError(this.layout);
    checkOutput(this.layout, count, out);
    const start = performance.now();
    const { headerBytes, strideBytes, recordBytes } = this.layout;
    let pending: Promise<void> | undefined;
    try {
      pending = this.addon.ringRead(
        file,
        headerBytes,
        strideBytes,
        recordBytes,
        records,
        count,
        out,
        this.options.queueDepth,
        this.residency,
        this.stats,
      );
    } catch (error) {
      this.metrics.error();
      throw ioError(this.layout, count > 0 ? recordOffset(this.layout, records[0]!) : 0, error);
    }
    this.metrics.residencyHits(this.stats[0]!);
    const deviceReads = this.stats[1]!;
    if (pending === undefined) {
      this.metrics.completed(count, count * recordBytes, (performance.now() - start) / 1000);
      return undefined;
    }
    return this.track(pending, deviceReads, count, count * recordBytes, start);
  }

  readRange(first: number, count: number, out: Uint8Array): Promise<void> | undefined {
    const file = this.file;
    if (file === null) throw closedError(this.layout);
    checkOutput(this.layout, count, out);
    if (count === 0) return undefined;
    const { strideBytes, recordBytes } = this.layout;
    if (strideBytes !== recordBytes) {
      // Records are not contiguous: read them as a batch (the pipeline keeps the device busy).
      if (this.range.length < count) this.range = new Uint32Array(count);
      for (let i = 0; i < count; i++) this.range[i] = first + i;
      return this.read(this.range, count, out);
    }
    const start = performance.now();
    const offset = recordOffset(this.layout, first);
    const bytes = count * recordBytes;
    let pending: Promise<void> | undefined;
    try {
      pending = this.addon.ringReadRange(
        file,
        offset,
        out.subarray(0, bytes),
        this.options.rangeChunkBytes,
        this.options.rangeQueueDepth,
        this.stats,
      );
    } catch (error) {
      this.metrics.error();
      throw ioError(this.layout, offset, error);
    }
    if (pending === undefined) return undefined;
    return this.track(pending, this.stats[1]!, count, bytes, start);
  }

  private track(
    pending: Promise<void>,
    deviceReads: number,
    records: number,
    bytes: number,
    start: number,
  ): Promise<void> {
    const metrics = this.metrics;
    const layout = this.layout;
    metrics.deviceReads(deviceReads);
    metrics.inFlight(deviceReads);
    return pending.then(
      () => {
        metrics.inFlight(-deviceReads);
        metrics.completed(records, bytes, (performance.now() - start) / 1000);
      },
      (error: unknown) => {
        metrics.inFlight(-deviceReads);
        metrics.error();
        throw ioError(layout, 0, error);
      },
    );
  }

  /** Further reads throw; the file closes once its reads in flight finish. */
  close(): void {
    if (this.file === null) return;
    this.addon.ringClose(this.file);
    this.file = null;
  }
}
