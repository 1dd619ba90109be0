// One measured run of the HTTP load benchmarks (bench/search-http.ts, bench/concurrency.ts,
// bench/article.ts): a closed-loop load (closed-loop.ts) behind a progress bar, for a fixed time
// or a fixed number of requests, with what it cost the machine around it: CPU of the server, of
// this load generator and of everything else, and reads of a disk (sys-stats.ts's CostMeter),
// and on request the server's CPU by thread. Summarised as answered requests/s and latency
// percentiles.

import { closedLoop } from './closed-loop.js';
import type { HttpJson } from './http-json.js';
import { startProgress } from './progress.js';
import { summarizeLatencies, type LatencySummary } from './stats.js';
import {
  CostMeter,
  ThreadCpuMeter,
  type BlockDevice,
  type RunCost,
  type ThreadCpu,
} from './sys-stats.js';
import { fixed } from './table.js';

/** What a measured run reports; the benchmarks' rows extend it. */
export interface MeteredRun {
  /** Answered requests (status ok). */
  readonly ok: number;
  readonly errors: number;
  readonly firstError: string | null;
  readonly wallSeconds: number;
  /** Answered requests per second of wall time. */
  readonly requestsPerSecond: number;
  readonly latency: LatencySummary;
  readonly cost: RunCost;
}

export interface MeteredLoadOptions {
  readonly client: HttpJson;
  /** The server process, whose CPU is the cost's "server" share. */
  readonly serverPid: number;
  /** The disk whose reads the cost counts (none when absent). */
  readonly device?: BlockDevice | null;
  readonly path: string;
  readonly bodies: readonly string[];
  readonly concurrency: number;
  readonly label: string;
  /** How long the run lasts; ignored when `requests` is set. */
  readonly durationSeconds: number;
  /** Send exactly this many requests (cycling through `bodies`) instead of running for a time. */
  readonly requests?: number | undefined;
  /** The run stops after this many failed requests (default 100). */
  readonly maxErrors?: number;
  /** Also meter the server by thread: its main thread, this many busiest others, the rest. */
  readonly busiestThreads?: number;
  /** The cost part of the progress bar's closing line (e.g. `other CPU 3 %`, `38,118 IOPS`). */
  readonly costText: (cost: RunCost) => string;
}

export async function meteredLoad(options: MeteredLoadOptions): Promise<{
  /** Requests sent, answered or not. */
  requests: number;
  run: MeteredRun;
  /** The server's CPU by thread; null without `busiestThreads`. */
  threadCpu: ThreadCpu | null;
}> {
  const { requests, durationSeconds } = options;
  const byCount = requests !== undefined;
  const bar = startProgress(options.label, byCount ? requests : Math.round(durationSeconds * 10));
  const meter = new CostMeter(options.device ?? null, options.serverPid);
  const threadMeter =
    options.busiestThreads === undefined
      ? null
      : new ThreadCpuMeter(options.serverPid, options.busiestThreads);
  const start = performance.now();
  let lastUpdate = 0;
  const result = await closedLoop({
    client: options.client,
    method: 'POST',
    path: options.path,
    bodies: byCount
      ? Array.from({ length: requests }, (_, i) => options.bodies[i % options.bodies.length]!)
      : options.bodies,
    concurrency: options.concurrency,
    ...(byCount ? {} : { durationMs: durationSeconds * 1000 }),
    maxErrors: options.maxErrors ?? 100,
    onProgress: (done) => {
      const now = performance.now();
      if (now - lastUpdate < 100) return;
      lastUpdate = now;
      const rate = `${fixed(done / ((now - start) / 1000))} req/s`;
      bar.update(byCount ? done : Math.round((now - start) / 100), rate);
    },
  });
  const cost = meter.stop();
  const threadCpu = threadMeter?.stop() ?? null;
  const requestsPerSecond = result.latenciesMs.length / result.wallSeconds;
  const latency = summarizeLatencies(result.latenciesMs);
  bar.stop(
    `${fixed(requestsPerSecond)} req/s, p50 ${fixed(latency.p50Ms, 2)} ms, p99 ${fixed(latency.p99Ms, 2)} ms, ${options.costText(cost)}${result.errors > 0 ? `, ${result.errors} errors (${result.firstError ?? ''})` : ''}`,
  );
  return {
    requests: result.requests,
    run: {
      ok: result.latenciesMs.length,
      errors: result.errors,
      firstError: result.firstError,
      wallSeconds: result.wallSeconds,
      requestsPerSecond,
      latency,
      cost,
    },
    threadCpu,
  };
}
