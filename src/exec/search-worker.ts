// Entry point of a search worker thread. It keeps a SegmentView per segment (shared buffers
// received once per revision), its own readers and io_uring ring, and answers segment search
// tasks, which arrive in one message per request (all of its segments this worker was given).
// Several tasks may be in progress at once: while one waits for its disk reads, the thread scores
// another.

import { parentPort, workerData } from 'node:worker_threads';
import { isRingvecError } from '../common/errors.js';
import { scanSegment, searchSegment } from '../segment/segment-search.js';
import { SegmentView } from '../segment/segment-view.js';
import { useSharedIoMetrics } from '../storage-io/io-metrics.js';
import type { SearchTask, SearchWorkerMessage, SearchWorkerReply } from './search-protocol.js';
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

type Answer = (reply: SearchWorkerReply, transfer: ArrayBuffer[]) => void;

/** Runs one task; `answer` is called once, synchronously for scans, when a search settles. */
function runTask(task: SearchTask, answer: Answer): void {
  if (task.state)
    views.set(task.segment, { revision: task.state.revision, view: new SegmentView(task.state) });
  const cached = views.get(task.segment);
  if (!cached) {
    answer(
      { id: task.id, error: `segment ${task.segment} is unknown to this worker`, code: 'service' },
      [],
    );
    return;
  }
  if (task.work.kind === 'scan') {
    try {
      const matched = scanSegment(cached.view, task.work.request);
      answer(
        { id: task.id, matched },
        matched instanceof Uint32Array ? [matched.buffer as ArrayBuffer] : [],
      );
    } catch (error) {
      answer(errorReply(task.id, error), []);
    }
    return;
  }
  // searchSegment is async: its errors arrive as rejections.
  searchSegment(resources, cached.view, task.work.request, task.work.fullScanThresholdKb).then(
    (result) => {
      // Copied now: the result may be a view into a pooled searcher's buffers, and the reply waits
      // for the request's other tasks. Small copies are cheaper to clone than to transfer.
      answer({ id: task.id, offsets: result.offsets.slice(), scores: result.scores.slice() }, []);
    },
    (error: unknown) => answer(errorReply(task.id, error), []),
  );
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
  // The tasks run concurrently (one's disk reads overlap another's scoring); their replies go
  // back in one message when the last one settles.
  const { tasks } = message;
  const replies = new Array<SearchWorkerReply>(tasks.length);
  const transfer: ArrayBuffer[] = [];
  let remaining = tasks.length;
  tasks.forEach((task, i) =>
    runTask(task, (reply, buffers) => {
      replies[i] = reply;
      transfer.push(...buffers);
      if (--remaining === 0) parentPort!.postMessage(replies, transfer);
    }),
  );
});
