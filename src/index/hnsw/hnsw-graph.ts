// The HNSW graph's memory: flat typed arrays in ONE SharedArrayBuffer, so worker threads can share
// a graph without copying, and so the in-memory layout is also the file format (toBytes() is a
// view, fromBuffer() of a SharedArrayBuffer is zero-copy). The graph is immutable once built.
//
// File / memory format, version 1. All integers are little-endian u32 unless noted; sections
// start at 8-byte aligned offsets computed from the header (nothing else is stored):
//
//   header (96 bytes, 24 words)
//     w0-1  magic "RVHNSWGR"             w10  ef_construct used to build (informational)
//     w2    format version (1)           w11  upperWords: u32 length of the upper-links section
//     w3    header bytes (96)            w12  extraWords: u32 length of extra links (0 = none)
//     w4    point count n                w13  payload_m that built the extra links (informational)
//     w5    m  (upper-level degree)      w14  total bytes, low 32 bits
//     w6    m0 (level-0 degree)          w15  total bytes, high 32 bits
//     w7    stride0 = slots per node on  w16-21 reserved, 0
//           level 0 (≥ m0 + 1)           w22  CRC-32 of bytes [96, total)
//     w8    max level L (0 when n = 0)   w23  CRC-32 of header bytes [0, 92)
//     w9    entry point (a node of level L; 0xFFFFFFFF when n = 0)
//   levels        u8[n]                  top level of each node
//   upperOffsets  u32[n]                 node i's first upper-links slot (0 when levels[i] = 0);
//                                        exactly the prefix sum of levels[j] * (m + 1) over j < i
//   links0        u32[n * stride0]       node i at i*stride0: [count, neighbour × count, unused …]
//   upperLinks    u32[upperWords]        node i, level l ≥ 1 at upperOffsets[i] + (l-1)*(m+1):
//                                        [count, neighbour × count, unused …] (count ≤ m)
//   only when extraWords > 0 (payload_m links, level 0, see group-links.ts):
//   extraOffsets  u32[n + 1]             node i's extra links are extraLinks[extraOffsets[i] …
//   extraLinks    u32[extraWords]        extraOffsets[i+1]); offsets non-decreasing, last = words
//
// Invariants checked on load (so a corrupt or hostile file fails with a clear error instead of an
// out-of-bounds read later): sizes match the header, counts ≤ capacity, every neighbour < n, a
// neighbour on level l has a level ≥ l, the entry point has the max level, reserved words are 0,
// both CRCs match. The checksums are written when the builder seals the graph, so `buffer` is a
// valid file as soon as a build returns.

import { crc32 } from 'node:zlib';
import { errors } from '../../common/errors.js';
import { hugePageSharedBuffer } from '../../native/huge-pages.js';

export const HNSW_FORMAT_VERSION = 1;
export const HNSW_HEADER_BYTES = 96;
/** Levels above this are rejected; floor(-ln(u) / ln(m)) with a 32-bit u stays below 33. */
export const HNSW_MAX_LEVEL = 63;
export const NO_ENTRY_POINT = 0xffffffff;

const MAGIC = [0x4e485652, 0x52475753]; // "RVHNSWGR" as two little-endian words
const W_MAGIC0 = 0;
const W_MAGIC1 = 1;
const W_VERSION = 2;
const W_HEADER_BYTES = 3;
const W_COUNT = 4;
const W_M = 5;
const W_M0 = 6;
const W_STRIDE0 = 7;
const W_MAX_LEVEL = 8;
const W_ENTRY = 9;
const W_EF_CONSTRUCT = 10;
const W_UPPER_WORDS = 11;
const W_EXTRA_WORDS = 12;
const W_PAYLOAD_M = 13;
const W_TOTAL_LO = 14;
const W_TOTAL_HI = 15;
const W_RESERVED_FIRST = 16;
const W_BODY_CRC = 22;
const W_HEADER_CRC = 23;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

interface SectionLayout {
  levelsOffset: number;
  upperOffsetsOffset: number;
  links0Offset: number;
  upperLinksOffset: number;
  extraOffsetsOffset: number;
  extraOffsetsLength: number;
  extraLinksOffset: number;
  totalBytes: number;
}

function align8(bytes: number): number {
  return Math.ceil(bytes / 8) * 8;
}

