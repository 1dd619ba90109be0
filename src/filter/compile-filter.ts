// Compiles a Filter once per query (and segment) into a predicate over point offsets, with
// Qdrant's semantics (query_checker.rs, condition_checker.rs, optimized_filter.rs):
// - A field condition holds if any value its key selects passes (arrays: any element); a key that
//   selects nothing gives the condition's "missing" answer (values_count against 0, is_empty true,
//   is_null false's negation, otherwise false).
// - `nested` holds if one object of the `key[]` array passes the whole inner filter.
// - Top-level (and `filter` conditions outside `nested`), an empty `should` list is no constraint;
//   inside `nested` Qdrant evaluates with its plain checker, where an empty `should` matches
//   nothing, and has_id / has_vector / slice never hold.
// - With a payload index on a key, the index answers for points it knows (built, not stale, not
//   UNKNOWN) and the payload decides for the rest; results are identical except full-text
//   matching, whose meaning the text index defines (filter-index.ts).
// Conditions are evaluated cheapest first; each offset fetches its payload at most once.

import type { PointId } from '../common/point-id.js';
import type {
  Condition,
  FieldCondition,
  Filter,
  IsEmptyCondition,
  IsNullCondition,
} from './filter-types.js';
import {
  UNKNOWN,
  YES,
  type FilterFieldIndex,
  type FilterIndexLookup,
  type IndexedCheck,
} from './filter-index.js';
import {
  arrayKey,
  extendJsonPath,
  formatJsonPath,
  getOwn,
  getValuesAtPath,
  isJsonObject,
  type JsonObject,
  type JsonPath,
} from './json-path.js';
import { sliceOf } from './siphash.js';
import { fieldValueCheck, isTextMatch, valuesAreEmpty, valuesHaveNull } from './value-checks.js';

export type OffsetPredicate = (offset: number) => boolean;

export interface FilterContext {
  /** Payload of a point; undefined = no payload (same as `{}`). */
  payload(offset: number): JsonObject | undefined;
  pointId(offset: number): PointId;
  /** Whether the point has the named vector (false for unknown names). */
  hasVector(offset: number, vectorName: string): boolean;
  /** The segment's payload indexes, if any. */
  indexes?: FilterIndexLookup;
  /** True for offsets whose payload changed after the indexes were built (checked on payload). */
  isIndexStale?: (offset: number) => boolean;
  /** Offset of a point id in this segment, if present; lets has_id become a bitmap lookup. */
  resolvePointId?: (id: PointId) => number | undefined;
}

type PayloadPredicate = (payload: JsonObject | undefined) => boolean;

interface Node {
  readonly check: OffsetPredicate;
  /** Relative evaluation cost, used only to order siblings (cheap first). */
  readonly cost: number;
}

const COST_CONST = 0;
const COST_INDEX = 1;
const COST_ID = 2;
const COST_PAYLOAD = 10;

const ALWAYS: Node = { check: () => true, cost: COST_CONST };
const NEVER: Node = { check: () => false, cost: COST_CONST };

// ---------------------------------------------------------------------------------------------
// Reading values at a key

type ValuesReader = (payload: JsonObject | undefined, out: unknown[]) => unknown[];

function valuesReader(path: JsonPath): ValuesReader {
  if (path.rest.length === 0) {
    const key = path.first;
    const plain = !(key in Object.prototype);
    return (payload, out) => {
      out.length = 0;
      if (payload !== undefined) {
        const value = plain ? payload[key] : getOwn(payload, key);
        if (value !== undefined) out.push(value);
      }
      return out;
    };
  }
  return (payload, out) => {
    out.length = 0;
    return getValuesAtPath(payload, path, out);
  };
}

function fieldPayloadPredicate(
  condition: FieldCondition,
  textValue?: (strings: readonly string[]) => boolean,
): PayloadPredicate {
  const { check, whenMissing } = fieldValueCheck(condition, textValue);
  const path = condition.key;
  if (path.rest.length === 0) {
    const key = path.first;
    const plain = !(key in Object.prototype);
    return (payload) => {
      if (payload === undefined) return whenMissing;
      const value = plain ? payload[key] : getOwn(payload, key);
      return value === undefined ? whenMissing : check(value);
    };
  }
  const read = valuesReader(path);
  const scratch: unknown[] = [];
  return (payload) => {
    const values = read(payload, scratch);
    if (values.length === 0) return whenMissing;
    for (let i = 0; i < values.length; i++) if (check(values[i])) return true;
    return false;
  };
}

