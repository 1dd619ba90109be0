// The native layer's public surface: the addon loader and its typed bindings, the io_uring
// probe, and one telemetry object saying what actually runs (addon, kernels, io_uring).

export {
  ADDON_ABI_VERSION,
  NATIVE_ADVICE,
  NATIVE_OP,
  addonStatus,
  addonWarning,
  loadAddon,
  type AddonStatus,
  type NativeAddon,
  type NativeIoUringProbe,
  type NativeKernelTable,
  type NativeRingFile,
  type NativeRingStatus,
} from './addon.js';
export {
  diagnoseIoUring,
  probeIoUring,
  type IoUringCheck,
  type IoUringProbe,
} from './io-uring-probe.js';

import { addonStatus } from './addon.js';
import { probeIoUring } from './io-uring-probe.js';

export interface NativeTelemetry {
  readonly addonLoaded: boolean;
  /** Why the addon is not loaded (null when it is). */
  readonly addonReason: string | null;
  /** 'native-avx512' | 'native-avx2' | 'native-scalar' | 'typescript' */
  readonly kernels: string;
  readonly ioUring: {
    readonly available: boolean;
    readonly check: string;
    readonly reason: string;
  };
  readonly kernelRelease: string;
}

/** What this process runs natively, for telemetry and the startup log. */
export function nativeTelemetry(): NativeTelemetry {
  const status = addonStatus();
  const probe = probeIoUring();
  return {
    addonLoaded: status.loaded,
    addonReason: status.reason,
    kernels: process.env['RINGVEC_KERNELS'] === 'typescript' ? 'typescript' : status.kernels,
    ioUring: { available: probe.available, check: probe.check, reason: probe.reason },
    kernelRelease: probe.kernelRelease,
  };
}
