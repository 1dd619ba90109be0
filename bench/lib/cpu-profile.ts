// Reads a V8 .cpuprofile (node --cpu-prof) and lists the functions with the most self time.

import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

export interface ProfileFrame {
  readonly frame: string;
  readonly selfMs: number;
  readonly selfPct: number;
}

export function topSelfFrames(path: string, count = 15): ProfileFrame[] {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const totalSamples =
    profile.samples?.length ?? profile.nodes.reduce((a, n) => a + (n.hitCount ?? 0), 0);
  const msPerSample =
    totalSamples > 0 ? (profile.endTime - profile.startTime) / 1000 / totalSamples : 0;
  const byFrame = new Map<string, number>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url
      .replace(/^file:\/\//, '')
      .replace(/^.*\/(node_modules|dist|\.tmp\/[^/]+)\//, '$1/');
    const frame =
      `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim();
    byFrame.set(frame, (byFrame.get(frame) ?? 0) + (node.hitCount ?? 0));
  }
  return [...byFrame.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([frame, hits]) => ({
      frame,
      selfMs: hits * msPerSample,
      selfPct: totalSamples > 0 ? (100 * hits) / totalSamples : 0,
    }));
}
