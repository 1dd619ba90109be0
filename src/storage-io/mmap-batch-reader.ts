// The mmap backend: the file is mapped read-only with MADV_RANDOM (no readahead for scattered
// records), and a read is a bounds-checked memcpy in native code. Synchronous: a record not in the
// page cache stalls the thread on a page fault, which is exactly what io_uring avoids.
//
// Warning: touching a mapped page past a shrunken file's end raises SIGBUS. Every read therefore
// checks the records against fstat's current size first (native gatherRecords), and records past
// the mapping but inside a grown file trigger one remap (appendable files grow).

import { closeSync, openSync } from 'node:fs';
import { errors } from '../common/errors.js';
import { NATIVE_ADVICE, loadAddon, type NativeAddon } from '../native/addon.js';
import type { BatchReader, RecordFileLayout } from './batch-reader.js';
import { ioMetrics, type IoMetrics, type IoRecorder } from './io-metrics.js';
import {
  beyondEndError,
  checkOutput,
  closedError,
  ioError,
  rangeBeyondEndError,
} from './read-errors.js';

export class MmapBatchReader implements BatchReader {
  readonly backend = 'mmap' as const;
  readonly layout: RecordFileLayout;
  private readonly addon: NativeAddon;
  private readonly metrics: IoRecorder;
  private fd: number;
  private mapping: ArrayBuffer;
  private bytes: Uint8Array;
  private range = new Uint32Array(0);

  constructor(layout: RecordFileLayout, metrics: IoMetrics = ioMetrics()) {
    const addon = loadAddon();
    if (addon === null) throw errors.service('the mmap backend needs the native addon');
    this.addon = addon;
    this.layout = layout;
    this.metrics = metrics.recorder('mmap');
    try {
      this.fd = openSync(layout.path, 'r');
    } catch (error) {
      throw ioError(layout, 0, error);
    }
    this.mapping = this.map();
    this.bytes = new Uint8Array(this.mapping);
  }

  private map(): ArrayBuffer {
    try {
      const mapping = this.addon.mmapFile(this.layout.path);
      if (mapping.byteLength > 0) {
        this.addon.madvise(mapping, 0, mapping.byteLength, NATIVE_ADVICE.random);
      }
      return mapping;
    } catch (error) {
      throw ioError(this.layout, 0, error);
    }
  }

  private remap(): void {
    this.addon.munmap(this.mapping);
    this.mapping = this.map();
    this.bytes = new Uint8Array(this.mapping);
  }

  read(records: Uint32Array, count: number, out: Uint8Array): undefined {
    if (this.fd < 0) throw closedError(this.layout);
    checkOutput(this.layout, count, out);
    const start = performance.now();
    const { headerBytes, strideBytes, recordBytes } = this.layout;
    let first = 0;
    let remapped = false;
    for (;;) {
      const pending = first === 0 ? records : records.subarray(first);
      const target = first === 0 ? out : out.subarray(first * recordBytes);
      const stop = this.addon.gatherRecords(
        this.mapping,
        this.fd,
        headerBytes,
        strideBytes,
        recordBytes,
        pending,
        count - first,
        target,
      );
      if (stop < 0) break;
      first += stop;
      const record = records[first]!;
      const fileBytes = this.addon.fileSize(this.fd);
      const end = headerBytes + record * strideBytes + recordBytes;
      if (remapped || end > fileBytes) {
        this.metrics.error();
        throw beyondEndError(this.layout, record, fileBytes);
      }
      this.remap();
      remapped = true;
    }
    this.metrics.completed(count, count * recordBytes, (performance.now() - start) / 1000);
    return undefined;
  }

  readRange(first: number, count: number, out: Uint8Array): undefined {
    if (this.fd < 0) throw closedError(this.layout);
    checkOutput(this.layout, count, out);
    const { headerBytes, strideBytes, recordBytes } = this.layout;
    if (strideBytes !== recordBytes) {
      // Records are not contiguous in the file: gather them like a batch of offsets.
      if (this.range.length < count) this.range = new Uint32Array(count);
      for (let i = 0; i < count; i++) this.range[i] = first + i;
      return this.read(this.range, count, out);
    }
    const start = performance.now();
    const offset = headerBytes + first * strideBytes;
    const bytes = count * recordBytes;
    let fileBytes = this.addon.fileSize(this.fd);
    if (offset + bytes > this.bytes.length && offset + bytes <= fileBytes) {
      this.remap();
      fileBytes = this.addon.fileSize(this.fd);
    }
    if (offset + bytes > Math.min(fileBytes, this.bytes.length)) {
      this.metrics.error();
      throw rangeBeyondEndError(this.layout, offset, bytes, fileBytes);
    }
    out.set(this.bytes.subarray(offset, offset + bytes));
    this.metrics.completed(count, bytes, (performance.now() - start) / 1000);
    return undefined;
  }

  close(): void {
    if (this.fd < 0) return;
    this.addon.munmap(this.mapping);
    closeSync(this.fd);
    this.fd = -1;
  }
}
