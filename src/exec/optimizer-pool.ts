// The optimizer's worker threads: up to `threads` jobs run at once, the rest wait in order.
// A worker that dies fails the job it held (with a service error) and is replaced.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { RingvecError } from '../common/errors.js';
import { logger } from '../common/logger.js';
import type { PerformanceSettings } from '../common/settings.js';
import { ioMetrics } from '../storage-io/io-metrics.js';
import type {
  FromWorker,
  OptimizerProgress,
  OptimizerResult,
  OptimizerTask,
  ToWorker,
} from './optimizer-tasks.js';
import type { IoReadSettings } from './search-resources.js';

interface Job {
  id: number;
  task: OptimizerTask;
  onProgress: (progress: OptimizerProgress) => void;
  resolve: (result: OptimizerResult) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  job: Job | null;
}

/** Qdrant's optimizer_cpu_budget: 0 = auto (leave a core to search when there is more than one). */
export function optimizerThreads(
  performance: PerformanceSettings,
  maxOptimizationThreads: number | null,
): number {
  const cores = availableParallelism();
  const budget = performance.optimizer_cpu_budget;
  let threads = budget > 0 ? budget : budget < 0 ? cores + budget : Math.max(1, cores - 1);
  if (maxOptimizationThreads !== null) threads = Math.min(threads, maxOptimizationThreads);
  return Math.max(0, threads);
}

export interface OptimizerRunner {
  readonly threads: number;
  run(
    task: OptimizerTask,
    onProgress: (progress: OptimizerProgress) => void,
  ): Promise<OptimizerResult>;
  close(): Promise<void>;
}

export class OptimizerPool implements OptimizerRunner {
  readonly threads: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  private readonly log = logger('optimizer');

  constructor(
    threads: number,
    private readonly io: IoReadSettings,
    private readonly nice = 10,
  ) {
    this.threads = threads;
  }

  private spawn(): Slot {
    const worker = new Worker(new URL('./optimizer-worker.js', import.meta.url), {
      workerData: { io: this.io, ioMetrics: ioMetrics().buffer, nice: this.nice },
    });
    worker.unref();
    const slot: Slot = { worker, job: null };
    worker.on('message', (message: FromWorker) => {
      const job = slot.job;
      if (!job || job.id !== message.id) return;
      if ('progress' in message) {
        job.onProgress(message.progress);
        return;
      }
      slot.job = null;
      if ('result' in message) job.resolve(message.result);
      else {
        const error = new RingvecError('service', `optimization failed: ${message.error.message}`);
        if (message.error.stack) error.stack = message.error.stack;
        job.reject(error);
      }
      this.dispatch();
    });
    worker.on('error', (error) => this.log.error({ err: error }, 'optimizer worker crashed'));
    worker.on('exit', (code) => {
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots.splice(index, 1);
      if (slot.job) {
        slot.job.reject(
          new RingvecError('service', `optimizer worker exited (code ${code}) during a job`),
        );
        slot.job = null;
      }
      if (!this.closed) this.dispatch();
    });
    this.slots.push(slot);
    return slot;
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => s.job === null);
      if (!slot && this.slots.length < this.threads) slot = this.spawn();
      if (!slot) return;
      const job = this.queue.shift()!;
      slot.job = job;
      slot.worker.ref();
      slot.worker.postMessage({ id: job.id, task: job.task } satisfies ToWorker);
    }
    for (const slot of this.slots) if (slot.job === null) slot.worker.unref();
  }

  run(
    task: OptimizerTask,
    onProgress: (progress: OptimizerProgress) => void,
  ): Promise<OptimizerResult> {
    if (this.closed)
      return Promise.reject(new RingvecError('unavailable', 'optimizer is shut down'));
    if (this.threads === 0)
      return Promise.reject(
        new RingvecError(
          'bad_request',
          'optimizations are disabled (max_optimization_threads = 0)',
        ),
      );
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, task, onProgress, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0))
      job.reject(new RingvecError('unavailable', 'optimizer is shut down'));
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
    this.slots.length = 0;
  }
}
