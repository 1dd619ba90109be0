// The distance matrix (POST …/points/search/matrix/pairs and /offsets), as Qdrant computes it
// (lib/collection/src/collection/distance_matrix.rs): sample up to `sample` points that have the
// vector and pass the filter, sort them by id, then find each one's `limit` nearest neighbours
// among the sample itself (itself excluded).

import { comparePointIds, type PointId } from '../common/point-id.js';
import type { Filter } from '../filter/filter-types.js';
import { executePlan, randomHits } from './query-execute.js';
import { allOf, onlyIds, segmentSearchParams, type QueryHit } from './query-plan.js';
import { checkShardKey, type QueryContext } from './query-vectors.js';
import { coreFilter } from './points-api.js';
import type { SearchMatrixRequest } from './schemas/index.js';

interface Matrix {
  ids: PointId[];
  /** Per sampled point (same order as `ids`), its nearest other sampled points. */
  nearest: QueryHit[][];
}

async function searchMatrix(context: QueryContext, request: SearchMatrixRequest): Promise<Matrix> {
  const { collection } = context;
  const { sample, limit, using } = request;
  checkShardKey(request.shard_key);
  collection.vector(using); // Unknown names are Qdrant's 400 before anything else.
  const hasVector: Filter = { must: [{ kind: 'has_vector', vector: using }] };
  const filter = allOf(coreFilter(request.filter), hasVector);
  const sampled = (await randomHits(collection, sample, filter)).map((hit) => hit.id);
  if (sampled.length < 2) return { ids: [], nearest: [] };
  sampled.sort(comparePointIds);
  const vectors = await collection.readPointVectors(sampled, using);
  const amongSample = onlyIds(sampled);
  const nearest = await Promise.all(
    sampled.map(async (id, i) => {
      const vector = vectors[i];
      if (vector === undefined) return []; // Deleted since it was sampled.
      const hits = await executePlan(collection, {
        prefetches: [],
        scoring: { kind: 'vector', using, query: { kind: 'nearest', vector } },
        filter: amongSample,
        params: segmentSearchParams(undefined),
        scoreThreshold: null,
        // One more, to drop the point itself afterwards.
        limit: limit + 1,
        offset: 0,
        withPayload: false,
        withVector: false,
      });
      const self = hits.findIndex((hit) => hit.id === id);
      if (self >= 0) hits.splice(self, 1);
      else if (hits.length === limit + 1) hits.pop();
      return hits;
    }),
  );
  return { ids: sampled, nearest };
}

/** POST …/points/search/matrix/pairs. */
export async function matrixPairs(
  context: QueryContext,
  request: SearchMatrixRequest,
): Promise<{ pairs: { a: PointId; b: PointId; score: number }[] }> {
  const { ids, nearest } = await searchMatrix(context, request);
  const pairs = ids.flatMap((a, i) =>
    nearest[i]!.map((hit) => ({ a, b: hit.id, score: hit.score })),
  );
  return { pairs };
}

/** POST …/points/search/matrix/offsets. */
export async function matrixOffsets(
  context: QueryContext,
  request: SearchMatrixRequest,
): Promise<{ offsets_row: number[]; offsets_col: number[]; scores: number[]; ids: PointId[] }> {
  const { ids, nearest } = await searchMatrix(context, request);
  const position = new Map(ids.map((id, i) => [id, i]));
  const out = { offsets_row: [] as number[], offsets_col: [] as number[], scores: [] as number[] };
  nearest.forEach((hits, row) => {
    for (const hit of hits) {
      out.offsets_row.push(row);
      out.offsets_col.push(position.get(hit.id)!);
      out.scores.push(hit.score);
    }
  });
  return { ...out, ids };
}
