// Keyword (and uuid) index: the distinct strings of a key, sorted by UTF-8 bytes, with a posting
// list of points per string and a forward list of string ids per point. Serves match value / any
// / except / prefix, facets, and is_empty / is_null / values_count through the point shape.
//
// A uuid index is the same structure: matching stays exact string equality, as without an
// index (Qdrant's uuid index parses UUIDs, so there "ABC…" would equal "abc…"; here it does not).
//
// Layout: dict.bytes (UTF-8, concatenated) + dict.offsets (n+1); postings.starts (n+1) +
// postings.offsets (points, ascending per string); points.starts (points+1) + points.values
// (string ids, ascending per point).

import { NO, UNKNOWN, YES, type IndexedCheck } from '../../filter/filter-index.js';
import type { AnyValues, FieldCondition } from '../../filter/filter-types.js';
import { formatJsonPath, type JsonPath } from '../../filter/json-path.js';
import { readSections, type LoadedSections, type SectionWriter } from './binary-format.js';
import { combineShould, pointsFromValues, type Estimate } from './cardinality.js';
import type { PayloadFieldSchema } from './field-schema.js';
import {
  BasePayloadIndex,
  collectValues,
  exactly,
  finishCommon,
  loadCommon,
  type CommonMeta,
  type FacetHit,
  type PayloadEntries,
} from './payload-field-index.js';
import { bitsetFor, bitsetToOffsets, hasBit, setRange } from './offsets.js';
import { FOREIGN, type PointShape } from './point-shape.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const encoder = new TextEncoder();

function compareBytes(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array): number {
  const n = Math.min(aEnd - aStart, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[aStart + i]! - b[i]!;
    if (d !== 0) return d;
  }
  return aEnd - aStart - b.length;
}

interface KeywordExtra {
  readonly totalValues: number;
  readonly maxValuesPerPoint: number;
}

export class KeywordIndex extends BasePayloadIndex {
  protected readonly kind = 'keyword';
  override readonly supportsFacets = true;

  private constructor(
    meta: CommonMeta,
    shape: PointShape,
    foreign: Uint32Array,
    private readonly extra: KeywordExtra,
    private readonly dictBytes: Uint8Array,
    private readonly dictOffsets: Uint32Array,
    private readonly postingStarts: Uint32Array,
    private readonly postingOffsets: Uint32Array,
    private readonly pointStarts: Uint32Array,
    private readonly pointValues: Uint32Array,
  ) {
    super(meta, shape, foreign);
  }

  static build(
    key: JsonPath,
    schema: PayloadFieldSchema,
    entries: PayloadEntries,
    pointCount: number,
  ): KeywordIndex {
    const perPoint: (string[] | undefined)[] = new Array<string[] | undefined>(pointCount);
    const distinct = new Set<string>();
    const shapeBuilder = collectValues(
      key,
      entries,
      pointCount,
      (leaf) => (typeof leaf === 'string' && !LONE_SURROGATE.test(leaf) ? 'captured' : 'foreign'),
      (offset, leaves) => {
        const strings = new Set<string>();
        for (const leaf of leaves) {
          if (typeof leaf === 'string' && !LONE_SURROGATE.test(leaf)) strings.add(leaf);
        }
        if (strings.size === 0) return;
        perPoint[offset] = [...strings];
        for (const s of strings) distinct.add(s);
      },
    );

    const encoded = [...distinct].map((s) => ({ s, bytes: encoder.encode(s) }));
    encoded.sort((a, b) => Buffer.compare(a.bytes, b.bytes));
    const ids = new Map<string, number>();
    const dictOffsets = new Uint32Array(encoded.length + 1);
    let byteLength = 0;
    encoded.forEach((e, i) => {
      ids.set(e.s, i);
      dictOffsets[i] = byteLength;
      byteLength += e.bytes.length;
    });
    dictOffsets[encoded.length] = byteLength;
    const dictBytes = new Uint8Array(byteLength);
    encoded.forEach((e, i) => dictBytes.set(e.bytes, dictOffsets[i]!));

    const pointStarts = new Uint32Array(pointCount + 1);
    const counts = new Uint32Array(encoded.length);
    let totalValues = 0;
    let maxValuesPerPoint = 0;
    let capturedPoints = 0;
    for (let o = 0; o < pointCount; o++) {
      pointStarts[o] = totalValues;
      const strings = perPoint[o];
      if (strings === undefined) continue;
      capturedPoints++;
      totalValues += strings.length;
      maxValuesPerPoint = Math.max(maxValuesPerPoint, strings.length);
      for (const s of strings) counts[ids.get(s)!]!++;
    }
    pointStarts[pointCount] = totalValues;
    const pointValues = new Uint32Array(totalValues);
    const postingStarts = new Uint32Array(encoded.length + 1);
    for (let i = 0; i < encoded.length; i++) postingStarts[i + 1] = postingStarts[i]! + counts[i]!;
    const fill = postingStarts.slice(0, encoded.length);
    const postingOffsets = new Uint32Array(totalValues);
    for (let o = 0; o < pointCount; o++) {
      const strings = perPoint[o];
      if (strings === undefined) continue;
      const valueIds = strings.map((s) => ids.get(s)!).sort((a, b) => a - b);
      pointValues.set(valueIds, pointStarts[o]!);
      for (const id of valueIds) postingOffsets[fill[id]!++] = o;
    }
    const { meta, shape, foreign } = finishCommon(
      formatJsonPath(key),
      schema,
      pointCount,
      shapeBuilder,
      capturedPoints,
    );
    return new KeywordIndex(
      meta,
      shape,
      foreign,
      { totalValues, maxValuesPerPoint },
      dictBytes,
      dictOffsets,
      postingStarts,
      postingOffsets,
      pointStarts,
      pointValues,
    );
  }

