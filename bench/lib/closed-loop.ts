// A closed-loop load generator: `concurrency` workers, each sending its next request as soon as
// the previous one is answered (like `xargs -P N curl`), over keep-alive sockets. Latency is from
// send to the last byte of the answer.
//
// By default every body is sent once. With `durationMs` or `stop` the workers cycle through the
// bodies until the time is up or `stop()` says so (a fixed-duration run, or a run that lasts as
// long as something else, e.g. a background index rebuild); `onLatency` sees every answer with
// its send time, so a caller can cut the run into windows.

import { qdrantErrorMessage, type HttpJson } from './http-json.js';

export interface LoadResult {
  readonly requests: number;
  readonly latenciesMs: number[];
  readonly wallSeconds: number;
  readonly errors: number;
  readonly firstError: string | null;
}

export interface LoadOptions {
  readonly client: HttpJson;
  readonly method: string;
  readonly path: string;
  readonly bodies: readonly string[];
  readonly concurrency: number;
  readonly onProgress?: (done: number) => void;
  /** Stop early after this many failed requests (default: never). */
  readonly maxErrors?: number;
  /** Cycle through `bodies` until this many ms have passed since the start. */
  readonly durationMs?: number;
  /** Cycle through `bodies` until this returns true (checked before each request). */
  readonly stop?: () => boolean;
  /** Every successful answer: when it was sent (performance.now()) and its latency. */
  readonly onLatency?: (sentAtMs: number, latencyMs: number) => void;
}

export async function closedLoop(options: LoadOptions): Promise<LoadResult> {
  const { client, bodies } = options;
  const latenciesMs: number[] = [];
  let next = 0;
  let done = 0;
  let errors = 0;
  let firstError: string | null = null;
  const maxErrors = options.maxErrors ?? Number.POSITIVE_INFINITY;
  const start = performance.now();
  const cycling = options.durationMs !== undefined || options.stop !== undefined;
  const deadline =
    options.durationMs === undefined ? Number.POSITIVE_INFINITY : start + options.durationMs;
  const more = (): boolean => {
    if (errors >= maxErrors || bodies.length === 0) return false;
    if (!cycling) return next < bodies.length;
    return performance.now() < deadline && options.stop?.() !== true;
  };
  const worker = async (): Promise<void> => {
    while (more()) {
      const body = bodies[next++ % bodies.length]!;
      const t0 = performance.now();
      try {
        const response = await client.request(options.method, options.path, body);
        const ms = performance.now() - t0;
        if (response.status === 200 && response.text.includes('"status":"ok"')) {
          latenciesMs.push(ms);
          options.onLatency?.(t0, ms);
        } else {
          errors++;
          firstError ??= `${response.status}: ${qdrantErrorMessage(response.text)}`;
        }
      } catch (error) {
        errors++;
        firstError ??= (error as Error).message;
      }
      done++;
      options.onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  return {
    requests: done,
    latenciesMs,
    wallSeconds: (performance.now() - start) / 1000,
    errors,
    firstError,
  };
}
