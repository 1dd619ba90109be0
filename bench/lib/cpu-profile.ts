// Reads a V8 .cpuprofile (node --cpu-prof) and lists the functions with the most self time,
// optionally only over a time window. V8 stamps samples in µs of the monotonic clock, the same
// clock as process.hrtime() in any process on the machine, so a benchmark can cut the server's
// profile to the part it measured.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The main thread's profile of a server process in `dir` (node --cpu-prof writes one file per
 * thread, named with the pid; the main thread's is the largest), written since `sinceMs`.
 */
export function findServerProfile(dir: string, pid: number, sinceMs: number): string | undefined {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile') && f.includes(`.${pid}.`))
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).mtimeMs >= sinceMs)
    .sort((a, b) => statSync(b).size - statSync(a).size)[0];
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileFrame {
  readonly frame: string;
  readonly selfMs: number;
  /** Share of the busy (non-idle) samples in the window. */
  readonly selfPct: number;
}

export interface ProfileSummary {
  readonly windowMs: number;
  /** Share of the window the thread was busy (not "(idle)"). */
  readonly busyPct: number;
  readonly top: readonly ProfileFrame[];
}

/** Microseconds of the monotonic clock, comparable with .cpuprofile timestamps. */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export function summarizeProfile(
  path: string,
  count = 15,
  window?: { readonly startUs: number; readonly endUs: number },
): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const frames = new Map<number, string>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url
      .replace(/^file:\/\//, '')
      .replace(/^.*\/(node_modules|dist|\.tmp\/[^/]+)\//, '$1/');
    frames.set(
      node.id,
      `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim(),
    );
  }
  const startUs = window?.startUs ?? profile.startTime;
  const endUs = window?.endUs ?? profile.endTime;
  const byFrame = new Map<string, number>();
  let t = profile.startTime;
  let busyUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    if (t < startUs || t > endUs) continue;
    // A sample stands for the time until the next one.
    const next = profile.timeDeltas[i + 1] ?? 0;
    const frame = frames.get(profile.samples[i]!) ?? '?';
    if (frame.startsWith('(idle)')) continue;
    busyUs += next;
    byFrame.set(frame, (byFrame.get(frame) ?? 0) + next);
  }
  const windowUs = Math.max(
    1,
    Math.min(endUs, profile.endTime) - Math.max(startUs, profile.startTime),
  );
  return {
    windowMs: windowUs / 1000,
    busyPct: (100 * busyUs) / windowUs,
    top: [...byFrame.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([frame, us]) => ({
        frame,
        selfMs: us / 1000,
        selfPct: busyUs > 0 ? (100 * us) / busyUs : 0,
      })),
  };
}