  static load(bytes: Uint8Array): KeywordIndex {
    return KeywordIndex.fromSections(readSections(bytes));
  }

  static fromSections(sections: LoadedSections): KeywordIndex {
    const { meta, extra, shape, foreign } = loadCommon(sections);
    return new KeywordIndex(
      meta,
      shape,
      foreign,
      extra as KeywordExtra,
      sections.u8('dict.bytes'),
      sections.u32('dict.offsets'),
      sections.u32('postings.starts'),
      sections.u32('postings.offsets'),
      sections.u32('points.starts'),
      sections.u32('points.values'),
    );
  }

  protected writeSections(writer: SectionWriter): KeywordExtra {
    writer
      .add('dict.bytes', this.dictBytes)
      .add('dict.offsets', this.dictOffsets)
      .add('postings.starts', this.postingStarts)
      .add('postings.offsets', this.postingOffsets)
      .add('points.starts', this.pointStarts)
      .add('points.values', this.pointValues);
    return this.extra;
  }

  get distinctValues(): number {
    return this.dictOffsets.length - 1;
  }

  /** Id of a string, or -1. */
  idOf(value: string): number {
    const bytes = encoder.encode(value);
    const i = this.lowerBound(bytes);
    if (
      i < this.distinctValues &&
      compareBytes(this.dictBytes, this.dictOffsets[i]!, this.dictOffsets[i + 1]!, bytes) === 0
    ) {
      return i;
    }
    return -1;
  }

  private lowerBound(bytes: Uint8Array): number {
    let lo = 0;
    let hi = this.distinctValues;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (
        compareBytes(this.dictBytes, this.dictOffsets[mid]!, this.dictOffsets[mid + 1]!, bytes) < 0
      )
        lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Ids [from, to) of the strings starting with `prefix` (contiguous in byte order). */
  private prefixRange(prefix: string): [number, number] {
    const bytes = encoder.encode(prefix);
    const from = this.lowerBound(bytes);
    let lo = from;
    let hi = this.distinctValues;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const start = this.dictOffsets[mid]!;
      const end = Math.min(this.dictOffsets[mid + 1]!, start + bytes.length);
      if (compareBytes(this.dictBytes, start, end, bytes) === 0) lo = mid + 1;
      else hi = mid;
    }
    return [from, lo];
  }

  valueAt(id: number): string {
    const start = this.dictOffsets[id]!;
    const end = this.dictOffsets[id + 1]!;
    return Buffer.from(
      this.dictBytes.buffer,
      this.dictBytes.byteOffset + start,
      end - start,
    ).toString('utf8');
  }

  private postingLength(id: number): number {
    return this.postingStarts[id + 1]! - this.postingStarts[id]!;
  }

  private bitsetOfIds(ids: Iterable<number>): Uint8Array {
    const bits = bitsetFor(this.indexedPoints);
    for (const id of ids)
      setRange(bits, this.postingOffsets, this.postingStarts[id]!, this.postingStarts[id + 1]!);
    return bits;
  }

  private idsOf(values: AnyValues): number[] {
    if (values.type !== 'strings') return [];
    return values.items.map((s) => this.idOf(s)).filter((id) => id >= 0);
  }

  private *prefixIds(prefix: string): Generator<number> {
    const [from, to] = this.prefixRange(prefix);
    for (let id = from; id < to; id++) yield id;
  }

  /** Ids a positive match selects, or null for conditions decided by other means. */
  private selectedIds(condition: FieldCondition): number[] | null {
    const match = condition.match;
    if (match === undefined) return null;
    if (match.kind === 'value') {
      if (typeof match.value !== 'string') return [];
      const id = this.idOf(match.value);
      return id < 0 ? [] : [id];
    }
    if (match.kind === 'any') return this.idsOf(match.values);
    if (match.kind === 'prefix') return [...this.prefixIds(match.prefix)];
    return null;
  }

