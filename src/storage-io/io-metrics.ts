// I/O metrics of the batch readers, per backend: read calls, records, bytes, residency hits,
// reads that went to the device, current in-flight depth and a latency histogram (seconds,
// Prometheus buckets). They live in a SharedArrayBuffer so search workers record into it and the
// main thread exports the sum at /metrics.
//
// Layout: an Int32 header (the next free slot), then one slot per thread. A thread writes only
// its own slot (single writer, so plain Float64 stores suffice); readers sum the slots. A worker
// gets a slot with `IoMetrics.attach(buffer)`.

import type { IoBackend } from './batch-reader.js';

export const IO_BACKENDS: readonly IoBackend[] = ['mmap', 'pread', 'io_uring'];

/** Upper bounds (seconds) of the latency buckets; +Inf is implicit. */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [
  0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
  0.25, 1,
];

const F_READS = 0; // read / readRange calls
const F_RECORDS = 1; // records (or range chunks) requested
const F_BYTES = 2; // bytes delivered to callers
const F_RESIDENCY_HITS = 3; // records copied from the page cache without a device read
const F_DEVICE_READS = 4; // reads submitted to the kernel (io_uring SQEs, pread calls)
const F_IN_FLIGHT = 5; // reads currently in flight (gauge)
const F_ERRORS = 6;
const F_LATENCY_SUM = 7; // seconds
const F_BUCKETS = 8; // cumulative-free counts; one per bucket plus +Inf
const FIELDS = F_BUCKETS + LATENCY_BUCKETS_SECONDS.length + 1;

const MAX_SLOTS = 64;
const HEADER_BYTES = 8;
const SLOT_DOUBLES = FIELDS * IO_BACKENDS.length;

export interface IoBackendMetrics {
  readonly reads: number;
  readonly records: number;
  readonly bytes: number;
  readonly residencyHits: number;
  readonly deviceReads: number;
  readonly inFlight: number;
  readonly errors: number;
  readonly latencySumSeconds: number;
  /** Per-bucket (non-cumulative) counts, aligned with LATENCY_BUCKETS_SECONDS plus +Inf. */
  readonly latencyBuckets: readonly number[];
}

/** What one backend instance records into (one per reader). */
export interface IoRecorder {
  /** A read call finished: records requested, bytes delivered, seconds from call to completion. */
  completed(records: number, bytes: number, seconds: number): void;
  residencyHits(count: number): void;
  deviceReads(count: number): void;
  inFlight(delta: number): void;
  error(): void;
}

function backendIndex(backend: IoBackend): number {
  return backend === 'mmap' ? 0 : backend === 'pread' ? 1 : 2;
}

export class IoMetrics {
  readonly buffer: SharedArrayBuffer;
  private readonly all: Float64Array;
  private readonly slot: Float64Array;

