import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getTypescriptKernels } from '../kernels/index.js';
import { DISTANCES, kernelOpFor } from './kernel-op.js';
import { quantileInterval, ScalarQuantizer } from './scalar-quantizer.js';
import { SeededRandom } from './seeded-random.js';
import { ArrayVectorSource } from './vector-source.js';

const kernels = getTypescriptKernels();

describe('ScalarQuantizer scores', () => {
  const dim = 24;
  const count = 400;
  const random = new SeededRandom(2);
  const data = Float32Array.from({ length: count * dim }, () => random.normal() * 2 + 0.5);
  /** Without a quantile the range is the data's: α = (max − min) / 127. */
  const [min, max] = [Math.min(...data), Math.max(...data)];
  const alpha = (max - min) / 127;
  // Inside the range, so that rounding (not clamping) is the only error.
  const query = Float32Array.from({ length: dim }, () =>
    Math.min(max, Math.max(min, random.normal() * 2 + 0.5)),
  );

  for (const distance of DISTANCES) {
    it(`approximate ${distance} float scores on the same scale, within the rounding bound`, async () => {
      const quantizer = new ScalarQuantizer(dim, distance);
      const source = new ArrayVectorSource(data, dim);
      await quantizer.train(source);
      const vectors = await quantizer.encode(source);
      const offsets = Uint32Array.from({ length: count }, (_, i) => i);
      const quantized = new Float32Array(count);
      vectors.scorer(query).scoreOffsets(offsets, count, quantized);
      const internal = new Float32Array(count);
      vectors.scorerFor(7).scoreOffsets(offsets, count, internal);
      const op = kernelOpFor(distance);
      for (let i = 0; i < count; i++) {
        const exact = kernels.pair(op, query, 0, data, i * dim, dim);
        const internalExact = kernels.pair(op, data, 7 * dim, data, i * dim, dim);
        const bound = errorBound(distance, query, data.subarray(i * dim, (i + 1) * dim), alpha);
        assert.ok(
          Math.abs(quantized[i]! - exact) <= bound,
          `${distance} #${i}: ${quantized[i]} vs ${exact} (±${bound})`,
        );
        const internalBound = errorBound(
          distance,
          data.subarray(7 * dim, 8 * dim),
          data.subarray(i * dim, (i + 1) * dim),
          alpha,
        );
        assert.ok(
          Math.abs(internal[i]! - internalExact) <= internalBound,
          `${distance} stored #${i}`,
        );
      }
    });
  }

  /** Worst case of rounding each value by at most α/2 (and float32 corrections). */
  function errorBound(distance: string, x: Float32Array, y: Float32Array, alpha: number): number {
    let bound = 0;
    let magnitude = 0;
    for (let j = 0; j < x.length; j++) {
      const d = Math.abs(x[j]! - y[j]!);
      if (distance === 'Manhattan') bound += alpha;
      else if (distance === 'Euclid') bound += 2 * d * alpha + alpha * alpha;
      else bound += (alpha / 2) * (Math.abs(x[j]!) + Math.abs(y[j]!)) + (alpha * alpha) / 4;
      magnitude += Math.abs(x[j]! * y[j]!) + d * d;
    }
    return bound + 1e-5 * magnitude + 1e-3;
  }
});

describe('quantileInterval (Qdrant semantics)', () => {
  it('cuts by sampled vector count, in float32, keeping values strictly inside the cut', () => {
    const random = new SeededRandom(4);
    const vectors = 5000;
    const dim = 8;
    const values = Float32Array.from({ length: vectors * dim }, () => random.normal());
    const sorted = Float32Array.from(values).sort();
    // float32(1 − 0.99) · 5000 / 2 = 24.99… → cut 24.
    const range = quantileInterval(values, vectors, 0.99);
    assert.deepEqual(range, [sorted[25], sorted[values.length - 25]]);
    for (const q of [0.5, 0.75, 0.9, 0.999]) {
      const f = Math.fround;
      const cut = Math.max(1, Math.floor(f(f(f(vectors) * f(1 - f(q))) / 2)));
      assert.deepEqual(quantileInterval(values, vectors, q), [
        sorted[cut + 1],
        sorted[values.length - cut - 1],
      ]);
    }
  });

  it('gives up on samples too small to cut', () => {
    assert.equal(quantileInterval(Float32Array.of(1, 2, 3), 3, 0.9), null);
    assert.equal(quantileInterval(Float32Array.of(1, 2, 3, 4), 4, 0.9), null);
    assert.deepEqual(quantileInterval(Float32Array.of(5, 1, 4, 2, 3), 5, 0.9), [3, 4]);
  });
});

describe('ScalarQuantizer edge cases', () => {
  it('encodes an empty source', async () => {
    const quantizer = new ScalarQuantizer(8, 'Dot');
    const source = new ArrayVectorSource(new Float32Array(0), 8);
    await quantizer.train(source);
    const vectors = await quantizer.encode(source);
    assert.equal(vectors.count, 0);
    vectors.scorer(new Float32Array(8)).scoreOffsets(new Uint32Array(0), 0, new Float32Array(0));
  });

  it('handles constant data without NaN', async () => {
    const quantizer = new ScalarQuantizer(4, 'Euclid');
    const source = new ArrayVectorSource(new Float32Array(40).fill(3), 4);
    await quantizer.train(source);
    const vectors = await quantizer.encode(source);
    const out = new Float32Array(2);
    vectors.scorer(Float32Array.of(3, 3, 3, 3)).scoreOffsets(Uint32Array.of(0, 9), 2, out);
    assert.deepEqual([...out], [0, 0]);
  });

  it('uses the whole range with quantile 1 and with fewer than 127 vectors', async () => {
    const data = Float32Array.from({ length: 100 * 4 }, (_, i) => (i % 17) - 8);
    for (const quantile of [1, 0.9]) {
      const quantizer = new ScalarQuantizer(4, 'Dot', { quantile });
      await quantizer.train(new ArrayVectorSource(data, 4));
      const vectors = await quantizer.encode(new ArrayVectorSource(data, 4));
      const codes = vectors.codes;
      assert.equal(Math.min(...codes), 0);
      assert.equal(Math.max(...codes), 127);
    }
  });

  it('rejects bad parameters and queries', async () => {
    assert.throws(
      () => new ScalarQuantizer(8, 'Dot', { quantile: 0.4 }),
      /quantile must be in \[0.5, 1.0\], got 0.4/,
    );
    assert.throws(() => new ScalarQuantizer(0, 'Dot'), /vector dim must be in \[1, 65536\], got 0/);
    const quantizer = new ScalarQuantizer(4, 'Dot');
    await assert.rejects(
      quantizer.encode(new ArrayVectorSource(new Float32Array(8), 4)),
      /before train/,
    );
    await assert.rejects(
      quantizer.train(new ArrayVectorSource(new Float32Array(9), 3)),
      /Vector dimension error: expected dim: 4, got 3/,
    );
    await quantizer.train(new ArrayVectorSource(new Float32Array(8), 4));
    const vectors = await quantizer.encode(new ArrayVectorSource(new Float32Array(8), 4));
    assert.throws(() => vectors.scorer(new Float32Array(5)), /expected dim: 4, got 5/);
    assert.throws(() => vectors.scorerFor(2), /point offset 2 out of range \(2 points\)/);
  });
});
