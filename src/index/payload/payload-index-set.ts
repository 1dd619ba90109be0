// The payload indexes of one segment, by key: what compileFilter looks indexes up in, what
// collection info reports as `payload_schema`, and one serializable unit (all indexes in one
// buffer, each loadable as zero-copy views). Immutable: adding or dropping an index makes a new
// set that shares the untouched indexes.

import type { FilterIndexLookup } from '../../filter/filter-index.js';
import { formatJsonPath, parseJsonPath, type JsonPath } from '../../filter/json-path.js';
import { readSections, SectionWriter } from './binary-format.js';
import { BoolIndex } from './bool-index.js';
import type { PayloadFieldSchema, PayloadIndexInfo } from './field-schema.js';
import { GeoIndex } from './geo-index.js';
import { KeywordIndex } from './keyword-index.js';
import { NumericIndex } from './numeric-index.js';
import type { PayloadEntries, PayloadFieldIndex } from './payload-field-index.js';
import { TextIndex } from './text-index.js';

/**
 * Builds the index of one key. `entries` gives the payload of offsets below `pointCount`;
 * offsets it omits are indexed as having no payload.
 */
export function buildPayloadFieldIndex(
  key: JsonPath | string,
  schema: PayloadFieldSchema,
  entries: PayloadEntries,
  pointCount: number,
): PayloadFieldIndex {
  const path = typeof key === 'string' ? parseJsonPath(key) : key;
  if (path === null) throw new Error(`payload index: invalid key ${String(key)}`);
  switch (schema.type) {
    case 'keyword':
    case 'uuid':
      return KeywordIndex.build(path, schema, entries, pointCount);
    case 'integer':
    case 'float':
    case 'datetime':
      return NumericIndex.build(path, schema, entries, pointCount, schema.type);
    case 'bool':
      return BoolIndex.build(path, schema, entries, pointCount);
    case 'geo':
      return GeoIndex.build(path, schema, entries, pointCount);
    case 'text':
      return TextIndex.build(path, schema, entries, pointCount);
  }
}

/** Loads an index from `PayloadFieldIndex.serialize()` output, as views over `bytes`. */
export function loadPayloadFieldIndex(bytes: Uint8Array): PayloadFieldIndex {
  const sections = readSections(bytes);
  switch (sections.kind) {
    case 'keyword':
      return KeywordIndex.fromSections(sections);
    case 'numeric':
      return NumericIndex.fromSections(sections);
    case 'bool':
      return BoolIndex.fromSections(sections);
    case 'geo':
      return GeoIndex.fromSections(sections);
    case 'text':
      return TextIndex.fromSections(sections);
    default:
      throw new Error(`payload index: unknown kind ${sections.kind}`);
  }
}

export class PayloadIndexSet implements FilterIndexLookup {
  private readonly byKey: ReadonlyMap<string, PayloadFieldIndex>;

  constructor(indexes: Iterable<PayloadFieldIndex> = []) {
    const map = new Map<string, PayloadFieldIndex>();
    for (const index of indexes) map.set(index.keyText, index);
    this.byKey = map;
  }

  /**
   * Builds indexes for every (key, schema) over the same payloads. `entries` is read once, so a
   * generator is fine.
   */
  static build(
    schemas: Iterable<readonly [key: string, schema: PayloadFieldSchema]>,
    entries: PayloadEntries,
    pointCount: number,
  ): PayloadIndexSet {
    const list = [...schemas];
    const rows = list.length > 1 ? [...entries] : entries;
    return new PayloadIndexSet(
      list.map(([key, schema]) => buildPayloadFieldIndex(key, schema, rows, pointCount)),
    );
  }

  static load(bytes: Uint8Array): PayloadIndexSet {
    const sections = readSections(bytes);
    if (sections.kind !== 'index-set')
      throw new Error(`payload index set: unexpected kind ${sections.kind}`);
    const { count } = sections.meta as { count: number };
    const indexes: PayloadFieldIndex[] = [];
    for (let i = 0; i < count; i++) indexes.push(loadPayloadFieldIndex(sections.u8(`index.${i}`)));
    return new PayloadIndexSet(indexes);
  }

  /** The index on a key (canonical path text), if any. */
  get(key: string): PayloadFieldIndex | undefined {
    return this.byKey.get(key);
  }

  /** Same lookup for a key as the user wrote it (`a."b"` finds `a.b`). */
  find(key: string): PayloadFieldIndex | undefined {
    const path = parseJsonPath(key);
    return path === null ? undefined : this.byKey.get(formatJsonPath(path));
  }

  get size(): number {
    return this.byKey.size;
  }

  keys(): IterableIterator<string> {
    return this.byKey.keys();
  }

  values(): IterableIterator<PayloadFieldIndex> {
    return this.byKey.values();
  }

  /** A set with `index` added (replacing one on the same key). */
  with(index: PayloadFieldIndex): PayloadIndexSet {
    return new PayloadIndexSet([
      ...[...this.byKey.values()].filter((i) => i.keyText !== index.keyText),
      index,
    ]);
  }

  without(key: string): PayloadIndexSet {
    return new PayloadIndexSet([...this.byKey.values()].filter((i) => i.keyText !== key));
  }

  /** `payload_schema` of collection info for this segment. */
  payloadSchema(): Record<string, PayloadIndexInfo> {
    const out: Record<string, PayloadIndexInfo> = {};
    for (const [key, index] of this.byKey) out[key] = index.info();
    return out;
  }

  serialize(): Uint8Array {
    const writer = new SectionWriter();
    let i = 0;
    for (const index of this.byKey.values()) writer.add(`index.${i++}`, index.serialize());
    return writer.finish('index-set', { count: i });
  }
}
