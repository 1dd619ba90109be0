// Loads the optional C addon (native/build/Release/ringvec.node) and types its bindings. Every
// caller must work when `loadAddon()` returns null (no compiler at install time, another OS, or
// RINGVEC_NO_ADDON=1): the reason is kept for one startup warning and for telemetry.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from '../common/package-root.js';

/** Bumped whenever the C side's exported shape changes; a stale build is then refused. */
export const ADDON_ABI_VERSION = 2;

/** Float kernel op codes as the C side numbers them. */
export const NATIVE_OP = { dot: 0, l2sq: 1, l1: 2 } as const;

/** One instruction-set variant of the kernels (arguments mirror src/kernels contracts). */
export interface NativeKernelTable {
  readonly isa: string;
  scoreOffsets(
    op: number,
    query: Float32Array,
    base: Float32Array,
    strideFloats: number,
    offsets: Uint32Array,
    count: number,
    out: Float32Array,
  ): void;
  scoreRange(
    op: number,
    query: Float32Array,
    base: Float32Array,
    strideFloats: number,
    first: number,
    count: number,
    out: Float32Array,
  ): void;
  pair(
    op: number,
    a: Float32Array,
    aStart: number,
    b: Float32Array,
    bStart: number,
    dim: number,
  ): number;
  u8DotOffsets(
    query: Uint8Array,
    base: Uint8Array,
    strideBytes: number,
    offsets: Uint32Array,
    count: number,
    out: Int32Array,
  ): void;
  xorPopcountOffsets(
    query: Uint8Array,
    base: Uint8Array,
    strideBytes: number,
    offsets: Uint32Array,
    count: number,
    out: Int32Array,
  ): void;
  andPopcountOffsets(
    query: Uint8Array,
    planes: number,
    rowBytes: number,
    base: Uint8Array,
    strideBytes: number,
    offsets: Uint32Array,
    count: number,
    out: Int32Array,
  ): void;
  pqLookupOffsets(
    lut: Float32Array,
    subspaces: number,
    base: Uint8Array,
    strideBytes: number,
    offsets: Uint32Array,
    count: number,
    out: Float32Array,
  ): void;
}

/** madvise(2) advice codes as the C side numbers them. */
export const NATIVE_ADVICE = {
  normal: 0,
  random: 1,
  sequential: 2,
  willneed: 3,
  dontneed: 4,
} as const;

/** Raw result of the io_uring probe (interpreted by src/native/io-uring-probe.ts). */
export interface NativeIoUringProbe {
  readonly supported: boolean; // compiled for Linux with <linux/io_uring.h>
  readonly errno: number; // 0 when io_uring_setup succeeded
  readonly errnoName: string;
  readonly memlockBytes: number; // RLIMIT_MEMLOCK soft limit, -1 = unlimited
  readonly kernelRelease: string;
  readonly opReadSupported: boolean;
}

/** An open file on the io_uring reader of the calling thread. */
export interface NativeRingFile {
  readonly __brand: 'NativeRingFile';
}

export interface NativeRingStatus {
  readonly open: boolean;
  readonly entries: number;
  readonly inFlight: number;
  readonly queuedJobs: number;
  readonly poolSlots: number;
}

export interface NativeAddon {
  readonly abiVersion: number;
  readonly kernelIsa: string;
  readonly kernels: { readonly [isa: string]: NativeKernelTable | undefined };

  /** Maps a whole file read-only (MAP_SHARED); zero-length files give an empty buffer. */
  mmapFile(path: string): ArrayBuffer;
  /** Unmaps now and detaches the buffer (views become empty); later calls are no-ops. */
  munmap(buffer: ArrayBuffer): void;
  madvise(buffer: ArrayBuffer, byteOffset: number, byteLength: number, advice: number): void;
  /**
   * madvise(MADV_HUGEPAGE) over the 2 MiB-aligned interior of `bytes` (anonymous memory, before
   * its first write). Returns the bytes advised: 0 where the kernel refuses or has no THP.
   */
  adviseHugePages(bytes: Uint8Array): number;
  /** Number of pages of [byteOffset, byteOffset + byteLength) resident in the page cache. */
  mincore(buffer: ArrayBuffer, byteOffset: number, byteLength: number): number;
  /** posix_fadvise(POSIX_FADV_DONTNEED) over the whole file: drops its clean cached pages. */
  fadviseDontNeed(path: string): void;
  /** setpriority(PRIO_PROCESS, gettid(), nice) for the calling thread only. */
  setThreadNice(nice: number): void;
  getThreadNice(): number;
  /** fstat(fd).st_size */
  fileSize(fd: number): number;
  /**
   * Copies records from a mapping into out (record k → out[k * recordBytes]). Returns -1 when
   * done, else the index k of the first record that ends past min(mapping length, fstat(fd)
   * size) — nothing from k on is copied.
   */
  gatherRecords(
    mapping: ArrayBuffer,
    fd: number,
    headerBytes: number,
    strideBytes: number,
    recordBytes: number,
    records: Uint32Array,
    count: number,
    out: Uint8Array,
  ): number;

