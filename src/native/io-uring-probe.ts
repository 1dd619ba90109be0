// Decides whether io_uring can be used here and, when not, says why in one sentence a user can
// act on (DESIGN.md: "io_uring is opt-in, safe and explained"). The addon reports raw facts
// (io_uring_setup's errno, kernel release, RLIMIT_MEMLOCK); this file owns the diagnosis.
// RINGVEC_SIMULATE_IO_URING_FAILURE=<check> makes the probe report that failure (fallback tests).

import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { loadAddon, addonStatus, type NativeIoUringProbe } from './addon.js';

export type IoUringCheck =
  | 'ok'
  | 'not_linux'
  | 'addon_missing'
  | 'kernel_too_old'
  | 'sysctl_disabled'
  | 'seccomp'
  | 'memlock'
  | 'setup_failed';

export interface IoUringProbe {
  readonly available: boolean;
  readonly check: IoUringCheck;
  /** One sentence: what failed and what to do (empty when available). */
  readonly reason: string;
  readonly kernelRelease: string;
}

/** IORING_OP_READ arrived in Linux 5.6; ringvec needs it. */
const MIN_KERNEL: readonly [number, number] = [5, 6];
/** From 5.12 io_uring memory is charged to the memory cgroup, not RLIMIT_MEMLOCK. */
const MEMLOCK_ACCOUNTING_UNTIL: readonly [number, number] = [5, 12];

const CHECKS: readonly IoUringCheck[] = [
  'ok',
  'not_linux',
  'addon_missing',
  'kernel_too_old',
  'sysctl_disabled',
  'seccomp',
  'memlock',
  'setup_failed',
];

function parseKernel(text: string): [number, number] {
  const match = /^(\d+)\.(\d+)/.exec(text);
  return match ? [Number(match[1]), Number(match[2])] : [0, 0];
}

function older(version: [number, number], than: readonly [number, number]): boolean {
  return version[0] < than[0] || (version[0] === than[0] && version[1] < than[1]);
}

function readSysctl(): number | null {
  try {
    return Number(readFileSync('/proc/sys/kernel/io_uring_disabled', 'utf8').trim());
  } catch {
    return null; // the sysctl exists from 6.6 on
  }
}

function sysctlReason(value: number): string {
  return value === 2
    ? 'io_uring is disabled for all processes by the sysctl kernel.io_uring_disabled=2; enable it with `sysctl -w kernel.io_uring_disabled=0` (or leave async_scorer off)'
    : 'io_uring is restricted to privileged processes by the sysctl kernel.io_uring_disabled=1; run ringvec in the group named by kernel.io_uring_group or set `sysctl -w kernel.io_uring_disabled=0`';
}

const SECCOMP_REASON =
  "io_uring_setup is blocked (%ERRNO%), most likely by the container's seccomp profile (Docker 25+ and containerd 2 block io_uring by default); run the container with `--security-opt seccomp=unconfined` or a seccomp profile that allows io_uring_setup, io_uring_enter and io_uring_register";

function failure(check: IoUringCheck, reason: string, kernelRelease: string): IoUringProbe {
  return { available: false, check, reason, kernelRelease };
}

