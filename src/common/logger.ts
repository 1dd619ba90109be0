// Structured logging: one line per event, through pino. `text` format (the default, for people)
// prints "time LEVEL component: message key=value …"; `json` prints pino's JSON lines (for log
// collectors). Every module logs through `logger()` or a child of it; the server configures it once.

import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';
export type LogFormat = 'text' | 'json';

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
const OMIT = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'component']);

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /\s/.test(value) ? JSON.stringify(value) : value;
  if (value instanceof Object) return JSON.stringify(value);
  return String(value);
}

/** A pino destination that rewrites each JSON line into one human-readable line. */
function textDestination(out: NodeJS.WritableStream): { write(line: string): void } {
  return {
    write(line: string) {
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        out.write(line);
        return;
      }
      const time = new Date(Number(record.time ?? Date.now())).toISOString();
      const level = LEVEL_NAMES[Number(record.level)] ?? String(record.level);
      const component = typeof record.component === 'string' ? `${record.component}: ` : '';
      let text = `${time} ${level.padEnd(5)} ${component}${String(record.msg ?? '')}`;
      for (const [key, value] of Object.entries(record)) {
        if (OMIT.has(key) || value === undefined) continue;
        if (key === 'err' && value instanceof Object && 'stack' in value) {
          text += `\n${String((value as { stack: unknown }).stack)}`;
          continue;
        }
        text += ` ${key}=${formatValue(value)}`;
      }
      out.write(text + '\n');
    },
  };
}

function create(level: LevelWithSilent, format: LogFormat): Logger {
  const options = { level, base: null, messageKey: 'msg' };
  if (format === 'json') return pino(options, pino.destination({ dest: 1, sync: true }));
  return pino(options, textDestination(process.stdout));
}

let root: Logger = create(
  (process.env.RINGVEC_LOG_LEVEL as LevelWithSilent | undefined) ?? 'info',
  'text',
);

/** Reconfigures the process-wide logger (level names as in Qdrant's log_level, any case). */
export function configureLogger(level: string, format: LogFormat): Logger {
  const normalized = level.toLowerCase();
  root = create(normalized === 'off' ? 'silent' : (normalized as LevelWithSilent), format);
  return root;
}

/** The process-wide logger, or a child for one component ("wal", "optimizer", …). */
export function logger(component?: string): Logger {
  return component === undefined ? root : root.child({ component });
}
