// The byte layout shared by every payload index: a small JSON header followed by typed-array
// sections, each 8-byte aligned, so a loaded index is a set of typed-array views over one buffer.
// Loading from an ArrayBuffer or SharedArrayBuffer copies nothing (when the given bytes start on
// an 8-byte boundary), which lets worker threads share one copy of an index.
//
// Layout (little-endian):
//   u32 magic "RVPI" | u32 format version | u32 header length | u32 reserved (0)
//   header JSON (UTF-8), zero-padded to a multiple of 8
//   sections, in header order, each starting on a multiple of 8 relative to the magic
// Header: { kind, meta, sections: [[name, type, byteOffset, length], …] } (offsets from the magic).
//
// Warning: typed arrays are written in the host byte order; every platform Node supports is
// little-endian, and loading checks the magic, so a big-endian reader would refuse the file.

export const MAGIC = 0x49505652; // "RVPI" read as little-endian u32
export const FORMAT_VERSION = 1;

export type SectionArray = Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array;

type SectionType = 'u8' | 'u16' | 'u32' | 'i32' | 'f64';

function typeOf(array: SectionArray): SectionType {
  if (array instanceof Uint8Array) return 'u8';
  if (array instanceof Uint16Array) return 'u16';
  if (array instanceof Uint32Array) return 'u32';
  if (array instanceof Int32Array) return 'i32';
  return 'f64';
}

const CONSTRUCTORS = {
  u8: Uint8Array,
  u16: Uint16Array,
  u32: Uint32Array,
  i32: Int32Array,
  f64: Float64Array,
} as const;

const align8 = (n: number) => (n + 7) & ~7;

export class SectionWriter {
  private readonly sections: [string, SectionArray][] = [];

  add(name: string, array: SectionArray): this {
    this.sections.push([name, array]);
    return this;
  }

  /** The whole index as one buffer. */
  finish(kind: string, meta: unknown): Uint8Array {
    // Offsets depend on the header length, which depends on the offsets' digits: iterate.
    let headerBytes = new Uint8Array(0);
    let table: [string, SectionType, number, number][] = [];
    for (let guess = 0; ;) {
      let at = align8(16 + guess);
      table = this.sections.map(([name, array]) => {
        const entry: [string, SectionType, number, number] = [
          name,
          typeOf(array),
          at,
          array.length,
        ];
        at = align8(at + array.byteLength);
        return entry;
      });
      headerBytes = new TextEncoder().encode(JSON.stringify({ kind, meta, sections: table }));
      if (align8(16 + headerBytes.length) === align8(16 + guess)) break;
      guess = headerBytes.length;
    }
    const last = table[table.length - 1];
    const total =
      last === undefined
        ? align8(16 + headerBytes.length)
        : align8(last[2] + this.sections[this.sections.length - 1]![1].byteLength);
    const out = new Uint8Array(total);
    const view = new DataView(out.buffer);
    view.setUint32(0, MAGIC, true);
    view.setUint32(4, FORMAT_VERSION, true);
    view.setUint32(8, headerBytes.length, true);
    out.set(headerBytes, 16);
    this.sections.forEach(([, array], i) => {
      out.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), table[i]![2]);
    });
    return out;
  }
}

export interface LoadedSections {
  readonly kind: string;
  readonly meta: unknown;
  u8(name: string): Uint8Array;
  u16(name: string): Uint16Array;
  u32(name: string): Uint32Array;
  i32(name: string): Int32Array;
  f64(name: string): Float64Array;
}

export class IndexFormatError extends Error {}

/**
 * Views over a serialized index. `bytes` may live in an ArrayBuffer or SharedArrayBuffer; if it
 * does not start on an 8-byte boundary it is copied once (typed arrays need aligned views).
 */
export function readSections(bytes: Uint8Array): LoadedSections {
  if (bytes.byteOffset % 8 !== 0) bytes = bytes.slice();
  if (bytes.length < 16) throw new IndexFormatError('payload index: truncated header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw new IndexFormatError('payload index: bad magic');
  const version = view.getUint32(4, true);
  if (version !== FORMAT_VERSION) {
    throw new IndexFormatError(
      `payload index: format version ${version}, expected ${FORMAT_VERSION}`,
    );
  }
  const headerLength = view.getUint32(8, true);
  if (16 + headerLength > bytes.length)
    throw new IndexFormatError('payload index: truncated header');
  const header = JSON.parse(
    Buffer.from(bytes.subarray(16, 16 + headerLength)).toString('utf8'),
  ) as { kind: string; meta: unknown; sections: [string, SectionType, number, number][] };
  const byName = new Map<string, [SectionType, number, number]>();
  for (const [name, type, offset, length] of header.sections) {
    const end = offset + length * CONSTRUCTORS[type].BYTES_PER_ELEMENT;
    if (offset % 8 !== 0 || end > bytes.length) {
      throw new IndexFormatError(`payload index: section ${name} out of bounds`);
    }
    byName.set(name, [type, offset, length]);
  }
  const buffer = bytes.buffer;
  const locate = (name: string, type: SectionType): [number, number] => {
    const entry = byName.get(name);
    if (entry === undefined || entry[0] !== type) {
      throw new IndexFormatError(`payload index: missing section ${name} (${type})`);
    }
    return [bytes.byteOffset + entry[1], entry[2]];
  };
  return {
    kind: header.kind,
    meta: header.meta,
    u8: (name) => new Uint8Array(buffer, ...locate(name, 'u8')),
    u16: (name) => new Uint16Array(buffer, ...locate(name, 'u16')),
    u32: (name) => new Uint32Array(buffer, ...locate(name, 'u32')),
    i32: (name) => new Int32Array(buffer, ...locate(name, 'i32')),
    f64: (name) => new Float64Array(buffer, ...locate(name, 'f64')),
  };
}
