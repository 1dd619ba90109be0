// Builds an HNSW graph (Malkov & Yashunin) over the points of a StoredPointScorer: inserts points
// 0 … n-1 in order, each linked to the neighbours chosen by the standard selection heuristic among
// its ef_construct nearest found on every level it lives on, plus backlinks. Single-threaded and
// deterministic: the same points, params and seed give a byte-identical graph. Pure computation
// on (Shared)ArrayBuffers, so it runs the same inside a worker_thread.
//
// Backlinks reuse work: every neighbour list is kept sorted by score with the score stored next to
// it (build-only memory), and links already selected together by the heuristic are marked, so
// re-pruning a full list only scores pairs that involve a new link.

import { errors } from '../../common/errors.js';
import type { StoredPointScorer } from '../../kernels/point-scorer.js';
import { HNSW_MAX_LEVEL, HnswGraph, NO_ENTRY_POINT } from './hnsw-graph.js';
import { LayerSearcher } from './layer-searcher.js';
import { SeededRandom } from './seeded-random.js';

export interface HnswBuildParams {
  /** Links per node on the upper levels (Qdrant `m`, default 16); level 0 gets 2·m. */
  m: number;
  /** Size of the candidate list while linking (Qdrant `ef_construct`, default 100). */
  efConstruct: number;
  /** Seed of the level assignment; same seed and data ⇒ identical graph. */
  seed: number;
}

export interface HnswBuildOptions {
  /** Called every `progressInterval` points and once at the end with the points linked so far. */
  onProgress?: (pointsDone: number, pointsTotal: number) => void;
  /** Points between progress callbacks (default 1000). */
  progressInterval?: number;
  /** Polled with the progress callback; returning true aborts the build with an error. */
  isStopped?: () => boolean;
  /**
   * The offsets to link, in insertion order, each once (default 0 … count-1). The others (e.g.
   * deleted points) get no links and no upper levels, so no search ever reaches them.
   */
  points?: Uint32Array;
}

export const DEFAULT_HNSW_PARAMS: Readonly<HnswBuildParams> = { m: 16, efConstruct: 100, seed: 42 };

/** Levels ~ floor(-ln(U) / ln(m)): a node reaches level l with probability m^-l. */
export function assignLevels(count: number, m: number, seed: number): Uint8Array {
  const random = new SeededRandom(seed);
  const levelFactor = 1 / Math.log(Math.max(m, 2));
  const levels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const level = Math.floor(-Math.log(random.nextOpenUnit()) * levelFactor);
    levels[i] = Math.min(level, HNSW_MAX_LEVEL);
  }
  return levels;
}

/** Builds the graph over the points of `scorer` (all, or options.points). RingvecError on bad params. */
export function buildHnswGraph(
  scorer: StoredPointScorer,
  params: HnswBuildParams,
  options: HnswBuildOptions = {},
): HnswGraph {
  const { m, efConstruct, seed } = params;
  if (!Number.isInteger(m) || m < 1 || m > 0xffff) {
    throw errors.badInput(`hnsw m: expected an integer in 1 … 65535, got ${m}`);
  }
  if (!Number.isInteger(efConstruct) || efConstruct < 1) {
    throw errors.badInput(`hnsw ef_construct: expected an integer ≥ 1, got ${efConstruct}`);
  }
  const count = scorer.count;
  const levels = assignLevels(count, m, seed);
  const points = options.points;
  if (points !== undefined) {
    // Levels stay those of the full assignment (stable across subsets); skipped points get 0.
    const included = new Uint8Array(count);
    for (const point of points) {
      if (point >= count || included[point] === 1) {
        throw errors.badInput(`hnsw points: ${point} is out of range (${count}) or repeated`);
      }
      included[point] = 1;
    }
    for (let i = 0; i < count; i++) if (included[i] === 0) levels[i] = 0;
  }
  const graph = HnswGraph.allocate({
    count,
    m,
    m0: 2 * m,
    stride0: 2 * m + 1,
    efConstruct,
    levels,
  });
  const builder = new HnswBuilder(graph, scorer);
  const total = points?.length ?? count;
  const interval = Math.max(1, options.progressInterval ?? 1000);
  for (let done = 1; done <= total; done++) {
    builder.insert(points !== undefined ? points[done - 1]! : done - 1);
    if (done % interval === 0 || done === total) {
      if (options.isStopped?.() === true) throw errors.service('HNSW build cancelled');
      options.onProgress?.(done, total);
    }
  }
  builder.connectUnreachable();
  graph.seal();
  return graph;
}

