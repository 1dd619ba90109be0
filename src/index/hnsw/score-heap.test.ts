// Heaps and visited set against simple reference behaviour (random operations, fixed seed).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MaxScoreHeap, MinScoreHeap } from './score-heap.js';
import { SeededRandom } from './seeded-random.js';
import { VisitedSet } from './visited-set.js';

test('MaxScoreHeap pops in descending and MinScoreHeap in ascending score order', () => {
  const random = new SeededRandom(9);
  const max = new MaxScoreHeap(2); // starts small to exercise growth
  const min = new MinScoreHeap(2);
  const scores: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const score = Math.fround(random.nextGaussian());
    scores.push(score);
    max.push(i, score);
    min.push(i, score);
  }
  const descending = [...scores].sort((a, b) => b - a);
  for (let i = 0; i < 1000; i++) {
    assert.equal(max.topScore(), descending[i]);
    assert.equal(scores[max.topId()], descending[i]);
    max.pop();
    assert.equal(min.topScore(), descending[999 - i]);
    min.pop();
  }
  assert.equal(max.size, 0);
  assert.equal(min.size, 0);
});

test('MinScoreHeap.drainDescending writes closest first and empties the heap', () => {
  const heap = new MinScoreHeap(4);
  [0.5, -1, 3, 2, 0].forEach((score, id) => heap.push(id, score));
  const ids = new Uint32Array(5);
  const scores = new Float32Array(5);
  assert.equal(heap.drainDescending(ids, scores), 5);
  assert.deepEqual(Array.from(ids), [2, 3, 0, 4, 1]);
  assert.deepEqual(Array.from(scores), [3, 2, 0.5, 0, -1]);
  assert.equal(heap.size, 0);
});

test('VisitedSet forgets marks per search, grows, and survives epoch wrap-around', () => {
  const visited = new VisitedSet(4);
  visited.reset(4);
  assert.ok(visited.visit(3));
  assert.ok(!visited.visit(3));
  visited.reset(10);
  assert.ok(visited.capacity >= 10);
  assert.ok(!visited.has(3));
  assert.ok(visited.visit(9));
  for (let i = 0; i < 70_000; i++) visited.reset(10);
  assert.ok(!visited.has(9));
  assert.ok(visited.visit(9) && visited.has(9));
});

test('SeededRandom is reproducible and uniform enough', () => {
  const a = new SeededRandom(123);
  const b = new SeededRandom(123);
  let sum = 0;
  for (let i = 0; i < 10_000; i++) {
    const x = a.nextOpenUnit();
    assert.equal(x, b.nextOpenUnit());
    assert.ok(x > 0 && x < 1);
    sum += x;
  }
  assert.ok(Math.abs(sum / 10_000 - 0.5) < 0.02);
  assert.notEqual(new SeededRandom(1).nextUint32(), new SeededRandom(2).nextUint32());
});
