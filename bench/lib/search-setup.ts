// What the HTTP search benchmarks (bench/search-http.ts, bench/concurrency.ts) share: seeded
// clustered vectors plus held-out queries from the same clusters, loading them into a collection
// (create, upload, wait until the optimizer has indexed them), search request bodies for Qdrant's
// legacy `/points/search` or `/points/query`, exact top-k by brute force in this process, and
// recall@k of the server's answers against it.

import { FloatArrayScorer } from '../../src/quantization/float-array-scorer.js';
import type { Distance } from '../../src/quantization/quantizer.js';
import {
  describeInfo,
  waitUntilReady,
  type CollectionInfo,
  type WaitOptions,
} from './collection-status.js';
import { generatedVectors, vectorJson } from './dataset.js';
import { HttpRequestError, type HttpJson } from './http-json.js';
import { startProgress } from './progress.js';
import { fixed } from './table.js';

export type SearchEndpoint = 'search' | 'query';

export interface SearchData {
  readonly dim: number;
  readonly points: number;
  /** The points' vectors, row-major; point id = row + 1. */
  readonly vectors: Float32Array;
  /** Held-out queries (never uploaded), row-major. */
  readonly queries: Float32Array;
  readonly queryCount: number;
  readonly description: string;
  /** `[v0,…]` of query q, printed like the uploaded vectors (short decimals). */
  queryJson(q: number): string;
  /** `[v0,…]` of point row i. */
  vectorJson(i: number): string;
}

/**
 * `points` + `queries` generated vectors (bench/lib/dataset.ts, cached under bench/data/): the
 * first `points` are the collection, the rest are queries drawn from the same clusters. The
 * cluster count follows `points` (√points), so the collection is the same whatever `queries` is.
 */
export function loadSearchData(options: {
  readonly points: number;
  readonly dim: number;
  readonly queries: number;
  readonly seed: number;
}): SearchData {
  const count = options.points + options.queries;
  const clusters = Math.min(4096, Math.max(1, Math.round(Math.sqrt(options.points))));
  let bar: ReturnType<typeof startProgress> | undefined;
  const { source, cached } = generatedVectors({
    count,
    dim: options.dim,
    seed: options.seed,
    clusters,
    onProgress: (done) => {
      bar ??= startProgress('generate vectors', count);
      bar.update(done);
    },
  });
  bar?.stop('cached for next time');
  try {
    const all = new Float32Array(count * options.dim);
    const chunk = 65536;
    for (let first = 0; first < count; first += chunk) {
      const n = Math.min(chunk, count - first);
      source.read(first, n, all.subarray(first * options.dim, (first + n) * options.dim));
    }
    const vectors = all.subarray(0, options.points * options.dim);
    const queries = all.subarray(options.points * options.dim);
    const format = (data: Float32Array, i: number): string => vectorJson(source, data, i);
    return {
      dim: options.dim,
      points: options.points,
      vectors,
      queries,
      queryCount: options.queries,
      description: `${source.description}${cached ? ' (reused)' : ''}; the last ${options.queries} are held-out queries`,
      queryJson: (q) => format(queries, q),
      vectorJson: (i) => format(vectors, i),
    };
  } finally {
    source.close();
  }
}

/** Uploads every point (ids 1…N, no payload) in batches, `parallel` requests in flight. */
export async function uploadPoints(
  client: HttpJson,
  collection: string,
  data: SearchData,
  options: { readonly batch: number; readonly parallel: number },
): Promise<number> {
  const batches = Math.ceil(data.points / options.batch);
  const bar = startProgress('upload (wait=false)', data.points);
  const start = performance.now();
  const path = `/collections/${encodeURIComponent(collection)}/points?wait=false`;
  let next = 0;
  let uploaded = 0;
  const worker = async (): Promise<void> => {
    while (next < batches) {
      const first = next++ * options.batch;
      const n = Math.min(options.batch, data.points - first);
      const items = new Array<string>(n);
      for (let i = 0; i < n; i++)
        items[i] = `{"id":${first + i + 1},"vector":${data.vectorJson(first + i)}}`;
      const body = `{"points":[${items.join(',')}]}`;
      for (let attempt = 1; ; attempt++) {
        try {
          await client.ok('PUT', path, body);
          break;
        } catch (error) {
          // A busy server may answer 503/429 or drop a socket: retry a few times, then give up.
          const retryable = !(error instanceof HttpRequestError) || error.status >= 429;
          if (!retryable || attempt > 5) throw error;
          await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
        }
      }
      uploaded += n;
      bar.update(uploaded, `${fixed(uploaded / ((performance.now() - start) / 1000))} points/s`);
    }
  };
  await Promise.all(Array.from({ length: options.parallel }, worker));
  const seconds = (performance.now() - start) / 1000;
  bar.stop(`${fixed(data.points)} points in ${fixed(seconds, 1)} s`);
  return seconds;
}

/** waitUntilReady (status green) behind a progress bar of the indexed vectors. */
export async function waitUntilGreen(
  client: HttpJson,
  collection: string,
  options: Omit<WaitOptions, 'onPoll'> & { readonly label: string },
): Promise<{ info: CollectionInfo; seconds: number }> {
  const { label, ...wait } = options;
  const bar = startProgress(label, options.expectedPoints);
  let ready: { info: CollectionInfo; seconds: number };
  try {
    ready = await waitUntilReady(client, collection, {
      ...wait,
      onPoll: (info) => bar.update(info.indexed_vectors_count, describeInfo(info)),
    });
  } catch (error) {
    bar.stop('timed out');
    throw error;
  }
  bar.stop(`green after ${fixed(ready.seconds, 1)} s: ${describeInfo(ready.info)}`);
  return ready;
}

