// Full-text index: an inverted index from tokens to points (tokenizer.ts), the token set of each
// point, and with `phrase_matching` the token sequence of each point (string values separated by
// a boundary that no phrase can cross). As in Qdrant, the index defines what text matches mean
// for its key: `text` = every query token present, `text_any` = some query token present,
// `phrase` = the tokens in order (only with phrase_matching; without it nothing matches); a query
// token the vocabulary has never seen matches nothing.
//
// Layout: vocab.bytes + vocab.offsets (tokens sorted by UTF-8 bytes); postings.starts +
// postings.offsets; points.starts + points.tokens (ascending ids); with phrase matching
// docs.starts + docs.tokens (sequence, BOUNDARY between string values).

import {
  NO,
  YES,
  type IndexableCondition,
  type IndexedCheck,
  type TextScope,
} from '../../filter/filter-index.js';
import type { FieldCondition, Match } from '../../filter/filter-types.js';
import { formatJsonPath, type JsonPath } from '../../filter/json-path.js';
import { isTextMatch } from '../../filter/value-checks.js';
import { readSections, type LoadedSections, type SectionWriter } from './binary-format.js';
import { expectedShouldEstimation, type Estimate } from './cardinality.js';
import { textIndexOptions, type PayloadFieldSchema } from './field-schema.js';
import {
  BasePayloadIndex,
  collectValues,
  exactly,
  finishCommon,
  loadCommon,
  type CommonMeta,
  type PayloadEntries,
} from './payload-field-index.js';
import { bitsetFor, bitsetToOffsets, hasBit, setRange, U32Builder } from './offsets.js';
import type { PointShape } from './point-shape.js';
import { Tokenizer } from './tokenizer.js';

const BOUNDARY = 0xffff_ffff;
const encoder = new TextEncoder();

function compareBytes(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array): number {
  const n = Math.min(aEnd - aStart, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[aStart + i]! - b[i]!;
    if (d !== 0) return d;
  }
  return aEnd - aStart - b.length;
}

function containsSorted(array: Uint32Array, from: number, to: number, value: number): boolean {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = array[mid]!;
    if (v === value) return true;
    if (v < value) lo = mid + 1;
    else hi = mid;
  }
  return false;
}

function hasWindow<T>(doc: ArrayLike<T>, from: number, to: number, phrase: readonly T[]): boolean {
  const n = phrase.length;
  for (let i = from; i + n <= to; i++) {
    let j = 0;
    while (j < n && doc[i + j] === phrase[j]) j++;
    if (j === n) return true;
  }
  return false;
}

interface TextExtra {
  readonly phraseMatching: boolean;
}

export class TextIndex extends BasePayloadIndex {
  protected readonly kind = 'text';
  readonly tokenizer: Tokenizer;

  private constructor(
    meta: CommonMeta,
    shape: PointShape,
    foreign: Uint32Array,
    private readonly extra: TextExtra,
    private readonly vocabBytes: Uint8Array,
    private readonly vocabOffsets: Uint32Array,
    private readonly postingStarts: Uint32Array,
    private readonly postingOffsets: Uint32Array,
    private readonly pointStarts: Uint32Array,
    private readonly pointTokens: Uint32Array,
    private readonly docStarts: Uint32Array,
    private readonly docTokens: Uint32Array,
  ) {
    super(meta, shape, foreign);
    this.tokenizer = new Tokenizer(textIndexOptions(meta.schema));
  }