  probeIoUring(): NativeIoUringProbe;

  /** Opens `path` on this thread's ring (created on first use). */
  ringOpen(path: string, direct: boolean): NativeRingFile;
  /**
   * Reads records like BatchReader.read. Writes [residencyHits, ringReads, ringBytes] into
   * stats synchronously, and when stats has a fourth element the reads submitted (records next to
   * each other in the file and in `out` are read together, up to 128 KiB per read). Returns
   * undefined when every record was copied synchronously.
   * residency: 0 = none, 1 = mincore on a mapping, 2 = preadv2(RWF_NOWAIT), 3 = residency map.
   */
  ringRead(
    file: NativeRingFile,
    headerBytes: number,
    strideBytes: number,
    recordBytes: number,
    records: Uint32Array,
    count: number,
    out: Uint8Array,
    queueDepth: number,
    residency: number,
    stats: Float64Array,
  ): Promise<void> | undefined;
  /** Reads [byteOffset, byteOffset + out.length) with chunkBytes reads, queueDepth in flight. */
  ringReadRange(
    file: NativeRingFile,
    byteOffset: number,
    out: Uint8Array,
    chunkBytes: number,
    queueDepth: number,
    stats: Float64Array,
  ): Promise<void>;
  /** Closes the file once its in-flight reads finish. */
  ringClose(file: NativeRingFile): void;
  ringStatus(): NativeRingStatus;
}

export interface AddonStatus {
  readonly loaded: boolean;
  /** Why it is not loaded (null when loaded). */
  readonly reason: string | null;
  readonly path: string;
  /** Kernel implementation in use: 'native-avx512' | 'native-avx2' | 'native-scalar' | 'typescript'. */
  readonly kernels: string;
}

let loadedAddon: NativeAddon | null | undefined;
let status: AddonStatus | undefined;

function addonPath(): string {
  return join(packageRoot(), 'native', 'build', 'Release', 'ringvec.node');
}

function load(): { addon: NativeAddon | null; reason: string | null; path: string } {
  let path = '';
  try {
    path = addonPath();
  } catch (error) {
    return { addon: null, reason: (error as Error).message, path };
  }
  if (process.env['RINGVEC_NO_ADDON'] === '1') {
    return { addon: null, reason: 'disabled by RINGVEC_NO_ADDON=1', path };
  }
  if (!existsSync(path)) {
    return {
      addon: null,
      reason: `${path} is missing; build it with \`node scripts/build-native.mjs\` (needs a C compiler and python3)`,
      path,
    };
  }
  try {
    const addon = createRequire(import.meta.url)(path) as NativeAddon;
    if (addon.abiVersion !== ADDON_ABI_VERSION) {
      return {
        addon: null,
        reason: `${path} is a stale build (ABI ${addon.abiVersion}, expected ${ADDON_ABI_VERSION}); rebuild it with \`node scripts/build-native.mjs\``,
        path,
      };
    }
    return { addon, reason: null, path };
  } catch (error) {
    return { addon: null, reason: `loading ${path} failed: ${(error as Error).message}`, path };
  }
}

/** The addon for this thread, or null (see `addonStatus().reason`). Loaded once per thread. */
export function loadAddon(): NativeAddon | null {
  if (loadedAddon !== undefined) return loadedAddon;
  const result = load();
  loadedAddon = result.addon;
  status = {
    loaded: result.addon !== null,
    reason: result.reason,
    path: result.path,
    kernels: result.addon !== null ? `native-${result.addon.kernelIsa}` : 'typescript',
  };
  return loadedAddon;
}

export function addonStatus(): AddonStatus {
  loadAddon();
  return status!;
}

/** The one-line startup warning, or null when the addon is loaded. */
export function addonWarning(): string | null {
  const s = addonStatus();
  return s.loaded ? null : `native addon not loaded (${s.reason}); using TypeScript fallbacks`;
}
