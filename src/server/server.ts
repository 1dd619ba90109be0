// Starts ringvec: configuration → logger → addon and io_uring checks → engine → HTTP. Returns a
// handle whose close() stops accepting requests, lets in-flight ones finish, flushes every
// collection and releases files (graceful shutdown).

import type { FastifyInstance } from 'fastify';
import { configureLogger, logger } from '../common/logger.js';
import { QDRANT_API_VERSION, RINGVEC_VERSION } from '../common/version.js';
import { Engine } from '../engine/engine.js';
import { decideIoBackend } from '../exec/io-backend-policy.js';
import { SearchPool, searchThreads } from '../exec/search-pool.js';
import { ThreadSearchResources } from '../exec/search-resources.js';
import { OptimizerPool, optimizerThreads } from '../exec/optimizer-pool.js';
import { addonWarning } from '../native/addon.js';
import { createHttpServer } from './http-server.js';
import { HttpMetrics } from './http-metrics.js';
import type { LoadedConfig } from './load-config.js';
import { registerRoutes } from './routes/index.js';
import { ServerState } from './server-state.js';

export interface RunningServer {
  app: FastifyInstance;
  state: ServerState;
  /** The address actually bound (port 0 in the config picks a free port). */
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startServer(config: LoadedConfig): Promise<RunningServer> {
  const { settings } = config;
  configureLogger(settings.log_level, settings.logger.format);
  const log = logger('server');
  log.info(
    { version: RINGVEC_VERSION, qdrantApi: QDRANT_API_VERSION, config: config.sources.join(' < ') },
    'starting ringvec',
  );
  for (const key of config.unknownKeys) log.warn({ key }, 'unknown configuration key ignored');
  const warning = addonWarning();
  if (warning !== null) log.warn(warning);

  const io = decideIoBackend(settings.storage);
  log.info(
    { backend: io.onDiskBackend, asyncScorer: io.requested },
    'on-disk vectors are read with this backend',
  );

  const performance = settings.storage.performance;
  const ioSettings = {
    backend: io.onDiskBackend,
    queueDepth: performance.io_queue_depth,
    direct: performance.io_direct,
    scanBatch: performance.io_batch_size,
  };
  const executor = new SearchPool(searchThreads(performance.max_search_threads), ioSettings);
  const optimizer = new OptimizerPool(
    optimizerThreads(performance, settings.storage.optimizers.max_optimization_threads),
    ioSettings,
  );
  // The main thread reads asynchronously: io_uring when enabled, else pread on libuv's pool.
  const mainReader = new ThreadSearchResources({
    ...ioSettings,
    backend: io.onDiskBackend === 'io_uring' ? 'io_uring' : 'pread',
  });
  const engine = Engine.open(settings.storage, { executor, optimizer, mainReader });
  const metrics = new HttpMetrics('ringvec', RINGVEC_VERSION);
  const state = new ServerState(settings, engine, metrics, io);
  const app = createHttpServer({ service: settings.service, metrics });
  registerRoutes(app, state);

  const address = await app.listen({
    host: settings.service.host,
    port: settings.service.http_port,
  });
  const port = (app.server.address() as { port: number }).port;
  state.ready = true;
  log.info({ address }, 'HTTP listening');

  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      state.ready = false;
      log.info('shutting down: finishing in-flight requests');
      await app.close();
      log.info('flushing collections');
      await engine.close();
      log.info('stopped');
    })();
    return closing;
  };
  const host = settings.service.host === '0.0.0.0' ? '127.0.0.1' : settings.service.host;
  return { app, state, url: `http://${host}:${port}`, port, close };
}