function sectionLayout(
  count: number,
  stride0: number,
  upperWords: number,
  extraWords: number,
): SectionLayout {
  const levelsOffset = HNSW_HEADER_BYTES;
  const upperOffsetsOffset = align8(levelsOffset + count);
  const links0Offset = align8(upperOffsetsOffset + 4 * count);
  const upperLinksOffset = align8(links0Offset + 4 * count * stride0);
  const extraOffsetsOffset = align8(upperLinksOffset + 4 * upperWords);
  const extraOffsetsLength = extraWords > 0 ? count + 1 : 0;
  const extraLinksOffset = align8(extraOffsetsOffset + 4 * extraOffsetsLength);
  const totalBytes = align8(extraLinksOffset + 4 * extraWords);
  return {
    levelsOffset,
    upperOffsetsOffset,
    links0Offset,
    upperLinksOffset,
    extraOffsetsOffset,
    extraOffsetsLength,
    extraLinksOffset,
    totalBytes,
  };
}

function corrupt(what: string): Error {
  return errors.service(`corrupt HNSW graph: ${what}`);
}

export interface HnswGraphShape {
  /** Number of nodes (points), addressed 0 … count-1. */
  count: number;
  /** Degree of the upper levels. */
  m: number;
  /** Degree of level 0 (2·m by default). */
  m0: number;
  /** Slots per node on level 0: 1 + capacity; capacity ≥ m0 leaves room for extra links. */
  stride0: number;
  efConstruct: number;
  /** Top level of every node. */
  levels: Uint8Array;
  /** Length of the extra (payload_m) links section; 0 = none. */
  extraWords?: number;
  payloadM?: number;
}

export interface HnswGraphLoadOptions {
  /** Check the CRC-32 of header and body (default true). Structure is always validated. */
  verifyChecksum?: boolean;
}

export class HnswGraph {
  /** The whole graph, header included; share it with workers through postMessage. */
  readonly buffer: SharedArrayBuffer;
  readonly count: number;
  readonly m: number;
  readonly m0: number;
  /** Slots per node on level 0 (count + neighbours). */
  readonly stride0: number;
  /** Slots per node per upper level: m + 1. */
  readonly stride1: number;
  readonly efConstruct: number;
  readonly levels: Uint8Array;
  readonly upperOffsets: Uint32Array;
  readonly links0: Uint32Array;
  readonly upperLinks: Uint32Array;
  /** Extra level-0 links (payload_m); both empty when the graph has none. */
  readonly extraOffsets: Uint32Array;
  readonly extraLinks: Uint32Array;
  private readonly header: Uint32Array;
  private cachedMaxExtraDegree: number | undefined;

  private constructor(buffer: SharedArrayBuffer) {
    const header = new Uint32Array(buffer, 0, HNSW_HEADER_BYTES / 4);
    const count = header[W_COUNT]!;
    const stride0 = header[W_STRIDE0]!;
    const upperWords = header[W_UPPER_WORDS]!;
    const extraWords = header[W_EXTRA_WORDS]!;
    const layout = sectionLayout(count, stride0, upperWords, extraWords);
    this.buffer = buffer;
    this.header = header;
    this.count = count;
    this.m = header[W_M]!;
    this.m0 = header[W_M0]!;
    this.stride0 = stride0;
    this.stride1 = this.m + 1;
    this.efConstruct = header[W_EF_CONSTRUCT]!;
    this.levels = new Uint8Array(buffer, layout.levelsOffset, count);
    this.upperOffsets = new Uint32Array(buffer, layout.upperOffsetsOffset, count);
    this.links0 = new Uint32Array(buffer, layout.links0Offset, count * stride0);
    this.upperLinks = new Uint32Array(buffer, layout.upperLinksOffset, upperWords);
    this.extraOffsets = new Uint32Array(
      buffer,
      layout.extraOffsetsOffset,
      layout.extraOffsetsLength,
    );
    this.extraLinks = new Uint32Array(buffer, layout.extraLinksOffset, extraWords);
  }

  /** Highest level of the graph. */
  get maxLevel(): number {
    return this.header[W_MAX_LEVEL]!;
  }

  /** Where every search starts: a node of level maxLevel, or NO_ENTRY_POINT for an empty graph. */
  get entryPoint(): number {
    return this.header[W_ENTRY]!;
  }

  /** payload_m of the extra links (0 when there are none). */
  get payloadM(): number {
    return this.header[W_PAYLOAD_M]!;
  }

