// A closed-loop load generator: `concurrency` workers, each sending its next request as soon as
// the previous one is answered (like `xargs -P N curl`), over keep-alive sockets. Latency is from
// send to the last byte of the answer.

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
  const worker = async (): Promise<void> => {
    while (next < bodies.length && errors < maxErrors) {
      const body = bodies[next++]!;
      const t0 = performance.now();
      try {
        const response = await client.request(options.method, options.path, body);
        const ms = performance.now() - t0;
        if (response.status === 200 && response.text.includes('"status":"ok"')) {
          latenciesMs.push(ms);
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
