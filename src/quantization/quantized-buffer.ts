// The one container every encoding lives in, in RAM and on disk alike: a SharedArrayBuffer laid
// out exactly as the serialised file, so `toBytes()` is a view (no copy), a worker opens the same
// memory with `open(...)` (no copy), and a file read into a SharedArrayBuffer of its exact size is
// used in place.
//
// Layout (all integers little-endian):
//
//   0   8  magic "RVQUANT\0"
//   8   4  format version (1)
//  12   4  meta length L (bytes of UTF-8 JSON)
//  16   8  total length T (u64; the file is exactly T bytes)
//  24   4  CRC-32 of bytes [32, T)          (everything after the header)
//  28   4  CRC-32 of bytes [0, 28)          (the header itself)
//  32   L  meta JSON: kind-specific parameters plus `sections`: [{ name, offset, bytes }]
//  …       sections, each starting at a multiple of 64 bytes (typed-array and SIMD alignment)
//
// Warning: the data CRC is written by `seal()` once encoding is done; a buffer that was never
// sealed does not open. Bump FORMAT_VERSION whenever the layout or a section's meaning changes.

import { crc32 } from 'node:zlib';
import { RingvecError } from '../common/errors.js';
import { hugePageSharedBuffer } from '../native/huge-pages.js';

const MAGIC = 'RVQUANT\0';
export const FORMAT_VERSION = 1;
const HEADER_BYTES = 32;
const ALIGN = 64;

export interface SectionSpec {
  readonly name: string;
  readonly bytes: number;
}

interface Section {
  readonly name: string;
  readonly offset: number;
  readonly bytes: number;
}

export interface OpenOptions {
  /**
   * Check the data CRC (default true). Pass false only for memory this process wrote itself,
   * e.g. a buffer shared with a worker thread, where checking would only cost time.
   */
  readonly verify?: boolean;
}