/**
 * A text match judged on all string values of the point together, as the text index judges the
 * points it holds (other parts of the condition are ignored, as Qdrant's text checker does).
 */
function textPointPredicate(
  condition: FieldCondition,
  textPoint: (strings: readonly string[]) => boolean,
): PayloadPredicate {
  const read = valuesReader(condition.key);
  const scratch: unknown[] = [];
  const strings: string[] = [];
  return (payload) => {
    const values = read(payload, scratch);
    strings.length = 0;
    for (const value of values) {
      if (typeof value === 'string') strings.push(value);
      else if (Array.isArray(value)) {
        for (const leaf of value) if (typeof leaf === 'string') strings.push(leaf);
      }
    }
    return textPoint(strings);
  };
}

function emptinessPayloadPredicate(
  condition: IsEmptyCondition | IsNullCondition,
): PayloadPredicate {
  const read = valuesReader(condition.key);
  const scratch: unknown[] = [];
  const test = condition.kind === 'is_empty' ? valuesAreEmpty : valuesHaveNull;
  return (payload) => test(read(payload, scratch));
}

// ---------------------------------------------------------------------------------------------
// Combinators

function allOf(checks: readonly OffsetPredicate[]): OffsetPredicate {
  if (checks.length === 1) return checks[0]!;
  if (checks.length === 2) {
    const [a, b] = checks as [OffsetPredicate, OffsetPredicate];
    return (o) => a(o) && b(o);
  }
  if (checks.length === 3) {
    const [a, b, c] = checks as [OffsetPredicate, OffsetPredicate, OffsetPredicate];
    return (o) => a(o) && b(o) && c(o);
  }
  return (o) => {
    for (let i = 0; i < checks.length; i++) if (!checks[i]!(o)) return false;
    return true;
  };
}

function anyOf(checks: readonly OffsetPredicate[]): OffsetPredicate {
  if (checks.length === 1) return checks[0]!;
  if (checks.length === 2) {
    const [a, b] = checks as [OffsetPredicate, OffsetPredicate];
    return (o) => a(o) || b(o);
  }
  return (o) => {
    for (let i = 0; i < checks.length; i++) if (checks[i]!(o)) return true;
    return false;
  };
}

function noneOf(checks: readonly OffsetPredicate[]): OffsetPredicate {
  if (checks.length === 1) {
    const a = checks[0]!;
    return (o) => !a(o);
  }
  return (o) => {
    for (let i = 0; i < checks.length; i++) if (checks[i]!(o)) return false;
    return true;
  };
}

function atLeast(checks: readonly OffsetPredicate[], count: number): OffsetPredicate {
  if (count > checks.length) return () => false;
  return (o) => {
    let remaining = count;
    for (let i = 0; i < checks.length; i++) {
      // Stop early once the rest cannot reach the count.
      if (checks.length - i < remaining) return false;
      if (checks[i]!(o) && --remaining === 0) return true;
    }
    return remaining <= 0;
  };
}

const byCost = (a: Node, b: Node) => a.cost - b.cost;

/** Combines compiled clauses; `emptyShould` is what `should: []` means in this scope. */
function combine(
  should: Node[] | undefined,
  minShould: { nodes: Node[]; minCount: number } | undefined,
  must: Node[] | undefined,
  mustNot: Node[] | undefined,
  emptyShould: boolean,
): Node {
  const parts: Node[] = [];
  if (should !== undefined) {
    if (should.length === 0) {
      if (!emptyShould) return NEVER;
    } else {
      should.sort(byCost);
      parts.push({ check: anyOf(should.map((n) => n.check)), cost: maxCost(should) });
    }
  }
  if (minShould !== undefined) {
    if (minShould.minCount > minShould.nodes.length) return NEVER;
    minShould.nodes.sort(byCost);
    parts.push({
      check: atLeast(
        minShould.nodes.map((n) => n.check),
        minShould.minCount,
      ),
      cost: maxCost(minShould.nodes),
    });
  }
  if (must !== undefined) {
    for (const node of must) {
      if (node === NEVER) return NEVER;
      if (node !== ALWAYS) parts.push(node);
    }
  }
  if (mustNot !== undefined && mustNot.length > 0) {
    if (mustNot.includes(ALWAYS)) return NEVER;
    const live = mustNot.filter((n) => n !== NEVER).sort(byCost);
    if (live.length > 0)
      parts.push({ check: noneOf(live.map((n) => n.check)), cost: maxCost(live) });
  }
  if (parts.length === 0) return ALWAYS;
  parts.sort(byCost);
  return { check: allOf(parts.map((n) => n.check)), cost: maxCost(parts) };
}