  static build(
    key: JsonPath,
    schema: PayloadFieldSchema,
    entries: PayloadEntries,
    pointCount: number,
  ): TextIndex {
    const options = textIndexOptions(schema);
    const tokenizer = new Tokenizer(options);
    const vocab = new Map<string, number>();
    const tokenIds = (list: string[]) =>
      list.map((t) => {
        let id = vocab.get(t);
        if (id === undefined) vocab.set(t, (id = vocab.size));
        return id;
      });
    const sets: (number[] | undefined)[] = new Array<number[] | undefined>(pointCount);
    const docs: (number[] | undefined)[] = new Array<number[] | undefined>(pointCount);
    let captured = 0;
    const shapeBuilder = collectValues(
      key,
      entries,
      pointCount,
      (leaf) => (typeof leaf === 'string' ? 'captured' : 'ignored'),
      (offset, leaves) => {
        const strings = leaves.filter((l): l is string => typeof l === 'string');
        if (strings.length === 0) return;
        captured++;
        const doc: number[] = [];
        strings.forEach((s, i) => {
          if (options.phraseMatching && i > 0) doc.push(BOUNDARY);
          doc.push(...tokenIds(tokenizer.tokenList(s, 'document')));
        });
        sets[offset] = [...new Set(doc.filter((t) => t !== BOUNDARY))];
        if (options.phraseMatching) docs[offset] = doc;
      },
    );

    // Renumber tokens in byte order so lookups can binary-search the vocabulary.
    const tokens = [...vocab.keys()].map((t) => ({ t, bytes: encoder.encode(t) }));
    const order = tokens
      .map((_, i) => i)
      .sort((a, b) => Buffer.compare(tokens[a]!.bytes, tokens[b]!.bytes));
    const newId = new Uint32Array(tokens.length);
    order.forEach((old, i) => (newId[old] = i));
    const vocabOffsets = new Uint32Array(tokens.length + 1);
    let bytes = 0;
    order.forEach((old, i) => {
      vocabOffsets[i] = bytes;
      bytes += tokens[old]!.bytes.length;
    });
    vocabOffsets[tokens.length] = bytes;
    const vocabBytes = new Uint8Array(bytes);
    order.forEach((old, i) => vocabBytes.set(tokens[old]!.bytes, vocabOffsets[i]!));

    const pointStarts = new Uint32Array(pointCount + 1);
    const pointTokens = new U32Builder();
    const counts = new Uint32Array(tokens.length);
    for (let o = 0; o < pointCount; o++) {
      pointStarts[o] = pointTokens.length;
      const set = sets[o];
      if (set === undefined) continue;
      const ids = set.map((id) => newId[id]!).sort((a, b) => a - b);
      for (const id of ids) {
        pointTokens.push(id);
        counts[id]!++;
      }
    }
    pointStarts[pointCount] = pointTokens.length;
    const forward = pointTokens.finish();
    const postingStarts = new Uint32Array(tokens.length + 1);
    for (let i = 0; i < tokens.length; i++) postingStarts[i + 1] = postingStarts[i]! + counts[i]!;
    const fill = postingStarts.slice(0, tokens.length);
    const postingOffsets = new Uint32Array(forward.length);
    for (let o = 0; o < pointCount; o++) {
      for (let i = pointStarts[o]!; i < pointStarts[o + 1]!; i++)
        postingOffsets[fill[forward[i]!]!++] = o;
    }
    const docStarts = new Uint32Array(options.phraseMatching ? pointCount + 1 : 0);
    const docTokens = new U32Builder();
    if (options.phraseMatching) {
      for (let o = 0; o < pointCount; o++) {
        docStarts[o] = docTokens.length;
        for (const id of docs[o] ?? []) docTokens.push(id === BOUNDARY ? BOUNDARY : newId[id]!);
      }
      docStarts[pointCount] = docTokens.length;
    }
    const { meta, shape, foreign } = finishCommon(
      formatJsonPath(key),
      schema,
      pointCount,
      shapeBuilder,
      captured,
    );
    return new TextIndex(
      meta,
      shape,
      foreign,
      { phraseMatching: options.phraseMatching },
      vocabBytes,
      vocabOffsets,
      postingStarts,
      postingOffsets,
      pointStarts,
      forward,
      docStarts,
      docTokens.finish(),
    );
  }

  static load(bytes: Uint8Array): TextIndex {
    return TextIndex.fromSections(readSections(bytes));
  }

  static fromSections(sections: LoadedSections): TextIndex {
    const { meta, extra, shape, foreign } = loadCommon(sections);
    return new TextIndex(
      meta,
      shape,
      foreign,
      extra as TextExtra,
      sections.u8('vocab.bytes'),
      sections.u32('vocab.offsets'),
      sections.u32('postings.starts'),
      sections.u32('postings.offsets'),
      sections.u32('points.starts'),
      sections.u32('points.tokens'),
      sections.u32('docs.starts'),
      sections.u32('docs.tokens'),
    );
  }