  /** Most extra links any node has (0 without extra links). */
  get maxExtraDegree(): number {
    if (this.cachedMaxExtraDegree === undefined) {
      let max = 0;
      for (let i = 0; i + 1 < this.extraOffsets.length; i++) {
        max = Math.max(max, this.extraOffsets[i + 1]! - this.extraOffsets[i]!);
      }
      this.cachedMaxExtraDegree = max;
    }
    return this.cachedMaxExtraDegree;
  }

  /** Bytes of the whole graph (= file size). */
  get sizeBytes(): number {
    return this.buffer.byteLength;
  }

  /**
   * An empty graph (no links) for a builder to fill. Upper-level storage is laid out from
   * `levels` now, so building never reallocates.
   */
  static allocate(shape: HnswGraphShape): HnswGraph {
    const { count, m, m0, stride0, efConstruct, levels } = shape;
    const extraWords = shape.extraWords ?? 0;
    if (!LITTLE_ENDIAN) throw errors.service('HNSW graphs need a little-endian platform');
    if (levels.length !== count) {
      throw errors.service(`HNSW levels: expected ${count} entries, got ${levels.length}`);
    }
    if (stride0 < m0 + 1) throw errors.service(`HNSW stride0 ${stride0} < m0 + 1 = ${m0 + 1}`);
    let upperWords = 0;
    for (let i = 0; i < count; i++) upperWords += levels[i]! * (m + 1);
    const layout = sectionLayout(count, stride0, upperWords, extraWords);
    const buffer = hugePageSharedBuffer(layout.totalBytes);
    const header = new Uint32Array(buffer, 0, HNSW_HEADER_BYTES / 4);
    header[W_MAGIC0] = MAGIC[0]!;
    header[W_MAGIC1] = MAGIC[1]!;
    header[W_VERSION] = HNSW_FORMAT_VERSION;
    header[W_HEADER_BYTES] = HNSW_HEADER_BYTES;
    header[W_COUNT] = count;
    header[W_M] = m;
    header[W_M0] = m0;
    header[W_STRIDE0] = stride0;
    header[W_MAX_LEVEL] = 0;
    header[W_ENTRY] = NO_ENTRY_POINT;
    header[W_EF_CONSTRUCT] = efConstruct;
    header[W_UPPER_WORDS] = upperWords;
    header[W_EXTRA_WORDS] = extraWords;
    header[W_PAYLOAD_M] = shape.payloadM ?? 0;
    header[W_TOTAL_LO] = layout.totalBytes >>> 0;
    header[W_TOTAL_HI] = Math.floor(layout.totalBytes / 4294967296);
    const graph = new HnswGraph(buffer);
    graph.levels.set(levels);
    let offset = 0;
    for (let i = 0; i < count; i++) {
      const level = levels[i]!;
      if (level > HNSW_MAX_LEVEL) throw errors.service(`HNSW level ${level} > ${HNSW_MAX_LEVEL}`);
      if (level > 0) {
        graph.upperOffsets[i] = offset;
        offset += level * (m + 1);
      }
    }
    return graph;
  }

  /** Builder only: the node searches start from. */
  setEntryPoint(node: number, level: number): void {
    this.header[W_ENTRY] = node;
    this.header[W_MAX_LEVEL] = level;
  }

  /** Builder only: writes the checksums once the links are final (after any change to them). */
  seal(): void {
    const bytes = new Uint8Array(this.buffer);
    this.header[W_BODY_CRC] = crc32(bytes.subarray(HNSW_HEADER_BYTES));
    this.header[W_HEADER_CRC] = crc32(bytes.subarray(0, HNSW_HEADER_BYTES - 4));
  }

  /**
   * A copy of this graph with extra level-0 links (CSR: node i's are links[offsets[i] …
   * offsets[i+1])), replacing any it had. Sealed; this graph is left unchanged.
   */
  withExtraLinks(offsets: Uint32Array, links: Uint32Array, payloadM: number): HnswGraph {
    const { count } = this;
    if (offsets.length !== count + 1 || offsets[count] !== links.length) {
      throw errors.service(
        `HNSW extra links: expected ${count + 1} offsets ending at ${links.length}, got ` +
          `${offsets.length} ending at ${offsets[count]}`,
      );
    }
    const copy = HnswGraph.allocate({
      count,
      m: this.m,
      m0: this.m0,
      stride0: this.stride0,
      efConstruct: this.efConstruct,
      levels: this.levels,
      extraWords: links.length,
      payloadM,
    });
    copy.links0.set(this.links0);
    copy.upperLinks.set(this.upperLinks);
    copy.extraOffsets.set(offsets.subarray(0, copy.extraOffsets.length));
    copy.extraLinks.set(links);
    copy.setEntryPoint(this.entryPoint, this.maxLevel);
    copy.seal();
    return copy;
  }

