// What every payload index (one key, one schema, one segment) offers, and the parts they share:
// the point shape (is_empty / is_null / values_count), the list of points holding values the
// index does not capture, and the common header of the serialized form.
//
// Indexes are immutable once built: built from (offset, payload) pairs for offsets below
// `indexedPoints`, queried from many threads, serialized to one buffer and loaded back as views.
// Points whose payload changed later are the segment's business (FilterContext.isIndexStale).

import type {
  FilterFieldIndex,
  IndexableCondition,
  IndexedCheck,
} from '../../filter/filter-index.js';
import { NO, UNKNOWN, YES } from '../../filter/filter-index.js';
import type { FieldCondition } from '../../filter/filter-types.js';
import {
  getValuesAtPath,
  parseJsonPath,
  type JsonObject,
  type JsonPath,
} from '../../filter/json-path.js';
import { type LoadedSections, SectionWriter } from './binary-format.js';
import type { Estimate } from './cardinality.js';
import {
  payloadIndexInfo,
  type PayloadFieldSchema,
  type PayloadIndexInfo,
} from './field-schema.js';
import {
  FOREIGN,
  HAS_VALUES,
  PointShape,
  PointShapeBuilder,
  type LeafClass,
  EMPTY_ALL,
  NULL_ANY,
} from './point-shape.js';
import { U32Builder } from './offsets.js';

export interface FacetHit {
  readonly value: string | number | boolean;
  readonly count: number;
}

export type OrderDirection = 'asc' | 'desc';

/** Source of an index build: payloads by offset (offsets below `pointCount`, any order). */
export type PayloadEntries = Iterable<readonly [offset: number, payload: JsonObject | undefined]>;

export interface PayloadFieldIndex extends FilterFieldIndex {
  readonly key: JsonPath;
  /** Canonical text of `key` (formatJsonPath). */
  readonly keyText: string;
  readonly schema: PayloadFieldSchema;
  /** Points with at least one value of the indexed type (Qdrant's `points` in payload_schema). */
  readonly indexedValuePoints: number;
  /** `payload_schema` entry. */
  info(): PayloadIndexInfo;
  /**
   * Points among [0, indexedPoints) that satisfy `condition`, as of the build; null if this
   * index does not serve the condition. Points the index cannot judge widen the bounds.
   */
  estimate(condition: IndexableCondition): Estimate | null;
  /**
   * Ascending offsets that may satisfy `condition` (every match among indexed points is in the
   * list), for scanning only those points; null if the index cannot enumerate them.
   */
  candidates(condition: IndexableCondition): Uint32Array | null;
  /** Whether `candidates` lists offsets for this condition (cheap; no list is built). */
  canEnumerate(condition: IndexableCondition): boolean;
  /** Whether `facets` is available (keyword, uuid, bool, integer with lookup), as in Qdrant. */
  readonly supportsFacets: boolean;
  /** Whether `order_by` may use `forEachOrdered` (float, datetime, integer with range). */
  readonly supportsOrderBy: boolean;
  /** Value → number of points, for keyword, integer, bool and uuid indexes. */
  facets?(accept?: (offset: number) => boolean): FacetHit[];
  /**
   * Visits (value, offset) pairs in value order (ties by offset, reversed for desc), starting at
   * `startFrom` inclusive; a point appears once per distinct value. Stops when `visit` returns
   * false. For integer, float and datetime (value = µs since epoch) indexes.
   */
  forEachOrdered?(
    direction: OrderDirection,
    startFrom: number | undefined,
    visit: (value: number, offset: number) => boolean,
  ): void;
  serialize(): Uint8Array;
}

/** Header fields every index writes. */
export interface CommonMeta {
  readonly key: string;
  readonly schema: PayloadFieldSchema;
  readonly indexedPoints: number;
  readonly indexedValuePoints: number;
  readonly valuePoints: number;
  readonly emptyPoints: number;
  readonly nullPoints: number;
}

export function parseKeyOrThrow(keyText: string): JsonPath {
  const key = parseJsonPath(keyText);
  if (key === null) throw new Error(`payload index: invalid key ${keyText}`);
  return key;
}

