// Vectors for the HTTP benchmarks: a seeded clustered float32 set generated once and cached under
// bench/data/ (gitignored), or a user's file (.fvecs, .npy with dtype <f4, or raw little-endian
// float32). Vectors are read in chunks from the file, so a 1M × 768 set (3 GB) never sits in the
// benchmark's heap.
//
// Generated values lie on a 1e-5 grid after normalisation, so each prints as a short decimal
// ("0.03125") that the server parses back to exactly the stored float32; that keeps upload JSON
// about half the size of full-precision floats. A component of a unit 768-d vector is ~0.036, so
// the grid changes it by < 0.03 %.

import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/common/package-root.js';
import { SeededRandom } from '../../src/quantization/seeded-random.js';
import { onExit } from './cleanup.js';

export interface VectorSource {
  readonly count: number;
  readonly dim: number;
  /** Where the vectors come from (file path and format), for reports. */
  readonly description: string;
  /** Copies vectors [first, first + n) into out[0 .. n × dim). */
  read(first: number, n: number, out: Float32Array): void;
  /** One component as a JSON number that parses back to the same float32. */
  format(value: number): string;
  close(): void;
}

const GRID = 1e5;

function formatGrid(value: number): string {
  return String(Math.round(value * GRID) / GRID);
}

function formatFloat32(value: number): string {
  // 9 significant digits always read back as the same float32; Number() drops trailing zeros.
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(9)));
}

/** `[v0,v1,…]` for vector i of a chunk read with `source.read`. */
export function vectorJson(source: VectorSource, chunk: Float32Array, i: number): string {
  const dim = source.dim;
  const parts = new Array<string>(dim);
  for (let j = 0; j < dim; j++) parts[j] = source.format(chunk[i * dim + j]!);
  return `[${parts.join(',')}]`;
}

export function dataDir(): string {
  return join(packageRoot(), 'bench', 'data');
}

interface FileLayout {
  readonly headerBytes: number;
  /** Bytes from one vector to the next (fvecs: 4 + 4 × dim). */
  readonly strideBytes: number;
  /** Bytes to skip at the start of each record (fvecs: the int32 dimension). */
  readonly recordPrefixBytes: number;
}

class FileVectorSource implements VectorSource {
  private readonly fd: number;
  readonly count: number;

  constructor(
    readonly path: string,
    readonly dim: number,
    private readonly layout: FileLayout,
    limit: number | undefined,
    readonly description: string,
    readonly format: (value: number) => string,
  ) {
    this.fd = openSync(path, 'r');
    const available = Math.floor(
      (fstatSync(this.fd).size - layout.headerBytes) / layout.strideBytes,
    );
    this.count = limit === undefined ? available : Math.min(limit, available);
    if (limit !== undefined && limit > available) {
      process.stderr.write(
        `${path} holds ${available} vectors, fewer than --points ${limit}; using ${available}\n`,
      );
    }
  }