/** Diagnoses from raw facts; exported for tests. */
export function diagnoseIoUring(raw: NativeIoUringProbe, sysctl: number | null): IoUringProbe {
  const kernelRelease = raw.kernelRelease;
  const kernel = parseKernel(kernelRelease);
  if (!raw.supported) {
    return failure(
      'not_linux',
      'this build of the addon has no io_uring support (built without <linux/io_uring.h>); install the Linux kernel headers (linux-libc-dev) and rebuild it',
      kernelRelease,
    );
  }
  if (raw.errno === 0) {
    if (!raw.opReadSupported) {
      return failure(
        'kernel_too_old',
        `kernel ${kernelRelease} lacks IORING_OP_READ; io_uring needs Linux ${MIN_KERNEL.join('.')} or newer, upgrade the kernel`,
        kernelRelease,
      );
    }
    return { available: true, check: 'ok', reason: '', kernelRelease };
  }
  if (sysctl === 2 || (sysctl === 1 && (raw.errnoName === 'EPERM' || raw.errnoName === 'EACCES'))) {
    return failure('sysctl_disabled', sysctlReason(sysctl), kernelRelease);
  }
  if (older(kernel, MIN_KERNEL)) {
    return failure(
      'kernel_too_old',
      `kernel ${kernelRelease} is too old for io_uring reads (needs Linux ${MIN_KERNEL.join('.')} or newer, io_uring_setup gave ${raw.errnoName}); upgrade the kernel`,
      kernelRelease,
    );
  }
  if (raw.errnoName === 'EPERM' || raw.errnoName === 'ENOSYS') {
    return failure('seccomp', SECCOMP_REASON.replace('%ERRNO%', raw.errnoName), kernelRelease);
  }
  if (raw.errnoName === 'ENOMEM' && older(kernel, MEMLOCK_ACCOUNTING_UNTIL)) {
    const limit = raw.memlockBytes < 0 ? 'unlimited' : `${raw.memlockBytes} bytes`;
    return failure(
      'memlock',
      `io_uring_setup failed with ENOMEM: on kernel ${kernelRelease} rings count against RLIMIT_MEMLOCK (${limit}); raise it with \`ulimit -l unlimited\` (Docker: \`--ulimit memlock=-1\`, systemd: LimitMEMLOCK=infinity)`,
      kernelRelease,
    );
  }
  return failure(
    'setup_failed',
    `io_uring_setup failed with ${raw.errnoName === 'errno' ? `errno ${raw.errno}` : raw.errnoName} on kernel ${kernelRelease}; check the kernel log and process limits (open files, memory), or leave async_scorer off`,
    kernelRelease,
  );
}

function simulated(check: IoUringCheck, kernelRelease: string): IoUringProbe {
  const reasons: Record<IoUringCheck, string> = {
    ok: '',
    not_linux: `io_uring is Linux-only and this is ${process.platform}`,
    addon_missing: 'the native addon is not loaded (simulated)',
    kernel_too_old: `kernel ${kernelRelease} is too old for io_uring reads (simulated); upgrade to Linux ${MIN_KERNEL.join('.')} or newer`,
    sysctl_disabled: sysctlReason(2),
    seccomp: SECCOMP_REASON.replace('%ERRNO%', 'EPERM'),
    memlock:
      'io_uring_setup failed with ENOMEM (simulated): rings count against RLIMIT_MEMLOCK; raise it with `ulimit -l unlimited` (Docker: `--ulimit memlock=-1`)',
    setup_failed: 'io_uring_setup failed with EINVAL (simulated); check the kernel log',
  };
  if (check === 'ok') return { available: true, check, reason: '', kernelRelease };
  return failure(
    check,
    `${reasons[check]} [RINGVEC_SIMULATE_IO_URING_FAILURE=${check}]`,
    kernelRelease,
  );
}

let cached: IoUringProbe | undefined;

/** Probes once per thread (creating a ring is cheap but not free). */
export function probeIoUring(): IoUringProbe {
  if (cached !== undefined) return cached;
  return (cached = runProbe());
}

function runProbe(): IoUringProbe {
  const kernelRelease = release();
  const forced = process.env['RINGVEC_SIMULATE_IO_URING_FAILURE'];
  if (forced !== undefined && forced !== '') {
    if ((CHECKS as readonly string[]).includes(forced)) {
      return simulated(forced as IoUringCheck, kernelRelease);
    }
    return failure(
      'setup_failed',
      `RINGVEC_SIMULATE_IO_URING_FAILURE=${forced} is not one of ${CHECKS.join(', ')}`,
      kernelRelease,
    );
  }
  if (process.platform !== 'linux') {
    return failure(
      'not_linux',
      `io_uring is Linux-only and this is ${process.platform}; ringvec uses mmap instead`,
      kernelRelease,
    );
  }
  const addon = loadAddon();
  if (addon === null) {
    return failure(
      'addon_missing',
      `io_uring needs the native addon, which is not loaded (${addonStatus().reason})`,
      kernelRelease,
    );
  }
  return diagnoseIoUring(addon.probeIoUring(), readSysctl());
}