/** Shared build loop: values at the key per offset, shape, and the type-specific capture. */
export function collectValues(
  key: JsonPath,
  entries: PayloadEntries,
  pointCount: number,
  classify: (leaf: unknown) => LeafClass,
  capture: (offset: number, leaves: readonly unknown[]) => void,
): PointShapeBuilder {
  const shape = new PointShapeBuilder(pointCount);
  const scratch: unknown[] = [];
  const leaves: unknown[] = [];
  for (const [offset, payload] of entries) {
    if (offset < 0 || offset >= pointCount) continue;
    scratch.length = 0;
    getValuesAtPath(payload, key, scratch);
    shape.add(offset, scratch, classify);
    leaves.length = 0;
    for (const value of scratch) {
      if (Array.isArray(value)) {
        for (const leaf of value) if (leaf !== null) leaves.push(leaf);
      } else if (value !== null) {
        leaves.push(value);
      }
    }
    if (leaves.length > 0) capture(offset, leaves);
  }
  return shape;
}

/** Number of sub-conditions among match/range/geo_* (the parts an index answers). */
export function valueParts(condition: FieldCondition): number {
  let n = 0;
  if (condition.match !== undefined) n++;
  if (condition.range !== undefined) n++;
  if (condition.geoBoundingBox !== undefined) n++;
  if (condition.geoRadius !== undefined) n++;
  if (condition.geoPolygon !== undefined) n++;
  return n;
}

export abstract class BasePayloadIndex implements PayloadFieldIndex {
  readonly key: JsonPath;
  readonly keyText: string;
  readonly schema: PayloadFieldSchema;
  readonly indexedPoints: number;
  readonly indexedValuePoints: number;
  protected readonly flags: Uint16Array;
  /** Ascending offsets with foreign values (usually none). */
  protected readonly foreignOffsets: Uint32Array;

  protected constructor(
    protected readonly meta: CommonMeta,
    protected readonly shape: PointShape,
    foreignOffsets: Uint32Array,
  ) {
    this.key = parseKeyOrThrow(meta.key);
    this.keyText = meta.key;
    this.schema = meta.schema;
    this.indexedPoints = meta.indexedPoints;
    this.indexedValuePoints = meta.indexedValuePoints;
    this.flags = shape.flags;
    this.foreignOffsets = foreignOffsets;
  }

  info(): PayloadIndexInfo {
    return payloadIndexInfo(this.schema, this.indexedValuePoints);
  }

  /** Answers for the value parts of a single-part field condition (match, range or geo). */
  protected abstract valueCheck(condition: FieldCondition): IndexedCheck | null;
  protected abstract valueEstimate(condition: FieldCondition): Estimate | null;
  protected abstract valueCandidates(condition: FieldCondition): Uint32Array | null;
  protected abstract valueEnumerable(condition: FieldCondition): boolean;
  protected abstract writeSections(writer: SectionWriter): unknown;
  protected abstract readonly kind: string;
  readonly supportsFacets: boolean = false;
  readonly supportsOrderBy: boolean = false;

  indexedCheck(condition: IndexableCondition): IndexedCheck | null {
    const byShape = this.shape.shapeCheck(condition);
    if (byShape !== null || condition.kind !== 'field') return byShape;
    if (valueParts(condition) !== 1) return null;
    return this.valueCheck(condition);
  }

  estimate(condition: IndexableCondition): Estimate | null {
    if (condition.kind === 'is_empty') return exactly(this.meta.emptyPoints);
    if (condition.kind === 'is_null') return exactly(this.meta.nullPoints);
    const byShape = this.shape.shapeCheck(condition);
    if (byShape !== null) {
      const { known, unknown } = this.shape.countMatching(byShape);
      return { min: known, exp: known, max: known + unknown };
    }
    if (valueParts(condition) !== 1) return null;
    return this.valueEstimate(condition);
  }

