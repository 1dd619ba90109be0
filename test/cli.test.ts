// The `ringvec` command: help texts, start-up failures, graceful shutdown.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../src/common/package-root.js';
import { http, removeDir, spawnServer, tempDir } from './helpers/test-server.js';

const bin = join(packageRoot(), 'bin', 'ringvec.js');

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [bin, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 20000,
  });
}

test('--help on the command and each subcommand', () => {
  const top = run(['--help']);
  assert.equal(top.status, 0);
  assert.match(top.stdout, /serve/);
  assert.match(top.stdout, /bench/);
  const serve = run(['serve', '--help']);
  assert.equal(serve.status, 0);
  assert.match(serve.stdout, /--config-path/);
  assert.match(serve.stdout, /RINGVEC__SECTION__KEY/);
  const bench = run(['bench', '--help']);
  assert.equal(bench.status, 0);
});

test('an invalid setting stops start-up with a message naming it', () => {
  const result = run(['serve'], {
    RINGVEC__SERVICE__HTTP_PORT: 'abc',
    RINGVEC__STORAGE__STORAGE_PATH: tempDir(),
  });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /service\.http_port = "abc"/);
});

test('SIGTERM finishes gracefully with exit 0 and flushes', async () => {
  const storage = tempDir();
  const server = await spawnServer({ RINGVEC__STORAGE__STORAGE_PATH: storage });
  const created = await http(server.url, 'PUT', '/collections/c', {
    vectors: { size: 2, distance: 'Dot' },
  });
  assert.equal(created.status, 200);
  const code = await server.stop('SIGTERM');
  assert.equal(code, 0);
  assert.match(server.output(), /stopped/);
  removeDir(storage);
});

test('without the native addon the server runs and warns once', async () => {
  const storage = tempDir();
  const server = await spawnServer({
    RINGVEC__STORAGE__STORAGE_PATH: storage,
    RINGVEC_NO_ADDON: '1',
  });
  assert.match(server.output(), /native addon not loaded \(disabled by RINGVEC_NO_ADDON=1\)/);
  assert.equal(server.output().match(/native addon not loaded/g)?.length, 1);
  const telemetry = await http(server.url, 'GET', '/telemetry');
  const app = (
    telemetry.body as {
      result: { app: { native: { loaded: boolean }; io: { on_disk_backend: string } } };
    }
  ).result.app;
  assert.equal(app.native.loaded, false);
  assert.equal(app.io.on_disk_backend, 'pread');
  await server.stop();
  removeDir(storage);
});
