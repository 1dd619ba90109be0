// `field_schema` of `PUT /collections/{c}/index`: Qdrant's PayloadFieldSchema, either a type
// name ("keyword") or a params object ({"type": "integer", "lookup": true, …}), validated the
// way serde does it (untagged: the first variant that fits; unknown fields ignored), plus the
// `payload_schema` entry reported by collection info.
//
// Accepted and recorded but without effect here: on_disk, memory, is_tenant, is_principal,
// enable_hnsw, keyword `prefix` (prefix matching always works), integer lookup/range (one index
// serves both). Rejected as unsupported (bad_request): text `stemmer` (snowball) and predefined
// stopword `languages`; custom stopwords are supported.

import { RingvecError } from '../../common/errors.js';

export type PayloadSchemaType =
  'keyword' | 'integer' | 'float' | 'geo' | 'text' | 'bool' | 'datetime' | 'uuid';

export const PAYLOAD_SCHEMA_TYPES: readonly PayloadSchemaType[] = [
  'keyword',
  'integer',
  'float',
  'geo',
  'text',
  'bool',
  'datetime',
  'uuid',
];

export type TokenizerType = 'prefix' | 'whitespace' | 'word' | 'multilingual';

export interface TextIndexOptions {
  readonly tokenizer: TokenizerType;
  readonly minTokenLen?: number;
  readonly maxTokenLen?: number;
  readonly lowercase: boolean;
  readonly asciiFolding: boolean;
  readonly phraseMatching: boolean;
  readonly stopwords: readonly string[];
}

/**
 * A validated schema. `params` is the object form as Qdrant echoes it back (known fields, nulls
 * dropped); absent when the schema was given as a bare type name.
 */
export interface PayloadFieldSchema {
  readonly type: PayloadSchemaType;
  readonly params?: Readonly<Record<string, unknown>>;
}

/** Qdrant's PayloadIndexInfo, as in `payload_schema` of collection info. */
export interface PayloadIndexInfo {
  readonly data_type: PayloadSchemaType;
  readonly params?: Readonly<Record<string, unknown>>;
  readonly points: number;
}

const COMMON = ['type', 'on_disk', 'memory', 'enable_hnsw'];
const FIELDS: Record<PayloadSchemaType, readonly string[]> = {
  keyword: [...COMMON, 'is_tenant', 'prefix'],
  integer: [...COMMON, 'lookup', 'range', 'is_principal'],
  float: [...COMMON, 'is_principal'],
  geo: COMMON,
  text: [
    ...COMMON,
    'tokenizer',
    'min_token_len',
    'max_token_len',
    'lowercase',
    'ascii_folding',
    'phrase_matching',
    'stopwords',
    'stemmer',
  ],
  bool: COMMON,
  datetime: [...COMMON, 'is_principal'],
  uuid: [...COMMON, 'is_tenant'],
};
const BOOLEAN_FIELDS = new Set([
  'on_disk',
  'enable_hnsw',
  'is_tenant',
  'prefix',
  'lookup',
  'range',
  'is_principal',
  'lowercase',
  'ascii_folding',
  'phrase_matching',
]);
const MEMORY = ['cold', 'cached', 'pinned'];
const TOKENIZERS: readonly TokenizerType[] = ['prefix', 'whitespace', 'word', 'multilingual'];
const LANGUAGES = new Set([
  'arabic',
  'azerbaijani',
  'basque',
  'bengali',
  'catalan',
  'chinese',
  'danish',
  'dutch',
  'english',
  'finnish',
  'french',
  'german',
  'greek',
  'hebrew',
  'hinglish',
  'hungarian',
  'indonesian',
  'italian',
  'japanese',
  'kazakh',
  'nepali',
  'norwegian',
  'portuguese',
  'romanian',
  'russian',
  'slovene',
  'spanish',
  'swedish',
  'tajik',
  'turkish',
]);

const NO_VARIANT = 'data did not match any variant of untagged enum PayloadFieldSchema';

class NoMatch extends Error {}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isUsize(value: unknown): boolean {
  return (
    (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) ||
    (typeof value === 'bigint' && value >= 0n)
  );
}

/** Validates one params variant; throws NoMatch when the object does not fit it. */
function parseParams(
  type: PayloadSchemaType,
  raw: Record<string, unknown>,
): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const name of FIELDS[type]) {
    const value = raw[name];
    if (value === undefined || value === null) {
      if (name === 'type') throw new NoMatch();
      continue;
    }
    if (name === 'type') {
      if (value !== type) throw new NoMatch();
    } else if (BOOLEAN_FIELDS.has(name)) {
      if (typeof value !== 'boolean') throw new NoMatch();
    } else if (name === 'memory') {
      if (typeof value !== 'string' || !MEMORY.includes(value)) throw new NoMatch();
    } else if (name === 'tokenizer') {
      if (typeof value !== 'string' || !(TOKENIZERS as readonly string[]).includes(value)) {
        throw new NoMatch();
      }
    } else if (name === 'min_token_len' || name === 'max_token_len') {
      if (!isUsize(value)) throw new NoMatch();
    } else if (name === 'stopwords') {
      checkStopwords(value);
    } else if (name === 'stemmer') {
      checkStemmer(value);
    }
    params[name] = typeof value === 'bigint' ? Number(value) : value;
  }
  if (type === 'text' && params['tokenizer'] === undefined) params['tokenizer'] = 'word';
  return params;
}

