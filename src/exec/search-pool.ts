// Search worker threads (storage.performance.max_search_threads, 0 = one per core). Each
// segment of a request becomes one task, given to the least busy worker, so a request's segments
// are searched in parallel and batch requests spread over all workers; a worker receives all of
// its tasks of one request in one message. Shared buffers are posted to a worker once per segment
// revision. A worker that dies fails its in-flight tasks with a service error and is replaced;
// the server keeps serving.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { RingvecError, type ErrorCode } from '../common/errors.js';
import { logger } from '../common/logger.js';
import type {
  FacetCounts,
  SegmentScanRequest,
  SegmentSearchRequest,
  SegmentSearchResult,
} from '../segment/segment-search.js';
import type { SegmentView } from '../segment/segment-view.js';
import { ioMetrics } from '../storage-io/io-metrics.js';
import type { SearchExecutor } from './search-executor.js';
import type { SearchTask, SearchWorkerMessage, SearchWorkerReply } from './search-protocol.js';
import type { IoReadSettings } from './search-resources.js';

interface Pending {
  resolve(result: SegmentSearchResult | Uint32Array | number | FacetCounts): void;
  reject(error: Error): void;
}

interface SearchWorker {
  worker: Worker;
  inFlight: Map<number, Pending>;
  /** Segment id → revision this worker has received. */
  known: Map<string, number>;
}

export function searchThreads(maxSearchThreads: number): number {
  return maxSearchThreads > 0 ? maxSearchThreads : availableParallelism();
}

export class SearchPool implements SearchExecutor {
  private readonly workers: SearchWorker[] = [];
  private nextId = 1;
  private closed = false;
  private readonly log = logger('search-pool');

  constructor(
    readonly threads: number,
    private readonly io: IoReadSettings,
  ) {
    for (let i = 0; i < threads; i++) this.workers.push(this.spawn());
  }

  private spawn(): SearchWorker {
    const worker = new Worker(new URL('./search-worker.js', import.meta.url), {
      workerData: { io: this.io, ioMetrics: ioMetrics().buffer },
    });
    worker.unref();
    const entry: SearchWorker = { worker, inFlight: new Map(), known: new Map() };
    worker.on('message', (replies: SearchWorkerReply[]) => {
      for (const reply of replies) {
        const pending = entry.inFlight.get(reply.id);
        if (!pending) continue;
        entry.inFlight.delete(reply.id);
        if ('error' in reply) {
          pending.reject(new RingvecError(reply.code as ErrorCode, reply.error));
        } else if ('matched' in reply) {
          pending.resolve(reply.matched);
        } else {
          pending.resolve({ offsets: reply.offsets, scores: reply.scores });
        }
      }
      if (entry.inFlight.size === 0) worker.unref();
    });
    worker.on('error', (error) => this.log.error({ err: error }, 'search worker crashed'));
    worker.on('exit', (code) => {
      const index = this.workers.indexOf(entry);
      for (const pending of entry.inFlight.values()) {
        pending.reject(
          new RingvecError('service', `search worker exited (code ${code}) during the request`),
        );
      }
      entry.inFlight.clear();
      if (index >= 0 && !this.closed) {
        this.log.warn({ code }, 'search worker exited; starting a replacement');
        this.workers[index] = this.spawn();
      }
    });
    return entry;
  }

  private leastBusy(): SearchWorker {
    let best = this.workers[0]!;
    for (const w of this.workers) if (w.inFlight.size < best.inFlight.size) best = w;
    return best;
  }

  /**
   * One task per segment, each given to the least busy worker (counting the tasks given so far),
   * then one message per worker with all of its tasks.
   */
  private dispatch<T extends SegmentSearchResult | Uint32Array | number | FacetCounts>(
    views: readonly SegmentView[],
    work: SearchTask['work'],
  ): Promise<T[]> {
    if (this.closed)
      return Promise.reject(new RingvecError('unavailable', 'search pool is shut down'));
    const batches = new Map<SearchWorker, SearchTask[]>();
    const results = views.map((view) => {
      const target = this.leastBusy();
      const id = this.nextId++;
      const state = view.state;
      const task: SearchTask = { id, segment: state.id, work };
      if (target.known.get(state.id) !== state.revision) {
        task.state = state;
        target.known.set(state.id, state.revision);
      }
      const batch = batches.get(target);
      if (batch) batch.push(task);
      else batches.set(target, [task]);
      return new Promise<T>((resolve, reject) => {
        target.inFlight.set(id, { resolve: resolve as Pending['resolve'], reject });
      });
    });
    for (const [target, tasks] of batches) {
      target.worker.ref();
      target.worker.postMessage({ type: 'tasks', tasks } satisfies SearchWorkerMessage);
    }
    return Promise.all(results);
  }

  search(
    segments: readonly SegmentView[],
    request: SegmentSearchRequest,
    fullScanThresholdKb: number,
  ): Promise<SegmentSearchResult[]> {
    return this.dispatch<SegmentSearchResult>(segments, {
      kind: 'search',
      request,
      fullScanThresholdKb,
    });
  }

  scan(
    segments: readonly SegmentView[],
    request: SegmentScanRequest,
  ): Promise<(Uint32Array | number | FacetCounts)[]> {
    return this.dispatch<Uint32Array | number | FacetCounts>(segments, { kind: 'scan', request });
  }

  forget(segments: readonly SegmentView[]): void {
    const ids = segments.map((s) => s.state.id);
    for (const w of this.workers) {
      for (const id of ids) w.known.delete(id);
      w.worker.postMessage({ type: 'forget', segments: ids } satisfies SearchWorkerMessage);
    }
  }

  /** For tests: terminates one worker as if it had crashed. */
  crashWorkerForTesting(index = 0): void {
    void this.workers[index]?.worker.terminate();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}