function maxCost(nodes: readonly Node[]): number {
  let cost = COST_CONST;
  for (const n of nodes) cost = Math.max(cost, n.cost);
  return cost;
}

// ---------------------------------------------------------------------------------------------
// Top level: predicates over offsets

class Compiler {
  private lastOffset = -1;
  private lastPayload: JsonObject | undefined;
  private readonly payloadOf: (offset: number) => JsonObject | undefined;

  constructor(private readonly ctx: FilterContext) {
    this.payloadOf = (offset) => {
      if (offset !== this.lastOffset) {
        this.lastPayload = ctx.payload(offset);
        this.lastOffset = offset;
      }
      return this.lastPayload;
    };
  }

  filter(filter: Filter): Node {
    const compileAll = (conditions: readonly Condition[] | undefined) =>
      conditions?.map((c) => this.condition(c));
    return combine(
      compileAll(filter.should),
      filter.minShould && {
        nodes: compileAll(filter.minShould.conditions)!,
        minCount: filter.minShould.minCount,
      },
      compileAll(filter.must),
      compileAll(filter.mustNot),
      true,
    );
  }

  private onPayload(predicate: PayloadPredicate): Node {
    const payloadOf = this.payloadOf;
    return { check: (o) => predicate(payloadOf(o)), cost: COST_PAYLOAD };
  }

  /** Index answer where it knows, payload otherwise. */
  private withIndex(
    index: FilterFieldIndex,
    indexed: IndexedCheck,
    fallback: PayloadPredicate,
  ): Node {
    const payloadOf = this.payloadOf;
    const n = index.indexedPoints;
    const stale = this.ctx.isIndexStale;
    if (stale === undefined) {
      return {
        check: (o) => {
          if (o < n) {
            const r = indexed(o);
            if (r !== UNKNOWN) return r === YES;
          }
          return fallback(payloadOf(o));
        },
        cost: COST_INDEX,
      };
    }
    return {
      check: (o) => {
        if (o < n && !stale(o)) {
          const r = indexed(o);
          if (r !== UNKNOWN) return r === YES;
        }
        return fallback(payloadOf(o));
      },
      cost: COST_INDEX,
    };
  }

  condition(condition: Condition): Node {
    switch (condition.kind) {
      case 'filter':
        return this.filter(condition.filter);
      case 'field':
        return this.field(condition);
      case 'is_empty':
      case 'is_null': {
        const fallback = emptinessPayloadPredicate(condition);
        const index = this.ctx.indexes?.get(formatJsonPath(condition.key));
        const indexed = index?.indexedCheck(condition) ?? null;
        return index !== undefined && indexed !== null
          ? this.withIndex(index, indexed, fallback)
          : this.onPayload(fallback);
      }
      case 'has_id':
        return this.hasId(condition.ids);
      case 'has_vector': {
        const { ctx } = this;
        const name = condition.vector;
        return { check: (o) => ctx.hasVector(o, name), cost: COST_ID };
      }
      case 'slice': {
        const { ctx } = this;
        const { total, index } = condition;
        return { check: (o) => sliceOf(ctx.pointId(o), total) === index, cost: COST_ID };
      }
      case 'nested': {
        const path = arrayKey(condition.key);
        const inner = new NestedCompiler(this.ctx.indexes, path).filter(condition.filter);
        return this.onPayload(nestedPredicate(path, inner));
      }
    }
  }

  private field(condition: FieldCondition): Node {
    const index = this.ctx.indexes?.get(formatJsonPath(condition.key));
    if (index === undefined) return this.onPayload(fieldPayloadPredicate(condition));
    const textPoint =
      isTextMatch(condition.match) && index.textMatcher !== undefined
        ? index.textMatcher(condition.match!, 'point')
        : null;
    const fallback =
      textPoint !== null
        ? textPointPredicate(condition, textPoint)
        : fieldPayloadPredicate(condition);
    const indexed = index.indexedCheck(condition);
    return indexed !== null ? this.withIndex(index, indexed, fallback) : this.onPayload(fallback);
  }

