import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PointScorer } from '../kernels/point-scorer.js';
import { oversampledLimit, rescore } from './rescore.js';
import { TopK } from './top-k.js';

/** score(offset) = table[offset]; optionally answers asynchronously. */
function tableScorer(table: number[], async: boolean): PointScorer & { calls: number } {
  return {
    calls: 0,
    scoreOffsets(offsets, count, out) {
      this.calls++;
      for (let i = 0; i < count; i++) out[i] = table[offsets[i]!]!;
      return async ? Promise.resolve() : undefined;
    },
  };
}

describe('TopK', () => {
  it('keeps the best k, best first, smaller offset first on ties', () => {
    const random = Array.from({ length: 500 }, (_, i) => ({ offset: i, score: (i * 7919) % 101 }));
    const top = new TopK(10);
    for (const { offset, score } of random) top.push(offset, score);
    const expected = [...random]
      .sort((a, b) => b.score - a.score || a.offset - b.offset)
      .slice(0, 10);
    const got = top.sorted();
    assert.deepEqual(
      [...got.offsets],
      expected.map((e) => e.offset),
    );
    assert.deepEqual(
      [...got.scores],
      expected.map((e) => e.score),
    );
  });

  it('handles k = 0 and fewer items than k', () => {
    const none = new TopK(0);
    none.push(1, 1);
    assert.equal(none.sorted().offsets.length, 0);
    const few = new TopK(5);
    few.push(3, 1);
    few.push(2, 2);
    assert.deepEqual([...few.sorted().offsets], [2, 3]);
  });
});

describe('rescore', () => {
  const table = [5, 1, 9, 3, 9, 0, 7];
  const candidates = Uint32Array.of(1, 2, 3, 4, 5, 6);

  it('re-ranks candidates by exact score in one batch call (sync scorer: sync result)', () => {
    const scorer = tableScorer(table, false);
    const result = rescore(candidates, candidates.length, scorer, 3);
    assert.ok(!(result instanceof Promise));
    assert.deepEqual([...result.offsets], [2, 4, 6]);
    assert.deepEqual([...result.scores], [9, 9, 7]);
    assert.equal(scorer.calls, 1);
  });

  it('awaits an asynchronous scorer (originals on disk)', async () => {
    const scorer = tableScorer(table, true);
    const pending = rescore(candidates, 4, scorer, 10);
    assert.ok(pending instanceof Promise);
    const result = await pending;
    assert.deepEqual([...result.offsets], [2, 4, 3, 1]);
    assert.equal(scorer.calls, 1);
  });

  it('oversampledLimit follows Qdrant (floor, only above 1)', () => {
    assert.equal(oversampledLimit(10, undefined), 10);
    assert.equal(oversampledLimit(10, 1), 10);
    assert.equal(oversampledLimit(10, 0.5), 10);
    assert.equal(oversampledLimit(100, 2.4), 240);
    assert.equal(oversampledLimit(10, 1.55), 15);
  });
});
