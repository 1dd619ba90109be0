// Progress bars (cli-progress) on a terminal; on anything else (CI logs, pipes, nohup) a line
// when a step starts, one every 30 s while it runs, and one when it ends, so logs stay readable.

import { Presets, SingleBar } from 'cli-progress';

export interface Progress {
  /** Sets the current value and, optionally, the status text after the bar. */
  update(value: number, status?: string): void;
  setTotal(total: number): void;
  /** Ends the bar; `summary` is printed on its own line. */
  stop(summary?: string): void;
}

const LOG_EVERY_MS = 30_000;

let enabled = true;

/** Turns bars off (--no-progress); start and end lines are still printed. */
export function setProgressEnabled(on: boolean): void {
  enabled = on;
}

export function startProgress(label: string, total: number, status = ''): Progress {
  const tty = enabled && process.stderr.isTTY === true;
  if (!tty) {
    process.stderr.write(`${label} …\n`);
    let lastLine = performance.now();
    let max = total;
    return {
      update: (value, text) => {
        if (performance.now() - lastLine < LOG_EVERY_MS) return;
        lastLine = performance.now();
        process.stderr.write(`${label}: ${value}/${max}${text ? ` ${text}` : ''}\n`);
      },
      setTotal: (t) => {
        max = t;
      },
      stop: (summary) => {
        if (summary !== undefined) process.stderr.write(`${label}: ${summary}\n`);
      },
    };
  }
  const bar = new SingleBar(
    {
      format: `${label.padEnd(28)} {bar} {percentage}% | {value}/{total} | {status}`,
      hideCursor: true,
      barsize: 24,
      etaBuffer: 50,
    },
    Presets.shades_classic,
  );
  bar.start(total, 0, { status });
  return {
    update: (value, text) => bar.update(value, text === undefined ? {} : { status: text }),
    setTotal: (t) => bar.setTotal(t),
    stop: (summary) => {
      bar.stop();
      if (summary !== undefined) process.stderr.write(`${label}: ${summary}\n`);
    },
  };
}
