// The on-disk format of a segment's original vectors: a 4 KiB header, then fixed-size records.
// Record r starts at byte VECTOR_FILE_HEADER_BYTES + r * strideBytes, so the position of any
// vector is computed from its offset, and a batch of vectors is a batch of independent reads
// (one request per record, each covering at most two 4 KiB pages for records ≤ 4 KiB).
//
// Header (little-endian): magic "RVVECS01" (8 bytes), u32 format version, u32 dim,
// u32 datatype (0 = float32), u32 recordBytes, u32 strideBytes. The rest is zero.
// Warning: the header size is part of every record's address; never change it for format 1.

import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { RingvecError } from '../common/errors.js';
import type { RecordFileLayout } from '../storage-io/batch-reader.js';

export const VECTOR_FILE_HEADER_BYTES = 4096;
const MAGIC = 'RVVECS01';
const FORMAT_VERSION = 1;

export interface VectorFileInfo {
  dim: number;
  recordBytes: number;
  strideBytes: number;
}

export function float32VectorFileInfo(dim: number): VectorFileInfo {
  return { dim, recordBytes: dim * 4, strideBytes: dim * 4 };
}

export function vectorFileLayout(path: string, info: VectorFileInfo): RecordFileLayout {
  return {
    path,
    headerBytes: VECTOR_FILE_HEADER_BYTES,
    recordBytes: info.recordBytes,
    strideBytes: info.strideBytes,
  };
}

export function encodeVectorFileHeader(info: VectorFileInfo): Uint8Array {
  const header = new Uint8Array(VECTOR_FILE_HEADER_BYTES);
  const view = new DataView(header.buffer);
  header.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint32(8, FORMAT_VERSION, true);
  view.setUint32(12, info.dim, true);
  view.setUint32(16, 0, true);
  view.setUint32(20, info.recordBytes, true);
  view.setUint32(24, info.strideBytes, true);
  return header;
}

/** Reads and checks the header of an existing vector file. */
export function readVectorFileHeader(path: string, expectedDim: number): VectorFileInfo {
  const fd = openSync(path, 'r');
  try {
    const header = new Uint8Array(32);
    const read = readSync(fd, header, 0, 32, 0);
    const view = new DataView(header.buffer);
    const magic = new TextDecoder().decode(header.subarray(0, 8));
    if (read < 32 || magic !== MAGIC) {
      throw new RingvecError('service', `vector file ${path} has no valid header`);
    }
    const version = view.getUint32(8, true);
    if (version !== FORMAT_VERSION) {
      throw new RingvecError(
        'service',
        `vector file ${path} has format ${version}, expected ${FORMAT_VERSION}`,
      );
    }
    const info = {
      dim: view.getUint32(12, true),
      recordBytes: view.getUint32(20, true),
      strideBytes: view.getUint32(24, true),
    };
    if (info.dim !== expectedDim) {
      throw new RingvecError(
        'service',
        `vector file ${path} holds dim ${info.dim}, expected ${expectedDim}`,
      );
    }
    return info;
  } finally {
    closeSync(fd);
  }
}

/** Appends and overwrites records of one vector file; owned by the main thread. */
export class VectorFileWriter {
  readonly path: string;
  readonly info: VectorFileInfo;
  private fd: number;

  private constructor(path: string, info: VectorFileInfo, fd: number) {
    this.path = path;
    this.info = info;
    this.fd = fd;
  }

  static create(path: string, info: VectorFileInfo): VectorFileWriter {
    const fd = openSync(path, 'wx+');
    writeSync(fd, encodeVectorFileHeader(info), 0, VECTOR_FILE_HEADER_BYTES, 0);
    return new VectorFileWriter(path, info, fd);
  }

  static open(path: string, info: VectorFileInfo): VectorFileWriter {
    return new VectorFileWriter(path, info, openSync(path, 'r+'));
  }

  get fileDescriptor(): number {
    return this.fd;
  }

  /** Records the file holds completely (used to check a manifest's count against the file). */
  recordsOnDisk(): number {
    const size = fstatSync(this.fd).size;
    return Math.max(0, Math.floor((size - VECTOR_FILE_HEADER_BYTES) / this.info.strideBytes));
  }

  /** Writes `count` consecutive records starting at record `first` from `data` (float32). */
  write(first: number, data: Float32Array, count: number): void {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, count * this.info.recordBytes);
    if (this.info.strideBytes === this.info.recordBytes) {
      writeSync(
        this.fd,
        bytes,
        0,
        bytes.byteLength,
        VECTOR_FILE_HEADER_BYTES + first * this.info.strideBytes,
      );
      return;
    }
    for (let i = 0; i < count; i++) {
      writeSync(
        this.fd,
        bytes,
        i * this.info.recordBytes,
        this.info.recordBytes,
        VECTOR_FILE_HEADER_BYTES + (first + i) * this.info.strideBytes,
      );
    }
  }

  /** Reads records [first, first + count) into `out` (synchronously; main-thread load path). */
  readInto(first: number, count: number, out: Uint8Array): void {
    const length = count * this.info.strideBytes;
    let done = 0;
    while (done < length) {
      const n = readSync(
        this.fd,
        out,
        done,
        length - done,
        VECTOR_FILE_HEADER_BYTES + first * this.info.strideBytes + done,
      );
      if (n === 0) {
        throw new RingvecError(
          'service',
          `vector file ${this.path} is shorter than expected (records ${first}..${first + count})`,
        );
      }
      done += n;
    }
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
