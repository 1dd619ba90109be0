// Service endpoints, shaped as a standalone Qdrant answers them: version info, health probes,
// telemetry, Prometheus metrics and the cluster endpoints of a node without distributed mode.

import { cpus, totalmem } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { errors } from '../../common/errors.js';
import { QDRANT_API_VERSION, RINGVEC_VERSION } from '../../common/version.js';
import { ioMetrics } from '../../storage-io/io-metrics.js';
import { RawResponse, route } from '../http-server.js';
import type { ServerState } from '../server-state.js';

export function registerServiceRoutes(app: FastifyInstance, state: ServerState): void {
  route(app, 'GET', '/', 'open', ({ reply }) => {
    reply.header('content-type', 'application/json');
    return new RawResponse(
      JSON.stringify({
        title: 'ringvec - vector search engine (Qdrant API)',
        version: QDRANT_API_VERSION,
        commit: null,
        ringvec_version: RINGVEC_VERSION,
      }),
      'application/json',
    );
  });

  for (const probe of ['healthz', 'livez'] as const) {
    route(
      app,
      'GET',
      `/${probe}`,
      'open',
      () => new RawResponse(`${probe} check passed`, 'text/plain'),
    );
  }
  route(app, 'GET', '/readyz', 'open', () =>
    state.ready
      ? new RawResponse('all shards are ready', 'text/plain')
      : new RawResponse('some shards are not ready', 'text/plain', 503),
  );

  route(app, 'GET', '/telemetry', 'read', () => telemetry(state));

  route(app, 'GET', '/metrics', 'read', async () => {
    state.refreshMetrics();
    const text = (await state.metrics.text()) + ioMetrics().toPrometheus();
    return new RawResponse(text, state.metrics.contentType);
  });

  route(app, 'GET', '/cluster', 'read', () => ({ status: 'disabled' }));
  route(app, 'GET', '/cluster/telemetry', 'read', () => ({ status: 'disabled' }));
  route(app, 'POST', '/cluster/recover', 'write', () => {
    throw errors.standalone();
  });
  route(app, 'DELETE', '/cluster/peer/:peer_id', 'write', () => {
    throw errors.standalone();
  });
}

function telemetry(state: ServerState): unknown {
  const engine = state.engine;
  const names = engine.collectionNames();
  return {
    id: state.instanceId,
    app: {
      name: 'ringvec',
      version: QDRANT_API_VERSION,
      ringvec_version: RINGVEC_VERSION,
      startup: state.startedAt.toISOString(),
      features: {
        debug: false,
        service_debug_feature: false,
        recovery_mode: false,
        gpu: false,
        rocksdb: false,
        staging: false,
      },
      system: {
        distribution: process.platform,
        distribution_version: process.version,
        is_docker: false,
        cores: cpus().length,
        ram_size: Math.round(totalmem() / 1024),
        cpu_flags: '',
      },
      native: state.nativeStatus(),
      io: state.ioStatus(),
    },
    collections: {
      number_of_collections: names.length,
      collections: names.map((name) => state.collectionTelemetry(name)),
    },
  };
}