function alignUp(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

function corrupt(what: string): RingvecError {
  return new RingvecError('service', `corrupt quantized vectors data: ${what}`);
}

export class QuantizedBuffer {
  private constructor(
    readonly buffer: SharedArrayBuffer,
    readonly meta: Readonly<Record<string, unknown>>,
    private readonly sections: ReadonlyMap<string, Section>,
  ) {}

  /** A zeroed buffer with room for `meta` and the sections, in order. */
  static allocate(meta: Record<string, unknown>, specs: readonly SectionSpec[]): QuantizedBuffer {
    // The meta JSON holds the section offsets, whose values depend on the JSON's length: lay the
    // sections out after a generous estimate of it, then pad the real JSON to the same size.
    const placeholder = JSON.stringify({
      ...meta,
      sections: specs.map((s) => ({ ...s, offset: 0 })),
    });
    const metaRoom = alignUp(
      HEADER_BYTES + Buffer.byteLength(placeholder) + 16 * specs.length + 32,
    );
    let offset = metaRoom;
    const sections: Section[] = [];
    for (const spec of specs) {
      if (!Number.isSafeInteger(spec.bytes) || spec.bytes < 0) {
        throw new RingvecError('service', `section ${spec.name}: invalid size ${spec.bytes}`);
      }
      sections.push({ name: spec.name, offset, bytes: spec.bytes });
      offset = alignUp(offset + spec.bytes);
    }
    const total = offset;
    const json = Buffer.from(JSON.stringify({ ...meta, sections }), 'utf8');
    if (HEADER_BYTES + json.length > metaRoom) {
      throw new RingvecError('service', 'quantized meta larger than its reserved room');
    }
    const buffer = hugePageSharedBuffer(total);
    const bytes = new Uint8Array(buffer);
    bytes.set(Buffer.from(MAGIC, 'latin1'), 0);
    const view = new DataView(buffer);
    view.setUint32(8, FORMAT_VERSION, true);
    view.setUint32(12, json.length, true);
    view.setBigUint64(16, BigInt(total), true);
    bytes.set(json, HEADER_BYTES);
    return new QuantizedBuffer(
      buffer,
      JSON.parse(json.toString('utf8')) as Record<string, unknown>,
      new Map(sections.map((s) => [s.name, s])),
    );
  }

  /**
   * Opens serialised bytes. Zero-copy when `bytes` covers a whole SharedArrayBuffer of exactly the
   * file's size (what `toBytes()` returns, or a file read into such a buffer); otherwise the bytes
   * are copied once into a new SharedArrayBuffer. Throws RingvecError('service', 'corrupt quantized vectors data: …')
   * naming what is wrong (truncated, bad magic, version, checksum, layout).
   */
  static open(bytes: Uint8Array, options: OpenOptions = {}): QuantizedBuffer {
    if (bytes.length < HEADER_BYTES) {
      throw corrupt(
        `truncated: expected at least ${HEADER_BYTES} header bytes, got ${bytes.length}`,
      );
    }
    if (Buffer.from(bytes.buffer, bytes.byteOffset, 8).toString('latin1') !== MAGIC) {
      throw corrupt('bad magic (not a ringvec quantized vectors file)');
    }
    const header = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
    const headerCrc = crc32(bytes.subarray(0, 28));
    if (header.getUint32(28, true) !== headerCrc) {
      throw corrupt(
        `header checksum mismatch: expected ${header.getUint32(28, true)}, got ${headerCrc}`,
      );
    }
    const version = header.getUint32(8, true);
    if (version !== FORMAT_VERSION) {
      throw corrupt(`unsupported format version ${version} (expected ${FORMAT_VERSION})`);
    }
    const metaLength = header.getUint32(12, true);
    const total = Number(header.getBigUint64(16, true));
    if (bytes.length < total)
      throw corrupt(`truncated: expected ${total} bytes, got ${bytes.length}`);
    if (bytes.length > total) {
      throw corrupt(`length mismatch: expected ${total} bytes, got ${bytes.length}`);
    }
    if (options.verify !== false) {
      const dataCrc = crc32(bytes.subarray(HEADER_BYTES));
      if (header.getUint32(24, true) !== dataCrc) {
        throw corrupt(`checksum mismatch: expected ${header.getUint32(24, true)}, got ${dataCrc}`);
      }
    }
    if (HEADER_BYTES + metaLength > total) throw corrupt(`meta length ${metaLength} past the end`);
    let meta: Record<string, unknown>;
    try {
      const text = Buffer.from(bytes.buffer, bytes.byteOffset + HEADER_BYTES, metaLength);
      const parsed: unknown = JSON.parse(text.toString('utf8'));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new Error('not an object');
      }
      meta = parsed as Record<string, unknown>;
    } catch (error) {
      throw corrupt(`unreadable meta (${error instanceof Error ? error.message : String(error)})`);
    }
    const sections = new Map<string, Section>();
    if (!Array.isArray(meta.sections)) throw corrupt('meta has no section table');
    for (const entry of meta.sections as unknown[]) {
      const s = entry as Partial<Section>;
      if (
        typeof s?.name !== 'string' ||
        !Number.isSafeInteger(s.offset) ||
        !Number.isSafeInteger(s.bytes) ||
        s.offset! % ALIGN !== 0 ||
        s.offset! < HEADER_BYTES + metaLength ||
        s.bytes! < 0 ||
        s.offset! + s.bytes! > total
      ) {
        throw corrupt(`bad section entry ${JSON.stringify(entry)} for ${total} bytes`);
      }
      sections.set(s.name, { name: s.name, offset: s.offset!, bytes: s.bytes! });
    }
    let buffer: SharedArrayBuffer;
    if (
      bytes.buffer instanceof SharedArrayBuffer &&
      bytes.byteOffset === 0 &&
      bytes.buffer.byteLength === total
    ) {
      buffer = bytes.buffer;
    } else {
      buffer = hugePageSharedBuffer(total);
      new Uint8Array(buffer).set(bytes);
    }
    return new QuantizedBuffer(buffer, meta, sections);
  }

  /** Computes and writes both checksums. Call once, after the last byte is written. */
  seal(): void {
    const bytes = new Uint8Array(this.buffer);
    const view = new DataView(this.buffer);
    view.setUint32(24, crc32(bytes.subarray(HEADER_BYTES)), true);
    view.setUint32(28, crc32(bytes.subarray(0, 28)), true);
  }

  get byteLength(): number {
    return this.buffer.byteLength;
  }

  bytes(): Uint8Array {
    return new Uint8Array(this.buffer);
  }

  /** Bytes of section `name`, checked against the size the caller expects. */
  u8(name: string, expectedBytes: number): Uint8Array {
    const s = this.section(name, expectedBytes);
    return new Uint8Array(this.buffer, s.offset, s.bytes);
  }

  f32(name: string, expectedLength: number): Float32Array {
    const s = this.section(name, expectedLength * 4);
    return new Float32Array(this.buffer, s.offset, expectedLength);
  }

  private section(name: string, expectedBytes: number): Section {
    const s = this.sections.get(name);
    if (s === undefined) throw corrupt(`missing section '${name}'`);
    if (s.bytes !== expectedBytes) {
      throw corrupt(`section '${name}': expected ${expectedBytes} bytes, got ${s.bytes}`);
    }
    return s;
  }
}

/** Reads a meta field that must be a safe non-negative integer. */
export function metaInt(
  meta: Readonly<Record<string, unknown>>,
  key: string,
  max = 2 ** 32,
): number {
  const value = meta[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max) {
    throw corrupt(
      `meta '${key}': expected an integer in [0, ${max}], got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** Reads a meta field that must be a finite number. */
export function metaNumber(meta: Readonly<Record<string, unknown>>, key: string): number {
  const value = meta[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw corrupt(`meta '${key}': expected a number, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Reads a meta field that must be one of `allowed`. */
export function metaEnum<T extends string>(
  meta: Readonly<Record<string, unknown>>,
  key: string,
  allowed: readonly T[],
): T {
  const value = meta[key];
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw corrupt(
      `meta '${key}': expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`,
    );
  }
  return value as T;
}
