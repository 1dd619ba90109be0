// The machine a benchmark ran on (CPU, cores, memory, kernel, disk, load) and the disk's random
// read ceiling as fio measures it with io_uring, so results can be read against what the
// hardware can do.

import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { RINGVEC_VERSION } from '../../src/common/version.js';
import { blockDeviceOf, describeDisk } from './sys-stats.js';

export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly node: string;
  readonly ringvec: string;
  readonly disk: Record<string, string | number>;
  /** 1, 5 and 15-minute load averages when the benchmark started. */
  readonly loadAverage: readonly number[];
}

export function machineInfo(storagePath: string): MachineInfo {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: `${process.platform} ${release()}`,
    node: process.version,
    ringvec: RINGVEC_VERSION,
    disk: describeDisk(blockDeviceOf(storagePath)),
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

export function describeMachine(m: MachineInfo): string {
  const disk =
    m.disk['device'] !== undefined
      ? `${m.disk['device']}${m.disk['model'] !== undefined ? ` (${m.disk['model']})` : ''}${m.disk['sizeGiB'] !== undefined ? ` ${m.disk['sizeGiB']} GiB` : ''}`
      : 'unknown disk';
  return `${m.cpu} ×${m.cores}, ${m.memoryGiB} GiB, ${m.kernel}, Node ${m.node}, ${disk}, load ${m.loadAverage.join(' ')}`;
}

export interface FioResult {
  readonly iodepth: number;
  readonly iops: number;
  readonly bandwidthMBps: number;
  readonly meanLatencyUs: number;
  readonly p99LatencyUs: number | null;
  readonly command: string;
}

export interface FioOptions {
  /** Folder for the temporary test file (the storage folder, so the same disk). */
  readonly dir: string;
  readonly sizeMB: number;
  readonly seconds: number;
  readonly iodepths: readonly number[];
}

export function fioAvailable(): boolean {
  try {
    execFileSync('fio', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * 4 KiB random reads with O_DIRECT through io_uring at each queue depth (one job), or a reason
 * when fio is missing or failed.
 */
export function fioCeiling(options: FioOptions): FioResult[] | string {
  if (!fioAvailable()) return 'fio is not installed (apt-get install fio)';
  const file = join(options.dir, `fio-ceiling-${process.pid}.tmp`);
  const results: FioResult[] = [];
  try {
    for (const iodepth of options.iodepths) {
      const args = [
        '--name=ceiling',
        `--filename=${file}`,
        `--size=${options.sizeMB}M`,
        '--ioengine=io_uring',
        `--iodepth=${iodepth}`,
        '--rw=randread',
        '--bs=4k',
        '--direct=1',
        `--runtime=${options.seconds}`,
        '--time_based',
        '--output-format=json',
      ];
      const run = spawnSync('fio', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
      if (run.status !== 0) {
        return `fio failed (exit ${run.status}): ${(run.stderr || run.stdout).trim().slice(0, 400)}`;
      }
      const json = JSON.parse(run.stdout.slice(run.stdout.indexOf('{'))) as {
        jobs: {
          read: {
            iops: number;
            bw_bytes: number;
            lat_ns?: { mean: number };
            clat_ns?: { percentile?: Record<string, number> };
          };
        }[];
      };
      const read = json.jobs[0]!.read;
      const p99 = read.clat_ns?.percentile?.['99.000000'];
      results.push({
        iodepth,
        iops: read.iops,
        bandwidthMBps: read.bw_bytes / 1e6,
        meanLatencyUs: (read.lat_ns?.mean ?? Number.NaN) / 1000,
        p99LatencyUs: p99 === undefined ? null : p99 / 1000,
        command: `fio ${args.join(' ')}`,
      });
    }
    return results;
  } finally {
    rmSync(file, { force: true });
  }
}
