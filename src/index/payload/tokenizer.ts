// The text index tokenizer, after Qdrant's (full_text_index/tokenizers/): `word` splits on
// non-alphanumeric characters, `whitespace` on Unicode white space, `prefix` indexes every prefix
// of each word (and queries by the whole word, truncated to max_token_len), `multilingual`
// segments words with ICU (Intl.Segmenter) where Qdrant uses charabia. Each token is then
// ASCII-folded (optional), lowercased (default), dropped if a stopword, and dropped if shorter
// than min_token_len or (except prefix documents) longer than max_token_len.
//
// Differences from Qdrant: ASCII folding decomposes (NFKD) and strips marks plus a few
// ligatures instead of Lucene's full table; multilingual segmentation is ICU's, not charabia's
// (no Japanese/Chinese dictionaries, no normalizer beyond lowercase/folding).

import { splitWhitespace } from '../../filter/value-checks.js';
import type { TextIndexOptions } from './field-schema.js';

export type TokenKind = 'document' | 'query';

const NON_ALNUM = /[^\p{Alphabetic}\p{N}]+/u;
const HAS_ALPHABETIC = /\p{Alphabetic}/u;
const MARKS = /\p{M}+/gu;
const SPECIAL_FOLDS: Record<string, string> = {
  Æ: 'AE',
  æ: 'ae',
  Œ: 'OE',
  œ: 'oe',
  ß: 'ss',
  ẞ: 'SS',
  Ø: 'O',
  ø: 'o',
  Đ: 'D',
  đ: 'd',
  Ð: 'D',
  ð: 'd',
  Ł: 'L',
  ł: 'l',
  Þ: 'TH',
  þ: 'th',
  ı: 'i',
  Ŋ: 'N',
  ŋ: 'n',
  Ħ: 'H',
  ħ: 'h',
};

const ASCII = /^[\x00-\x7f]*$/;

export function foldToAscii(text: string): string {
  if (ASCII.test(text)) return text;
  let out = '';
  for (const ch of text) {
    if (ch.charCodeAt(0) < 0x80) {
      out += ch;
      continue;
    }
    const special = SPECIAL_FOLDS[ch];
    if (special !== undefined) {
      out += special;
      continue;
    }
    const folded = ch.normalize('NFKD').replace(MARKS, '');
    out += folded.length > 0 && ASCII.test(folded) ? folded : ch;
  }
  return out;
}

const charCount = (s: string) => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/** First `n` characters (code points) of `s`, or null if it has no more than `n`. */
function prefixChars(s: string, n: number): string | null {
  let i = 0;
  let count = 0;
  while (i < s.length) {
    if (count === n) return s.slice(0, i);
    const code = s.charCodeAt(i);
    i += code >= 0xd800 && code <= 0xdbff && i + 1 < s.length ? 2 : 1;
    count++;
  }
  return null;
}

let segmenter: Intl.Segmenter | undefined;

export class Tokenizer {
  private readonly stopwords: ReadonlySet<string>;

  constructor(readonly options: TextIndexOptions) {
    this.stopwords = new Set(
      options.lowercase ? options.stopwords.map((w) => w.toLowerCase()) : options.stopwords,
    );
  }

  /** Folding, lowercase, stopwords and length limits; null drops the token. */
  private process(token: string, checkMaxLen: boolean): string | null {
    if (token.length === 0) return null;
    const o = this.options;
    if (o.asciiFolding) token = foldToAscii(token);
    if (o.lowercase) token = token.toLowerCase();
    if (this.stopwords.has(token)) return null;
    if (o.minTokenLen !== undefined || (checkMaxLen && o.maxTokenLen !== undefined)) {
      const len = charCount(token);
      if (o.minTokenLen !== undefined && len < o.minTokenLen) return null;
      if (checkMaxLen && o.maxTokenLen !== undefined && len > o.maxTokenLen) return null;
    }
    return token;
  }

  /** Tokens of `text` in order (duplicates kept), as document or as query. */
  tokenize(text: string, kind: TokenKind, emit: (token: string) => void): void {
    const o = this.options;
    switch (o.tokenizer) {
      case 'whitespace':
        for (const word of splitWhitespace(text)) {
          const t = this.process(word, true);
          if (t !== null) emit(t);
        }
        return;
      case 'word':
        for (const word of text.split(NON_ALNUM)) {
          const t = this.process(word, true);
          if (t !== null) emit(t);
        }
        return;
      case 'multilingual': {
        segmenter ??= new Intl.Segmenter(undefined, { granularity: 'word' });
        for (const segment of segmenter.segment(text)) {
          if (!HAS_ALPHABETIC.test(segment.segment)) continue;
          const t = this.process(segment.segment, true);
          if (t !== null) emit(t);
        }
        return;
      }
      case 'prefix':
        if (kind === 'document') this.prefixDocument(text, emit);
        else this.prefixQuery(text, emit);
        return;
    }
  }

  private prefixDocument(text: string, emit: (token: string) => void): void {
    const min = this.options.minTokenLen ?? 1;
    const max = this.options.maxTokenLen ?? Number.MAX_SAFE_INTEGER;
    for (const raw of text.split(NON_ALNUM)) {
      const word = this.process(raw, false);
      if (word === null) continue;
      for (let n = min; n <= max; n++) {
        const prefix = prefixChars(word, n);
        if (prefix === null) {
          emit(word);
          break;
        }
        emit(prefix);
      }
    }
  }

  /** Query words are matched whole (truncated to max_token_len); stopwords are kept. */
  private prefixQuery(text: string, emit: (token: string) => void): void {
    const o = this.options;
    for (const raw of text.split(NON_ALNUM)) {
      if (raw.length === 0) continue;
      let word = o.asciiFolding ? foldToAscii(raw) : raw;
      if (o.lowercase) word = word.toLowerCase();
      if (o.minTokenLen !== undefined && charCount(word) < o.minTokenLen) continue;
      emit(o.maxTokenLen === undefined ? word : (prefixChars(word, o.maxTokenLen) ?? word));
    }
  }

  /** Unique tokens of `text`. */
  tokenSet(text: string, kind: TokenKind): Set<string> {
    const set = new Set<string>();
    this.tokenize(text, kind, (t) => set.add(t));
    return set;
  }

  tokenList(text: string, kind: TokenKind): string[] {
    const list: string[] = [];
    this.tokenize(text, kind, (t) => list.push(t));
    return list;
  }
}
