// Integer, float and datetime indexes: every (value, point) pair sorted by value, plus the values
// of each point. Ranges become binary searches, exact integer matches equal-value runs, and
// order_by an ordered walk. Datetimes are stored as microseconds since the epoch.
//
// What each type captures (anything else is left to the payload check when it could matter):
// - integer: safe integers. Serves match value/any/except and range (both `lookup` and `range`
//   params are served by this one structure). Non-i64 numbers (floats, huge bigints) are
//   "sensitive": ranges hand those points back to the payload.
// - float: every number (as f64). Serves numeric range.
// - datetime: strings that parse as datetimes. Serves datetime range.
//
// Layout: points.starts (points+1) + points.values (f64, ascending per point, distinct);
// sorted.values (f64) + sorted.offsets (u32), ordered by (value, offset).

import { NO, UNKNOWN, YES, type IndexedCheck } from '../../filter/filter-index.js';
import type { FieldCondition, RangeBounds } from '../../filter/filter-types.js';
import { formatJsonPath, type JsonPath } from '../../filter/json-path.js';
import { parseDatetime } from '../../filter/datetime.js';
import { leafI64, rangePredicate } from '../../filter/value-checks.js';
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
  type OrderDirection,
  type PayloadEntries,
} from './payload-field-index.js';
import { bitsetFor, bitsetToOffsets, F64Builder, hasBit, lowerBound, setRange } from './offsets.js';
import { FOREIGN, FOREIGN_SENSITIVE, type LeafClass, type PointShape } from './point-shape.js';

export type NumericKind = 'integer' | 'float' | 'datetime';

interface NumericExtra {
  readonly numericKind: NumericKind;
  readonly totalValues: number;
  readonly maxValuesPerPoint: number;
}

function classifier(kind: NumericKind): {
  classify: (leaf: unknown) => LeafClass;
  value: (leaf: unknown) => number | null;
} {
  if (kind === 'integer') {
    return {
      classify: (leaf) => {
        const n = leafI64(leaf);
        if (typeof n === 'number') return 'captured';
        return typeof leaf === 'number' || typeof leaf === 'bigint' ? 'sensitive' : 'foreign';
      },
      value: (leaf) => {
        const n = leafI64(leaf);
        return typeof n === 'number' ? n : null;
      },
    };
  }
  if (kind === 'float') {
    return {
      classify: (leaf) =>
        typeof leaf === 'number' || typeof leaf === 'bigint' ? 'captured' : 'ignored',
      value: (leaf) =>
        typeof leaf === 'number' ? leaf : typeof leaf === 'bigint' ? Number(leaf) : null,
    };
  }
  return {
    classify: (leaf) =>
      typeof leaf === 'string' && parseDatetime(leaf) !== null ? 'captured' : 'ignored',
    value: (leaf) => (typeof leaf === 'string' ? parseDatetime(leaf) : null),
  };
}

export class NumericIndex extends BasePayloadIndex {
  protected readonly kind = 'numeric';
  readonly numericKind: NumericKind;
  override readonly supportsFacets: boolean;
  override readonly supportsOrderBy: boolean;

  private constructor(
    meta: CommonMeta,
    shape: PointShape,
    foreign: Uint32Array,
    private readonly extra: NumericExtra,
    private readonly pointStarts: Uint32Array,
    private readonly pointValues: Float64Array,
    private readonly sortedValues: Float64Array,
    private readonly sortedOffsets: Uint32Array,
  ) {
    super(meta, shape, foreign);
    this.numericKind = extra.numericKind;
    const params = meta.schema.params ?? {};
    this.supportsFacets = extra.numericKind === 'integer' && params['lookup'] !== false;
    this.supportsOrderBy = extra.numericKind !== 'integer' || params['range'] !== false;
  }

