// The optimizer of one collection: decides what background work the segments need and runs it
// on the optimizer worker pool, one job at a time per collection, while the collection keeps
// serving reads and writes. Jobs, in order of priority:
//
//   index    full appendable segments → one sealed segment with HNSW (and quantization)
//   rebuild  sealed segments built with other HNSW parameters or vector placement (PATCH)
//   vacuum   sealed segments with more than deleted_threshold of their points deleted
//   merge    more sealed segments than default_segment_number → merge the two smallest
//   quantize sealed segments whose quantized data does not match quantization_config (PATCH)
//   payload  sealed segments whose payload indexes do not match the payload schema
//
// Status is yellow while a job runs or is pending and green otherwise (Qdrant's collection
// status); progress (phase, percent, points/s) is logged and reported in collection info.

import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { logger, type Logger } from '../common/logger.js';
import type { OptimizerRunner } from '../exec/optimizer-pool.js';
import type { OptimizerProgress } from '../exec/optimizer-tasks.js';
import type { PayloadFieldSchema } from '../index/payload/field-schema.js';
import type { QuantizationConfig } from '../quantization/index.js';
import type { Segment } from '../segment/segment.js';
import type { BuildVectorSpec } from '../segment/segment-builder.js';
import type { Collection } from './collection.js';
import type { ResolvedVector } from './collection-config.js';

const AUTO_MAX_SEGMENT_BYTES = 1024 * 1024 * 1024;

type Job =
  | { kind: 'drop'; segments: Segment[] }
  | { kind: 'index' | 'rebuild' | 'vacuum' | 'merge'; segments: Segment[] }
  | { kind: 'quantize'; segment: Segment; vectorIndex: number; config: QuantizationConfig | null }
  | { kind: 'payload'; segment: Segment; schema: [string, PayloadFieldSchema][] };

export interface OptimizationProgress {
  job: string;
  phase: string;
  done: number;
  total: number;
  percent: number;
  points_per_second: number | null;
  started_at: string;
}

/** Canonical JSON (sorted keys, no nulls/undefined) for comparing configurations. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== null && v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The part of a quantization config that changes the encoding (placement is not encoding). */
export function encodingOf(config: unknown): string | null {
  if (config === null || config === undefined) return null;
  const strip = (inner: Record<string, unknown>) => {
    const { always_ram: _ram, memory: _memory, ...rest } = inner;
    return rest;
  };
  const c = config as Record<string, Record<string, unknown>>;
  const [kind] = Object.keys(c);
  return kind === undefined ? null : canonical({ [kind]: strip(c[kind] ?? {}) });
}

export class CollectionOptimizer {
  private running: Promise<void> | null = null;
  private scheduled = false;
  private stopped = false;
  private progress: OptimizationProgress | null = null;
  private lastError: string | null = null;
  private failures = 0;
  private readonly log: Logger;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(
    private readonly collection: Collection,
    private readonly runner: OptimizerRunner | null,
  ) {
    this.log = logger('optimizer').child({ collection: collection.name });
  }

  get enabled(): boolean {
    return this.runner !== null && this.runner.threads > 0 && !this.stopped;
  }