  read(first: number, n: number, out: Float32Array): void {
    if (first + n > this.count) throw new RangeError(`vectors ${first}+${n} past ${this.count}`);
    const { headerBytes, strideBytes, recordPrefixBytes } = this.layout;
    const vectorBytes = this.dim * 4;
    const position = headerBytes + first * strideBytes;
    if (strideBytes === vectorBytes) {
      const bytes = new Uint8Array(out.buffer, out.byteOffset, n * vectorBytes);
      readFully(this.fd, bytes, position);
      return;
    }
    const raw = new Uint8Array(n * strideBytes);
    readFully(this.fd, raw, position);
    const target = new Uint8Array(out.buffer, out.byteOffset, n * vectorBytes);
    for (let i = 0; i < n; i++) {
      const at = i * strideBytes + recordPrefixBytes;
      target.set(raw.subarray(at, at + vectorBytes), i * vectorBytes);
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}

function readFully(fd: number, into: Uint8Array, position: number): void {
  let done = 0;
  while (done < into.length) {
    const got = readSync(fd, into, done, into.length - done, position + done);
    if (got === 0) throw new Error(`unexpected end of file at byte ${position + done}`);
    done += got;
  }
}

function readHead(path: string, bytes: number): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const head = new Uint8Array(bytes);
    const got = readSync(fd, head, 0, bytes, 0);
    return head.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/**
 * Opens a vector file by extension: .fvecs (int32 dim, then dim float32, per vector), .npy (2-D,
 * dtype <f4, C order), anything else raw little-endian float32 (needs `dim`).
 */
export function openVectorFile(
  path: string,
  dim: number | undefined,
  limit?: number,
): VectorSource {
  if (!existsSync(path)) throw new Error(`--data ${path}: no such file`);
  const lower = path.toLowerCase();
  if (lower.endsWith('.fvecs')) {
    const head = readHead(path, 4);
    if (head.length < 4) throw new Error(`${path}: too short for .fvecs`);
    const fileDim = new DataView(head.buffer, head.byteOffset).getInt32(0, true);
    if (dim !== undefined && dim !== fileDim) {
      throw new Error(`${path}: expected dim ${dim} (--dim), the file's vectors have ${fileDim}`);
    }
    return new FileVectorSource(
      path,
      fileDim,
      { headerBytes: 0, strideBytes: 4 + 4 * fileDim, recordPrefixBytes: 4 },
      limit,
      `${path} (.fvecs)`,
      formatFloat32,
    );
  }
  if (lower.endsWith('.npy')) {
    const head = readHead(path, 65536);
    const magic = '\x93NUMPY';
    if (String.fromCharCode(...head.subarray(0, 6)) !== magic)
      throw new Error(`${path}: not a .npy file`);
    const major = head[6]!;
    const view = new DataView(head.buffer, head.byteOffset);
    const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
    const start = major === 1 ? 10 : 12;
    const header = new TextDecoder().decode(head.subarray(start, start + headerLength));
    const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
    const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
    const shape = /'shape':\s*\(\s*(\d+)\s*,\s*(\d+)\s*,?\s*\)/.exec(header);
    if (descr !== '<f4') throw new Error(`${path}: expected dtype '<f4' (float32), got '${descr}'`);
    if (fortran !== 'False') throw new Error(`${path}: expected C order (fortran_order False)`);
    if (shape === null) throw new Error(`${path}: expected a 2-D array, header ${header.trim()}`);
    const fileDim = Number(shape[2]);
    if (dim !== undefined && dim !== fileDim) {
      throw new Error(`${path}: expected dim ${dim} (--dim), the array has ${fileDim} columns`);
    }
    const rows = Number(shape[1]);
    return new FileVectorSource(
      path,
      fileDim,
      { headerBytes: start + headerLength, strideBytes: 4 * fileDim, recordPrefixBytes: 0 },
      Math.min(limit ?? rows, rows),
      `${path} (.npy ${rows}×${fileDim})`,
      formatFloat32,
    );
  }
  if (dim === undefined) throw new Error(`--data ${path}: raw float32 needs --dim`);
  return new FileVectorSource(
    path,
    dim,
    { headerBytes: 0, strideBytes: 4 * dim, recordPrefixBytes: 0 },
    limit,
    `${path} (raw float32)`,
    formatFloat32,
  );
}

export interface GenerateOptions {
  readonly count: number;
  readonly dim: number;
  readonly seed: number;
  /** Default √count, at most 4096. */
  readonly clusters?: number;
  /** Called with the number of vectors written so far. */
  readonly onProgress?: (done: number) => void;
}

export function generatedPath(options: GenerateOptions): string {
  const clusters = clusterCount(options);
  return join(
    dataDir(),
    `clustered-${options.count}x${options.dim}-c${clusters}-s${options.seed}.f32`,
  );
}

function clusterCount(options: GenerateOptions): number {
  return options.clusters ?? Math.min(4096, Math.max(1, Math.round(Math.sqrt(options.count))));
}

/**
 * Seeded clustered unit vectors (Cosine-ready): Gaussian clusters around random centres with
 * per-dimension scales, like src/quantization/clustered-dataset.ts but streamed to a file.
 * Generated once per (count, dim, clusters, seed) and reused.
 */
export function generatedVectors(options: GenerateOptions): {
  source: VectorSource;
  cached: boolean;
} {
  const path = generatedPath(options);
  const cached = existsSync(path);
  if (!cached) {
    mkdirSync(dataDir(), { recursive: true });
    const partial = `${path}.${process.pid}.partial`;
    const { count, dim } = options;
    const random = new SeededRandom(options.seed);
    const clusters = clusterCount(options);
    const spread = 0.5;
    const scales = Float64Array.from({ length: dim }, () => 0.25 + 1.75 * random.next());
    const centres = new Float64Array(clusters * dim);
    for (let i = 0; i < centres.length; i++) centres[i] = random.normal() * scales[i % dim]!;
    const chunkVectors = 4096;
    const chunk = new Float32Array(chunkVectors * dim);
    const row = new Float64Array(dim);
    const fd = openSync(partial, 'w');
    const forget = onExit(() => rmSync(partial, { force: true }));
    try {
      for (let first = 0; first < count; first += chunkVectors) {
        const n = Math.min(chunkVectors, count - first);
        for (let i = 0; i < n; i++) {
          const c = random.int(clusters) * dim;
          let norm = 0;
          for (let j = 0; j < dim; j++) {
            const value = centres[c + j]! + spread * scales[j]! * random.normal();
            row[j] = value;
            norm += value * value;
          }
          const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
          for (let j = 0; j < dim; j++)
            chunk[i * dim + j] = Math.round(row[j]! * scale * GRID) / GRID;
        }
        const bytes = new Uint8Array(chunk.buffer, 0, n * dim * 4);
        let written = 0;
        while (written < bytes.length) written += writeSync(fd, bytes, written);
        options.onProgress?.(first + n);
      }
    } finally {
      closeSync(fd);
    }
    renameSync(partial, path);
    forget();
  }
  const source = new FileVectorSource(
    path,
    options.dim,
    { headerBytes: 0, strideBytes: 4 * options.dim, recordPrefixBytes: 0 },
    options.count,
    `generated clustered unit vectors (${clusterCount(options)} clusters, seed ${options.seed}), cached at ${path}`,
    formatGrid,
  );
  return { source, cached };
}
