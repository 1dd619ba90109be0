// Recall of scalar int8 quantization on clustered data, every distance, two shapes. With
// rescoring of limit × 2 (or more) candidates it must reach 0.99 × the float recall (exact search
// here, so 0.99); the quantized-only recall is reported and checked against a loose floor.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DISTANCES } from './kernel-op.js';
import { ArrayVectorSource, createQuantizer, type QuantizationConfig } from './index.js';
import { clusteredEvaluationSets, formatRecall, measureRecall } from './recall-evaluation.js';

const SHAPES = [
  { count: 20_000, dim: 128 },
  { count: 5_000, dim: 768 },
] as const;
const CONFIGS: readonly QuantizationConfig[] = [
  { scalar: { type: 'int8' } },
  { scalar: { type: 'int8', quantile: 0.99 } },
];

for (const shape of SHAPES) {
  describe(`scalar int8 recall@10, ${shape.count} × ${shape.dim}`, () => {
    const sets = clusteredEvaluationSets({ ...shape, distances: DISTANCES, queries: 30 });
    for (const [distance, set] of sets) {
      for (const config of CONFIGS) {
        it(`${distance} ${JSON.stringify(config)}`, async (t) => {
          const quantizer = createQuantizer(config, shape.dim, distance);
          const source = new ArrayVectorSource(set.vectors, shape.dim);
          await quantizer.train(source);
          const vectors = await quantizer.encode(source);
          const report = measureRecall(vectors, set, [1, 2, 4]);
          t.diagnostic(formatRecall(report));
          assert.ok(report.quantized >= 0.8, formatRecall(report));
          assert.ok(report.rescored.get(2)! >= 0.99, formatRecall(report));
          assert.ok(report.rescored.get(4)! >= 0.99, formatRecall(report));
        });
      }
    }
  });
}
