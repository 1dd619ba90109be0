// Qdrant's `payload_m`: extra level-0 links inside groups of points that share a payload value, so
// that a search filtered on that value finds accepted points through accepted points instead of
// wading through rejected ones. For each group, an HNSW graph is built over the group's points
// alone (degree 2·payload_m on level 0, like Qdrant's payload_m0) and its level-0 links that the
// main graph lacks are stored as the graph's extra links. Which groups deserve this (Qdrant: blocks
// between full_scan_threshold and n / m points) is the caller's decision.

import { errors } from '../../common/errors.js';
import type { PointScorer, StoredPointScorer } from '../../kernels/point-scorer.js';
import { buildHnswGraph } from './hnsw-builder.js';
import type { HnswGraph } from './hnsw-graph.js';

export interface GroupLinksParams {
  /** Links per node inside a group (Qdrant `payload_m`); level 0 gets 2·payloadM. */
  payloadM: number;
  efConstruct: number;
  seed: number;
}

export interface GroupLinksOptions {
  /** Called after each group with the groups done so far. */
  onProgress?: (groupsDone: number) => void;
  isStopped?: () => boolean;
}

/**
 * A copy of `graph` with extra links for every group (an array of distinct point offsets).
 * Groups of fewer than 2 points add nothing. Deterministic for the same groups in the same order.
 */
export function addGroupLinks(
  graph: HnswGraph,
  scorer: StoredPointScorer,
  groups: Iterable<Uint32Array>,
  params: GroupLinksParams,
  options: GroupLinksOptions = {},
): HnswGraph {
  if (scorer.count !== graph.count) {
    throw errors.service(
      `HNSW group links: graph has ${graph.count} points, scorer ${scorer.count}`,
    );
  }
  const count = graph.count;
  const extra: (number[] | undefined)[] = new Array<number[] | undefined>(count);
  // Start from the links the graph already has, so groups only add what is missing.
  for (let node = 0; node < count; node++) {
    const from = graph.extraOffsets[node];
    const to = graph.extraOffsets[node + 1];
    if (from !== undefined && to !== undefined && to > from) {
      extra[node] = Array.from(graph.extraLinks.subarray(from, to));
    }
  }
  const links0 = graph.links0;
  const stride0 = graph.stride0;
  let done = 0;
  for (const group of groups) {
    if (options.isStopped?.() === true) throw errors.service('HNSW build cancelled');
    for (const offset of group) {
      if (offset >= count) throw errors.badInput(`group point ${offset} out of range (${count})`);
    }
    if (group.length >= 2) {
      const sub = buildHnswGraph(new GroupScorer(scorer, group), {
        m: params.payloadM,
        efConstruct: params.efConstruct,
        seed: params.seed,
      });
      for (let local = 0; local < group.length; local++) {
        const node = group[local]!;
        const base = local * sub.stride0;
        const linkCount = sub.links0[base]!;
        for (let j = 1; j <= linkCount; j++) {
          const other = group[sub.links0[base + j]!]!;
          if (hasMainLink(links0, node * stride0, other)) continue;
          const list = (extra[node] ??= []);
          if (!list.includes(other)) list.push(other);
        }
      }
    }
    options.onProgress?.(++done);
  }
  const offsets = new Uint32Array(count + 1);
  for (let node = 0; node < count; node++)
    offsets[node + 1] = offsets[node]! + (extra[node]?.length ?? 0);
  const flat = new Uint32Array(offsets[count]!);
  for (let node = 0; node < count; node++) {
    const list = extra[node];
    if (list !== undefined) flat.set(list, offsets[node]!);
  }
  return graph.withExtraLinks(offsets, flat, params.payloadM);
}

function hasMainLink(links0: Uint32Array, base: number, other: number): boolean {
  for (let j = base + 1, end = base + 1 + links0[base]!; j < end; j++) {
    if (links0[j] === other) return true;
  }
  return false;
}

/** The points of one group, renumbered 0 … group.length-1, scored through the full scorer. */
class GroupScorer implements StoredPointScorer {
  readonly count: number;
  private translated = new Uint32Array(64);

  constructor(
    private readonly inner: StoredPointScorer,
    private readonly group: Uint32Array,
  ) {
    this.count = group.length;
  }

  /** The group offsets as full-graph offsets, in a scratch array reused by every call. */
  private translate(offsets: Uint32Array, count: number): Uint32Array {
    if (this.translated.length < count) this.translated = new Uint32Array(count * 2);
    const out = this.translated;
    const group = this.group;
    for (let i = 0; i < count; i++) out[i] = group[offsets[i]!]!;
    return out;
  }

  scorerFor(offset: number): PointScorer {
    const query = this.inner.scorerFor(this.group[offset]!);
    return {
      scoreOffsets: (offsets, count, out) =>
        query.scoreOffsets(this.translate(offsets, count), count, out),
    };
  }

  pair(a: number, b: number): number {
    return this.inner.pair(this.group[a]!, this.group[b]!);
  }

  scoreStoredOffsets(offset: number, offsets: Uint32Array, count: number, out: Float32Array): void {
    const global = this.translate(offsets, count);
    const node = this.group[offset]!;
    if (this.inner.scoreStoredOffsets !== undefined) {
      this.inner.scoreStoredOffsets(node, global, count, out);
      return;
    }
    const pending = this.inner.scorerFor(node).scoreOffsets(global, count, out);
    if (pending !== undefined) {
      pending.catch(() => undefined);
      throw errors.service('HNSW group links need a synchronous StoredPointScorer');
    }
  }
}
