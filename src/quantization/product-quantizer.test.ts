import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DISTANCES } from './kernel-op.js';
import { bucketSize, PQ_CENTROIDS, ProductQuantizer } from './product-quantizer.js';
import type { CompressionRatio, Distance } from './quantizer.js';
import { SeededRandom } from './seeded-random.js';
import { ArrayVectorSource } from './vector-source.js';

function pieceScore(distance: Distance, a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let j = 0; j < a.length; j++) {
    if (distance === 'Euclid') sum -= (a[j]! - b[j]!) ** 2;
    else if (distance === 'Manhattan') sum -= Math.abs(a[j]! - b[j]!);
    else sum += a[j]! * b[j]!;
  }
  return sum;
}

async function build(
  data: Float32Array,
  dim: number,
  distance: Distance,
  compression: CompressionRatio,
) {
  const quantizer = new ProductQuantizer(dim, distance, {
    compression,
    sampleSize: 600,
    maxIterations: 5,
  });
  const source = new ArrayVectorSource(data, dim);
  await quantizer.train(source);
  return quantizer.encode(source);
}

describe('ProductQuantizer', () => {
  it('maps compression to dimensions per subspace like Qdrant', () => {
    assert.deepEqual(
      (['x4', 'x8', 'x16', 'x32', 'x64'] as const).map(bucketSize),
      [1, 2, 4, 8, 16],
    );
  });

  it('cuts a shorter last subspace', async () => {
    const data = Float32Array.from({ length: 300 * 10 }, (_, i) => Math.sin(i));
    const vectors = await build(data, 10, 'Dot', 'x16');
    assert.equal(vectors.bytesPerVector, 3);
    assert.equal(vectors.centroids.length, PQ_CENTROIDS * 10);
  });

  it('with at most 256 vectors uses them as centroids: stored vectors encode exactly', async () => {
    const random = new SeededRandom(3);
    const dim = 12;
    const count = 200;
    const data = Float32Array.from({ length: count * dim }, () => random.normal());
    const query = Float32Array.from({ length: dim }, () => random.normal());
    const vectors = await build(data, dim, 'Euclid', 'x16');
    for (let r = 0; r < count; r++) {
      for (let s = 0; s < 3; s++) assert.equal(vectors.codes[r * 3 + s], r);
    }
    const out = new Float32Array(count);
    vectors.scorer(query).scoreOffsets(
      Uint32Array.from({ length: count }, (_, i) => i),
      count,
      out,
    );
    for (let r = 0; r < count; r++) {
      const exact = pieceScore('Euclid', query, data.subarray(r * dim, (r + 1) * dim));
      assert.ok(Math.abs(out[r]! - exact) <= 1e-4 * Math.max(1, Math.abs(exact)));
    }
  });

  for (const distance of DISTANCES) {
    it(`${distance}: a score is the sum of the query's table entries over the stored codes`, async () => {
      const random = new SeededRandom(5);
      const dim = 10;
      const count = 700;
      const data = Float32Array.from({ length: count * dim }, () => random.normal());
      const query = Float32Array.from({ length: dim }, () => random.normal());
      const vectors = await build(data, dim, distance, 'x16');
      const out = new Float32Array(count);
      vectors.scorer(query).scoreOffsets(
        Uint32Array.from({ length: count }, (_, i) => i),
        count,
        out,
      );
      const subspaces = [
        [0, 4],
        [4, 4],
        [8, 2],
      ] as const;
      for (let r = 0; r < count; r++) {
        let sum = 0;
        subspaces.forEach(([start, len], s) => {
          const code = vectors.codes[r * 3 + s]!;
          const at = PQ_CENTROIDS * start + code * len;
          sum += Math.fround(
            pieceScore(
              distance,
              query.subarray(start, start + len),
              vectors.centroids.subarray(at, at + len),
            ),
          );
        });
        assert.equal(out[r], Math.fround(sum));
      }
    });
  }

  it('rejects an unknown compression', () => {
    assert.throws(
      () => new ProductQuantizer(8, 'Dot', { compression: 'x3' as CompressionRatio }),
      /compression must be one of x4, x8, x16, x32, x64, got x3/,
    );
  });
});
