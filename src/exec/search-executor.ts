// Where segment searches run. The collection hands a request and the segments to search to a
// SearchExecutor and gets one result per segment. InProcessExecutor runs them on the calling
// thread (tests, tools); the worker pool (search-pool.ts) spreads them over search threads.

import {
  scanSegment,
  searchSegment,
  type FacetCounts,
  type SegmentScanRequest,
  type SegmentSearchRequest,
  type SegmentSearchResult,
} from '../segment/segment-search.js';
import type { SegmentView } from '../segment/segment-view.js';
import { ThreadSearchResources, type IoReadSettings } from './search-resources.js';

export interface SearchExecutor {
  /** Searches every segment; results in the order of `segments`. */
  search(
    segments: readonly SegmentView[],
    request: SegmentSearchRequest,
    fullScanThresholdKb: number,
  ): Promise<SegmentSearchResult[]>;
  /** Filter scans: per segment, the count or the matching offsets. */
  scan(
    segments: readonly SegmentView[],
    request: SegmentScanRequest,
  ): Promise<(Uint32Array | number | FacetCounts)[]>;
  /** Segments retired by the collection: release per-thread resources (readers, caches). */
  forget(segments: readonly SegmentView[]): void;
  close(): Promise<void>;
}

export class InProcessExecutor implements SearchExecutor {
  private readonly resources: ThreadSearchResources;

  constructor(io: IoReadSettings) {
    this.resources = new ThreadSearchResources(io);
  }

  search(
    segments: readonly SegmentView[],
    request: SegmentSearchRequest,
    fullScanThresholdKb: number,
  ): Promise<SegmentSearchResult[]> {
    return Promise.all(
      segments.map((view) => searchSegment(this.resources, view, request, fullScanThresholdKb)),
    );
  }

  async scan(
    segments: readonly SegmentView[],
    request: SegmentScanRequest,
  ): Promise<(Uint32Array | number | FacetCounts)[]> {
    return segments.map((view) => scanSegment(view, request));
  }

  forget(segments: readonly SegmentView[]): void {
    this.resources.closeReaders(segments.flatMap((s) => s.state.vectors.map((v) => v.file.path)));
  }

  async close(): Promise<void> {
    this.resources.closeAll();
  }
}