function requireSync(pending: Promise<void> | undefined): void {
  if (pending === undefined) return;
  pending.catch(() => undefined);
  throw errors.service(
    'HNSW build needs a synchronous StoredPointScorer (vectors in RAM), but scoreOffsets ' +
      'returned a promise',
  );
}

type ScoreFrom = (offset: number, offsets: Uint32Array, count: number, out: Float32Array) => void;

class HnswBuilder {
  private readonly graph: HnswGraph;
  private readonly scorer: StoredPointScorer;
  /** out[i] = score(offset, offsets[i]): the scorer's batched pair scoring. */
  private readonly scoreFrom: ScoreFrom;
  private readonly searcher: LayerSearcher;
  private readonly efConstruct: number;
  /** Score of the link in the same slot of links0 / upperLinks (build-only). */
  private readonly scores0: Float32Array;
  private readonly upperScores: Float32Array;
  /** 1 when the link in that slot was chosen by the heuristic together with the others marked. */
  private readonly processed0: Uint8Array;
  private readonly upperProcessed: Uint8Array;
  /** Candidates of the node being inserted, closest first. */
  private readonly candidateIds: Uint32Array;
  private readonly candidateScores: Float32Array;
  /** rows[k * efConstruct + j]: score between the k-th selected candidate and candidate i+1+j. */
  private readonly selectionRows: Float32Array;
  private readonly selectedAt: Uint32Array;
  /** Scratch for re-pruning a full list: current links merged with the new one. */
  private readonly mergedIds: Uint32Array;
  private readonly mergedScores: Float32Array;
  private readonly mergedProcessed: Uint8Array;
  /** pruneRows[i * width + j]: score between merged items i and j, for fresh items i. */
  private readonly pruneRows: Float32Array;
  /** Merged-list indices of the selected items that were not `processed`. */
  private readonly freshSelected: Uint32Array;
  /** Merged-list index of each selected item. */
  private readonly selectedIndex: Uint32Array;
  /** Where slots() found the list: arrays and the index of its count slot. */
  private links: Uint32Array;
  private linkScores: Float32Array;
  private linkProcessed: Uint8Array;
  private entry = NO_ENTRY_POINT;
  private maxLevel = 0;

  constructor(graph: HnswGraph, scorer: StoredPointScorer) {
    this.graph = graph;
    this.scorer = scorer;
    this.scoreFrom =
      scorer.scoreStoredOffsets?.bind(scorer) ??
      ((offset, offsets, count, out) =>
        requireSync(scorer.scorerFor(offset).scoreOffsets(offsets, count, out)));
    this.efConstruct = graph.efConstruct;
    const width = graph.stride0 + 1;
    this.searcher = new LayerSearcher(graph.count, graph.stride0);
    this.scores0 = new Float32Array(graph.links0.length);
    this.upperScores = new Float32Array(graph.upperLinks.length);
    this.processed0 = new Uint8Array(graph.links0.length);
    this.upperProcessed = new Uint8Array(graph.upperLinks.length);
    this.candidateIds = new Uint32Array(this.efConstruct);
    this.candidateScores = new Float32Array(this.efConstruct);
    this.selectionRows = new Float32Array(width * this.efConstruct);
    this.selectedAt = new Uint32Array(width);
    this.mergedIds = new Uint32Array(width);
    this.mergedScores = new Float32Array(width);
    this.mergedProcessed = new Uint8Array(width);
    this.pruneRows = new Float32Array(width * width);
    this.freshSelected = new Uint32Array(width);
    this.selectedIndex = new Uint32Array(width);
    this.links = graph.links0;
    this.linkScores = this.scores0;
    this.linkProcessed = this.processed0;
  }