  protected writeSections(writer: SectionWriter): TextExtra {
    writer
      .add('vocab.bytes', this.vocabBytes)
      .add('vocab.offsets', this.vocabOffsets)
      .add('postings.starts', this.postingStarts)
      .add('postings.offsets', this.postingOffsets)
      .add('points.starts', this.pointStarts)
      .add('points.tokens', this.pointTokens)
      .add('docs.starts', this.docStarts)
      .add('docs.tokens', this.docTokens);
    return this.extra;
  }

  private tokenId(token: string): number {
    const bytes = encoder.encode(token);
    let lo = 0;
    let hi = this.vocabOffsets.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareBytes(
        this.vocabBytes,
        this.vocabOffsets[mid]!,
        this.vocabOffsets[mid + 1]!,
        bytes,
      );
      if (c === 0) return mid;
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    return -1;
  }

  private postingLength(id: number): number {
    return this.postingStarts[id + 1]! - this.postingStarts[id]!;
  }

  /** The query as token ids; null when some token is unknown (nothing can match). */
  private parsed(match: Match): { ids: number[]; sequence: number[] } | null {
    if (match.kind === 'text' || match.kind === 'text_any') {
      const ids: number[] = [];
      let unknown = false;
      for (const t of this.tokenizer.tokenSet(match.text, 'query')) {
        const id = this.tokenId(t);
        if (id < 0) unknown = true;
        else ids.push(id);
      }
      if (unknown && match.kind === 'text') return null;
      return { ids, sequence: [] };
    }
    if (match.kind === 'phrase') {
      const sequence = this.tokenizer.tokenList(match.text, 'document').map((t) => this.tokenId(t));
      if (sequence.includes(-1)) return null;
      return { ids: [...new Set(sequence)], sequence };
    }
    return null;
  }

  /** Points holding every id (intersection, driven by the shortest posting list). */
  private allOf(ids: readonly number[], accept?: (offset: number) => boolean): Uint8Array {
    const bits = bitsetFor(this.indexedPoints);
    if (ids.length === 0) return bits;
    const sorted = [...ids].sort((a, b) => this.postingLength(a) - this.postingLength(b));
    const first = sorted[0]!;
    for (let i = this.postingStarts[first]!, end = this.postingStarts[first + 1]!; i < end; i++) {
      const o = this.postingOffsets[i]!;
      const from = this.pointStarts[o]!;
      const to = this.pointStarts[o + 1]!;
      let all = true;
      for (let k = 1; k < sorted.length && all; k++)
        all = containsSorted(this.pointTokens, from, to, sorted[k]!);
      if (all && (accept === undefined || accept(o))) bits[o >> 3]! |= 1 << (o & 7);
    }
    return bits;
  }

  private matchBits(match: Match): Uint8Array | null {
    const q = this.parsed(match);
    if (q === null) return bitsetFor(this.indexedPoints);
    if (match.kind === 'text') return this.allOf(q.ids);
    if (match.kind === 'text_any') {
      const bits = bitsetFor(this.indexedPoints);
      for (const id of q.ids)
        setRange(bits, this.postingOffsets, this.postingStarts[id]!, this.postingStarts[id + 1]!);
      return bits;
    }
    if (!this.extra.phraseMatching || q.sequence.length === 0) return bitsetFor(this.indexedPoints);
    const docStarts = this.docStarts;
    const docTokens = this.docTokens;
    return this.allOf(q.ids, (o) =>
      hasWindow(docTokens, docStarts[o]!, docStarts[o + 1]!, q.sequence),
    );
  }

  /** A text-type match is decided by this index alone, whatever else the condition says. */
  override indexedCheck(condition: IndexableCondition): IndexedCheck | null {
    if (condition.kind === 'field' && isTextMatch(condition.match))
      return this.valueCheck(condition);
    return super.indexedCheck(condition);
  }

