// io_uring diagnosis from raw facts (each failure class and its advice) and the simulation env var.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { diagnoseIoUring, probeIoUring } from './io-uring-probe.js';
import type { NativeIoUringProbe } from './addon.js';

function raw(overrides: Partial<NativeIoUringProbe>): NativeIoUringProbe {
  return {
    supported: true,
    errno: 0,
    errnoName: '',
    memlockBytes: 65536,
    kernelRelease: '6.8.0-generic',
    opReadSupported: true,
    ...overrides,
  };
}

test('diagnosis: a working ring is ok', () => {
  const probe = diagnoseIoUring(raw({}), 0);
  assert.deepEqual(probe, {
    available: true,
    check: 'ok',
    reason: '',
    kernelRelease: '6.8.0-generic',
  });
});

test('diagnosis: each failure names what failed and what to do', () => {
  const cases: [Partial<NativeIoUringProbe>, number | null, string, RegExp][] = [
    [
      { errno: 1, errnoName: 'EPERM' },
      2,
      'sysctl_disabled',
      /io_uring_disabled=2.*sysctl -w kernel\.io_uring_disabled=0/,
    ],
    [{ errno: 1, errnoName: 'EPERM' }, 1, 'sysctl_disabled', /io_uring_disabled=1/],
    [
      { errno: 1, errnoName: 'EPERM' },
      0,
      'seccomp',
      /seccomp.*--security-opt seccomp=unconfined.*io_uring_setup, io_uring_enter and io_uring_register/,
    ],
    [{ errno: 38, errnoName: 'ENOSYS' }, null, 'seccomp', /ENOSYS/],
    [
      { errno: 38, errnoName: 'ENOSYS', kernelRelease: '5.4.0' },
      null,
      'kernel_too_old',
      /5\.4\.0.*5\.6/,
    ],
    [{ opReadSupported: false, kernelRelease: '5.5.1' }, null, 'kernel_too_old', /IORING_OP_READ/],
    [
      { errno: 12, errnoName: 'ENOMEM', kernelRelease: '5.10.0' },
      null,
      'memlock',
      /RLIMIT_MEMLOCK \(65536 bytes\).*ulimit -l unlimited.*--ulimit memlock=-1/,
    ],
    [{ errno: 12, errnoName: 'ENOMEM', kernelRelease: '6.1.0' }, null, 'setup_failed', /ENOMEM/],
    [{ errno: 22, errnoName: 'EINVAL' }, 0, 'setup_failed', /EINVAL/],
    [{ supported: false }, null, 'not_linux', /rebuild/],
  ];
  for (const [facts, sysctl, check, reason] of cases) {
    const probe = diagnoseIoUring(raw(facts), sysctl);
    assert.equal(probe.available, false);
    assert.equal(probe.check, check, JSON.stringify(facts));
    assert.match(probe.reason, reason);
  }
});

test('the probe of this machine is consistent', () => {
  const probe = probeIoUring();
  assert.equal(probe.available, probe.check === 'ok');
  assert.equal(probe.available, probe.reason === '');
  assert.ok(probe.kernelRelease.length > 0);
});

test('RINGVEC_SIMULATE_IO_URING_FAILURE makes the probe report that failure', () => {
  const script = fileURLToPath(new URL('./io-uring-probe.js', import.meta.url));
  for (const check of ['seccomp', 'sysctl_disabled', 'memlock']) {
    const result = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { probeIoUring } from ${JSON.stringify(script)}; console.log(JSON.stringify(probeIoUring()));`,
      ],
      { env: { ...process.env, RINGVEC_SIMULATE_IO_URING_FAILURE: check }, encoding: 'utf8' },
    );
    const probe = JSON.parse(result.stdout) as {
      available: boolean;
      check: string;
      reason: string;
    };
    assert.equal(probe.available, false);
    assert.equal(probe.check, check);
    assert.match(probe.reason, /RINGVEC_SIMULATE_IO_URING_FAILURE/);
  }
});