  static build(
    key: JsonPath,
    schema: PayloadFieldSchema,
    entries: PayloadEntries,
    pointCount: number,
    numericKind: NumericKind,
  ): NumericIndex {
    const { classify, value } = classifier(numericKind);
    const perPoint: (Float64Array | undefined)[] = new Array<Float64Array | undefined>(pointCount);
    const shapeBuilder = collectValues(key, entries, pointCount, classify, (offset, leaves) => {
      const values: number[] = [];
      for (const leaf of leaves) {
        const v = value(leaf);
        if (v !== null) values.push(v);
      }
      if (values.length === 0) return;
      const sorted = Float64Array.from(values).sort();
      let k = 0;
      for (let i = 0; i < sorted.length; i++)
        if (i === 0 || sorted[i] !== sorted[k - 1]) sorted[k++] = sorted[i]!;
      perPoint[offset] = sorted.subarray(0, k);
    });

    const pointStarts = new Uint32Array(pointCount + 1);
    const all = new F64Builder();
    let maxValuesPerPoint = 0;
    let capturedPoints = 0;
    for (let o = 0; o < pointCount; o++) {
      pointStarts[o] = all.length;
      const values = perPoint[o];
      if (values === undefined) continue;
      capturedPoints++;
      maxValuesPerPoint = Math.max(maxValuesPerPoint, values.length);
      for (const v of values) all.push(v);
    }
    pointStarts[pointCount] = all.length;
    const pointValues = all.finish();

    // Sort (value, offset) pairs: a permutation of the forward list, ordered by value then offset.
    const owners = new Uint32Array(pointValues.length);
    for (let o = 0; o < pointCount; o++) owners.fill(o, pointStarts[o]!, pointStarts[o + 1]!);
    const order = new Uint32Array(pointValues.length);
    for (let i = 0; i < order.length; i++) order[i] = i;
    order.sort((a, b) => pointValues[a]! - pointValues[b]! || owners[a]! - owners[b]!);
    const sortedValues = new Float64Array(order.length);
    const sortedOffsets = new Uint32Array(order.length);
    for (let i = 0; i < order.length; i++) {
      sortedValues[i] = pointValues[order[i]!]!;
      sortedOffsets[i] = owners[order[i]!]!;
    }
    const { meta, shape, foreign } = finishCommon(
      formatJsonPath(key),
      schema,
      pointCount,
      shapeBuilder,
      capturedPoints,
    );
    return new NumericIndex(
      meta,
      shape,
      foreign,
      { numericKind, totalValues: pointValues.length, maxValuesPerPoint },
      pointStarts,
      pointValues,
      sortedValues,
      sortedOffsets,
    );
  }

  static load(bytes: Uint8Array): NumericIndex {
    return NumericIndex.fromSections(readSections(bytes));
  }

  static fromSections(sections: LoadedSections): NumericIndex {
    const { meta, extra, shape, foreign } = loadCommon(sections);
    return new NumericIndex(
      meta,
      shape,
      foreign,
      extra as NumericExtra,
      sections.u32('points.starts'),
      sections.f64('points.values'),
      sections.f64('sorted.values'),
      sections.u32('sorted.offsets'),
    );
  }

  protected writeSections(writer: SectionWriter): NumericExtra {
    writer
      .add('points.starts', this.pointStarts)
      .add('points.values', this.pointValues)
      .add('sorted.values', this.sortedValues)
      .add('sorted.offsets', this.sortedOffsets);
    return this.extra;
  }

  /** Positions [from, to) in the sorted arrays of the values within `bounds`. */
  private span(bounds: RangeBounds<number>): [number, number] {
    const v = this.sortedValues;
    let from = 0;
    if (bounds.gt !== undefined) from = Math.max(from, lowerBound(v, bounds.gt, true));
    if (bounds.gte !== undefined) from = Math.max(from, lowerBound(v, bounds.gte));
    let to = v.length;
    if (bounds.lt !== undefined) to = Math.min(to, lowerBound(v, bounds.lt));
    if (bounds.lte !== undefined) to = Math.min(to, lowerBound(v, bounds.lte, true));
    return [from, Math.max(from, to)];
  }

  private equalSpan(value: number): [number, number] {
    return [lowerBound(this.sortedValues, value), lowerBound(this.sortedValues, value, true)];
  }

  /** Range bounds this index answers, or null (wrong range kind for the index type). */
  private rangeOf(condition: FieldCondition): RangeBounds<number> | null {
    const range = condition.range;
    if (range === undefined) return null;
    if (this.numericKind === 'datetime') return range.kind === 'datetime' ? range : null;
    return range.kind === 'float' ? range : null;
  }

  /** Integer values a positive match selects, or null if not such a match. */
  private matchedIntegers(condition: FieldCondition): number[] | null {
    if (this.numericKind !== 'integer') return null;
    const match = condition.match;
    if (match === undefined) return null;
    if (match.kind === 'value') return typeof match.value === 'number' ? [match.value] : [];
    if (match.kind === 'any') {
      return match.values.type === 'integers'
        ? match.values.items.filter((v): v is number => typeof v === 'number')
        : [];
    }
    return null;
  }

  private bitsetOfSpans(spans: readonly [number, number][]): Uint8Array {
    const bits = bitsetFor(this.indexedPoints);
    for (const [from, to] of spans) setRange(bits, this.sortedOffsets, from, to);
    return bits;
  }

  protected valueCheck(condition: FieldCondition): IndexedCheck | null {
    const bounds = this.rangeOf(condition);
    if (bounds !== null) return this.rangeCheck(bounds);
    const values = this.matchedIntegers(condition);
    if (values !== null) {
      const spans = values.map((v) => this.equalSpan(v)).filter(([a, b]) => b > a);
      if (spans.length === 0) return this.onlyForeign();
      const bits = this.bitsetOfSpans(spans);
      return this.positive((o) => hasBit(bits, o));
    }
    const match = condition.match;
    if (this.numericKind !== 'integer' || match?.kind !== 'except') return null;
    const flags = this.flags;
    const starts = this.pointStarts;
    if (match.values.type === 'strings') {
      // Every number differs from every string.
      return (o) =>
        (flags[o]! & FOREIGN) !== 0 ? UNKNOWN : starts[o + 1]! > starts[o]! ? YES : NO;
    }
    const excluded = new Set(match.values.items.filter((v): v is number => typeof v === 'number'));
    const values2 = this.pointValues;
    return (o) => {
      if ((flags[o]! & FOREIGN) !== 0) return UNKNOWN;
      for (let i = starts[o]!, end = starts[o + 1]!; i < end; i++)
        if (!excluded.has(values2[i]!)) return YES;
      return NO;
    };
  }

