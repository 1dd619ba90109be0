// What a run costs the machine, read from /proc like iostat and top do: device reads (IOPS, MB/s)
// from /proc/diskstats for the device holding a folder, a process's CPU time from
// /proc/<pid>/stat (all its threads), and whole-machine busy time from /proc/stat, so a run can
// say how much of the CPU other work took while it ran. Linux only; elsewhere the readers return
// null and the numbers are reported as missing.

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { basename } from 'node:path';

const SECTOR_BYTES = 512; // /proc/diskstats counts 512-byte sectors whatever the device's size

export interface BlockDevice {
  /** Name as in /proc/diskstats, e.g. "vda" or "nvme0n1p2". */
  readonly name: string;
  readonly major: number;
  readonly minor: number;
  /** The whole disk when `name` is a partition (for model and queue settings). */
  readonly disk: string;
}

export interface DiskCounters {
  readonly readsCompleted: number;
  readonly sectorsRead: number;
  readonly readTimeMs: number;
  readonly writesCompleted: number;
  readonly sectorsWritten: number;
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** The block device a path lives on (by st_dev), or null (tmpfs, overlay without a device, not Linux). */
export function blockDeviceOf(path: string): BlockDevice | null {
  const dev = statSync(path).dev;
  const major = Math.floor(dev / 256) & 0xfff;
  const minor = (dev & 0xff) | (Math.floor(dev / 4096) & 0xfff00);
  const stats = readText('/proc/diskstats');
  if (stats === null) return null;
  for (const line of stats.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (Number(f[0]) === major && Number(f[1]) === minor && f[2] !== undefined) {
      let disk = f[2];
      try {
        // /sys/dev/block/M:m → …/block/<disk>[/<partition>]
        const target = readlinkSync(`/sys/dev/block/${major}:${minor}`);
        if (existsSync(`/sys/dev/block/${major}:${minor}/partition`)) {
          disk = basename(target.replace(/\/[^/]+$/, ''));
        }
      } catch {
        // keep the name
      }
      return { name: f[2], major, minor, disk };
    }
  }
  return null;
}

export function readDiskCounters(device: BlockDevice | null): DiskCounters | null {
  if (device === null) return null;
  const stats = readText('/proc/diskstats');
  if (stats === null) return null;
  for (const line of stats.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (Number(f[0]) === device.major && Number(f[1]) === device.minor) {
      return {
        readsCompleted: Number(f[3]),
        sectorsRead: Number(f[5]),
        readTimeMs: Number(f[6]),
        writesCompleted: Number(f[7]),
        sectorsWritten: Number(f[9]),
      };
    }
  }
  return null;
}

/** Model, size and scheduler of a disk from /sys/block (what is known). */
export function describeDisk(device: BlockDevice | null): Record<string, string | number> {
  if (device === null) return {};
  const sys = `/sys/block/${device.disk}`;
  const out: Record<string, string | number> = { device: device.name, disk: device.disk };
  const model = readText(`${sys}/device/model`)?.trim();
  if (model) out['model'] = model;
  const vendor = readText(`${sys}/device/vendor`)?.trim();
  if (vendor) out['vendor'] = vendor;
  const sectors = Number(readText(`${sys}/size`) ?? NaN);
  if (Number.isFinite(sectors)) out['sizeGiB'] = Math.round((sectors * SECTOR_BYTES) / 2 ** 30);
  const rotational = readText(`${sys}/queue/rotational`)?.trim();
  if (rotational !== undefined) out['rotational'] = Number(rotational);
  const scheduler = /\[([^\]]+)\]/.exec(readText(`${sys}/queue/scheduler`) ?? '');
  if (scheduler !== null) out['scheduler'] = scheduler[1]!;
  const driver = readText(`${sys}/device/uevent`)?.match(/DRIVER=(\S+)/);
  if (driver) out['driver'] = driver[1]!;
  return out;
}

let clockTicks: number | undefined;

/** USER_HZ (jiffies per second) for /proc times; 100 when getconf is missing. */
export function clockTicksPerSecond(): number {
  if (clockTicks !== undefined) return clockTicks;
  try {
    clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    clockTicks = 100;
  }
  return clockTicks;
}

/** User + system CPU seconds of a process (every thread), or null when it is gone. */
export function processCpuSeconds(pid: number): number | null {
  const text = readText(`/proc/${pid}/stat`);
  if (text === null) return null;
  // The command name (field 2) may hold spaces; fields after its closing parenthesis are fixed.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const utime = Number(rest[11]); // field 14
  const stime = Number(rest[12]); // field 15
  return (utime + stime) / clockTicksPerSecond();
}

/** Busy and total CPU seconds of the whole machine (all cores), or null. */
export function machineCpuSeconds(): { busy: number; total: number } | null {
  const line = readText('/proc/stat')?.split('\n')[0];
  if (line === undefined || !line.startsWith('cpu ')) return null;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0); // user … steal (guest is inside user)
  const idle = (f[3] ?? 0) + (f[4] ?? 0); // idle + iowait
  const hz = clockTicksPerSecond();
  return { busy: (total - idle) / hz, total: total / hz };
}