  candidates(condition: IndexableCondition): Uint32Array | null {
    if (condition.kind === 'field' && this.shape.shapeCheck(condition) === null) {
      return valueParts(condition) === 1 ? this.valueCandidates(condition) : null;
    }
    return null;
  }

  canEnumerate(condition: IndexableCondition): boolean {
    return (
      condition.kind === 'field' &&
      this.shape.shapeCheck(condition) === null &&
      valueParts(condition) === 1 &&
      this.valueEnumerable(condition)
    );
  }

  /** YES where `test` holds, else UNKNOWN for points with foreign values, else NO. */
  protected positive(test: (offset: number) => boolean): IndexedCheck {
    const flags = this.flags;
    if (this.foreignOffsets.length === 0) return (o) => (test(o) ? YES : NO);
    return (o) => (test(o) ? YES : (flags[o]! & FOREIGN) !== 0 ? UNKNOWN : NO);
  }

  /** For conditions the indexed values can never satisfy. */
  protected onlyForeign(): IndexedCheck {
    const flags = this.flags;
    return (o) => ((flags[o]! & FOREIGN) !== 0 ? UNKNOWN : NO);
  }

  /** Widens an estimate of captured values by the points with foreign values. */
  protected withForeign(estimate: Estimate): Estimate {
    const f = this.foreignOffsets.length;
    if (f === 0) return estimate;
    return {
      min: estimate.min,
      exp: estimate.exp,
      max: Math.min(this.indexedPoints, estimate.max + f),
    };
  }

  /** Union of candidate offsets with the foreign points. */
  protected plusForeign(offsets: Uint32Array): Uint32Array {
    if (this.foreignOffsets.length === 0) return offsets;
    const merged = new Uint32Array(offsets.length + this.foreignOffsets.length);
    let i = 0;
    let j = 0;
    let k = 0;
    const a = offsets;
    const b = this.foreignOffsets;
    while (i < a.length || j < b.length) {
      const x = i < a.length ? a[i]! : Infinity;
      const y = j < b.length ? b[j]! : Infinity;
      const v = Math.min(x, y);
      if (x === v) i++;
      if (y === v) j++;
      merged[k++] = v;
    }
    return merged.subarray(0, k);
  }

  serialize(): Uint8Array {
    const writer = new SectionWriter();
    writer.add('shape.flags', this.shape.flags).add('shape.counts', this.shape.counts);
    writer.add('foreign', this.foreignOffsets);
    const extra = this.writeSections(writer);
    return writer.finish(this.kind, { common: this.meta, extra });
  }
}

export function exactly(n: number): Estimate {
  return { min: n, exp: n, max: n };
}

/** Common header and shape after a build. */
export function finishCommon(
  keyText: string,
  schema: PayloadFieldSchema,
  pointCount: number,
  shapeBuilder: PointShapeBuilder,
  capturedPoints: number,
): { meta: CommonMeta; shape: PointShape; foreign: Uint32Array } {
  const shape = PointShape.fromBuilder(shapeBuilder);
  const foreign = new U32Builder();
  let valuePoints = 0;
  let emptyPoints = 0;
  let nullPoints = 0;
  for (let o = 0; o < pointCount; o++) {
    const f = shape.flags[o]!;
    if ((f & FOREIGN) !== 0) foreign.push(o);
    if ((f & HAS_VALUES) !== 0) valuePoints++;
    if ((f & EMPTY_ALL) !== 0) emptyPoints++;
    if ((f & NULL_ANY) !== 0) nullPoints++;
  }
  return {
    meta: {
      key: keyText,
      schema,
      indexedPoints: pointCount,
      indexedValuePoints: capturedPoints,
      valuePoints,
      emptyPoints,
      nullPoints,
    },
    shape,
    foreign: foreign.finish(),
  };
}

export function loadCommon(sections: LoadedSections): {
  meta: CommonMeta;
  extra: unknown;
  shape: PointShape;
  foreign: Uint32Array;
} {
  const { common, extra } = sections.meta as { common: CommonMeta; extra: unknown };
  return {
    meta: common,
    extra,
    shape: PointShape.load(sections),
    foreign: sections.u32('foreign'),
  };
}