  private rangeCheck(bounds: RangeBounds<number>): IndexedCheck {
    const [from, to] = this.span(bounds);
    const flags = this.flags;
    const miss = (o: number) => ((flags[o]! & FOREIGN_SENSITIVE) !== 0 ? UNKNOWN : NO);
    if (to === from) return miss;
    if (to - from <= this.indexedPoints / 8) {
      const bits = this.bitsetOfSpans([[from, to]]);
      return (o) => (hasBit(bits, o) ? YES : miss(o));
    }
    const inRange = rangePredicate(bounds);
    const starts = this.pointStarts;
    const values = this.pointValues;
    return (o) => {
      for (let i = starts[o]!, end = starts[o + 1]!; i < end; i++)
        if (inRange(values[i]!)) return YES;
      return miss(o);
    };
  }

  private sensitivePoints(): number {
    return this.numericKind === 'integer' ? this.shape.countFlag(FOREIGN_SENSITIVE) : 0;
  }

  protected valueEstimate(condition: FieldCondition): Estimate | null {
    const points = this.indexedValuePoints;
    const { totalValues, maxValuesPerPoint } = this.extra;
    const bounds = this.rangeOf(condition);
    if (bounds !== null) {
      const [from, to] = this.span(bounds);
      const e = pointsFromValues(to - from, points, totalValues, maxValuesPerPoint);
      const sensitive = this.sensitivePoints();
      return { min: e.min, exp: e.exp, max: Math.min(this.indexedPoints, e.max + sensitive) };
    }
    const values = this.matchedIntegers(condition);
    if (values !== null) {
      const counts = values.map((v) => {
        const [a, b] = this.equalSpan(v);
        return b - a;
      });
      if (counts.length === 1) return this.withForeign(exactly(counts[0]!));
      if (counts.every((c) => c === 0)) return this.withForeign(exactly(0));
      return this.withForeign(
        combineShould(
          counts.map((c) => ({ ...exactly(c), primaryClauses: [] })),
          points,
        ),
      );
    }
    if (this.numericKind === 'integer' && condition.match?.kind === 'except') {
      // Points with a value outside the list: at most all valued points.
      return this.withForeign({ min: 0, exp: Math.round(points / 2), max: points });
    }
    return null;
  }

  protected valueEnumerable(condition: FieldCondition): boolean {
    return this.rangeOf(condition) !== null || this.matchedIntegers(condition) !== null;
  }

  protected valueCandidates(condition: FieldCondition): Uint32Array | null {
    const bounds = this.rangeOf(condition);
    let spans: [number, number][];
    if (bounds !== null) spans = [this.span(bounds)];
    else {
      const values = this.matchedIntegers(condition);
      if (values === null) return null;
      spans = values.map((v) => this.equalSpan(v));
    }
    const bits = this.bitsetOfSpans(spans);
    const extra = bounds !== null && this.numericKind !== 'integer' ? [] : this.foreignOffsets;
    for (const o of extra) bits[o >> 3]! |= 1 << (o & 7);
    return bitsetToOffsets(bits, this.indexedPoints);
  }

  /** Integer facets: value → points. */
  facets(accept?: (offset: number) => boolean): FacetHit[] {
    if (this.numericKind !== 'integer') return [];
    const hits: FacetHit[] = [];
    const v = this.sortedValues;
    for (let i = 0; i < v.length;) {
      let j = i;
      let count = 0;
      while (j < v.length && v[j] === v[i]) {
        if (accept === undefined || accept(this.sortedOffsets[j]!)) count++;
        j++;
      }
      if (count > 0) hits.push({ value: v[i]!, count });
      i = j;
    }
    return hits.sort((a, b) => b.count - a.count);
  }

  forEachOrdered(
    direction: OrderDirection,
    startFrom: number | undefined,
    visit: (value: number, offset: number) => boolean,
  ): void {
    const v = this.sortedValues;
    const offsets = this.sortedOffsets;
    if (direction === 'asc') {
      for (let i = startFrom === undefined ? 0 : lowerBound(v, startFrom); i < v.length; i++) {
        if (!visit(v[i]!, offsets[i]!)) return;
      }
    } else {
      for (
        let i = (startFrom === undefined ? v.length : lowerBound(v, startFrom, true)) - 1;
        i >= 0;
        i--
      ) {
        if (!visit(v[i]!, offsets[i]!)) return;
      }
    }
  }

  /** Distinct values in the index (for tests and telemetry). */
  get totalValues(): number {
    return this.extra.totalValues;
  }
}
