// Recall of product quantization on clustered data: quantized-only recall falls with compression
// (reported, checked against loose floors), and rescoring more candidates must raise it. Training
// uses a smaller sample and fewer k-means iterations than Qdrant's defaults to keep tests short.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ArrayVectorSource,
  createQuantizer,
  type CompressionRatio,
  type Distance,
} from './index.js';
import { DISTANCES } from './kernel-op.js';
import { clusteredEvaluationSets, formatRecall, measureRecall } from './recall-evaluation.js';

const TUNING = { sampleSize: 1000, maxIterations: 10 };
/** Quantized-only recall@10 floors, well under what these datasets give (random ≈ 0.001). */
const FLOOR: Record<CompressionRatio, number> = {
  x4: 0.8,
  x8: 0.6,
  x16: 0.35,
  x32: 0.15,
  x64: 0.05,
};

const PLAN: readonly {
  count: number;
  dim: number;
  runs: readonly [Distance, CompressionRatio][];
}[] = [
  {
    count: 20_000,
    dim: 128,
    runs: [
      ['Dot', 'x4'],
      ['Euclid', 'x8'],
      ['Manhattan', 'x8'],
      ['Cosine', 'x16'],
      ['Euclid', 'x64'],
    ],
  },
  {
    count: 5_000,
    dim: 768,
    runs: [['Cosine', 'x32']],
  },
];

for (const { count, dim, runs } of PLAN) {
  describe(`product quantization recall@10, ${count} × ${dim}`, () => {
    const sets = clusteredEvaluationSets({ count, dim, distances: DISTANCES, queries: 30 });
    for (const [distance, compression] of runs) {
      it(`${distance} ${compression}`, async (t) => {
        const set = sets.get(distance)!;
        const quantizer = createQuantizer({ product: { compression } }, dim, distance, TUNING);
        const source = new ArrayVectorSource(set.vectors, dim);
        await quantizer.train(source);
        const vectors = await quantizer.encode(source);
        const report = measureRecall(vectors, set, [1, 2, 4]);
        t.diagnostic(formatRecall(report));
        const [r1, r2, r4] = [1, 2, 4].map((o) => report.rescored.get(o)!) as [
          number,
          number,
          number,
        ];
        assert.ok(report.quantized >= FLOOR[compression], formatRecall(report));
        assert.ok(r1 <= r2 && r2 <= r4, formatRecall(report));
        assert.ok(r4 > r1 || r1 === 1, formatRecall(report));
      });
    }
  });
}
