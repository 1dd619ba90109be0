// Prometheus metrics of the HTTP layer and the process: request counters and latency histograms
// per endpoint (the route pattern, so ids do not explode the label set), plus collectors that
// other parts register (collections, IO backends).

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class HttpMetrics {
  readonly registry = new Registry();
  private readonly responses: Counter<'method' | 'endpoint' | 'status'>;
  private readonly failures: Counter<'method' | 'endpoint' | 'status'>;
  private readonly duration: Histogram<'method' | 'endpoint'>;
  private readonly collections: Gauge;

  constructor(appName: string, appVersion: string) {
    collectDefaultMetrics({ register: this.registry, prefix: 'process_node_' });
    const info = new Gauge({
      name: 'app_info',
      help: 'information about the ringvec server',
      labelNames: ['name', 'version'],
      registers: [this.registry],
    });
    info.set({ name: appName, version: appVersion }, 1);
    new Gauge({
      name: 'cluster_enabled',
      help: 'is cluster support enabled',
      registers: [this.registry],
    }).set(0);
    this.collections = new Gauge({
      name: 'collections_total',
      help: 'number of collections',
      registers: [this.registry],
    });
    this.responses = new Counter({
      name: 'rest_responses_total',
      help: 'total number of responses',
      labelNames: ['method', 'endpoint', 'status'],
      registers: [this.registry],
    });
    this.failures = new Counter({
      name: 'rest_responses_fail_total',
      help: 'total number of failed responses',
      labelNames: ['method', 'endpoint', 'status'],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: 'rest_responses_duration_seconds',
      help: 'response latency',
      labelNames: ['method', 'endpoint'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
  }

  setCollections(count: number): void {
    this.collections.set(count);
  }

  observe(method: string, endpoint: string, status: number, seconds: number): void {
    const labels = { method, endpoint, status: String(status) };
    this.responses.inc(labels);
    if (status >= 400) this.failures.inc(labels);
    this.duration.observe({ method, endpoint }, seconds);
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