  /** Neighbours of `node` on `level` (a copy; for tests and diagnostics, not hot loops). */
  neighbours(node: number, level: number): Uint32Array {
    if (node >= this.count || level > this.levels[node]!) return new Uint32Array(0);
    const [links, base] =
      level === 0
        ? [this.links0, node * this.stride0]
        : [this.upperLinks, this.upperOffsets[node]! + (level - 1) * this.stride1];
    return links.slice(base + 1, base + 1 + links[base]!);
  }

  /** The graph in its file format. Warning: a view of the graph's own memory, not a copy. */
  toBytes(): Uint8Array {
    return new Uint8Array(this.buffer);
  }

  /**
   * Loads a graph written by toBytes(). A SharedArrayBuffer is used in place (zero-copy, e.g. in a
   * worker); anything else is copied into a new SharedArrayBuffer. Throws RingvecError('service',
   * "corrupt HNSW graph: …") on any inconsistency.
   */
  static fromBuffer(
    input: Uint8Array | ArrayBuffer | SharedArrayBuffer,
    options: HnswGraphLoadOptions = {},
  ): HnswGraph {
    if (!LITTLE_ENDIAN) throw errors.service('HNSW graphs need a little-endian platform');
    let buffer: SharedArrayBuffer;
    if (input instanceof SharedArrayBuffer) {
      buffer = input;
    } else {
      const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
      buffer = new SharedArrayBuffer(bytes.byteLength);
      new Uint8Array(buffer).set(bytes);
    }
    validateHeader(buffer, options.verifyChecksum ?? true);
    const graph = new HnswGraph(buffer);
    graph.validateStructure();
    return graph;
  }

  private validateStructure(): void {
    const { count, m, m0, stride0, stride1, levels, upperOffsets, links0, upperLinks } = this;
    const { extraOffsets, extraLinks } = this;
    if (extraLinks.length > 0) {
      if (extraOffsets[0] !== 0 || extraOffsets[count] !== extraLinks.length) {
        throw corrupt(`extra-link offsets must run from 0 to ${extraLinks.length}`);
      }
      for (let i = 0; i < count; i++) {
        if (extraOffsets[i + 1]! < extraOffsets[i]!) {
          throw corrupt(`extra-link offsets decrease at node ${i}`);
        }
      }
      for (let j = 0; j < extraLinks.length; j++) {
        if (extraLinks[j]! >= count)
          throw corrupt(`extra link to ${extraLinks[j]} (count ${count})`);
      }
    }
    const capacity0 = stride0 - 1;
    let expectedOffset = 0;
    let topLevel = 0;
    for (let i = 0; i < count; i++) {
      const level = levels[i]!;
      if (level > HNSW_MAX_LEVEL) throw corrupt(`node ${i} has level ${level} > ${HNSW_MAX_LEVEL}`);
      if (level > topLevel) topLevel = level;
      if (level > 0) {
        if (upperOffsets[i] !== expectedOffset) {
          throw corrupt(
            `node ${i}: expected upper links at ${expectedOffset}, got ${upperOffsets[i]}`,
          );
        }
        expectedOffset += level * stride1;
      }
    }
    if (expectedOffset !== upperLinks.length) {
      throw corrupt(`expected ${expectedOffset} upper-link words, got ${upperLinks.length}`);
    }
    const entry = this.entryPoint;
    if (entry === NO_ENTRY_POINT) {
      // No point was linked (an empty set, or every point excluded from the build).
      if (topLevel !== 0 || this.maxLevel !== 0) throw corrupt('levels without an entry point');
    } else if (entry >= count) {
      throw corrupt(`entry point ${entry} out of range (count ${count})`);
    } else if (this.maxLevel !== topLevel || levels[entry] !== topLevel) {
      throw corrupt(
        `expected max level ${topLevel} at the entry point, got max level ${this.maxLevel} and ` +
          `entry level ${levels[entry]}`,
      );
    }
    for (let i = 0; i < count; i++) {
      const base = i * stride0;
      const n = links0[base]!;
      if (n > capacity0) throw corrupt(`node ${i} has ${n} level-0 links, capacity ${capacity0}`);
      for (let j = 1; j <= n; j++) {
        if (links0[base + j]! >= count) {
          throw corrupt(`node ${i} links to ${links0[base + j]} on level 0 (count ${count})`);
        }
      }
      const level = levels[i]!;
      for (let l = 1; l <= level; l++) {
        const ubase = upperOffsets[i]! + (l - 1) * stride1;
        const un = upperLinks[ubase]!;
        if (un > m) throw corrupt(`node ${i} has ${un} links on level ${l}, capacity ${m}`);
        for (let j = 1; j <= un; j++) {
          const other = upperLinks[ubase + j]!;
          if (other >= count || levels[other]! < l) {
            throw corrupt(`node ${i} links to ${other} on level ${l}, which is not on that level`);
          }
        }
      }
    }
    if (m0 < 1 || m0 > capacity0) throw corrupt(`m0 ${m0} does not fit stride0 ${stride0}`);
  }
}