export interface RunCost {
  readonly wallSeconds: number;
  readonly readIops: number | null;
  readonly readMBps: number | null;
  readonly readsCompleted: number | null;
  readonly readBytes: number | null;
  readonly writeMBps: number | null;
  /** Server CPU in % of one core (200 = two cores busy). */
  readonly serverCpuPct: number | null;
  /** This benchmark process (the load generator) in % of one core. */
  readonly clientCpuPct: number;
  /** The whole machine, in % of one core. */
  readonly machineCpuPct: number | null;
  /** Machine minus server minus load generator: other people's builds, the kernel's own threads. */
  readonly otherCpuPct: number | null;
}

/** Samples counters at start and stop of a run. */
export class CostMeter {
  private readonly startNs = process.hrtime.bigint();
  private readonly disk: DiskCounters | null;
  private readonly server: number | null;
  private readonly client = process.cpuUsage();
  private readonly machine: { busy: number; total: number } | null;

  constructor(
    private readonly device: BlockDevice | null,
    private readonly serverPid: number | null,
  ) {
    this.disk = readDiskCounters(device);
    this.server = serverPid === null ? null : processCpuSeconds(serverPid);
    this.machine = machineCpuSeconds();
  }

  stop(): RunCost {
    const wallSeconds = Number(process.hrtime.bigint() - this.startNs) / 1e9;
    const disk = readDiskCounters(this.device);
    const server = this.serverPid === null ? null : processCpuSeconds(this.serverPid);
    const client = process.cpuUsage(this.client);
    const machine = machineCpuSeconds();
    const pct = (seconds: number): number => (100 * seconds) / wallSeconds;
    const reads =
      disk !== null && this.disk !== null ? disk.readsCompleted - this.disk.readsCompleted : null;
    const readBytes =
      disk !== null && this.disk !== null
        ? (disk.sectorsRead - this.disk.sectorsRead) * SECTOR_BYTES
        : null;
    const writeBytes =
      disk !== null && this.disk !== null
        ? (disk.sectorsWritten - this.disk.sectorsWritten) * SECTOR_BYTES
        : null;
    const serverCpuPct = server !== null && this.server !== null ? pct(server - this.server) : null;
    const clientCpuPct = pct((client.user + client.system) / 1e6);
    const machineCpuPct =
      machine !== null && this.machine !== null ? pct(machine.busy - this.machine.busy) : null;
    return {
      wallSeconds,
      readIops: reads === null ? null : reads / wallSeconds,
      readMBps: readBytes === null ? null : readBytes / 1e6 / wallSeconds,
      readsCompleted: reads,
      readBytes,
      writeMBps: writeBytes === null ? null : writeBytes / 1e6 / wallSeconds,
      serverCpuPct,
      clientCpuPct,
      machineCpuPct,
      otherCpuPct:
        machineCpuPct === null
          ? null
          : Math.max(0, machineCpuPct - (serverCpuPct ?? 0) - clientCpuPct),
    };
  }
}

/** User + system CPU seconds of each thread of a process (by thread id), or null when it is gone. */
export function threadCpuSeconds(pid: number): Map<number, number> | null {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return null;
  }
  const out = new Map<number, number>();
  for (const tid of tids) {
    const text = readText(`/proc/${pid}/task/${tid}/stat`);
    if (text === null) continue; // the thread ended meanwhile
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    out.set(Number(tid), (Number(rest[11]) + Number(rest[12])) / clockTicksPerSecond());
  }
  return out;
}

export interface ThreadCpu {
  /** The process's main thread (thread id = pid), in % of one core. */
  readonly mainPct: number;
  /** The `busiest` most used other threads, each in % of one core, busiest first. */
  readonly busiestPct: readonly number[];
  /** Every other thread together, in % of one core. */
  readonly restPct: number;
}

/**
 * Splits a process's CPU by thread over a run: the main thread, the `busiest` most used other
 * threads (for a ringvec server under search load: its search workers) and the rest (V8's
 * helper threads, libuv's pool, optimizer workers when idle). Null where /proc is missing.
 */
export class ThreadCpuMeter {
  private readonly startNs = process.hrtime.bigint();
  private readonly start: Map<number, number> | null;

  constructor(
    private readonly pid: number,
    private readonly busiest: number,
  ) {
    this.start = threadCpuSeconds(pid);
  }

  stop(): ThreadCpu | null {
    const end = threadCpuSeconds(this.pid);
    if (end === null || this.start === null) return null;
    const wallSeconds = Number(process.hrtime.bigint() - this.startNs) / 1e9;
    const pct = (seconds: number): number => (100 * seconds) / wallSeconds;
    let mainPct = 0;
    const others: number[] = [];
    for (const [tid, seconds] of end) {
      const used = pct(seconds - (this.start.get(tid) ?? 0));
      if (tid === this.pid) mainPct = used;
      else others.push(used);
    }
    others.sort((a, b) => b - a);
    const busiestPct = others.slice(0, this.busiest);
    const restPct = others.slice(this.busiest).reduce((a, b) => a + b, 0);
    return { mainPct, busiestPct, restPct };
  }
}
