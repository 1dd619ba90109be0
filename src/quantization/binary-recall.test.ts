// Recall of binary quantization on clustered data, every storage encoding with the binary and the
// asymmetric scalar query encodings: quantized-only recall is reported and checked against a loose
// floor, and rescoring more candidates must raise it.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ArrayVectorSource,
  createQuantizer,
  type BinaryQuantizationConfig,
  type Distance,
} from './index.js';
import { DISTANCES } from './kernel-op.js';
import { clusteredEvaluationSets, formatRecall, measureRecall } from './recall-evaluation.js';

const ALL_ENCODINGS: readonly BinaryQuantizationConfig[] = [
  {},
  { query_encoding: 'scalar4bits' },
  { query_encoding: 'scalar8bits' },
  { encoding: 'two_bits' },
  { encoding: 'two_bits', query_encoding: 'scalar4bits' },
  { encoding: 'two_bits', query_encoding: 'scalar8bits' },
  { encoding: 'one_and_half_bits', query_encoding: 'binary' },
  { encoding: 'one_and_half_bits', query_encoding: 'scalar4bits' },
  { encoding: 'one_and_half_bits', query_encoding: 'scalar8bits' },
];

const PLAN: readonly {
  count: number;
  dim: number;
  runs: readonly [Distance, BinaryQuantizationConfig][];
}[] = [
  {
    count: 5_000,
    dim: 768,
    runs: ALL_ENCODINGS.map((c) => ['Cosine', c] as [Distance, BinaryQuantizationConfig]),
  },
  {
    count: 20_000,
    dim: 128,
    runs: [
      ['Dot', {}],
      ['Euclid', {}],
      ['Manhattan', {}],
      ['Cosine', {}],
      ['Euclid', { query_encoding: 'scalar8bits' }],
      ['Dot', { encoding: 'two_bits', query_encoding: 'scalar8bits' }],
    ],
  },
];

for (const { count, dim, runs } of PLAN) {
  describe(`binary quantization recall@10, ${count} × ${dim}`, () => {
    const sets = clusteredEvaluationSets({ count, dim, distances: DISTANCES, queries: 30 });
    for (const [distance, config] of runs) {
      it(`${distance} ${JSON.stringify(config)}`, async (t) => {
        const set = sets.get(distance)!;
        const quantizer = createQuantizer({ binary: config }, dim, distance);
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
        assert.ok(report.quantized >= 0.1, formatRecall(report));
        assert.ok(r1 <= r2 && r2 <= r4, formatRecall(report));
        assert.ok(r4 > r1 || r1 === 1, formatRecall(report));
      });
    }
  });
}
