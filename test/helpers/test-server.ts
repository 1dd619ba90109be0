// Starts real ringvec servers for black-box tests: in-process (fast, for API tests) or as a
// child process (for signals, kill -9 and start-up behaviour). Each gets a fresh storage folder
// and a free port.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/common/package-root.js';
import { loadConfig } from '../../src/server/load-config.js';
import { startServer, type RunningServer } from '../../src/server/server.js';

const madeDirs: string[] = [];

/**
 * A fresh folder under the system's temporary directory. Every folder made here is removed when
 * the test process exits (each test file runs in its own process), whoever used it.
 */
export function tempDir(prefix = 'ringvec-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (madeDirs.length === 0) {
    process.on('exit', () => {
      for (const made of madeDirs) {
        try {
          rmSync(made, { recursive: true, force: true });
        } catch {
          // e.g. still a mount point: leave it
        }
      }
    });
  }
  madeDirs.push(dir);
  return dir;
}

export interface TestServer {
  url: string;
  port: number;
  storagePath: string;
  server: RunningServer;
  close(): Promise<void>;
}

/** An in-process server. `env` holds RINGVEC__… overrides (the process environment is ignored). */
export async function startTestServer(
  options: { env?: Record<string, string>; storagePath?: string; configPath?: string } = {},
): Promise<TestServer> {
  // A folder made here is removed on close; one passed in belongs to the caller.
  const owned = options.storagePath === undefined;
  const storagePath = options.storagePath ?? tempDir();
  const snapshotsPath = join(storagePath, '..', 'snapshots-' + storagePath.split('/').pop());
  const config = loadConfig({
    configPath: options.configPath,
    env: {
      RINGVEC__STORAGE__STORAGE_PATH: storagePath,
      RINGVEC__STORAGE__SNAPSHOTS_PATH: snapshotsPath,
      RINGVEC__SERVICE__HTTP_PORT: '0',
      RINGVEC__SERVICE__HOST: '127.0.0.1',
      RINGVEC__LOG_LEVEL: 'error',
      ...options.env,
    },
  });
  const server = await startServer(config);
  return {
    url: server.url,
    port: server.port,
    storagePath,
    server,
    close: async () => {
      await server.close();
      if (owned) {
        removeDir(storagePath);
        removeDir(snapshotsPath);
      }
    },
  };
}

export interface ChildServer {
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything the process printed so far. */
  output(): string;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** `ringvec serve` in a child process; resolves once it listens. */
export async function spawnServer(
  env: Record<string, string>,
  args: string[] = [],
  timeoutMs = 20000,
): Promise<ChildServer> {
  const child = spawn(
    process.execPath,
    [join(packageRoot(), 'bin', 'ringvec.js'), 'serve', ...args],
    {
      env: {
        PATH: process.env.PATH ?? '',
        RINGVEC__SERVICE__HTTP_PORT: '0',
        RINGVEC__SERVICE__HOST: '127.0.0.1',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server did not start:\n${output}`)),
      timeoutMs,
    );
    const poll = setInterval(() => {
      const match = /HTTP listening address=http:\/\/[^:]+:(\d+)/.exec(output);
      if (match) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    }, 20);
    void exited.then((code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before listening:\n${output}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    child,
    output: () => output,
    exited,
    stop: (signal = 'SIGTERM') => {
      child.kill(signal);
      return exited;
    },
  };
}

export function removeDir(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

export interface HttpResult {
  status: number;
  body: unknown;
  text: string;
  headers: Headers;
}

/** A JSON request; the body may be an object (stringified) or raw text. */
export async function http(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const response = await fetch(base + path, init);
  const text = await response.text();
  let parsed: unknown = undefined;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, body: parsed, text, headers: response.headers };
}
