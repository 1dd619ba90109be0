// `ringvec serve` as a child process for benchmarks: the same build as the benchmark (through
// ringvec-runner.js next to this file), a given storage folder, a free port on 127.0.0.1 and
// RINGVEC__… overrides. Resolves once the server logs "HTTP listening address=…" (info level, so
// the log level is forced to info). The child is killed if the benchmark exits first.

import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onExit } from './cleanup.js';

export interface BenchServerOptions {
  readonly storagePath: string;
  /** RINGVEC__… overrides, applied over the benchmark's own environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Extra node flags, e.g. ['--cpu-prof', '--cpu-prof-dir=…']. */
  readonly nodeArgs?: readonly string[];
  readonly startTimeoutMs?: number;
}

export interface BenchServer {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** The backend the server says it reads on-disk vectors with (its start-up log), or null. */
  readonly ioBackend: string | null;
  /** WARN and ERROR lines logged so far. */
  warnings(): string[];
  /** The last lines the server printed (for error messages). */
  logTail(lines?: number): string;
  /** SIGTERM (flush and close), then SIGKILL after `timeoutMs`. Resolves once it has exited. */
  stop(timeoutMs?: number): Promise<void>;
  readonly exited: Promise<number | string>;
}

const LOG_LINES_KEPT = 400;

/**
 * Runs `work` against a started server. If it fails, the server's last output goes to stderr
 * (the benchmark's error alone rarely says why); either way `client` is closed and the server
 * stopped before this settles.
 */
export async function withBenchServer<T>(
  server: BenchServer,
  client: { close(): void },
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    process.stderr.write(`server output (last lines):\n${server.logTail(20)}\n`);
    throw error;
  } finally {
    client.close();
    await server.stop();
  }
}

export function ringvecRunnerPath(): string {
  return fileURLToPath(new URL('./ringvec-runner.js', import.meta.url));
}

export async function startBenchServer(options: BenchServerOptions): Promise<BenchServer> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined) env[key] = value;
  }
  Object.assign(env, {
    RINGVEC__STORAGE__STORAGE_PATH: options.storagePath,
    RINGVEC__STORAGE__SNAPSHOTS_PATH: join(options.storagePath, '.snapshots'),
    RINGVEC__SERVICE__HTTP_PORT: '0',
    RINGVEC__SERVICE__HOST: '127.0.0.1',
    RINGVEC__LOGGER__FORMAT: 'text',
    ...options.env,
    RINGVEC__LOG_LEVEL: 'info',
  });
  const child: ChildProcess = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), ringvecRunnerPath(), 'serve'],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const unregister = onExit(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const lines: string[] = [];
  const warnings: string[] = [];
  let partial = '';
  let port: number | null = null;
  let ioBackend: string | null = null;
  let onListening: (() => void) | undefined;
  const consume = (chunk: Buffer): void => {
    partial += chunk.toString('utf8');
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      if (lines.length > LOG_LINES_KEPT) lines.shift();
      if (/\b(WARN|ERROR|FATAL)\b/.test(line)) warnings.push(line);
      const backend = /read with this backend.*\bbackend=(\S+)/.exec(line);
      if (backend !== null) ioBackend = backend[1]!;
      const listening = /HTTP listening address=http:\/\/[^\s]+:(\d+)/.exec(line);
      if (listening !== null && port === null) {
        port = Number(listening[1]);
        onListening?.();
      }
    }
  };
  child.stdout!.on('data', consume);
  child.stderr!.on('data', consume);
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => {
      unregister();
      resolve(code ?? signal ?? 'unknown');
    }),
  );
  const logTail = (count = 40): string => [...lines, partial].slice(-count).join('\n');
  const timeoutMs = options.startTimeoutMs ?? 120_000;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `ringvec serve did not log "HTTP listening" within ${timeoutMs / 1000} s; last output:\n${logTail()}`,
        ),
      );
    }, timeoutMs);
    onListening = () => {
      clearTimeout(timer);
      resolve();
    };
    void exited.then((code) => {
      clearTimeout(timer);
      reject(
        new Error(`ringvec serve exited (${code}) before listening; last output:\n${logTail()}`),
      );
    });
  });
  const listeningPort = port as number | null;
  if (listeningPort === null) throw new Error('unreachable: listening without a port');
  return {
    url: `http://127.0.0.1:${listeningPort}`,
    port: listeningPort,
    pid: child.pid!,
    get ioBackend() {
      return ioBackend;
    },
    warnings: () => [...warnings],
    logTail,
    exited,
    async stop(stopTimeoutMs = 300_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const killed = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          process.stderr.write(
            `ringvec serve (pid ${child.pid}) did not stop within ${stopTimeoutMs / 1000} s of SIGTERM; killing it\n`,
          );
          child.kill('SIGKILL');
          resolve();
        }, stopTimeoutMs);
      });
      await Promise.race([exited, killed]);
      clearTimeout(timer);
      await exited;
    },
  };
}
