// Entry point of a search worker thread. It keeps a SegmentView per segment (shared buffers
// received once per revision), its own readers and io_uring ring, and answers segment search
// tasks. Several tasks may be in progress at once: while one waits for its disk reads, the
// thread scores another.

import { parentPort, workerData } from 'node:worker_threads';
import { isRingvecError } from '../common/errors.js';
import { scanSegment, searchSegment } from '../segment/segment-search.js';
import { SegmentView } from '../segment/segment-view.js';
import { useSharedIoMetrics } from '../storage-io/io-metrics.js';
import type { SearchWorkerReply, SearchWorkerMessage } from './search-protocol.js';
import { ThreadSearchResources, type IoReadSettings } from './search-resources.js';

const data = workerData as { io: IoReadSettings; ioMetrics: SharedArrayBuffer };
useSharedIoMetrics(data.ioMetrics);
const resources = new ThreadSearchResources(data.io);
const views = new Map<string, { revision: number; view: SegmentView }>();

function errorReply(id: number, error: unknown): SearchWorkerReply {
  return isRingvecError(error)
    ? { id, error: error.description, code: error.code }
    : { id, error: error instanceof Error ? error.message : String(error), code: 'service' };
}

parentPort!.on('message', (message: SearchWorkerMessage) => {
  if (message.type === 'forget') {
    for (const id of message.segments) {
      const cached = views.get(id);
      if (cached) resources.closeReaders(cached.view.state.vectors.map((v) => v.file.path));
      views.delete(id);
    }
    return;
  }
  const { task } = message;
  if (task.state)
    views.set(task.segment, { revision: task.state.revision, view: new SegmentView(task.state) });
  const cached = views.get(task.segment);
  if (!cached) {
    parentPort!.postMessage({
      id: task.id,
      error: `segment ${task.segment} is unknown to this worker`,
      code: 'service',
    } satisfies SearchWorkerReply);
    return;
  }
  if (task.work.kind === 'scan') {
    try {
      const matched = scanSegment(cached.view, task.work.request);
      parentPort!.postMessage(
        { id: task.id, matched } satisfies SearchWorkerReply,
        matched instanceof Uint32Array ? [matched.buffer as ArrayBuffer] : [],
      );
    } catch (error) {
      parentPort!.postMessage(errorReply(task.id, error));
    }
    return;
  }
  searchSegment(resources, cached.view, task.work.request, task.work.fullScanThresholdKb).then(
    (result) => {
      const offsets = result.offsets.slice();
      const scores = result.scores.slice();
      parentPort!.postMessage({ id: task.id, offsets, scores } satisfies SearchWorkerReply, [
        offsets.buffer,
        scores.buffer,
      ]);
    },
    (error: unknown) => {
      const reply: SearchWorkerReply = isRingvecError(error)
        ? { id: task.id, error: error.description, code: error.code }
        : {
            id: task.id,
            error: error instanceof Error ? error.message : String(error),
            code: 'service',
          };
      parentPort!.postMessage(reply);
    },
  );
});
