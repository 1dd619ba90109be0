// Per-thread search resources: the kernels, one BatchReader per on-disk vector file (opened with
// the configured backend, io_uring's ring belonging to this thread), and the HNSW graphs and
// quantized vectors opened over shared buffers without copying. Every thread that searches
// (main thread or a search worker) owns one instance.

import { HnswIndex } from '../index/hnsw/hnsw-index.js';
import { getKernels, type Kernels } from '../kernels/index.js';
import { openQuantizedVectors, type QuantizedVectors } from '../quantization/index.js';
import type { SearchResources } from '../segment/segment-search.js';
import type { SharedVectorState } from '../segment/types.js';
import type { BatchReader, IoBackend, RecordFileLayout } from '../storage-io/batch-reader.js';
import { openBatchReader } from '../storage-io/open-batch-reader.js';

export interface IoReadSettings {
  backend: IoBackend;
  queueDepth: number;
  direct: boolean;
  /** Points a plain scan reads and scores per batch (storage.performance.io_batch_size). */
  scanBatch: number;
}

export class ThreadSearchResources implements SearchResources {
  readonly kernels: Kernels = getKernels();
  private readonly readers = new Map<string, BatchReader>();
  private readonly graphs = new WeakMap<SharedArrayBuffer, HnswIndex>();
  private readonly quantized = new WeakMap<SharedArrayBuffer, QuantizedVectors>();

  constructor(private readonly io: IoReadSettings) {}

  get scanBatch(): number {
    return this.io.scanBatch;
  }

  readerFor(layout: RecordFileLayout): BatchReader {
    let reader = this.readers.get(layout.path);
    if (reader === undefined) {
      reader = openBatchReader(layout, this.io.backend, {
        queueDepth: this.io.queueDepth,
        direct: this.io.direct,
      });
      this.readers.set(layout.path, reader);
    }
    return reader;
  }

  hnswFor(vector: SharedVectorState): HnswIndex | null {
    const buffer = vector.hnsw;
    if (buffer === null) return null;
    let index = this.graphs.get(buffer);
    if (index === undefined) {
      index = HnswIndex.fromBuffer(buffer, { verifyChecksum: false });
      this.graphs.set(buffer, index);
    }
    return index;
  }

  quantizedFor(vector: SharedVectorState): QuantizedVectors | null {
    const buffer = vector.quantized;
    if (buffer === null) return null;
    let quantized = this.quantized.get(buffer);
    if (quantized === undefined) {
      quantized = openQuantizedVectors(new Uint8Array(buffer), { verify: false });
      this.quantized.set(buffer, quantized);
    }
    return quantized;
  }

  /** Closes readers of files that no longer back any segment (retired segments). */
  closeReaders(paths: Iterable<string>): void {
    for (const path of paths) {
      this.readers.get(path)?.close();
      this.readers.delete(path);
    }
  }

  closeAll(): void {
    this.closeReaders([...this.readers.keys()]);
  }
}