  private constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.all = new Float64Array(buffer, HEADER_BYTES, MAX_SLOTS * SLOT_DOUBLES);
    const header = new Int32Array(buffer, 0, 1);
    // Threads beyond MAX_SLOTS share the last slot: counts may then lose updates, never crash.
    const index = Math.min(Atomics.add(header, 0, 1), MAX_SLOTS - 1);
    this.slot = this.all.subarray(index * SLOT_DOUBLES, (index + 1) * SLOT_DOUBLES);
  }

  /** A new, empty set of metrics (the main thread). */
  static create(): IoMetrics {
    return new IoMetrics(new SharedArrayBuffer(HEADER_BYTES + MAX_SLOTS * SLOT_DOUBLES * 8));
  }

  /** The same metrics seen from another thread (pass `metrics.buffer` in workerData). */
  static attach(buffer: SharedArrayBuffer): IoMetrics {
    return new IoMetrics(buffer);
  }

  recorder(backend: IoBackend): IoRecorder {
    const base = backendIndex(backend) * FIELDS;
    const s = this.slot;
    return {
      completed(records, bytes, seconds) {
        s[base + F_READS]! += 1;
        s[base + F_RECORDS]! += records;
        s[base + F_BYTES]! += bytes;
        s[base + F_LATENCY_SUM]! += seconds;
        let bucket = 0;
        while (
          bucket < LATENCY_BUCKETS_SECONDS.length &&
          seconds > LATENCY_BUCKETS_SECONDS[bucket]!
        ) {
          bucket++;
        }
        s[base + F_BUCKETS + bucket]! += 1;
      },
      residencyHits(count) {
        s[base + F_RESIDENCY_HITS]! += count;
      },
      deviceReads(count) {
        s[base + F_DEVICE_READS]! += count;
      },
      inFlight(delta) {
        s[base + F_IN_FLIGHT]! += delta;
      },
      error() {
        s[base + F_ERRORS]! += 1;
      },
    };
  }

  /** Sums over every thread's slot. */
  snapshot(): Record<IoBackend, IoBackendMetrics> {
    const result = {} as Record<IoBackend, IoBackendMetrics>;
    for (const backend of IO_BACKENDS) {
      const base = backendIndex(backend) * FIELDS;
      const sum = new Float64Array(FIELDS);
      for (let slot = 0; slot < MAX_SLOTS; slot++) {
        const offset = slot * SLOT_DOUBLES + base;
        for (let f = 0; f < FIELDS; f++) sum[f]! += this.all[offset + f]!;
      }
      result[backend] = {
        reads: sum[F_READS]!,
        records: sum[F_RECORDS]!,
        bytes: sum[F_BYTES]!,
        residencyHits: sum[F_RESIDENCY_HITS]!,
        deviceReads: sum[F_DEVICE_READS]!,
        inFlight: sum[F_IN_FLIGHT]!,
        errors: sum[F_ERRORS]!,
        latencySumSeconds: sum[F_LATENCY_SUM]!,
        latencyBuckets: Array.from(sum.subarray(F_BUCKETS)),
      };
    }
    return result;
  }

  /** Prometheus text exposition (counters, a gauge and a histogram labelled by backend). */
  toPrometheus(prefix = 'ringvec_io'): string {
    const snap = this.snapshot();
    const lines: string[] = [];
    const counter = (name: string, help: string, pick: (m: IoBackendMetrics) => number): void => {
      lines.push(`# HELP ${prefix}_${name} ${help}`, `# TYPE ${prefix}_${name} counter`);
      for (const b of IO_BACKENDS) lines.push(`${prefix}_${name}{backend="${b}"} ${pick(snap[b])}`);
    };
    counter('reads_total', 'Batch read calls completed.', (m) => m.reads);
    counter('records_total', 'Records requested by batch reads.', (m) => m.records);
    counter('bytes_total', 'Bytes delivered by batch reads.', (m) => m.bytes);
    counter(
      'residency_hits_total',
      'Records copied from the page cache without a device read.',
      (m) => m.residencyHits,
    );
    counter('device_reads_total', 'Reads submitted to the kernel.', (m) => m.deviceReads);
    counter('errors_total', 'Batch reads that failed.', (m) => m.errors);
    lines.push(
      `# HELP ${prefix}_in_flight Reads currently in flight.`,
      `# TYPE ${prefix}_in_flight gauge`,
    );
    for (const b of IO_BACKENDS)
      lines.push(`${prefix}_in_flight{backend="${b}"} ${snap[b].inFlight}`);
    const h = `${prefix}_read_duration_seconds`;
    lines.push(`# HELP ${h} Batch read latency.`, `# TYPE ${h} histogram`);
    for (const b of IO_BACKENDS) {
      const m = snap[b];
      let cumulative = 0;
      LATENCY_BUCKETS_SECONDS.forEach((le, i) => {
        cumulative += m.latencyBuckets[i]!;
        lines.push(`${h}_bucket{backend="${b}",le="${le}"} ${cumulative}`);
      });
      cumulative += m.latencyBuckets[LATENCY_BUCKETS_SECONDS.length]!;
      lines.push(`${h}_bucket{backend="${b}",le="+Inf"} ${cumulative}`);
      lines.push(`${h}_sum{backend="${b}"} ${m.latencySumSeconds}`);
      lines.push(`${h}_count{backend="${b}"} ${cumulative}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

let threadMetrics: IoMetrics | undefined;

/** This thread's metrics: created on first use, or set from a worker's shared buffer. */
export function ioMetrics(): IoMetrics {
  return (threadMetrics ??= IoMetrics.create());
}

/** In a worker: record into the main thread's metrics (call before opening readers). */
export function useSharedIoMetrics(buffer: SharedArrayBuffer): IoMetrics {
  threadMetrics = IoMetrics.attach(buffer);
  return threadMetrics;
}
