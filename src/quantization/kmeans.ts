// k-means for product quantization codebooks, with Qdrant's parameters and stopping rule
// (lib/quantization/src/kmeans.rs): initial centroids are the first k sample vectors, an empty
// cluster is re-seeded with a random sample vector, and iteration stops after `maxIterations`
// centroid updates or when the summed absolute centroid movement drops below `accuracy`.
//
// The same Lloyd iterations, computed faster, because TypeScript has no SIMD and 10 000 × 256
// distances per subspace per iteration add up:
//  - Hamerly's bounds skip the search for points whose assignment provably cannot change (an
//    upper bound to their centroid, a lower bound to every other one);
//  - the search itself (CentroidIndex) prunes centroids by their projection on the principal
//    axis (in one dimension — compression x4 — it is a binary search).
// Assignments equal Lloyd's up to ties between equidistant centroids.

import type { SeededRandom } from './seeded-random.js';

/**
 * Principal axes of n points (rows of the returned d × d matrix, largest variance first): the
 * eigenvectors of their covariance, by cyclic Jacobi rotations (d ≤ 16 here, so d³ is nothing).
 */
export function principalBasis(points: Float32Array, n: number, d: number): Float64Array {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += points[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= Math.max(1, n);
  const a = new Float64Array(d * d);
  const centred = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) centred[j] = points[i * d + j]! - mean[j]!;
    for (let r = 0; r < d; r++) {
      const cr = centred[r]!;
      for (let c = r; c < d; c++) a[r * d + c]! += cr * centred[c]!;
    }
  }
  for (let r = 0; r < d; r++) for (let c = 0; c < r; c++) a[r * d + c] = a[c * d + r]!;
  const v = new Float64Array(d * d);
  for (let j = 0; j < d; j++) v[j * d + j] = 1;
  for (let sweep = 0; sweep < 64; sweep++) {
    let off = 0;
    let diag = 0;
    for (let r = 0; r < d; r++) {
      diag += a[r * d + r]! * a[r * d + r]!;
      for (let c = r + 1; c < d; c++) off += a[r * d + c]! * a[r * d + c]!;
    }
    if (off <= 1e-24 * diag || off === 0) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q]!;
        if (apq === 0) continue;
        const theta = (a[q * d + q]! - a[p * d + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const cos = 1 / Math.sqrt(t * t + 1);
        const sin = t * cos;
        for (let k = 0; k < d; k++) {
          const akp = a[k * d + p]!;
          const akq = a[k * d + q]!;
          a[k * d + p] = cos * akp - sin * akq;
          a[k * d + q] = sin * akp + cos * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = a[p * d + k]!;
          const aqk = a[q * d + k]!;
          a[p * d + k] = cos * apk - sin * aqk;
          a[q * d + k] = sin * apk + cos * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k * d + p]!;
          const vkq = v[k * d + q]!;
          v[k * d + p] = cos * vkp - sin * vkq;
          v[k * d + q] = sin * vkp + cos * vkq;
        }
      }
    }
  }
  // Eigenvector j is column j of v; order them by eigenvalue, largest first.
  const order = Array.from({ length: d }, (_, j) => j).sort(
    (x, y) => a[y * d + y]! - a[x * d + x]! || x - y,
  );
  const basis = new Float64Array(d * d);
  order.forEach((col, row) => {
    for (let k = 0; k < d; k++) basis[row * d + k] = v[k * d + col]!;
  });
  return basis;
}

/**
 * Exact nearest-centroid search over k centroids of d dimensions (squared Euclidean distance).
 *
 * Centroids are kept sorted by their projection on the principal axis of their spread (the
 * tightest one-number lower bound of a distance, the axis being a unit vector). A search walks
 * outward from the point's projection and stops once that gap alone reaches the best distance
 * found (the second best for nearestTwo).
 */
export class CentroidIndex {
  private readonly order: Int32Array;
  private readonly keys: Float64Array;
  private readonly sorted: Float32Array;
  private readonly axis: Float64Array;
  /** Squared distance to the nearest centroid found by the last search. */
  bestDistance = 0;
  /** Squared distance to the second nearest (nearestTwo only). */
  secondDistance = 0;

  constructor(
    centroids: Float32Array,
    readonly k: number,
    readonly d: number,
  ) {
    const axis = d === 1 ? Float64Array.of(1) : principalBasis(centroids, k, d).slice(0, d);
    this.axis = axis;
    const projection = Float64Array.from({ length: k }, (_, c) => {
      let p = 0;
      for (let j = 0; j < d; j++) p += centroids[c * d + j]! * axis[j]!;
      return p;
    });
    const order = Int32Array.from({ length: k }, (_, i) => i);
    order.sort((a, b) => projection[a]! - projection[b]! || a - b);
    this.order = order;
    this.keys = Float64Array.from(order, (c) => projection[c]!);
    this.sorted = new Float32Array(k * d);
    for (let r = 0; r < k; r++) {
      const c = order[r]!;
      this.sorted.set(centroids.subarray(c * d, (c + 1) * d), r * d);
    }
  }

