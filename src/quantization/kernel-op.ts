// Shared bits of the quantized scorers: which float kernel op a distance maps to, and the
// growable integer scratch the quantized kernel primitives write raw scores into.

import type { KernelOp } from '../kernels/index.js';
import type { Distance } from './quantizer.js';

/** The float kernel op whose score (greater = closer) matches `distance`. */
export function kernelOpFor(distance: Distance): KernelOp {
  switch (distance) {
    case 'Dot':
    case 'Cosine':
      return 'dot';
    case 'Euclid':
      return 'l2sq';
    case 'Manhattan':
      return 'l1';
  }
}

export const DISTANCES: readonly Distance[] = ['Cosine', 'Euclid', 'Dot', 'Manhattan'];

/** An Int32Array that grows to the largest batch seen (a scorer serves one thread). */
export class Int32Scratch {
  private array = new Int32Array(64);

  get(count: number): Int32Array {
    if (this.array.length < count)
      this.array = new Int32Array(Math.max(count, this.array.length * 2));
    return this.array;
  }
}
