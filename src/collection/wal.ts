// The write-ahead log of one collection. Every update is appended here before it is applied and
// acknowledged; `sync()` makes everything appended so far durable, batching concurrent callers
// into one fdatasync (group commit). On start-up the log is read back and replayed from the
// collection's last flushed operation.
//
// Files: wal/wal-<first op, 20 digits>.log, each a sequence of records
//   [u32 body length][u32 crc32 of (op number + body)][u64 op number][body]   (little-endian)
// A file is closed once it reaches `capacityBytes` and a new one starts. A record that is torn or
// fails its checksum ends the log: it and everything after it are dropped with a warning (the
// writer died mid-append; nothing after it was acknowledged as durable).

import {
  closeSync,
  existsSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { fdatasyncAsync, fsyncDirectorySync } from '../common/durable-fs.js';
import { logger } from '../common/logger.js';

const RECORD_HEADER_BYTES = 16;
const FILE_PATTERN = /^wal-(\d{20})\.log$/;

export interface WalRecord {
  op: number;
  body: Uint8Array;
}

interface WalFile {
  firstOp: number;
  path: string;
}

function fileName(firstOp: number): string {
  return `wal-${String(firstOp).padStart(20, '0')}.log`;
}

export class WriteAheadLog {
  readonly dir: string;
  private readonly capacityBytes: number;
  private files: WalFile[];
  private fd: number;
  private fileBytes: number;
  private lastOpNumber: number;
  private appended = 0;
  private synced = 0;
  private syncing: Promise<void> | null = null;
  /** Descriptors of rotated files still to be synced before the next sync completes. */
  private pendingSyncFds: number[] = [];

  private constructor(dir: string, capacityBytes: number, files: WalFile[], lastOp: number) {
    this.dir = dir;
    this.capacityBytes = capacityBytes;
    this.files = files;
    this.lastOpNumber = lastOp;
    const current = files[files.length - 1]!;
    this.fd = openSync(current.path, 'r+');
    this.fileBytes = fstatSync(this.fd).size;
  }

  /**
   * Opens (or creates) the log in `dir` and returns it with every intact record whose op number
   * is greater than `afterOp`, in order. Torn or corrupt tails are cut off.
   */
  static open(
    dir: string,
    capacityBytes: number,
    afterOp: number,
  ): { wal: WriteAheadLog; records: WalRecord[] } {
    const log = logger('wal');
    mkdirSync(dir, { recursive: true });
    const files: WalFile[] = readdirSync(dir)
      .map((name) => ({ name, match: FILE_PATTERN.exec(name) }))
      .filter((f) => f.match !== null)
      .map((f) => ({ firstOp: Number(f.match![1]), path: join(dir, f.name) }))
      .sort((a, b) => a.firstOp - b.firstOp);

    const records: WalRecord[] = [];
    let lastOp = afterOp;
    for (let i = 0; i < files.length; i++) {
      const file = files[i]!;
      const data = readFileSync(file.path);
      const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
      let pos = 0;
      let broken: string | null = null;
      while (pos < data.byteLength) {
        if (pos + RECORD_HEADER_BYTES > data.byteLength) {
          broken = 'torn record header';
          break;
        }
        const length = view.getUint32(pos, true);
        const checksum = view.getUint32(pos + 4, true);
        const end = pos + RECORD_HEADER_BYTES + length;
        if (end > data.byteLength) {
          broken = 'torn record body';
          break;
        }
        if (crc32(data.subarray(pos + 8, end)) !== checksum) {
          broken = 'checksum mismatch';
          break;
        }
        const op = Number(view.getBigUint64(pos + 8, true));
        if (op > lastOp) {
          records.push({ op, body: data.subarray(pos + RECORD_HEADER_BYTES, end) });
          lastOp = op;
        }
        pos = end;
      }
      if (broken !== null) {
        const dropped = files.length - 1 - i;
        log.warn(
          { file: file.path, offset: pos, reason: broken, laterFilesDropped: dropped },
          'write-ahead log ends in a damaged record; dropping it and everything after it',
        );
        const fd = openSync(file.path, 'r+');
        ftruncateSync(fd, pos);
        closeSync(fd);
        for (const later of files.splice(i + 1)) unlinkSync(later.path);
        break;
      }
    }
    if (files.length === 0) {
      const first = { firstOp: afterOp + 1, path: join(dir, fileName(afterOp + 1)) };
      closeSync(openSync(first.path, 'w'));
      fsyncDirectorySync(dir);
      files.push(first);
    }
    return { wal: new WriteAheadLog(dir, capacityBytes, files, lastOp), records };
  }

  /** Operation number of the last appended record. */
  get lastOp(): number {
    return this.lastOpNumber;
  }

  /** Appends one record (buffered in the page cache; call sync() for durability). */
  append(op: number, body: Uint8Array): void {
    if (op <= this.lastOpNumber) throw new Error(`WAL op ${op} is not after ${this.lastOpNumber}`);
    if (this.fileBytes > 0 && this.fileBytes + body.byteLength > this.capacityBytes)
      this.rotate(op);
    const record = Buffer.allocUnsafe(RECORD_HEADER_BYTES + body.byteLength);
    record.writeUInt32LE(body.byteLength, 0);
    record.writeBigUInt64LE(BigInt(op), 8);
    record.set(body, RECORD_HEADER_BYTES);
    record.writeUInt32LE(crc32(record.subarray(8)), 4);
    let done = 0;
    while (done < record.byteLength) {
      done += writeSync(this.fd, record, done, record.byteLength - done, this.fileBytes + done);
    }
    this.fileBytes += record.byteLength;
    this.lastOpNumber = op;
    this.appended++;
  }

  private rotate(nextOp: number): void {
    this.pendingSyncFds.push(this.fd);
    const file = { firstOp: nextOp, path: join(this.dir, fileName(nextOp)) };
    this.fd = openSync(file.path, 'w+');
    this.fileBytes = 0;
    this.files.push(file);
    fsyncDirectorySync(this.dir);
  }

  /** Resolves when every record appended before the call is durable on disk. */
  async sync(): Promise<void> {
    const target = this.appended;
    while (this.synced < target) {
      if (this.syncing === null) {
        const upTo = this.appended;
        const fds = this.pendingSyncFds.splice(0);
        const current = this.fd;
        this.syncing = (async () => {
          for (const fd of fds) {
            await fdatasyncAsync(fd);
            closeSync(fd);
          }
          await fdatasyncAsync(current);
          this.synced = Math.max(this.synced, upTo);
        })().finally(() => {
          this.syncing = null;
        });
      }
      await this.syncing;
    }
  }

  /** Deletes log files whose every operation is ≤ `flushedOp` (persisted in segments). */
  truncate(flushedOp: number): void {
    if (this.lastOpNumber <= flushedOp && this.fileBytes > 0) this.rotate(this.lastOpNumber + 1);
    while (this.files.length > 1 && this.files[1]!.firstOp <= flushedOp + 1) {
      const old = this.files.shift()!;
      if (existsSync(old.path)) unlinkSync(old.path);
    }
  }

  /** Total bytes of log files on disk. */
  sizeBytes(): number {
    let total = 0;
    for (const file of this.files) {
      try {
        total +=
          file === this.files[this.files.length - 1] ? this.fileBytes : fstatSyncPath(file.path);
      } catch {
        // rotated away concurrently
      }
    }
    return total;
  }

  async close(): Promise<void> {
    await this.sync();
    for (const fd of this.pendingSyncFds.splice(0)) closeSync(fd);
    closeSync(this.fd);
    this.fd = -1;
  }
}

function fstatSyncPath(path: string): number {
  const fd = openSync(path, 'r');
  try {
    return fstatSync(fd).size;
  } finally {
    closeSync(fd);
  }
}
