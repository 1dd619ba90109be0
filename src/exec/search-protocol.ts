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

/**
 * All the tasks of one request that go to one worker travel in one message (the request itself is
 * then cloned once), and their replies come back together in one message (a SearchWorkerReply[]).
 */
export type SearchWorkerMessage =
  { type: 'tasks'; tasks: SearchTask[] } | { type: 'forget'; segments: string[] };

export type SearchWorkerReply =
  | { id: number; offsets: Uint32Array; scores: Float32Array }
  | { id: number; matched: Uint32Array | number | FacetCounts }
  | { id: number; error: string; code: string };
