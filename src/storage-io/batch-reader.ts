// How vector bytes come off disk. Every consumer that needs many on-disk records at once
// (rescoring, exact search, plain scans, HNSW traversal without quantization, requantization)
// goes through one `BatchReader`. Implementations: mmap (default), pread (no addon), io_uring
// (the async scorer). All pass one shared test suite and return identical bytes.

export type IoBackend = 'mmap' | 'pread' | 'io_uring';

/**
 * A file of fixed-size records. Record r occupies bytes
 * [headerBytes + r * strideBytes, headerBytes + r * strideBytes + recordBytes).
 * headerBytes and strideBytes are chosen by the writer (segment/vector-file.ts); a record never
 * spans more 4 KiB pages than its size requires, so one record is one aligned direct read.
 */
export interface RecordFileLayout {
  readonly path: string;
  readonly headerBytes: number;
  readonly recordBytes: number;
  readonly strideBytes: number;
}

export interface BatchReadOptions {
  /** Reads kept in flight by the io_uring backend (rolling pipeline). */
  readonly queueDepth: number;
  /** io_uring: open with O_DIRECT instead of reading through the page cache. */
  readonly direct: boolean;
}

export interface BatchReader {
  readonly backend: IoBackend;
  readonly layout: RecordFileLayout;

  /**
   * Copies `count` records, in request order, into `out`: record records[k] lands at
   * out[k * recordBytes .. (k + 1) * recordBytes). Duplicated record numbers are allowed.
   *
   * Returns `undefined` when the read completed synchronously (mmap, or io_uring when every
   * record was resident in the page cache), otherwise a promise that settles when all bytes are
   * in `out`. The io_uring and pread backends never block the calling thread on the disk.
   *
   * Errors (record past the end of the file, I/O error, file truncated underneath) are thrown
   * or rejected as RingvecError('service', …) naming the file and byte offset.
   */
  read(records: Uint32Array, count: number, out: Uint8Array): Promise<void> | undefined;

  /**
   * Copies the contiguous records [first, first + count) into `out` (count * recordBytes), with
   * large sequential reads. Used by full scans and requantization.
   */
  readRange(first: number, count: number, out: Uint8Array): Promise<void> | undefined;

  /** Releases the file descriptor / mapping. Further reads throw. */
  close(): void;
}