  /** First sorted position whose key is >= x. */
  private lowerBound(x: number): number {
    let lo = 0;
    let hi = this.k;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the centroid nearest to x[from … from+d); sets bestDistance. */
  nearest(x: Float32Array, from: number): number {
    return this.search(x, from, false);
  }

  /** Like `nearest`, and also sets secondDistance (Infinity when k = 1). */
  nearestTwo(x: Float32Array, from: number): number {
    return this.search(x, from, true);
  }

  private search(x: Float32Array, from: number, two: boolean): number {
    const { keys, sorted, d, k, axis } = this;
    let x0 = 0;
    for (let j = 0; j < d; j++) x0 += x[from + j]! * axis[j]!;
    let right = this.lowerBound(x0);
    let left = right - 1;
    let best = Infinity;
    let second = Infinity;
    let bestPos = 0;
    for (;;) {
      const gapLeft = left >= 0 ? x0 - keys[left]! : Infinity;
      const gapRight = right < k ? keys[right]! - x0 : Infinity;
      let pos: number;
      let gap: number;
      if (gapLeft <= gapRight) {
        gap = gapLeft;
        pos = left--;
      } else {
        gap = gapRight;
        pos = right++;
      }
      const bound = two ? second : best;
      if (gap === Infinity || gap * gap >= bound) break;
      const base = pos * d;
      let dist = 0;
      for (let j = 0; j < d; j++) {
        const diff = x[from + j]! - sorted[base + j]!;
        dist += diff * diff;
      }
      if (dist < best) {
        second = best;
        best = dist;
        bestPos = pos;
      } else if (dist < second) {
        second = dist;
      }
    }
    this.bestDistance = best;
    this.secondDistance = second;
    return this.order[bestPos]!;
  }
}

export interface KmeansOptions {
  readonly maxIterations: number;
  readonly accuracy: number;
  readonly random: SeededRandom;
}

/**
 * Clusters n points of d dimensions (row-major `data`, n > k) into k centroids. Returns the
 * centroids row-major (k × d), float32 like Qdrant's.
 */
export function kmeans(
  data: Float32Array,
  n: number,
  d: number,
  k: number,
  options: KmeansOptions,
): Float32Array {
  let centroids = data.slice(0, k * d);
  const assign = new Int32Array(n);
  const upper = new Float64Array(n);
  const lower = new Float64Array(n);
  const half = new Float64Array(k);
  const moves = new Float64Array(k);
  const counts = new Float64Array(k);
  const sums = new Float64Array(k * d);

  let index = new CentroidIndex(centroids, k, d);
  for (let i = 0; i < n; i++) {
    assign[i] = index.nearestTwo(data, i * d);
    upper[i] = Math.sqrt(index.bestDistance);
    lower[i] = Math.sqrt(index.secondDistance);
  }

  for (let iteration = 0; iteration < options.maxIterations; iteration++) {
    // Centroid update (Lloyd): mean of the assigned points, accumulated in float64.
    counts.fill(0);
    sums.fill(0);
    for (let i = 0; i < n; i++) {
      const c = assign[i]!;
      counts[c]!++;
      const row = i * d;
      const at = c * d;
      for (let j = 0; j < d; j++) sums[at + j]! += data[row + j]!;
    }
    const next = new Float32Array(k * d);
    let diff = 0;
    for (let c = 0; c < k; c++) {
      const at = c * d;
      if (counts[c] === 0) {
        const r = options.random.int(n) * d;
        for (let j = 0; j < d; j++) next[at + j] = data[r + j]!;
      } else {
        for (let j = 0; j < d; j++) next[at + j] = sums[at + j]! / counts[c]!;
      }
      let moved = 0;
      for (let j = 0; j < d; j++) {
        const delta = next[at + j]! - centroids[at + j]!;
        diff += Math.abs(delta);
        moved += delta * delta;
      }
      moves[c] = Math.sqrt(moved);
    }
    centroids = next;
    if (diff < options.accuracy || iteration + 1 === options.maxIterations) break;

    // Hamerly: loosen the bounds by how far centroids moved, then re-search only where the
    // bounds no longer prove the assignment.
    let maxMove = 0;
    let secondMove = 0;
    let maxMoved = -1;
    for (let c = 0; c < k; c++) {
      const m = moves[c]!;
      if (m > maxMove) {
        secondMove = maxMove;
        maxMove = m;
        maxMoved = c;
      } else if (m > secondMove) {
        secondMove = m;
      }
    }
    index = new CentroidIndex(centroids, k, d);
    for (let c = 0; c < k; c++) {
      index.nearestTwo(centroids, c * d); // nearest is c itself (or a duplicate at distance 0)
      half[c] = 0.5 * Math.sqrt(index.secondDistance);
    }
    for (let i = 0; i < n; i++) {
      const a = assign[i]!;
      upper[i]! += moves[a]!;
      lower[i]! -= a === maxMoved ? secondMove : maxMove;
      const bound = Math.max(half[a]!, lower[i]!);
      if (upper[i]! <= bound) continue;
      const row = i * d;
      const at = a * d;
      let dist = 0;
      for (let j = 0; j < d; j++) {
        const delta = data[row + j]! - centroids[at + j]!;
        dist += delta * delta;
      }
      upper[i] = Math.sqrt(dist);
      if (upper[i]! <= bound) continue;
      assign[i] = index.nearestTwo(data, row);
      upper[i] = Math.sqrt(index.bestDistance);
      lower[i] = Math.sqrt(index.secondDistance);
    }
  }
  return centroids;
}
