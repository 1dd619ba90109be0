// A bitset over point offsets in shared memory (deleted points, missing named vectors). The main
// thread sets and clears bits; search threads read them. Int32 words with Atomics keep every
// update visible and untorn across threads.

import { createSharedBuffer, ensureSharedCapacity, int32View } from './shared-buffer.js';

export class SharedBitmap {
  readonly buffer: SharedArrayBuffer;
  private words: Int32Array;

  constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.words = int32View(buffer);
  }

  static create(initialBits: number, maxBits: number): SharedBitmap {
    const bytes = (bits: number) => Math.ceil(bits / 32) * 4;
    return new SharedBitmap(createSharedBuffer(bytes(initialBits), bytes(maxBits)));
  }

  /** Builds a bitmap from persisted bytes (little-endian words), with room to grow to maxBits. */
  static fromBytes(bytes: Uint8Array, maxBits: number): SharedBitmap {
    const bitmap = SharedBitmap.create(
      bytes.byteLength * 8,
      Math.max(maxBits, bytes.byteLength * 8),
    );
    new Uint8Array(bitmap.buffer).set(bytes);
    return bitmap;
  }

  /** Makes sure bits [0, bits) are addressable. */
  reserve(bits: number): void {
    const needed = Math.ceil(bits / 32) * 4;
    if (needed > this.buffer.byteLength) {
      if (!ensureSharedCapacity(this.buffer, needed)) {
        throw new RangeError(`bitmap cannot grow to ${bits} bits`);
      }
    }
    if (this.words.length * 4 !== this.buffer.byteLength) this.words = int32View(this.buffer);
  }

  get(bit: number): boolean {
    const word = bit >>> 5;
    // The view is fixed-length (see shared-buffer.ts); past its end, look for growth.
    if (word >= this.words.length) {
      if (this.words.length * 4 === this.buffer.byteLength) return false;
      this.words = int32View(this.buffer);
      if (word >= this.words.length) return false;
    }
    return (Atomics.load(this.words, word) & (1 << (bit & 31))) !== 0;
  }

  set(bit: number): void {
    this.reserve(bit + 1);
    Atomics.or(this.words, bit >>> 5, 1 << (bit & 31));
  }

  clear(bit: number): void {
    if (bit >>> 5 >= this.words.length) this.words = int32View(this.buffer);
    if (bit >>> 5 >= this.words.length) return;
    Atomics.and(this.words, bit >>> 5, ~(1 << (bit & 31)));
  }

  /** Number of set bits among [0, bits). */
  count(bits: number): number {
    let total = 0;
    const fullWords = bits >>> 5;
    const words = int32View(this.buffer);
    for (let w = 0; w < fullWords && w < words.length; w++) total += popcount32(words[w]!);
    const rest = bits & 31;
    if (rest !== 0 && fullWords < words.length) {
      total += popcount32(words[fullWords]! & ((1 << rest) - 1));
    }
    return total;
  }

  /** A copy of the bytes covering bits [0, bits), for persisting. */
  snapshotBytes(bits: number): Uint8Array {
    const bytes = Math.ceil(bits / 32) * 4;
    const out = new Uint8Array(bytes);
    out.set(new Uint8Array(this.buffer, 0, Math.min(bytes, this.buffer.byteLength)));
    return out;
  }
}

export function popcount32(value: number): number {
  let v = value - ((value >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