function checkStopwords(value: unknown): void {
  if (typeof value === 'string') {
    if (!LANGUAGES.has(value)) throw new NoMatch();
    return;
  }
  if (!isMap(value)) throw new NoMatch();
  const { languages, custom } = value;
  if (languages !== undefined && languages !== null) {
    if (
      !Array.isArray(languages) ||
      !languages.every((l) => typeof l === 'string' && LANGUAGES.has(l))
    ) {
      throw new NoMatch();
    }
  }
  if (custom !== undefined && custom !== null) {
    if (!Array.isArray(custom) || !custom.every((w) => typeof w === 'string')) throw new NoMatch();
  }
}

function checkStemmer(value: unknown): void {
  if (!isMap(value)) throw new NoMatch();
  if (value['type'] === 'none') return;
  if (value['type'] !== 'snowball' || typeof value['language'] !== 'string') throw new NoMatch();
}

/**
 * Parses `field_schema` (not null: Qdrant's "Can't auto-detect field type" is the caller's).
 * Throws 'format' if no variant fits, 'validation' for integer params with both capabilities
 * off, and 'bad_request' for features ringvec's text index does not implement.
 */
export function parsePayloadFieldSchema(value: unknown): PayloadFieldSchema {
  if (typeof value === 'string') {
    if ((PAYLOAD_SCHEMA_TYPES as readonly string[]).includes(value)) {
      return { type: value as PayloadSchemaType };
    }
    throw new RingvecError('format', `Format error in JSON body: ${NO_VARIANT}`);
  }
  if (isMap(value)) {
    for (const type of PAYLOAD_SCHEMA_TYPES) {
      let params: Record<string, unknown>;
      try {
        params = parseParams(type, value);
      } catch (error) {
        if (error instanceof NoMatch) continue;
        throw error;
      }
      validateParams(type, params);
      return { type, params };
    }
  }
  throw new RingvecError('format', `Format error in JSON body: ${NO_VARIANT}`);
}

function validateParams(type: PayloadSchemaType, params: Record<string, unknown>): void {
  if (type === 'integer' && params['lookup'] === false && params['range'] === false) {
    throw new RingvecError(
      'validation',
      "Validation error in JSON body: [field_schema.lookup: the 'lookup' and 'range' capabilities can't be both disabled]",
    );
  }
  if (type !== 'text') return;
  const stemmer = params['stemmer'];
  if (isMap(stemmer) && stemmer['type'] === 'snowball') {
    throw new RingvecError(
      'bad_request',
      'text index option `stemmer` (snowball) is not supported by ringvec; omit it or use {"type": "none"}',
    );
  }
  const stopwords = params['stopwords'];
  const languages =
    typeof stopwords === 'string'
      ? [stopwords]
      : isMap(stopwords)
        ? stopwords['languages']
        : undefined;
  if (Array.isArray(languages) && languages.length > 0) {
    throw new RingvecError(
      'bad_request',
      'text index stopword language lists are not supported by ringvec; list the words in `stopwords.custom`',
    );
  }
}

/** Tokenizer settings of a text schema, with Qdrant's defaults. */
export function textIndexOptions(schema: PayloadFieldSchema): TextIndexOptions {
  const p = schema.params ?? {};
  const stopwords = p['stopwords'];
  const custom =
    isMap(stopwords) && Array.isArray(stopwords['custom']) ? (stopwords['custom'] as string[]) : [];
  const options: {
    -readonly [K in keyof TextIndexOptions]: TextIndexOptions[K];
  } = {
    tokenizer: (p['tokenizer'] as TokenizerType | undefined) ?? 'word',
    lowercase: p['lowercase'] !== false,
    asciiFolding: p['ascii_folding'] === true,
    phraseMatching: p['phrase_matching'] === true,
    stopwords: custom,
  };
  if (typeof p['min_token_len'] === 'number') options.minTokenLen = p['min_token_len'];
  if (typeof p['max_token_len'] === 'number') options.maxTokenLen = p['max_token_len'];
  return options;
}

/** Same schema in Qdrant's sense (a bare type equals its default params). */
export function sameSchema(a: PayloadFieldSchema, b: PayloadFieldSchema): boolean {
  if (a.type !== b.type) return false;
  const expand = (s: PayloadFieldSchema) =>
    s.params ?? (s.type === 'text' ? { type: s.type, tokenizer: 'word' } : { type: s.type });
  const pa = expand(a);
  const pb = expand(b);
  const keys = new Set([...Object.keys(pa), ...Object.keys(pb)]);
  for (const k of keys) {
    if (JSON.stringify(pa[k]) !== JSON.stringify(pb[k])) return false;
  }
  return true;
}

export function payloadIndexInfo(schema: PayloadFieldSchema, points: number): PayloadIndexInfo {
  return schema.params === undefined
    ? { data_type: schema.type, points }
    : { data_type: schema.type, params: schema.params, points };
}
