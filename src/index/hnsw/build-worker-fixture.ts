// Test fixture (hnsw-index.test.ts): builds an HNSW graph inside a worker_thread from vectors on a
// SharedArrayBuffer, posts progress, and hands the graph back as its SharedArrayBuffer (no copy).

import { parentPort, workerData } from 'node:worker_threads';
import { DenseVectorScorer } from './dense-vector-scorer.js';
import { HnswIndex } from './hnsw-index.js';

interface BuildRequest {
  vectors: SharedArrayBuffer;
  dim: number;
  m: number;
  efConstruct: number;
  seed: number;
}

const request = workerData as BuildRequest;
const scorer = new DenseVectorScorer(new Float32Array(request.vectors), request.dim, 'l2sq');
const index = HnswIndex.build(
  scorer,
  { m: request.m, efConstruct: request.efConstruct, seed: request.seed },
  { progressInterval: 500, onProgress: (done) => parentPort?.postMessage({ progress: done }) },
);
parentPort?.postMessage({ graph: index.graph.buffer });