  /**
   * Pruning can leave a few points (~0.1%) without any path from the entry point on level 0, so
   * no search could ever return them. Each such point is linked from its closest reachable
   * neighbour: into a free slot, else (when few are unreachable) in place of a link whose target
   * has another incoming link, and on the last pass in place of the farthest link regardless.
   * Deterministic (offset order).
   */
  connectUnreachable(): void {
    const graph = this.graph;
    const { count, links0, stride0 } = graph;
    if (this.entry === NO_ENTRY_POINT) return;
    const inDegree = new Uint32Array(count);
    for (let node = 0; node < count; node++) {
      const base = node * stride0;
      for (let j = 1; j <= links0[base]!; j++) inDegree[links0[base + j]!]!++;
    }
    const reached = new Uint8Array(count);
    const stack: number[] = [];
    const reach = (from: number): void => {
      reached[from] = 1;
      stack.push(from);
      while (stack.length > 0) {
        const base = stack.pop()! * stride0;
        for (let j = 1; j <= links0[base]!; j++) {
          const other = links0[base + j]!;
          if (reached[other] === 0) {
            reached[other] = 1;
            stack.push(other);
          }
        }
      }
    };
    const unreached = (): number => {
      reached.fill(0);
      reach(this.entry);
      let missing = 0;
      // Points never inserted (options.points) have no links and stay out of the graph.
      for (let node = 0; node < count; node++) {
        if (reached[node] === 0 && links0[node * stride0]! > 0) missing++;
      }
      return missing;
    };
    // A few unreachable points are a pruning artefact, worth an edge each. Many (unnormalised Dot,
    // where low-norm points are nobody's nearest) mean a directed graph by nature: replacing
    // links there would wreck navigation for points no query ranks high, so only free slots.
    const initiallyMissing = unreached();
    const replace = initiallyMissing * 100 <= count;
    const passes = 4;
    for (let pass = 0; pass < passes; pass++) {
      // Recomputed each pass: dropping a link may have cut off a point reached before.
      if (pass > 0 && unreached() === 0) return;
      for (let node = 0; node < count; node++) {
        if (reached[node] === 1 || links0[node * stride0] === 0) continue;
        if (this.attach(node, reached, inDegree, replace, replace && pass === passes - 1)) {
          reach(node);
        }
      }
    }
  }

  /** Links `node` from one of its reachable neighbours; false when none can take it. */
  private attach(
    node: number,
    reached: Uint8Array,
    inDegree: Uint32Array,
    replace: boolean,
    force: boolean,
  ): boolean {
    const { links0, stride0, m0 } = this.graph;
    const scores = this.scores0;
    const base = node * stride0;
    const own = links0[base]!;
    for (let round = 0; round < (replace ? 3 : 1); round++) {
      for (let j = 1; j <= own; j++) {
        const target = links0[base + j]!;
        if (reached[target] === 0) continue;
        const targetBase = target * stride0;
        const targetCount = links0[targetBase]!;
        if (round === 0) {
          if (targetCount >= m0) continue;
        } else {
          // Drop the farthest link that another link keeps reachable (round 2: the farthest).
          let drop = targetCount;
          if (round === 1) {
            while (drop >= 1 && inDegree[links0[targetBase + drop]!]! < 2) drop--;
            if (drop < 1) continue;
          } else if (!force) {
            return false;
          }
          inDegree[links0[targetBase + drop]!]!--;
          this.removeLink(targetBase, drop);
        }
        this.addBacklink(target, node, scores[base + j]!, 0, links0[targetBase]! + 1);
        inDegree[node]!++;
        return true;
      }
    }
    return false;
  }

  /** Removes slot `slot` (1-based) of the level-0 list at `base`, keeping the order. */
  private removeLink(base: number, slot: number): void {
    const links = this.graph.links0;
    const count = links[base]!;
    for (let j = slot; j < count; j++) {
      links[base + j] = links[base + j + 1]!;
      this.scores0[base + j] = this.scores0[base + j + 1]!;
      this.processed0[base + j] = this.processed0[base + j + 1]!;
    }
    links[base] = count - 1;
  }

  insert(node: number): void {
    const graph = this.graph;
    const level = graph.levels[node]!;
    if (this.entry === NO_ENTRY_POINT) {
      this.entry = node;
      this.maxLevel = level;
      graph.setEntryPoint(node, level);
      return;
    }
    const searcher = this.searcher;
    searcher.bind(graph, this.scorer.scorerFor(node));
    requireSync(searcher.start(this.entry));
    if (this.maxLevel > level) requireSync(searcher.descend(this.maxLevel, level));
    for (let l = Math.min(level, this.maxLevel); l >= 0; l--) {
      requireSync(searcher.searchLevel(l, this.efConstruct, undefined));
      const found = searcher.results.drainDescending(this.candidateIds, this.candidateScores);
      searcher.current = this.candidateIds[0]!;
      searcher.currentScore = this.candidateScores[0]!;
      this.link(node, l, found);
    }
    searcher.unbind();
    if (level > this.maxLevel) {
      this.entry = node;
      this.maxLevel = level;
      graph.setEntryPoint(node, level);
    }
  }