  protected valueCheck(condition: FieldCondition): IndexedCheck | null {
    const match = condition.match;
    if (match === undefined) return null;
    const ids = this.selectedIds(condition);
    if (ids !== null) {
      if (ids.length === 0) return this.onlyForeign();
      const bits = this.bitsetOfIds(ids);
      return this.positive((o) => hasBit(bits, o));
    }
    if (match.kind !== 'except') return null;
    const flags = this.flags;
    const starts = this.pointStarts;
    if (match.values.type === 'integers') {
      // Every string differs from every integer: any value at all satisfies `except`.
      return (o) =>
        (flags[o]! & FOREIGN) !== 0 ? UNKNOWN : starts[o + 1]! > starts[o]! ? YES : NO;
    }
    const excluded = new Uint8Array(this.distinctValues);
    for (const id of this.idsOf(match.values)) excluded[id] = 1;
    const values = this.pointValues;
    return (o) => {
      if ((flags[o]! & FOREIGN) !== 0) return UNKNOWN;
      for (let i = starts[o]!, end = starts[o + 1]!; i < end; i++)
        if (excluded[values[i]!] === 0) return YES;
      return NO;
    };
  }

  protected valueEstimate(condition: FieldCondition): Estimate | null {
    const match = condition.match;
    if (match === undefined) return null;
    const points = this.indexedValuePoints;
    if (match.kind === 'value') {
      const ids = this.selectedIds(condition)!;
      return this.withForeign(exactly(ids.length === 0 ? 0 : this.postingLength(ids[0]!)));
    }
    if (match.kind === 'any') {
      const ids = this.selectedIds(condition)!;
      if (ids.length === 0) return this.withForeign(exactly(0));
      const union = combineShould(
        ids.map((id) => ({ ...exactly(this.postingLength(id)), primaryClauses: [] })),
        points,
      );
      return this.withForeign(union);
    }
    if (match.kind === 'prefix') {
      const [from, to] = this.prefixRange(match.prefix);
      const sum = this.postingStarts[to]! - this.postingStarts[from]!;
      if (to === from) return this.withForeign(exactly(0));
      const e = pointsFromValues(sum, points, this.extra.totalValues, this.extra.maxValuesPerPoint);
      // The largest single posting is a lower bound too.
      let largest = 0;
      for (let id = from; id < to && id - from < 4096; id++)
        largest = Math.max(largest, this.postingLength(id));
      const min = Math.max(e.min, largest);
      return this.withForeign({ min, exp: Math.max(min, e.exp), max: Math.max(min, e.max) });
    }
    if (match.kind === 'except') {
      if (match.values.type === 'integers') return this.withForeign(exactly(points));
      const ids = this.idsOf(match.values);
      let excludedValues = 0;
      for (const id of ids) excludedValues += this.postingLength(id);
      const remaining = this.extra.totalValues - excludedValues;
      if (remaining === 0) return this.withForeign(exactly(0));
      if (this.extra.maxValuesPerPoint === 1)
        return this.withForeign(exactly(points - excludedValues));
      // A point fails only if all its values are excluded, so at most `excludedValues` fail.
      const min = Math.max(
        Math.ceil(remaining / this.extra.maxValuesPerPoint),
        points - excludedValues,
      );
      const max = Math.min(points, remaining);
      const exp = Math.min(
        max,
        Math.max(min, Math.round(points * (1 - Math.exp(-remaining / points)))),
      );
      return this.withForeign({ min: Math.min(min, max), exp, max });
    }
    return null;
  }

  protected valueEnumerable(condition: FieldCondition): boolean {
    const kind = condition.match?.kind;
    return kind === 'value' || kind === 'any' || kind === 'prefix';
  }

  protected valueCandidates(condition: FieldCondition): Uint32Array | null {
    const ids = this.selectedIds(condition);
    if (ids === null) return null;
    if (ids.length === 1) {
      const id = ids[0]!;
      return this.plusForeign(
        this.postingOffsets.subarray(this.postingStarts[id]!, this.postingStarts[id + 1]!),
      );
    }
    return this.plusForeign(bitsetToOffsets(this.bitsetOfIds(ids), this.indexedPoints));
  }

  facets(accept?: (offset: number) => boolean): FacetHit[] {
    const hits: FacetHit[] = [];
    for (let id = 0; id < this.distinctValues; id++) {
      let count: number;
      if (accept === undefined) count = this.postingLength(id);
      else {
        count = 0;
        for (let i = this.postingStarts[id]!, end = this.postingStarts[id + 1]!; i < end; i++) {
          if (accept(this.postingOffsets[i]!)) count++;
        }
      }
      if (count > 0) hits.push({ value: this.valueAt(id), count });
    }
    // Ids are in byte order, so a stable sort by count keeps equal counts in value order.
    return hits.sort((a, b) => b.count - a.count);
  }
}
