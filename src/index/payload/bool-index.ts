// Bool index: one byte per point saying whether the key holds `true` and/or `false`. Serves
// match value / any / except and facets; everything else comes from the point shape.

import { NO, UNKNOWN, YES, type IndexedCheck } from '../../filter/filter-index.js';
import type { FieldCondition } from '../../filter/filter-types.js';
import { formatJsonPath, type JsonPath } from '../../filter/json-path.js';
import { readSections, type LoadedSections, type SectionWriter } from './binary-format.js';
import type { Estimate } from './cardinality.js';
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
import { bitsetToOffsets } from './offsets.js';
import { FOREIGN, type PointShape } from './point-shape.js';

const HAS_TRUE = 1;
const HAS_FALSE = 2;

interface BoolExtra {
  readonly trueCount: number;
  readonly falseCount: number;
}

export class BoolIndex extends BasePayloadIndex {
  protected readonly kind = 'bool';
  override readonly supportsFacets = true;

  private constructor(
    meta: CommonMeta,
    shape: PointShape,
    foreign: Uint32Array,
    private readonly extra: BoolExtra,
    private readonly bits: Uint8Array,
  ) {
    super(meta, shape, foreign);
  }

  static build(
    key: JsonPath,
    schema: PayloadFieldSchema,
    entries: PayloadEntries,
    pointCount: number,
  ): BoolIndex {
    const bits = new Uint8Array(pointCount);
    const shapeBuilder = collectValues(
      key,
      entries,
      pointCount,
      (leaf) => (typeof leaf === 'boolean' ? 'captured' : 'foreign'),
      (offset, leaves) => {
        for (const leaf of leaves) {
          if (leaf === true) bits[offset]! |= HAS_TRUE;
          else if (leaf === false) bits[offset]! |= HAS_FALSE;
        }
      },
    );
    let trueCount = 0;
    let falseCount = 0;
    let captured = 0;
    for (const b of bits) {
      if (b & HAS_TRUE) trueCount++;
      if (b & HAS_FALSE) falseCount++;
      if (b !== 0) captured++;
    }
    const { meta, shape, foreign } = finishCommon(
      formatJsonPath(key),
      schema,
      pointCount,
      shapeBuilder,
      captured,
    );
    return new BoolIndex(meta, shape, foreign, { trueCount, falseCount }, bits);
  }

  static load(bytes: Uint8Array): BoolIndex {
    return BoolIndex.fromSections(readSections(bytes));
  }

  static fromSections(sections: LoadedSections): BoolIndex {
    const { meta, extra, shape, foreign } = loadCommon(sections);
    return new BoolIndex(meta, shape, foreign, extra as BoolExtra, sections.u8('bits'));
  }

  protected writeSections(writer: SectionWriter): BoolExtra {
    writer.add('bits', this.bits);
    return this.extra;
  }

  /** The bit a match selects: HAS_TRUE / HAS_FALSE, 0 for matches no bool satisfies, null if n/a. */
  private selected(condition: FieldCondition): number | null {
    const match = condition.match;
    if (match === undefined) return null;
    if (match.kind === 'value') {
      if (typeof match.value !== 'boolean') return 0;
      return match.value ? HAS_TRUE : HAS_FALSE;
    }
    if (match.kind === 'any') return 0;
    return null;
  }

  protected valueCheck(condition: FieldCondition): IndexedCheck | null {
    const bit = this.selected(condition);
    const bits = this.bits;
    if (bit !== null)
      return bit === 0 ? this.onlyForeign() : this.positive((o) => (bits[o]! & bit) !== 0);
    if (condition.match?.kind === 'except') {
      // A bool never appears in a list of strings or integers, so any bool satisfies `except`.
      const flags = this.flags;
      return (o) => (bits[o] !== 0 ? YES : (flags[o]! & FOREIGN) !== 0 ? UNKNOWN : NO);
    }
    return null;
  }

  protected valueEstimate(condition: FieldCondition): Estimate | null {
    const bit = this.selected(condition);
    if (bit !== null) {
      const n =
        bit === HAS_TRUE ? this.extra.trueCount : bit === HAS_FALSE ? this.extra.falseCount : 0;
      return this.withForeign(exactly(n));
    }
    if (condition.match?.kind === 'except')
      return this.withForeign(exactly(this.indexedValuePoints));
    return null;
  }

  protected valueEnumerable(condition: FieldCondition): boolean {
    return this.selected(condition) !== null;
  }

  protected valueCandidates(condition: FieldCondition): Uint32Array | null {
    const bit = this.selected(condition);
    if (bit === null) return null;
    const marks = new Uint8Array((this.indexedPoints >> 3) + 1);
    if (bit !== 0) {
      for (let o = 0; o < this.bits.length; o++)
        if ((this.bits[o]! & bit) !== 0) marks[o >> 3]! |= 1 << (o & 7);
    }
    for (const o of this.foreignOffsets) marks[o >> 3]! |= 1 << (o & 7);
    return bitsetToOffsets(marks, this.indexedPoints);
  }

  facets(accept?: (offset: number) => boolean): FacetHit[] {
    let t = this.extra.trueCount;
    let f = this.extra.falseCount;
    if (accept !== undefined) {
      t = 0;
      f = 0;
      for (let o = 0; o < this.bits.length; o++) {
        const b = this.bits[o]!;
        if (b === 0 || !accept(o)) continue;
        if (b & HAS_TRUE) t++;
        if (b & HAS_FALSE) f++;
      }
    }
    const hits: FacetHit[] = [];
    if (t > 0) hits.push({ value: true, count: t });
    if (f > 0) hits.push({ value: false, count: f });
    return hits.sort((a, b) => b.count - a.count || (a.value === false ? -1 : 1));
  }
}