  /**
   * Chooses `node`'s links on `level` among the `found` candidates (closest first) with the
   * heuristic: keep a candidate only if it is closer to `node` than to every link already kept.
   * When a candidate is kept, its scores to all later candidates come from one batched call.
   */
  private link(node: number, level: number, found: number): void {
    const limit = level === 0 ? this.graph.m0 : this.graph.m;
    const base = this.slots(node, level);
    const links = this.links;
    const linkScores = this.linkScores;
    const linkProcessed = this.linkProcessed;
    const ids = this.candidateIds;
    const candidateScores = this.candidateScores;
    const rows = this.selectionRows;
    const selectedAt = this.selectedAt;
    const stride = this.efConstruct;
    let selected = 0;
    outer: for (let i = 0; i < found && selected < limit; i++) {
      const score = candidateScores[i]!;
      for (let k = 0; k < selected; k++) {
        if (rows[k * stride + (i - selectedAt[k]! - 1)]! > score) continue outer;
      }
      const candidate = ids[i]!;
      links[base + 1 + selected] = candidate;
      linkScores[base + 1 + selected] = score;
      linkProcessed[base + 1 + selected] = 1;
      selectedAt[selected] = i;
      const rest = found - i - 1;
      if (rest > 0 && selected + 1 < limit) {
        this.scoreFrom(
          candidate,
          ids.subarray(i + 1, found),
          rest,
          rows.subarray(selected * stride, selected * stride + rest),
        );
      }
      selected++;
    }
    links[base] = selected;
    // addBacklink() works on the same level, so `links`/`linkScores` stay the right arrays.
    for (let j = 1; j <= selected; j++) {
      this.addBacklink(links[base + j]!, node, linkScores[base + j]!, level, limit);
    }
  }

  /** Points links/linkScores/linkProcessed at `node`'s list on `level`; returns its count slot. */
  private slots(node: number, level: number): number {
    const graph = this.graph;
    if (level === 0) {
      this.links = graph.links0;
      this.linkScores = this.scores0;
      this.linkProcessed = this.processed0;
      return node * graph.stride0;
    }
    this.links = graph.upperLinks;
    this.linkScores = this.upperScores;
    this.linkProcessed = this.upperProcessed;
    return graph.upperOffsets[node]! + (level - 1) * graph.stride1;
  }

  /** Adds `node` (at `score`) to `target`'s sorted links, re-pruning them if they are full. */
  private addBacklink(
    target: number,
    node: number,
    score: number,
    level: number,
    limit: number,
  ): void {
    const base = this.slots(target, level);
    const links = this.links;
    const scores = this.linkScores;
    const processed = this.linkProcessed;
    const count = links[base]!;
    let position = count;
    for (let j = 0; j < count; j++) {
      if (scores[base + 1 + j]! < score) {
        position = j;
        break;
      }
    }
    if (count < limit) {
      for (let j = count; j > position; j--) {
        links[base + 1 + j] = links[base + j]!;
        scores[base + 1 + j] = scores[base + j]!;
        processed[base + 1 + j] = processed[base + j]!;
      }
      links[base + 1 + position] = node;
      scores[base + 1 + position] = score;
      processed[base + 1 + position] = 0;
      links[base] = count + 1;
      return;
    }
    // Full: run the heuristic over the count + 1 links, closest first. Links selected together
    // before ("processed") are known to pass against each other, so only pairs with a fresh item
    // are scored: each fresh item's scores to all others come from one batched call.
    const total = count + 1;
    const ids = this.mergedIds;
    const mergedScores = this.mergedScores;
    const mergedProcessed = this.mergedProcessed;
    for (let j = 0, k = 0; j < total; j++) {
      if (j === position) {
        ids[j] = node;
        mergedScores[j] = score;
        mergedProcessed[j] = 0;
      } else {
        ids[j] = links[base + 1 + k]!;
        mergedScores[j] = scores[base + 1 + k]!;
        mergedProcessed[j] = processed[base + 1 + k]!;
        k++;
      }
    }
    const rows = this.pruneRows;
    const width = this.mergedIds.length;
    const fresh = this.freshSelected;
    const selectedIndex = this.selectedIndex;
    let freshCount = 0;
    let selected = 0;
    outer: for (let i = 0; i < total && selected < limit; i++) {
      const candidateScore = mergedScores[i]!;
      if (mergedProcessed[i] === 1) {
        for (let f = 0; f < freshCount; f++) {
          if (rows[fresh[f]! * width + i]! > candidateScore) continue outer;
        }
      } else {
        this.scoreFrom(ids[i]!, ids, total, rows.subarray(i * width, i * width + total));
        for (let k = 0; k < selected; k++) {
          if (rows[i * width + selectedIndex[k]!]! > candidateScore) continue outer;
        }
        fresh[freshCount++] = i;
      }
      selectedIndex[selected] = i;
      selected++;
      links[base + selected] = ids[i]!;
      scores[base + selected] = candidateScore;
    }
    for (let j = 1; j <= selected; j++) processed[base + j] = 1;
    links[base] = selected;
  }
}