  override estimate(condition: IndexableCondition): Estimate | null {
    if (condition.kind === 'field' && isTextMatch(condition.match))
      return this.valueEstimate(condition);
    return super.estimate(condition);
  }

  override candidates(condition: IndexableCondition): Uint32Array | null {
    if (condition.kind === 'field' && isTextMatch(condition.match))
      return this.valueCandidates(condition);
    return super.candidates(condition);
  }

  protected valueCheck(condition: FieldCondition): IndexedCheck | null {
    if (!isTextMatch(condition.match)) return null;
    const bits = this.matchBits(condition.match!);
    if (bits === null) return null;
    return (o) => (hasBit(bits, o) ? YES : NO);
  }

  protected valueEstimate(condition: FieldCondition): Estimate | null {
    const match = condition.match;
    if (!isTextMatch(match)) return null;
    const q = this.parsed(match!);
    if (q === null || q.ids.length === 0) return exactly(0);
    const points = this.indexedValuePoints;
    const lengths = q.ids.map((id) => this.postingLength(id));
    if (match!.kind === 'text_any') {
      if (lengths.length === 1) return exactly(lengths[0]!);
      const largest = Math.max(...lengths);
      const sum = lengths.reduce((a, b) => a + b, 0);
      return {
        min: largest,
        exp: Math.max(largest, expectedShouldEstimation(lengths, points)),
        max: Math.min(sum, points),
      };
    }
    if (match!.kind === 'phrase' && !this.extra.phraseMatching) return exactly(0);
    const smallest = Math.min(...lengths);
    if (lengths.length === 1) {
      // One distinct token: a phrase of it repeated still needs the sequence, so only bound it.
      return match!.kind === 'phrase' && q.sequence.length > 1
        ? { min: 0, exp: smallest, max: smallest }
        : exactly(smallest);
    }
    let frac = 1;
    for (const l of lengths) frac *= points === 0 ? 0 : l / points;
    let exp = Math.floor(frac * points);
    if (match!.kind === 'phrase') exp = Math.floor(exp / (q.sequence.length * q.sequence.length));
    // Qdrant also divides max by the squared phrase length, which is not a bound; keep the bound.
    return { min: 0, exp, max: smallest };
  }

  protected valueEnumerable(condition: FieldCondition): boolean {
    return isTextMatch(condition.match);
  }

  override canEnumerate(condition: IndexableCondition): boolean {
    return condition.kind === 'field' && isTextMatch(condition.match)
      ? true
      : super.canEnumerate(condition);
  }

  protected valueCandidates(condition: FieldCondition): Uint32Array | null {
    if (!isTextMatch(condition.match)) return null;
    const bits = this.matchBits(condition.match!);
    return bits === null ? null : bitsetToOffsets(bits, this.indexedPoints);
  }

  /**
   * The index's meaning of a text match over strings from a payload (points changed since the
   * build, or values inside `nested`). Vocabulary-free: tokens are compared as text.
   */
  textMatcher(match: Match, scope: TextScope): ((strings: readonly string[]) => boolean) | null {
    const tokenizer = this.tokenizer;
    if (match.kind === 'text' || match.kind === 'text_any') {
      const query = [...tokenizer.tokenSet(match.text, 'query')];
      const all = match.kind === 'text';
      return (strings) => {
        if (query.length === 0) return false;
        const doc = new Set<string>();
        for (const s of strings) tokenizer.tokenize(s, 'document', (t) => doc.add(t));
        return all ? query.every((t) => doc.has(t)) : query.some((t) => doc.has(t));
      };
    }
    if (match.kind === 'phrase') {
      if (scope === 'point' && !this.extra.phraseMatching) return () => false;
      const phrase = tokenizer.tokenList(match.text, 'document');
      return (strings) => {
        if (phrase.length === 0) return false;
        const doc: (string | null)[] = [];
        strings.forEach((s, i) => {
          if (i > 0) doc.push(null);
          tokenizer.tokenize(s, 'document', (t) => doc.push(t));
        });
        return hasWindow(doc, 0, doc.length, phrase);
      };
    }
    return null;
  }
}