  private hasId(ids: ReadonlySet<PointId>): Node {
    const { ctx } = this;
    if (ids.size === 0) return NEVER;
    const resolve = ctx.resolvePointId;
    if (resolve === undefined) return { check: (o) => ids.has(ctx.pointId(o)), cost: COST_ID };
    const offsets: number[] = [];
    for (const id of ids) {
      const offset = resolve(id);
      if (offset !== undefined) offsets.push(offset);
    }
    if (offsets.length === 0) return NEVER;
    const bits = new Uint8Array((Math.max(...offsets) >> 3) + 1);
    for (const o of offsets) bits[o >> 3]! |= 1 << (o & 7);
    const size = bits.length;
    return {
      check: (o) => o >> 3 < size && (bits[o >> 3]! & (1 << (o & 7))) !== 0,
      cost: COST_CONST,
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Inside `nested`: predicates over the array's objects, payload only

function nestedPredicate(path: JsonPath, inner: PayloadPredicate): PayloadPredicate {
  const read = valuesReader(path);
  const scratch: unknown[] = [];
  return (payload) => {
    const values = read(payload, scratch);
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      if (isJsonObject(value) && inner(value)) return true;
    }
    return false;
  };
}

class NestedCompiler {
  /** `prefix` is the nested array key (`a[]`); index keys inside are `prefix.key`. */
  constructor(
    private readonly indexes: FilterIndexLookup | undefined,
    private readonly prefix: JsonPath,
  ) {}

  filter(filter: Filter): PayloadPredicate {
    const all = (conditions: readonly Condition[] | undefined) =>
      conditions?.map((c) => this.condition(c));
    const should = all(filter.should);
    const minShould = filter.minShould && {
      checks: all(filter.minShould.conditions)!,
      minCount: filter.minShould.minCount,
    };
    const must = all(filter.must);
    const mustNot = all(filter.mustNot);
    return (object) => {
      if (should !== undefined) {
        let any = false;
        for (const c of should) {
          if (c(object)) {
            any = true;
            break;
          }
        }
        if (!any) return false;
      }
      if (minShould !== undefined) {
        let count = 0;
        for (const c of minShould.checks) {
          if (count >= minShould.minCount) break;
          if (c(object)) count++;
        }
        if (count < minShould.minCount) return false;
      }
      if (must !== undefined) for (const c of must) if (!c(object)) return false;
      if (mustNot !== undefined) for (const c of mustNot) if (c(object)) return false;
      return true;
    };
  }

  private condition(condition: Condition): PayloadPredicate {
    switch (condition.kind) {
      case 'filter':
        return this.filter(condition.filter);
      case 'field': {
        const index = this.indexes?.get(formatJsonPath(extendJsonPath(this.prefix, condition.key)));
        const textValue =
          isTextMatch(condition.match) && index?.textMatcher !== undefined
            ? index.textMatcher(condition.match!, 'value')
            : null;
        return fieldPayloadPredicate(condition, textValue ?? undefined);
      }
      case 'is_empty':
      case 'is_null':
        return emptinessPayloadPredicate(condition);
      case 'has_id':
      case 'has_vector':
      case 'slice':
        // Qdrant checks nested filters without id tracker or vector storages.
        return () => false;
      case 'nested': {
        const path = arrayKey(condition.key);
        const inner = new NestedCompiler(this.indexes, extendJsonPath(this.prefix, path)).filter(
          condition.filter,
        );
        return nestedPredicate(path, inner);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------

/**
 * Compiles `filter` against one segment's context. The result is a pure predicate over offsets;
 * it keeps the last fetched payload, so it must not be shared between concurrent evaluations.
 */
export function compileFilter(filter: Filter, ctx: FilterContext): OffsetPredicate {
  return new Compiler(ctx).filter(filter).check;
}

/** Evaluates `filter` against one payload (no indexes; ids and vectors from the arguments). */
export function matchesPayload(
  filter: Filter,
  payload: JsonObject | undefined,
  pointId: PointId,
  hasVector: (vectorName: string) => boolean = () => false,
): boolean {
  return compileFilter(filter, {
    payload: () => payload,
    pointId: () => pointId,
    hasVector: (_offset, name) => hasVector(name),
  })(0);
}
