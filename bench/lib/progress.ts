// Progress bars (cli-progress) on a terminal; on anything else (CI logs, pipes) one line when a
// step starts and one when it ends, so logs stay readable.

import { Presets, SingleBar } from 'cli-progress';

export interface Progress {
  /** Sets the current value and, optionally, the status text after the bar. */
  update(value: number, status?: string): void;
  setTotal(total: number): void;
  /** Ends the bar; `summary` is printed on its own line. */
  stop(summary?: string): void;
}

let enabled = true;

/** Turns bars off (--no-progress); start and end lines are still printed. */
export function setProgressEnabled(on: boolean): void {
  enabled = on;
}

export function startProgress(label: string, total: number, status = ''): Progress {
  const tty = enabled && process.stderr.isTTY === true;
  if (!tty) {
    process.stderr.write(`${label} …\n`);
    return {
      update: () => undefined,
      setTotal: () => undefined,
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
