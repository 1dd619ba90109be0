// Messages between the search pool (main thread) and search workers.

import type {
  FacetCounts,
  SegmentScanRequest,
  SegmentSearchRequest,
} from '../segment/segment-search.js';
import type { SharedSegmentState } from '../segment/types.js';

export interface SearchTask {
  id: number;
  segment: string;
  /** Sent when this worker has not seen the segment at this revision yet. */
  state?: SharedSegmentState;
  work:
    | { kind: 'search'; request: SegmentSearchRequest; fullScanThresholdKb: number }
    | { kind: 'scan'; request: SegmentScanRequest };
}

export type SearchWorkerMessage =
  { type: 'search'; task: SearchTask } | { type: 'forget'; segments: string[] };

export type SearchWorkerReply =
  | { id: number; offsets: Uint32Array; scores: Float32Array }
  | { id: number; matched: Uint32Array | number | FacetCounts }
  | { id: number; error: string; code: string };
