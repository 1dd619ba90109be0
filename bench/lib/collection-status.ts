// Polling a collection until the background optimizer is done (Qdrant's status "green"), with
// progress from GET /collections/{name}: points_count, indexed_vectors_count, status and
// ringvec's own `ringvec.optimization` field when the server fills it. Every wait has a timeout
// that says what the collection looked like when it gave up.

import type { HttpJson } from './http-json.js';

export interface CollectionInfo {
  readonly status: string;
  readonly optimizer_status: unknown;
  readonly points_count: number;
  readonly indexed_vectors_count: number;
  readonly segments_count: number;
  readonly ringvec?: {
    readonly optimization?: unknown;
    readonly vectors?: readonly { readonly name: string; readonly io_backend?: string }[];
  };
}

export async function collectionInfo(client: HttpJson, name: string): Promise<CollectionInfo> {
  return client.ok<CollectionInfo>('GET', `/collections/${encodeURIComponent(name)}`);
}

/** A short text for `ringvec.optimization` (whatever shape the server gives it). */
export function describeOptimization(optimization: unknown): string {
  if (optimization === null || optimization === undefined) return '';
  if (typeof optimization !== 'object') return String(optimization);
  const o = optimization as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of ['kind', 'name', 'stage', 'phase', 'status']) {
    if (typeof o[key] === 'string') parts.push(o[key]);
  }
  const done = o['done'] ?? o['processed'] ?? o['current'];
  const total = o['total'];
  if (typeof done === 'number' && typeof total === 'number') parts.push(`${done}/${total}`);
  else if (typeof o['progress'] === 'number')
    parts.push(`${Math.round(Number(o['progress']) * 100)}%`);
  const text = parts.length > 0 ? parts.join(' ') : JSON.stringify(optimization);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

export function describeInfo(info: CollectionInfo): string {
  const optimization = describeOptimization(info.ringvec?.optimization);
  return `status=${info.status} points=${info.points_count} indexed=${info.indexed_vectors_count}${optimization ? ` optimizing: ${optimization}` : ''}`;
}

function optimizerError(info: CollectionInfo): string | null {
  const s = info.optimizer_status;
  if (s === 'ok' || s === undefined || s === null) return null;
  if (typeof s === 'object' && s !== null && 'error' in s)
    return String((s as { error: unknown }).error);
  return JSON.stringify(s);
}

function isIdle(info: CollectionInfo): boolean {
  const optimization = info.ringvec?.optimization;
  return info.status === 'green' && (optimization === null || optimization === undefined);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface WaitOptions {
  readonly expectedPoints: number;
  readonly timeoutMs: number;
  readonly pollMs?: number;
  readonly onPoll?: (info: CollectionInfo) => void;
}

/**
 * Waits until the collection holds `expectedPoints` points and is idle (green, no optimization
 * running) in two polls in a row — one green poll can come before the optimizer has started.
 */
export async function waitUntilReady(
  client: HttpJson,
  name: string,
  options: WaitOptions,
): Promise<{ info: CollectionInfo; seconds: number }> {
  const start = performance.now();
  const pollMs = options.pollMs ?? 500;
  let idlePolls = 0;
  for (;;) {
    const info = await collectionInfo(client, name);
    options.onPoll?.(info);
    const error = optimizerError(info);
    if (error !== null) throw new Error(`collection ${name}: the optimizer failed: ${error}`);
    idlePolls = isIdle(info) && info.points_count >= options.expectedPoints ? idlePolls + 1 : 0;
    if (idlePolls >= 2) return { info, seconds: (performance.now() - start) / 1000 };
    if (performance.now() - start > options.timeoutMs) {
      const hint =
        info.status === 'grey'
          ? ' (grey: optimizations are pending but were not started; an update triggers them)'
          : info.points_count < options.expectedPoints
            ? ` (expected ${options.expectedPoints} points)`
            : '';
      throw new Error(
        `collection ${name} not ready after ${Math.round(options.timeoutMs / 1000)} s: ${describeInfo(info)}${hint}. Raise --ready-timeout to wait longer.`,
      );
    }
    await sleep(pollMs);
  }
}

export interface OptimizationWait {
  /** Seconds from the request to the collection being idle again, or null if nothing ran. */
  readonly seconds: number | null;
  /** How the optimization was seen: status/optimization field, changed files, or not at all. */
  readonly evidence: 'status' | 'files' | 'none';
  readonly samples: readonly {
    readonly t: number;
    readonly status: string;
    readonly optimization: unknown;
  }[];
}

/**
 * After a change that should start an optimization (a PATCH of quantization_config): waits up
 * to `startGraceMs` for it to show (status not green, `ringvec.optimization` set, or
 * `filesChanged()` true), then until the collection is idle. `seconds` counts from `startedAt`.
 */
export async function waitForOptimization(
  client: HttpJson,
  name: string,
  options: {
    readonly startedAt: number;
    readonly startGraceMs: number;
    readonly timeoutMs: number;
    readonly filesChanged: () => boolean;
    readonly onPoll?: (info: CollectionInfo) => void;
  },
): Promise<OptimizationWait> {
  const samples: { t: number; status: string; optimization: unknown }[] = [];
  let evidence: OptimizationWait['evidence'] = 'none';
  for (;;) {
    const info = await collectionInfo(client, name);
    const t = (performance.now() - options.startedAt) / 1000;
    options.onPoll?.(info);
    if (samples.length < 2000) {
      samples.push({ t, status: info.status, optimization: info.ringvec?.optimization ?? null });
    }
    const error = optimizerError(info);
    if (error !== null) throw new Error(`collection ${name}: the optimizer failed: ${error}`);
    const idle = isIdle(info);
    if (!idle) evidence = 'status';
    if (idle) {
      if (evidence === 'status') return { seconds: t, evidence, samples };
      if (options.filesChanged()) return { seconds: t, evidence: 'files', samples };
      if (t * 1000 > options.startGraceMs) return { seconds: null, evidence: 'none', samples };
    }
    if (t * 1000 > options.timeoutMs) {
      throw new Error(
        `collection ${name} still optimizing after ${Math.round(options.timeoutMs / 1000)} s: ${describeInfo(info)}. Raise --ready-timeout to wait longer.`,
      );
    }
    await sleep(100);
  }
}
