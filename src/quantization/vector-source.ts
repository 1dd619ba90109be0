// Where training and encoding read the original vectors from. For on-disk collections the
// originals come through a BatchReader (io_uring / pread / mmap) in large sequential batches, so
// reads may be asynchronous; for in-RAM data they are plain views. Quantizers only ever hold one
// batch (or one training sample) of originals at a time.

import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { errors, RingvecError } from '../common/errors.js';
import type { QuantizeOptions } from './quantizer.js';

export interface VectorSource {
  /** Number of vectors, addressed by offsets 0 … count-1. */
  readonly count: number;
  readonly dim: number;
  /**
   * Vectors [first, first + count) row-major (count * dim floats). The array may be a view that
   * is only valid until the next call: quantizers copy what they keep.
   */
  readBatch(first: number, count: number): Float32Array | Promise<Float32Array>;
  /**
   * Optional random access: the vectors at `offsets` (sorted ascending), in that order. Used to
   * read a training sample without scanning everything (BatchReader.read). Same validity rule.
   */
  readRows?(offsets: Uint32Array): Float32Array | Promise<Float32Array>;
}

/** A VectorSource over a row-major Float32Array in RAM. `async: true` answers with promises. */
export class ArrayVectorSource implements VectorSource {
  readonly count: number;

  constructor(
    readonly data: Float32Array,
    readonly dim: number,
    private readonly options: { readonly async?: boolean } = {},
  ) {
    if (dim <= 0 || data.length % dim !== 0) {
      throw new RingvecError(
        'bad_input',
        `vector data of ${data.length} floats is not a whole number of dim ${dim} vectors`,
      );
    }
    this.count = data.length / dim;
  }

  readBatch(first: number, count: number): Float32Array | Promise<Float32Array> {
    if (first < 0 || count < 0 || first + count > this.count) {
      throw new RingvecError(
        'service',
        `vector source read past the end: [${first}, ${first + count}) of ${this.count}`,
      );
    }
    const view = this.data.subarray(first * this.dim, (first + count) * this.dim);
    return this.options.async === true ? Promise.resolve(view) : view;
  }

  readRows(offsets: Uint32Array): Float32Array | Promise<Float32Array> {
    const dim = this.dim;
    const out = new Float32Array(offsets.length * dim);
    offsets.forEach((offset, k) => {
      if (offset >= this.count) {
        throw new RingvecError(
          'service',
          `vector source row ${offset} past the end (${this.count})`,
        );
      }
      out.set(this.data.subarray(offset * dim, (offset + 1) * dim), k * dim);
    });
    return this.options.async === true ? Promise.resolve(out) : out;
  }
}

/** Default batch: about 16 MiB of float32, at least 64 and at most 65536 vectors. */
export function batchSizeFor(dim: number, options: QuantizeOptions | undefined): number {
  const requested = options?.batchSize;
  if (requested !== undefined) {
    if (!Number.isInteger(requested) || requested <= 0) {
      throw new RingvecError('bad_input', `batchSize must be a positive integer, got ${requested}`);
    }
    return requested;
  }
  return Math.min(65536, Math.max(64, Math.floor((16 << 20) / (4 * Math.max(1, dim)))));
}

function checkBatch(batch: Float32Array, expected: number, what: string): Float32Array {
  if (batch.length < expected) {
    throw new RingvecError(
      'service',
      `vector source returned ${batch.length} floats for ${what}, expected ${expected}`,
    );
  }
  return batch;
}

export function checkSourceDim(source: VectorSource, dim: number): void {
  if (source.dim !== dim) throw errors.wrongDimension(dim, source.dim);
}

/** Qdrant's bounds on a vector's dimension. */
export function checkDim(dim: number): void {
  if (!Number.isInteger(dim) || dim < 1 || dim > 65536) {
    throw new RingvecError('bad_input', `vector dim must be in [1, 65536], got ${dim}`);
  }
}

/**
 * Calls `visit(batch, first, n)` for consecutive batches covering the whole source, awaiting the
 * source only when it answers with a promise. Between batches it yields to the event loop (so a
 * build on the main thread does not starve I/O), checks the abort signal and reports progress.
 */
export async function forEachBatch(
  source: VectorSource,
  phase: 'scan' | 'encode',
  options: QuantizeOptions | undefined,
  visit: (batch: Float32Array, first: number, n: number) => void,
): Promise<void> {
  const total = source.count;
  const batchSize = batchSizeFor(source.dim, options);
  for (let first = 0; first < total; first += batchSize) {
    options?.signal?.throwIfAborted();
    const n = Math.min(batchSize, total - first);
    const pending = source.readBatch(first, n);
    const batch = pending instanceof Promise ? await pending : pending;
    visit(checkBatch(batch, n * source.dim, `[${first}, ${first + n})`), first, n);
    options?.onProgress?.({ phase, done: first + n, total });
    if (first + n < total) await yieldToEventLoop();
  }
}

/**
 * Copies the vectors at `indices` (sorted ascending, distinct) into one new array. Uses
 * `readRows` in batches when the source has it, otherwise scans and picks rows as they pass.
 */
export async function readSample(
  source: VectorSource,
  indices: Uint32Array,
  options: QuantizeOptions | undefined,
): Promise<Float32Array> {
  const dim = source.dim;
  const out = new Float32Array(indices.length * dim);
  const batchSize = batchSizeFor(dim, options);
  const total = indices.length;
  if (source.readRows !== undefined) {
    for (let k = 0; k < total; k += batchSize) {
      options?.signal?.throwIfAborted();
      const part = indices.subarray(k, Math.min(total, k + batchSize));
      const pending = source.readRows(part);
      const rows = checkBatch(
        pending instanceof Promise ? await pending : pending,
        part.length * dim,
        `${part.length} sample rows`,
      );
      out.set(rows.subarray(0, part.length * dim), k * dim);
      options?.onProgress?.({ phase: 'sample', done: k + part.length, total });
      if (k + part.length < total) await yieldToEventLoop();
    }
    return out;
  }
  let next = 0;
  const end = total === 0 ? 0 : indices[total - 1]! + 1;
  for (let first = 0; first < end; first += batchSize) {
    options?.signal?.throwIfAborted();
    const n = Math.min(batchSize, end - first);
    const pending = source.readBatch(first, n);
    const batch = checkBatch(
      pending instanceof Promise ? await pending : pending,
      n * dim,
      `[${first}, ${first + n})`,
    );
    while (next < total && indices[next]! < first + n) {
      const row = indices[next]! - first;
      out.set(batch.subarray(row * dim, (row + 1) * dim), next * dim);
      next++;
    }
    options?.onProgress?.({ phase: 'sample', done: next, total });
    if (first + n < end) await yieldToEventLoop();
  }
  return out;
}
