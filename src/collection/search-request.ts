// The collection-level search request (after the API layer resolved names, ids and filters) and
// the merge of per-segment results into the collection's answer.

import type { PointId } from '../common/point-id.js';
import type { Filter } from '../filter/filter-types.js';
import type { SegmentQuery } from '../segment/query-scoring.js';
import type { SegmentSearchParams, SegmentSearchResult } from '../segment/segment-search.js';
import type { PayloadSelector, VectorSelector } from './collection.js';

export interface CoreSearchRequest {
  /** Vector name ("" for the unnamed vector). */
  using: string;
  /** Query vectors as given (Cosine normalisation happens in the collection). */
  query: SegmentQuery;
  filter: Filter | null;
  limit: number;
  offset: number;
  params: SegmentSearchParams;
  /** Qdrant's score_threshold (a distance bound for Euclid/Manhattan nearest queries). */
  scoreThreshold: number | null;
  withPayload: PayloadSelector;
  withVector: VectorSelector;
}

export interface ScoredPoint {
  id: PointId;
  version: number;
  score: number;
  payload?: Record<string, unknown>;
  vector?: number[] | Record<string, number[]>;
}

export const DEFAULT_SEARCH_PARAMS: SegmentSearchParams = {
  hnswEf: null,
  exact: false,
  indexedOnly: false,
  quantization: null,
};

export interface Candidate {
  handle: number;
  offset: number;
  score: number;
}

/** All segments' candidates, best first (ties broken by handle then offset, deterministic). */
export function mergeSegmentResults(
  handles: readonly number[],
  results: readonly SegmentSearchResult[],
): Candidate[] {
  const all: Candidate[] = [];
  results.forEach((result, i) => {
    for (let k = 0; k < result.offsets.length; k++) {
      all.push({ handle: handles[i]!, offset: result.offsets[k]!, score: result.scores[k]! });
    }
  });
  all.sort((a, b) => b.score - a.score || a.handle - b.handle || a.offset - b.offset);
  return all;
}
