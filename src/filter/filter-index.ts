// The contract between compile-filter.ts and the payload indexes (index/payload/, a layer above):
// what an index must offer so a compiled filter can answer a condition without reading payloads.
// Defined here, implemented there, so the filter layer never imports the index layer.
//
// Invariant: for every offset the index reports as known (offset < indexedPoints, not stale, and
// the checker did not answer UNKNOWN), the answer equals the payload check of the same condition.
// The one deliberate exception is full-text matching, whose meaning an index defines (tokens
// instead of substrings), as in Qdrant; `textMatcher` carries that meaning to payload checks.

import type { FieldCondition, IsEmptyCondition, IsNullCondition, Match } from './filter-types.js';

/** Answers of an index checker. */
export const NO = 0;
export const YES = 1;
/** The index cannot decide for this point (e.g. values of another type): check the payload. */
export const UNKNOWN = 2;

/** Returns NO, YES or UNKNOWN for an offset below the index's `indexedPoints`. */
export type IndexedCheck = (offset: number) => number;

export type IndexableCondition = FieldCondition | IsEmptyCondition | IsNullCondition;

/**
 * Where a text match is evaluated: `point` = all string values of the point's field together
 * (top-level conditions), `value` = each string separately (inside `nested`), as in Qdrant.
 */
export type TextScope = 'point' | 'value';

export interface FilterFieldIndex {
  /** Offsets [0, indexedPoints) were indexed when the (immutable) index was built. */
  readonly indexedPoints: number;
  /** A checker for `condition` (whose key is this index's key), or null if it cannot serve it. */
  indexedCheck(condition: IndexableCondition): IndexedCheck | null;
  /**
   * For full-text indexes: the meaning of a text/text_any/phrase match over a set of strings
   * (null for other matches or other index types).
   */
  textMatcher?(match: Match, scope: TextScope): ((strings: readonly string[]) => boolean) | null;
}

export interface FilterIndexLookup {
  /** The index on a key, by its canonical path text (formatJsonPath). */
  get(key: string): FilterFieldIndex | undefined;
}