export interface SearchCollectionOptions {
  readonly distance: Distance;
  /** hnsw_config.m and hnsw_config.ef_construct of the collection. */
  readonly m: number;
  readonly efConstruct: number;
  readonly uploadBatch: number;
  readonly uploadParallel: number;
  readonly readyTimeoutMs: number;
  /** How often to poll for green (default: waitUntilReady's). */
  readonly pollMs?: number;
}

/**
 * Creates the collection (one unnamed vector of data.dim), uploads every point and waits until
 * the optimizer is done with them (status green). Small data may be green without an HNSW index:
 * compare the info's indexed_vectors_count with its points_count.
 */
export async function loadSearchCollection(
  client: HttpJson,
  collection: string,
  data: SearchData,
  options: SearchCollectionOptions,
): Promise<{ uploadSeconds: number; readySeconds: number; info: CollectionInfo }> {
  await client.ok('PUT', `/collections/${encodeURIComponent(collection)}`, {
    vectors: { size: data.dim, distance: options.distance },
    hnsw_config: { m: options.m, ef_construct: options.efConstruct },
  });
  const uploadSeconds = await uploadPoints(client, collection, data, {
    batch: options.uploadBatch,
    parallel: options.uploadParallel,
  });
  const ready = await waitUntilGreen(client, collection, {
    label: 'optimizer (index)',
    expectedPoints: data.points,
    timeoutMs: options.readyTimeoutMs,
    ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
  });
  return { uploadSeconds, readySeconds: ready.seconds, info: ready.info };
}

export function searchPath(collection: string, endpoint: SearchEndpoint): string {
  return `/collections/${encodeURIComponent(collection)}/points/${endpoint}`;
}

/**
 * A search request body for one query: `{"vector": …}` for /points/search, `{"query": …}` for
 * /points/query; no payload, no vectors; `params` only when `hnswEf` or `exact` is given, so by
 * default the server's own search parameters apply.
 */
export interface SearchBodyOptions {
  readonly endpoint: SearchEndpoint;
  readonly limit: number;
  readonly hnswEf?: number;
  readonly exact?: boolean;
}

export function searchBody(data: SearchData, q: number, options: SearchBodyOptions): string {
  const key = options.endpoint === 'search' ? 'vector' : 'query';
  const fields = [
    ...(options.hnswEf === undefined ? [] : [`"hnsw_ef":${options.hnswEf}`]),
    ...(options.exact === true ? ['"exact":true'] : []),
  ];
  const params = fields.length === 0 ? '' : `,"params":{${fields.join(',')}}`;
  return `{"${key}":${data.queryJson(q)},"limit":${options.limit}${params}}`;
}

/** Bodies for `count` queries, cycling through the held-out queries. */
export function searchBodies(
  data: SearchData,
  count: number,
  options: SearchBodyOptions,
): string[] {
  return Array.from({ length: count }, (_, i) => searchBody(data, i % data.queryCount, options));
}

/** Point ids of a search or query answer, best first. */
export function answerIds(endpoint: SearchEndpoint, text: string): number[] {
  const body = JSON.parse(text) as {
    result: { id: number | string }[] | { points: { id: number | string }[] };
  };
  const hits = endpoint === 'search' ? body.result : (body.result as { points: [] }).points;
  return (hits as { id: number | string }[]).map((hit) => Number(hit.id));
}

/** Exact top `limit` point ids (row + 1) of query q by a float scan. */
export function exactTopIds(
  data: SearchData,
  distance: Distance,
  q: number,
  limit: number,
): number[] {
  const query = data.queries.subarray(q * data.dim, (q + 1) * data.dim);
  const top = new FloatArrayScorer(data.vectors, data.dim, distance, query).scanTop(limit);
  return Array.from(top.offsets, (offset) => offset + 1);
}

export interface RecallResult {
  readonly queries: number;
  readonly limit: number;
  /** Mean over queries of |server ∩ exact| / limit. */
  readonly recall: number;
  readonly minRecall: number;
  /** Queries whose answer held all of the exact top `limit`. */
  readonly perfect: number;
}

/**
 * recall@limit of the server's answers to the first `queries` held-out queries (sent one at a
 * time, the same bodies as the load) against brute force.
 */
export async function measureRecall(
  client: HttpJson,
  collection: string,
  data: SearchData,
  distance: Distance,
  options: SearchBodyOptions & { readonly queries: number },
): Promise<RecallResult> {
  const n = Math.min(options.queries, data.queryCount);
  const bar = startProgress('recall vs brute force', n);
  let sum = 0;
  let min = 1;
  let perfect = 0;
  for (let q = 0; q < n; q++) {
    const response = await client.request(
      'POST',
      searchPath(collection, options.endpoint),
      searchBody(data, q, options),
    );
    if (response.status !== 200) {
      throw new Error(`recall query ${q}: ${response.status} ${response.text.slice(0, 300)}`);
    }
    const got = new Set(answerIds(options.endpoint, response.text));
    const exact = exactTopIds(data, distance, q, options.limit);
    let hits = 0;
    for (const id of exact) if (got.has(id)) hits++;
    const r = hits / Math.max(1, exact.length);
    sum += r;
    min = Math.min(min, r);
    if (hits === exact.length) perfect++;
    bar.update(q + 1, `recall@${options.limit} ${fixed(sum / (q + 1), 4)}`);
  }
  const recall = n > 0 ? sum / n : Number.NaN;
  bar.stop(`recall@${options.limit} ${fixed(recall, 4)} over ${n} queries`);
  return { queries: n, limit: options.limit, recall, minRecall: min, perfect };
}
