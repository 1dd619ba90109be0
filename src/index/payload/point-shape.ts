// Per-point facts about the values a key selects, stored by every payload index next to its
// typed data: whether there are values, the answers to is_empty / is_null (both the condition
// and the field-condition forms), the values_count, and whether some value is of a type the
// index does not capture ("foreign"). With these an index answers is_empty, is_null and
// values_count itself (Qdrant keeps a separate null index for that), and knows which points it
// must hand back to the payload check (UNKNOWN) for conditions that foreign values could affect.
// 6 bytes per point.

import {
  NO,
  UNKNOWN,
  YES,
  type IndexableCondition,
  type IndexedCheck,
} from '../../filter/filter-index.js';
import { countPredicate } from '../../filter/value-checks.js';
import type { LoadedSections } from './binary-format.js';

export const HAS_VALUES = 1;
/** is_empty condition: every value is null or [] (vacuously true without values). */
export const EMPTY_ALL = 2;
/** is_null condition: some value is null. */
export const NULL_ANY = 4;
/** field condition is_empty: true — some value is null or []. */
const FIELD_EMPTY_TRUE = 8;
/** field condition is_empty: false — some value is neither null nor []. */
const FIELD_EMPTY_FALSE = 16;
/** field condition is_null: true — some value is null or an array containing null. */
const FIELD_NULL_TRUE = 32;
/** field condition is_null: false — some value is non-null without a null element. */
const FIELD_NULL_FALSE = 64;
/** Some non-null leaf is not captured by the index. */
export const FOREIGN = 128;
/** Index-specific: a foreign leaf that can change the index's range answers. */
export const FOREIGN_SENSITIVE = 256;
/** The values have different counts (values_count must read the payload). */
const COUNT_MIXED = 512;

export type LeafClass = 'captured' | 'foreign' | 'sensitive' | 'ignored';

function countOf(value: unknown): number {
  if (value === null) return 0;
  return Array.isArray(value) ? value.length : 1;
}

export class PointShapeBuilder {
  readonly flags: Uint16Array;
  readonly counts: Uint32Array;

  constructor(pointCount: number) {
    this.flags = new Uint16Array(pointCount);
    this.counts = new Uint32Array(pointCount);
  }

  /**
   * Records the values `key` selects for `offset`; `classify` says how the index treats each
   * non-null leaf (array elements, or the value itself).
   */
  add(offset: number, values: readonly unknown[], classify: (leaf: unknown) => LeafClass): void {
    if (values.length === 0) {
      this.flags[offset] = EMPTY_ALL;
      return;
    }
    let flags = HAS_VALUES | EMPTY_ALL;
    const count = countOf(values[0]);
    for (const value of values) {
      if (countOf(value) !== count) flags |= COUNT_MIXED;
      const isArray = Array.isArray(value);
      const emptyish = value === null || (isArray && value.length === 0);
      if (emptyish) flags |= FIELD_EMPTY_TRUE;
      else {
        flags |= FIELD_EMPTY_FALSE;
        flags &= ~EMPTY_ALL;
      }
      if (value === null) flags |= NULL_ANY | FIELD_NULL_TRUE;
      else if (isArray && value.includes(null)) flags |= FIELD_NULL_TRUE;
      else flags |= FIELD_NULL_FALSE;
      const leaves = isArray ? value : [value];
      for (const leaf of leaves) {
        if (leaf === null) continue;
        const cls = classify(leaf);
        if (cls === 'foreign') flags |= FOREIGN;
        else if (cls === 'sensitive') flags |= FOREIGN | FOREIGN_SENSITIVE;
      }
    }
    this.flags[offset] = flags;
    this.counts[offset] = count;
  }
}

/** Read side: the shape of every indexed point. */
export class PointShape {
  constructor(
    readonly flags: Uint16Array,
    readonly counts: Uint32Array,
  ) {}

  static load(sections: LoadedSections): PointShape {
    return new PointShape(sections.u16('shape.flags'), sections.u32('shape.counts'));
  }

  static fromBuilder(builder: PointShapeBuilder): PointShape {
    return new PointShape(builder.flags, builder.counts);
  }

  get pointCount(): number {
    return this.flags.length;
  }

  /**
   * Checker for is_empty / is_null conditions and for field conditions whose deciding part is
   * values_count, is_empty or is_null (those take precedence over match/range/geo in Qdrant).
   * Null if the condition is decided by its value parts.
   */
  shapeCheck(condition: IndexableCondition): IndexedCheck | null {
    const flags = this.flags;
    if (condition.kind === 'is_empty') return (o) => ((flags[o]! & EMPTY_ALL) !== 0 ? YES : NO);
    if (condition.kind === 'is_null') return (o) => ((flags[o]! & NULL_ANY) !== 0 ? YES : NO);
    const { valuesCount, isEmpty, isNull } = condition;
    if (valuesCount !== undefined) {
      const counts = this.counts;
      const inRange = countPredicate(valuesCount);
      const whenMissing = inRange(0) ? YES : NO;
      return (o) => {
        const f = flags[o]!;
        if ((f & HAS_VALUES) === 0) return whenMissing;
        if ((f & COUNT_MIXED) !== 0) return UNKNOWN;
        return inRange(counts[o]!) ? YES : NO;
      };
    }
    const flagged = (bit: number, whenMissing: boolean): IndexedCheck => {
      const missing = whenMissing ? YES : NO;
      return (o) => {
        const f = flags[o]!;
        if ((f & HAS_VALUES) === 0) return missing;
        return (f & bit) !== 0 ? YES : NO;
      };
    };
    if (isEmpty !== undefined)
      return flagged(isEmpty ? FIELD_EMPTY_TRUE : FIELD_EMPTY_FALSE, isEmpty);
    if (isNull !== undefined) return flagged(isNull ? FIELD_NULL_TRUE : FIELD_NULL_FALSE, !isNull);
    return null;
  }

  /** Exact number of indexed points a shape condition selects. */
  countMatching(check: IndexedCheck): { known: number; unknown: number } {
    let known = 0;
    let unknown = 0;
    for (let o = 0; o < this.flags.length; o++) {
      const r = check(o);
      if (r === YES) known++;
      else if (r === UNKNOWN) unknown++;
    }
    return { known, unknown };
  }

  countFlag(bit: number): number {
    let n = 0;
    for (let o = 0; o < this.flags.length; o++) if ((this.flags[o]! & bit) !== 0) n++;
    return n;
  }
}
