import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CentroidIndex, kmeans, principalBasis } from './kmeans.js';
import { SeededRandom } from './seeded-random.js';

function bruteNearest(
  x: Float32Array,
  from: number,
  c: Float32Array,
  k: number,
  d: number,
): number[] {
  const distances = Array.from({ length: k }, (_, i) => {
    let sum = 0;
    for (let j = 0; j < d; j++) sum += (x[from + j]! - c[i * d + j]!) ** 2;
    return sum;
  });
  return [...distances].sort((a, b) => a - b).slice(0, 2);
}

describe('CentroidIndex', () => {
  for (const d of [1, 2, 3, 4, 8, 16]) {
    it(`finds the nearest and second nearest exactly (d = ${d})`, () => {
      const random = new SeededRandom(d);
      const k = 256;
      const centroids = Float32Array.from(
        { length: k * d },
        () => random.normal() * (1 + random.int(3)),
      );
      const points = Float32Array.from({ length: 300 * d }, () => random.normal() * 2);
      const index = new CentroidIndex(centroids, k, d);
      for (let i = 0; i < 300; i++) {
        const [best, second] = bruteNearest(points, i * d, centroids, k, d);
        const found = index.nearestTwo(points, i * d);
        assert.equal(index.bestDistance, best);
        assert.equal(index.secondDistance, second);
        assert.equal(
          bruteNearest(points, i * d, centroids.subarray(found * d, (found + 1) * d), 1, d)[0],
          best,
        );
        index.nearest(points, i * d);
        assert.equal(index.bestDistance, best);
      }
    });
  }
});

describe('principalBasis', () => {
  it('returns orthonormal axes, the widest spread first', () => {
    const random = new SeededRandom(1);
    const n = 2000;
    const points = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) {
      const a = random.normal() * 5;
      const b = random.normal();
      points[i * 3] = a + b;
      points[i * 3 + 1] = a - b;
      points[i * 3 + 2] = random.normal() * 0.1;
    }
    const basis = principalBasis(points, n, 3);
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) {
        let dot = 0;
        for (let j = 0; j < 3; j++) dot += basis[a * 3 + j]! * basis[b * 3 + j]!;
        assert.ok(Math.abs(dot - (a === b ? 1 : 0)) < 1e-9);
      }
    }
    assert.ok(Math.abs(Math.abs(basis[0]!) - Math.SQRT1_2) < 0.01);
    assert.ok(Math.abs(Math.abs(basis[1]!) - Math.SQRT1_2) < 0.01);
    assert.ok(Math.abs(basis[8]!) > 0.99);
  });
});

describe('kmeans', () => {
  it('recovers well separated clusters and is deterministic for a seed', () => {
    const random = new SeededRandom(5);
    const d = 4;
    const k = 8;
    const centres = Float32Array.from({ length: k * d }, () => random.normal() * 100);
    const n = 4000;
    const data = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      const c = i % k;
      for (let j = 0; j < d; j++) data[i * d + j] = centres[c * d + j]! + random.normal();
    }
    const run = (): Float32Array =>
      kmeans(data, n, d, k, { maxIterations: 100, accuracy: 1e-5, random: new SeededRandom(9) });
    const found = run();
    assert.deepEqual(run(), found);
    // Every true centre has a centroid within a small distance.
    for (let c = 0; c < k; c++) {
      const nearest = bruteNearest(centres, c * d, found, k, d)[0]!;
      assert.ok(nearest < 0.5, `centre ${c}: nearest centroid at squared distance ${nearest}`);
    }
  });

  it('matches plain Lloyd iterations', () => {
    const random = new SeededRandom(11);
    const d = 3;
    const k = 16;
    const n = 1500;
    const data = Float32Array.from({ length: n * d }, () => random.normal());
    const iterations = 12;
    const fast = kmeans(data, n, d, k, {
      maxIterations: iterations,
      accuracy: 0,
      random: new SeededRandom(1),
    });
    // Reference: Lloyd with brute-force assignment, same initialisation and update.
    let centroids = data.slice(0, k * d);
    for (let it = 0; it < iterations; it++) {
      const sums = new Float64Array(k * d);
      const counts = new Float64Array(k);
      for (let i = 0; i < n; i++) {
        let best = Infinity;
        let arg = 0;
        for (let c = 0; c < k; c++) {
          let dist = 0;
          for (let j = 0; j < d; j++) dist += (data[i * d + j]! - centroids[c * d + j]!) ** 2;
          if (dist < best) {
            best = dist;
            arg = c;
          }
        }
        counts[arg]!++;
        for (let j = 0; j < d; j++) sums[arg * d + j]! += data[i * d + j]!;
      }
      centroids = Float32Array.from(sums, (s, at) => s / counts[Math.floor(at / d)]!);
    }
    assert.deepEqual(fast, centroids);
  });
});
