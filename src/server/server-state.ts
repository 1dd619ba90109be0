// What the routes share: the engine, settings, metrics and start-up facts (addon, io_uring).

import { randomUUID } from 'node:crypto';
import type { Settings } from '../common/settings.js';
import type { Engine } from '../engine/engine.js';
import type { IoStatus } from '../exec/io-backend-policy.js';
import { addonStatus } from '../native/addon.js';
import type { HttpMetrics } from './http-metrics.js';

export class ServerState {
  readonly instanceId = randomUUID();
  readonly startedAt = new Date();
  ready = false;

  constructor(
    readonly settings: Settings,
    readonly engine: Engine,
    readonly metrics: HttpMetrics,
    readonly io: IoStatus,
  ) {}

  nativeStatus(): unknown {
    const status = addonStatus();
    return { loaded: status.loaded, reason: status.reason, kernels: status.kernels };
  }

  ioStatus(): unknown {
    return {
      async_scorer_requested: this.io.requested,
      io_uring_available: this.io.probe.available,
      io_uring_check: this.io.probe.check,
      reason: this.io.probe.reason || null,
      on_disk_backend: this.io.onDiskBackend,
    };
  }

  collectionTelemetry(name: string): unknown {
    const collection = this.engine.get(name);
    return {
      id: name,
      points_count: collection.pointsCount,
      segments_count: collection.segmentList().length,
      vectors: collection.resolvedVectors.map((v) => ({
        name: v.name,
        size: v.dim,
        distance: v.distance,
        on_disk: v.onDisk,
        io_backend: this.io.backendFor(v.onDisk),
      })),
    };
  }

  /** Updates gauges that are computed on demand. */
  refreshMetrics(): void {
    this.metrics.setCollections(this.engine.collectionNames().length);
  }
}
