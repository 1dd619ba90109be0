// Growable shared memory for segment data. Everything a search needs (vectors held in RAM, the
// deleted bitmap, versions, payload bytes) lives in SharedArrayBuffers so worker threads read the
// same bytes without copies. Buffers reserve address space up to `maxBytes` and commit memory as
// they grow; typed-array views created without a length track the growth in every thread.

/** V8 refuses growable SharedArrayBuffers with a larger maximum. */
export const MAX_SHARED_BUFFER_BYTES = 2 ** 32;

export function createSharedBuffer(initialBytes: number, maxBytes: number): SharedArrayBuffer {
  const max = Math.min(Math.max(maxBytes, initialBytes), MAX_SHARED_BUFFER_BYTES);
  return new SharedArrayBuffer(initialBytes, { maxByteLength: max });
}

/**
 * Grows `buffer` to at least `neededBytes` (doubling, so appends are amortised O(1)).
 * Returns false when the buffer cannot hold that many bytes.
 */
export function ensureSharedCapacity(buffer: SharedArrayBuffer, neededBytes: number): boolean {
  if (neededBytes <= buffer.byteLength) return true;
  if (neededBytes > buffer.maxByteLength) return false;
  const doubled = Math.max(buffer.byteLength * 2, 4096);
  buffer.grow(Math.min(Math.max(neededBytes, doubled), buffer.maxByteLength));
  return true;
}

/** A fixed-size SharedArrayBuffer holding a copy of `bytes`. */
export function sharedCopy(bytes: Uint8Array): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(bytes.byteLength);
  new Uint8Array(buffer).set(bytes);
  return buffer;
}
