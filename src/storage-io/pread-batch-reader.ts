// The pure-Node backend (no addon): positioned fs.read calls, up to `queueDepth` in flight on
// libuv's thread pool, so the calling thread never blocks on the disk. Used when the addon is not
// available; slower than io_uring (one thread-pool round trip per record) but always there.

import { close, fstat, open, read } from 'node:fs';
import type { BatchReadOptions, BatchReader, RecordFileLayout } from './batch-reader.js';
import { ioMetrics, type IoMetrics, type IoRecorder } from './io-metrics.js';
import {
  beyondEndError,
  checkOutput,
  closedError,
  ioError,
  rangeBeyondEndError,
} from './read-errors.js';
import type { RingvecError } from '../common/errors.js';

/** One positioned read of `length` bytes into out[at…]; `fail` builds the error for EOF. */
interface Piece {
  readonly fileOffset: number;
  readonly length: number;
  readonly at: number;
  readonly beyondEnd: (fileBytes: number) => RingvecError;
}

const RANGE_CHUNK_BYTES = 1 << 20;

export class PreadBatchReader implements BatchReader {
  readonly backend = 'pread' as const;
  readonly layout: RecordFileLayout;
  private readonly queueDepth: number;
  private readonly metrics: IoRecorder;
  private fd: Promise<number> | number;
  private closed = false;
  private inFlight = 0;

  constructor(
    layout: RecordFileLayout,
    options: Partial<BatchReadOptions> = {},
    metrics: IoMetrics = ioMetrics(),
  ) {
    this.layout = layout;
    this.queueDepth = Math.max(1, Math.min(options.queueDepth ?? 32, 256));
    this.metrics = metrics.recorder('pread');
    this.fd = new Promise((resolve, reject) => {
      open(layout.path, 'r', (error, fd) => {
        if (error) reject(ioError(layout, 0, error));
        else resolve((this.fd = fd));
      });
    });
    this.fd.catch(() => undefined); // surfaced by the first read
  }

  read(records: Uint32Array, count: number, out: Uint8Array): Promise<void> | undefined {
    if (this.closed) throw closedError(this.layout);
    checkOutput(this.layout, count, out);
    if (count === 0) return undefined;
    const { headerBytes, strideBytes, recordBytes } = this.layout;
    const pieces: Piece[] = new Array<Piece>(count);
    for (let k = 0; k < count; k++) {
      const record = records[k]!;
      pieces[k] = {
        fileOffset: headerBytes + record * strideBytes,
        length: recordBytes,
        at: k * recordBytes,
        beyondEnd: (fileBytes) => beyondEndError(this.layout, record, fileBytes),
      };
    }
    return this.run(pieces, out, count, count * recordBytes);
  }

  readRange(first: number, count: number, out: Uint8Array): Promise<void> | undefined {
    if (this.closed) throw closedError(this.layout);
    checkOutput(this.layout, count, out);
    if (count === 0) return undefined;
    const { headerBytes, strideBytes, recordBytes } = this.layout;
    const offset = headerBytes + first * strideBytes;
    const span = (count - 1) * strideBytes + recordBytes;
    const contiguous = strideBytes === recordBytes;
    const target = contiguous ? out : new Uint8Array(span);
    const pieces: Piece[] = [];
    for (let at = 0; at < span; at += RANGE_CHUNK_BYTES) {
      pieces.push({
        fileOffset: offset + at,
        length: Math.min(RANGE_CHUNK_BYTES, span - at),
        at,
        beyondEnd: (fileBytes) => rangeBeyondEndError(this.layout, offset, span, fileBytes),
      });
    }
    const done = this.run(pieces, target, count, count * recordBytes);
    if (contiguous) return done;
    return done.then(() => {
      for (let i = 0; i < count; i++) {
        out.set(target.subarray(i * strideBytes, i * strideBytes + recordBytes), i * recordBytes);
      }
    });
  }

  private async run(
    pieces: Piece[],
    out: Uint8Array,
    records: number,
    bytes: number,
  ): Promise<void> {
    this.inFlight++; // before the await: close() must not release the fd under us
    const start = performance.now();
    try {
      const fd = await this.fd;
      await new Promise<void>((resolve, reject) => {
        let next = 0;
        let active = 0;
        let failure: RingvecError | null = null;
        const settle = (): void => {
          if (active > 0) return;
          if (failure !== null) reject(failure);
          else if (next === pieces.length) resolve();
        };
        const fail = (error: RingvecError): void => {
          failure ??= error;
        };
        const issue = (piece: Piece, done: number): void => {
          active++;
          this.metrics.inFlight(1);
          this.metrics.deviceReads(1);
          read(
            fd,
            out,
            piece.at + done,
            piece.length - done,
            piece.fileOffset + done,
            (error, n) => {
              active--;
              this.metrics.inFlight(-1);
              if (error) {
                fail(ioError(this.layout, piece.fileOffset + done, error));
              } else if (n === 0) {
                active++;
                fstat(fd, (statError, stats) => {
                  active--;
                  fail(
                    statError
                      ? ioError(this.layout, piece.fileOffset, statError)
                      : piece.beyondEnd(stats.size),
                  );
                  settle();
                });
                return;
              } else if (done + n < piece.length && failure === null) {
                issue(piece, done + n); // short read: ask for the rest
                return;
              }
              pump();
            },
          );
        };
        const pump = (): void => {
          while (failure === null && active < this.queueDepth && next < pieces.length) {
            issue(pieces[next++]!, 0);
          }
          settle();
        };
        pump();
      });
      this.metrics.completed(records, bytes, (performance.now() - start) / 1000);
    } catch (error) {
      this.metrics.error();
      throw error;
    } finally {
      this.inFlight--;
      if (this.closed && this.inFlight === 0) this.release();
    }
  }

  private release(): void {
    const fd = this.fd;
    if (typeof fd === 'number') close(fd, () => undefined);
    else
      fd.then(
        (n) => close(n, () => undefined),
        () => undefined,
      );
  }

  /** Further reads throw; the descriptor closes once reads in flight finish. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.inFlight === 0) this.release();
  }
}