  /** Schedules a planning pass soon (cheap; call after every change). */
  trigger(): void {
    if (!this.enabled || this.scheduled || this.running) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.running || !this.enabled) return;
      this.running = this.loop().finally(() => {
        this.running = null;
        if (this.enabled && this.lastError === null && this.plan() !== null) this.trigger();
        else this.notifyIdle();
      });
    });
  }

  stop(): void {
    this.stopped = true;
    this.notifyIdle();
  }

  /** Resolves when no job runs and none is pending (tests, benchmarks, wait=true index ops). */
  idle(): Promise<void> {
    if (!this.busy()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private notifyIdle(): void {
    if (this.busy() && !this.stopped) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  busy(): boolean {
    if (!this.enabled) return false;
    return (
      this.running !== null || this.scheduled || (this.lastError === null && this.plan() !== null)
    );
  }

  status(): {
    state: 'green' | 'yellow' | 'grey';
    error: string | null;
    progress: OptimizationProgress | null;
  } {
    const pending = this.runner !== null && this.plan() !== null;
    let state: 'green' | 'yellow' | 'grey' = 'green';
    if (this.running !== null || this.scheduled) state = 'yellow';
    else if (pending) state = this.enabled && this.lastError === null ? 'yellow' : 'grey';
    return { state, error: this.lastError, progress: this.progress };
  }

  private async loop(): Promise<void> {
    for (;;) {
      if (!this.enabled) return;
      const job = this.plan();
      if (job === null) return;
      try {
        await this.execute(job);
        this.failures = 0;
        this.lastError = null;
      } catch (error) {
        if (!this.enabled) return; // shutting down: the job was abandoned on purpose
        this.failures++;
        this.lastError = error instanceof Error ? error.message : String(error);
        this.log.error({ err: error, job: job.kind }, 'optimization failed');
        if (this.failures >= 3) return;
      } finally {
        this.progress = null;
      }
    }
  }

  // ---------------------------------------------------------------- planning

  private targetSegments(): number {
    return (
      this.collection.collectionConfig.optimizer_config.default_segment_number ||
      availableParallelism()
    );
  }

  private bytesPerPoint(): number {
    return this.collection.resolvedVectors.reduce((sum, v) => sum + v.dim * 4, 0) || 4;
  }

  private maxSegmentPoints(): number {
    const kb = this.collection.collectionConfig.optimizer_config.max_segment_size;
    const bytes = kb ? kb * 1024 : AUTO_MAX_SEGMENT_BYTES;
    return Math.max(1, Math.floor(bytes / this.bytesPerPoint()));
  }

  private indexingEnabled(): boolean {
    return (this.collection.collectionConfig.optimizer_config.indexing_threshold ?? 10000) > 0;
  }

  /** Whether a sealed segment's graphs and placement match the current configuration. */
  private matchesLayout(segment: Segment, vectors: readonly ResolvedVector[]): boolean {
    return vectors.every((v, i) => {
      const built = segment.manifest.vectors[i];
      if (!built || built.name !== v.name || built.onDisk !== v.onDisk) return false;
      const wantGraph = this.indexingEnabled() && v.hnsw.m > 0;
      if (!wantGraph) return built.hnsw === null;
      const payloadM = v.hnsw.payload_m ?? v.hnsw.m;
      return (
        built.hnsw !== null &&
        built.hnsw.m === v.hnsw.m &&
        built.hnsw.efConstruct === v.hnsw.ef_construct &&
        // Segments from before payload_m links were recorded are kept as they are.
        (built.hnsw.payloadM === undefined || built.hnsw.payloadM === payloadM)
      );
    });
  }

  plan(): Job | null {
    const segments = this.collection.segmentList();
    const writable = this.collection.writableSegment;
    const vectors = this.collection.resolvedVectors;
    const maxPoints = this.maxSegmentPoints();

    // Segments whose every point was deleted or moved elsewhere just go away.
    const empty = segments.filter(
      (s) => s !== writable && s.view.liveCount() === 0 && (s.sealed || s.isFull),
    );
    if (empty.length > 0) return { kind: 'drop', segments: empty };

    const unsealed = segments.filter(
      (s) => !s.sealed && (s !== writable || s.isFull) && s.view.liveCount() > 0,
    );
    if (unsealed.length > 0) {
      const group: Segment[] = [];
      let points = 0;
      for (const segment of unsealed.sort((a, b) => a.view.liveCount() - b.view.liveCount())) {
        if (group.length > 0 && points + segment.view.liveCount() > maxPoints) break;
        group.push(segment);
        points += segment.view.liveCount();
      }
      return { kind: 'index', segments: group };
    }
    const sealed = segments.filter((s) => s.sealed);
    const mismatch = sealed.find((s) => !this.matchesLayout(s, vectors));
    if (mismatch) return { kind: 'rebuild', segments: [mismatch] };

    const config = this.collection.collectionConfig.optimizer_config;
    const dirty = sealed.find((s) => {
      const count = s.count;
      const deleted = count - s.view.liveCount();
      return (
        count >= config.vacuum_min_vector_number &&
        deleted / Math.max(count, 1) > config.deleted_threshold
      );
    });
    if (dirty) return { kind: 'vacuum', segments: [dirty] };

    if (sealed.length > this.targetSegments()) {
      const [a, b] = [...sealed].sort((x, y) => x.view.liveCount() - y.view.liveCount());
      if (a && b && a.view.liveCount() + b.view.liveCount() <= maxPoints)
        return { kind: 'merge', segments: [a, b] };
    }

    for (const segment of sealed) {
      for (let i = 0; i < vectors.length; i++) {
        const want = encodingOf(vectors[i]!.quantization);
        const have = encodingOf(segment.manifest.vectors[i]?.quantization?.config ?? null);
        if (want !== have) {
          return {
            kind: 'quantize',
            segment,
            vectorIndex: i,
            config: vectors[i]!.quantization as QuantizationConfig | null,
          };
        }
      }
    }

    const schema = this.collection.payloadIndexSchemaEntries();
    const wanted = canonical(Object.fromEntries(schema));
    for (const segment of sealed) {
      const have = canonical(segment.manifest.payloadIndexes[0]?.schema ?? {});
      if (have !== wanted) return { kind: 'payload', segment, schema };
    }
    return null;
  }

  // ---------------------------------------------------------------- execution

  private tracker(job: string, total: number): (p: OptimizerProgress) => void {
    const started = Date.now();
    let phaseStarted = started;
    let phase = '';
    let lastLog = 0;
    this.progress = {
      job,
      phase: 'queued',
      done: 0,
      total,
      percent: 0,
      points_per_second: null,
      started_at: new Date(started).toISOString(),
    };
    return (p) => {
      const now = Date.now();
      if (p.phase !== phase) {
        phase = p.phase;
        phaseStarted = now;
      }
      const seconds = (now - phaseStarted) / 1000;
      const rate = seconds > 0.5 ? Math.round(p.done / seconds) : null;
      const percent = p.total > 0 ? Math.round((p.done / p.total) * 1000) / 10 : 100;
      this.progress = {
        ...this.progress!,
        phase: p.phase,
        done: p.done,
        total: p.total,
        percent,
        points_per_second: rate,
      };
      if (now - lastLog > 5000 || p.done === p.total) {
        lastLog = now;
        this.log.info(
          { job, phase: p.phase, percent, pointsPerSecond: rate },
          `optimizing: ${job} ${p.phase} ${percent}%`,
        );
      }
    };
  }

  private async execute(job: Job): Promise<void> {
    const runner = this.runner!;
    const started = Date.now();
    if (job.kind === 'drop') {
      this.collection.dropEmptySegments(job.segments);
      await this.collection.flush(true);
      return;
    }
    if (job.kind === 'quantize') {
      if (job.config === null) {
        this.collection.adoptQuantization(job.segment, job.vectorIndex, null);
        return;
      }
      const file = `quantized-${job.vectorIndex}-${randomUUID().slice(0, 8)}.bin`;
      const onProgress = this.tracker('requantize', job.segment.count);
      this.log.info(
        { segment: job.segment.id, points: job.segment.count, vector: job.vectorIndex },
        'requantizing segment',
      );
      const result = await runner.run(
        {
          kind: 'quantize',
          state: job.segment.state,
          vectorIndex: job.vectorIndex,
          count: job.segment.count,
          config: job.config,
          path: join(job.segment.dir, file),
        },
        onProgress,
      );
      if (result.kind !== 'quantize') throw new Error('unexpected optimizer result');
      this.collection.adoptQuantization(job.segment, job.vectorIndex, {
        file,
        config: job.config,
        buffer: result.buffer,
      });
      this.log.info(
        { segment: job.segment.id, seconds: (Date.now() - started) / 1000 },
        'requantized segment',
      );
      await this.collection.flush(true);
      return;
    }
    if (job.kind === 'payload') {
      const file = `payload-index-${randomUUID().slice(0, 8)}.bin`;
      const count = job.segment.count;
      const positions = this.collection.payloadPositionsOf(job.segment);
      const result = await runner.run(
        {
          kind: 'payload_index',
          state: job.segment.state,
          count,
          positions,
          schema: job.schema,
          path: join(job.segment.dir, file),
        },
        this.tracker('payload_index', count),
      );
      if (result.kind !== 'payload_index') throw new Error('unexpected optimizer result');
      this.collection.adoptPayloadIndexes(
        job.segment,
        { file, schema: Object.fromEntries(job.schema), buffer: result.buffer },
        positions,
      );
      await this.collection.flush(true);
      return;
    }
    const vectors = this.collection.resolvedVectors;
    const specs: BuildVectorSpec[] = vectors.map((v) => ({
      name: v.name,
      dim: v.dim,
      distance: v.distance,
      onDisk: v.onDisk,
      hnsw: {
        m: v.hnsw.m,
        efConstruct: v.hnsw.ef_construct,
        build: this.indexingEnabled(),
        payloadM: v.hnsw.payload_m ?? null,
        fullScanThresholdKb: v.hnsw.full_scan_threshold,
      },
      quantization: v.quantization as QuantizationConfig | null,
    }));
    const sources = job.segments.map((segment) => ({
      segment,
      source: this.collection.captureBuildSource(segment),
    }));
    const points = sources.reduce((sum, s) => sum + s.source.offsets.length, 0);
    const id = randomUUID();
    this.log.info(
      { job: job.kind, segments: job.segments.length, points },
      `optimizing: ${job.kind} ${job.segments.length} segment(s)`,
    );
    const result = await runner.run(
      {
        kind: 'build',
        task: {
          dir: join(this.collection.dir, 'segments', id),
          id,
          sources: sources.map((s) => s.source),
          vectors: specs,
          payloadSchema: this.collection.payloadIndexSchemaEntries(),
        },
      },
      this.tracker(job.kind, points),
    );
    if (result.kind !== 'build') throw new Error('unexpected optimizer result');
    this.collection.adoptBuiltSegment(sources, result.result);
    await this.collection.flush(true);
    this.log.info(
      { job: job.kind, points, seconds: (Date.now() - started) / 1000 },
      `optimized: ${job.kind} of ${points} points`,
    );
  }
}
