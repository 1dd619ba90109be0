// Entry point of an optimizer worker thread: builds segments, quantized data and payload
// indexes (optimizer-tasks.ts). It lowers its own scheduling priority so searches keep the CPU
// they need while an index builds.

import { parentPort, workerData } from 'node:worker_threads';
import { writeFileAtomicSync } from '../common/durable-fs.js';
import { PayloadIndexSet } from '../index/payload/payload-index-set.js';
import { loadAddon } from '../native/addon.js';
import { buildSegment, payloadEntries, quantizeVector } from '../segment/segment-builder.js';
import { useSharedIoMetrics } from '../storage-io/io-metrics.js';
import type { FromWorker, OptimizerResult, OptimizerTask, ToWorker } from './optimizer-tasks.js';
import { ThreadSearchResources, type IoReadSettings } from './search-resources.js';

interface OptimizerWorkerData {
  io: IoReadSettings;
  ioMetrics: SharedArrayBuffer;
  nice: number;
}

const data = workerData as OptimizerWorkerData;
useSharedIoMetrics(data.ioMetrics);
try {
  loadAddon()?.setThreadNice(data.nice);
} catch {
  // priority is a courtesy; building still works without it
}
const resources = new ThreadSearchResources(data.io);

async function run(
  task: OptimizerTask,
  progress: (phase: string, done: number, total: number) => void,
): Promise<OptimizerResult> {
  switch (task.kind) {
    case 'build':
      return { kind: 'build', result: await buildSegment(task.task, resources, progress) };
    case 'quantize': {
      const vector = task.state.vectors[task.vectorIndex]!;
      const quantized = await quantizeVector(
        resources,
        vector,
        task.count,
        task.config,
        (done, total) => progress('quantize', done, total),
      );
      writeFileAtomicSync(task.path, quantized.toBytes());
      return { kind: 'quantize', buffer: quantized.buffer, config: quantized.config };
    }
    case 'payload_index': {
      progress('payload_index', 0, task.count);
      const bytes = PayloadIndexSet.build(
        task.schema,
        payloadEntries(task.state.payloadArena, task.positions, task.count),
        task.count,
      ).serialize();
      writeFileAtomicSync(task.path, bytes);
      const buffer = new SharedArrayBuffer(bytes.byteLength);
      new Uint8Array(buffer).set(bytes);
      progress('payload_index', task.count, task.count);
      return { kind: 'payload_index', buffer };
    }
  }
}

parentPort!.on('message', (message: ToWorker) => {
  let last = 0;
  const progress = (phase: string, done: number, total: number) => {
    const now = Date.now();
    if (now - last < 250 && done < total) return;
    last = now;
    parentPort!.postMessage({ id: message.id, progress: { phase, done, total } } as FromWorker);
  };
  run(message.task, progress).then(
    (result) => parentPort!.postMessage({ id: message.id, result } satisfies FromWorker),
    (error: unknown) =>
      parentPort!.postMessage({
        id: message.id,
        error: {
          message: error instanceof Error ? error.message : String(error),
          stack: error instanceof Error ? error.stack : undefined,
        },
      } satisfies FromWorker),
  );
});