function validateHeader(buffer: SharedArrayBuffer, verifyChecksum: boolean): void {
  if (buffer.byteLength < HNSW_HEADER_BYTES) {
    throw corrupt(`expected at least ${HNSW_HEADER_BYTES} bytes, got ${buffer.byteLength}`);
  }
  const header = new Uint32Array(buffer, 0, HNSW_HEADER_BYTES / 4);
  if (header[W_MAGIC0] !== MAGIC[0] || header[W_MAGIC1] !== MAGIC[1]) {
    throw corrupt('bad magic (not an HNSW graph file)');
  }
  if (header[W_VERSION] !== HNSW_FORMAT_VERSION) {
    throw corrupt(`expected format version ${HNSW_FORMAT_VERSION}, got ${header[W_VERSION]}`);
  }
  if (header[W_HEADER_BYTES] !== HNSW_HEADER_BYTES) {
    throw corrupt(`expected header size ${HNSW_HEADER_BYTES}, got ${header[W_HEADER_BYTES]}`);
  }
  const bytes = new Uint8Array(buffer);
  if (verifyChecksum) {
    const headerCrc = crc32(bytes.subarray(0, HNSW_HEADER_BYTES - 4));
    if (headerCrc !== header[W_HEADER_CRC]) {
      throw corrupt(
        `header checksum mismatch (expected ${header[W_HEADER_CRC]}, got ${headerCrc})`,
      );
    }
  }
  const count = header[W_COUNT]!;
  const m = header[W_M]!;
  const m0 = header[W_M0]!;
  const stride0 = header[W_STRIDE0]!;
  if (m < 1 || m > 0xffff || m0 < 1 || stride0 < m0 + 1 || stride0 > 0x10000) {
    throw corrupt(`implausible degrees m=${m} m0=${m0} stride0=${stride0}`);
  }
  if (header[W_MAX_LEVEL]! > HNSW_MAX_LEVEL) {
    throw corrupt(`max level ${header[W_MAX_LEVEL]} > ${HNSW_MAX_LEVEL}`);
  }
  for (let w = W_RESERVED_FIRST; w < W_BODY_CRC; w++) {
    if (header[w] !== 0) throw corrupt(`reserved header word ${w} is ${header[w]}, expected 0`);
  }
  const layout = sectionLayout(count, stride0, header[W_UPPER_WORDS]!, header[W_EXTRA_WORDS]!);
  const declared = header[W_TOTAL_LO]! + header[W_TOTAL_HI]! * 4294967296;
  if (declared !== layout.totalBytes || buffer.byteLength !== layout.totalBytes) {
    throw corrupt(
      `expected ${layout.totalBytes} bytes for ${count} nodes, header says ${declared}, ` +
        `got ${buffer.byteLength}`,
    );
  }
  if (verifyChecksum) {
    const bodyCrc = crc32(bytes.subarray(HNSW_HEADER_BYTES));
    if (bodyCrc !== header[W_BODY_CRC]) {
      throw corrupt(`body checksum mismatch (expected ${header[W_BODY_CRC]}, got ${bodyCrc})`);
    }
  }
}
