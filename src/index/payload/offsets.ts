// Sets of point offsets as the payload indexes use them: bitsets for per-query lookups (one bit
// per point, built from posting lists), and sorted Uint32Arrays for candidate lists.

export type Bitset = Uint8Array;

export function bitsetFor(pointCount: number): Bitset {
  return new Uint8Array((pointCount >> 3) + 1);
}

export function setRange(bits: Bitset, offsets: Uint32Array, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const o = offsets[i]!;
    bits[o >> 3]! |= 1 << (o & 7);
  }
}

export function hasBit(bits: Bitset, offset: number): boolean {
  return (bits[offset >> 3]! & (1 << (offset & 7))) !== 0;
}

/** Offsets of the set bits, ascending. */
export function bitsetToOffsets(bits: Bitset, pointCount: number): Uint32Array {
  let count = 0;
  for (let i = 0; i < bits.length; i++) {
    let b = bits[i]!;
    while (b !== 0) {
      b &= b - 1;
      count++;
    }
  }
  const out = new Uint32Array(count);
  let k = 0;
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i]!;
    if (b === 0) continue;
    for (let j = 0; j < 8; j++) {
      const o = (i << 3) + j;
      if ((b & (1 << j)) !== 0 && o < pointCount) out[k++] = o;
    }
  }
  return k === count ? out : out.subarray(0, k);
}

/** First index in sorted `array` whose value is >= `value` (or > with `strict`). */
export function lowerBound(
  array: Float64Array | Uint32Array,
  value: number,
  strict = false,
): number {
  let lo = 0;
  let hi = array.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = array[mid]!;
    if (v < value || (strict && v === value)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Growable Uint32 buffer for builders. */
export class U32Builder {
  private data = new Uint32Array(64);
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const next = new Uint32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }

  finish(): Uint32Array {
    return this.data.slice(0, this.length);
  }
}

export class F64Builder {
  private data = new Float64Array(64);
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }

  finish(): Float64Array {
    return this.data.slice(0, this.length);
  }
}
