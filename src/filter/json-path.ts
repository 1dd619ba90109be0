// Payload key paths, exactly as Qdrant's `JsonPath` (lib/segment/src/json_path/): parsing and
// printing of `a.b[0].c[]."quoted key"`, reading the values a path selects, and the payload edits
// that take a path (`set_payload` with `key`, `delete_payload` with keys).
//
// Grammar: first key, then any of `.key`, `."quoted"`, `[N]`, `[]`. A raw key is one or more
// alphanumeric (Unicode), `_` or `-` characters; a quoted key is any text without `"` or `\`.
// There is no empty path and no path starting with `[`.
//
// Reading (`getValuesAtPath`) follows Qdrant's `value_get`: `[]` flattens one array level, `[N]`
// picks an element, a key on a non-object selects nothing, and a trailing key whose value is an
// array yields that array as one value (callers flatten it where Qdrant does).
//
// Warning: payload objects come from JSON.parse, which creates `__proto__` as an own property.
// Reads and writes here go through own-property checks so such keys behave like any other.

export type JsonPathItem =
  | { readonly kind: 'key'; readonly key: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'wildcard' };

export interface JsonPath {
  readonly first: string;
  readonly rest: readonly JsonPathItem[];
}

export type JsonObject = Record<string, unknown>;

const RAW_CHAR = /^[\p{Alphabetic}\p{N}_-]$/u;
const RAW_KEY = /^[\p{Alphabetic}\p{N}_-]+$/u;
const hasOwn = Object.prototype.hasOwnProperty;

function isRawChar(ch: string): boolean {
  return RAW_CHAR.test(ch);
}

/** Parses a payload key path; null if it is not a valid Qdrant JsonPath. */
export function parseJsonPath(text: string): JsonPath | null {
  const chars = Array.from(text);
  let pos = 0;

  const readRaw = (): string | null => {
    const start = pos;
    while (pos < chars.length && isRawChar(chars[pos]!)) pos++;
    return pos > start ? chars.slice(start, pos).join('') : null;
  };
  const readQuoted = (): string | null => {
    if (chars[pos] !== '"') return null;
    let end = pos + 1;
    while (end < chars.length && chars[end] !== '"' && chars[end] !== '\\') end++;
    if (chars[end] !== '"') return null;
    const key = chars.slice(pos + 1, end).join('');
    pos = end + 1;
    return key;
  };

  const first = readRaw() ?? readQuoted();
  if (first === null) return null;
  const rest: JsonPathItem[] = [];
  while (pos < chars.length) {
    const ch = chars[pos];
    if (ch === '.') {
      pos++;
      const key = readRaw() ?? readQuoted();
      if (key === null) return null;
      rest.push({ kind: 'key', key });
    } else if (ch === '[') {
      if (chars[pos + 1] === ']') {
        rest.push({ kind: 'wildcard' });
        pos += 2;
        continue;
      }
      let end = pos + 1;
      while (end < chars.length && chars[end]! >= '0' && chars[end]! <= '9') end++;
      if (end === pos + 1 || chars[end] !== ']') return null;
      const index = Number(chars.slice(pos + 1, end).join(''));
      // usize overflow fails to parse in Qdrant; anything past 2^53 is unrepresentable anyway.
      if (!Number.isSafeInteger(index)) return null;
      rest.push({ kind: 'index', index });
      pos = end + 1;
    } else {
      return null;
    }
  }
  return { first, rest };
}

/** True if the key must be written quoted (`"…"`) in a path. */
export function keyNeedsQuoting(key: string): boolean {
  return !RAW_KEY.test(key);
}

/** Canonical text of a path (Qdrant's Display): raw keys bare, others quoted. */
export function formatJsonPath(path: JsonPath): string {
  const key = (k: string) => (keyNeedsQuoting(k) ? `"${k}"` : k);
  let out = key(path.first);
  for (const item of path.rest) {
    if (item.kind === 'key') out += '.' + key(item.key);
    else if (item.kind === 'index') out += `[${item.index}]`;
    else out += '[]';
  }
  return out;
}

export function jsonPathsEqual(a: JsonPath, b: JsonPath): boolean {
  if (a.first !== b.first || a.rest.length !== b.rest.length) return false;
  for (let i = 0; i < a.rest.length; i++) {
    if (!itemsEqual(a.rest[i]!, b.rest[i]!)) return false;
  }
  return true;
}

function itemsEqual(a: JsonPathItem, b: JsonPathItem): boolean {
  if (a.kind === 'key') return b.kind === 'key' && a.key === b.key;
  if (a.kind === 'index') return b.kind === 'index' && a.index === b.index;
  return b.kind === 'wildcard';
}

/** `a.b` → `a.b[]` (unchanged if it already ends in `[]`); the key a `nested` condition walks. */
export function arrayKey(path: JsonPath): JsonPath {
  const last = path.rest[path.rest.length - 1];
  if (last?.kind === 'wildcard') return path;
  return { first: path.first, rest: [...path.rest, { kind: 'wildcard' }] };
}

/** `prefix` + `.` + `other` (Qdrant's `extend`). */
export function extendJsonPath(prefix: JsonPath, other: JsonPath): JsonPath {
  return {
    first: prefix.first,
    rest: [...prefix.rest, { kind: 'key', key: other.first }, ...other.rest],
  };
}

/**
 * If `path` starts with `prefix` followed by a key, the remainder as a path (Qdrant's
 * `strip_prefix`); used to find indexes on `a[].b` for a condition on `b` inside `nested: a`.
 */
export function stripJsonPathPrefix(path: JsonPath, prefix: JsonPath): JsonPath | null {
  if (path.first !== prefix.first) return null;
  let i = 0;
  for (; i < prefix.rest.length; i++) {
    const item = path.rest[i];
    if (item === undefined || !itemsEqual(item, prefix.rest[i]!)) return null;
  }
  const next = path.rest[i];
  if (next?.kind !== 'key') return null;
  return { first: next.key, rest: path.rest.slice(i + 1) };
}

// ---------------------------------------------------------------------------------------------
// Reading

/** Own property of a JSON object, or undefined; safe for keys like `__proto__` or `toString`. */
export function getOwn(object: JsonObject, key: string): unknown {
  return hasOwn.call(object, key) ? object[key] : undefined;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Values selected by `path` in `payload` (Qdrant's `value_get`), appended to `out` (a fresh
 * array if omitted). An absent key selects nothing; a `null` value is selected as `null`.
 */
export function getValuesAtPath(
  payload: JsonObject | undefined,
  path: JsonPath,
  out: unknown[] = [],
): unknown[] {
  if (payload === undefined) return out;
  const value = getOwn(payload, path.first);
  if (value !== undefined) collect(path.rest, 0, value, out);
  return out;
}

function collect(rest: readonly JsonPathItem[], at: number, value: unknown, out: unknown[]): void {
  if (at === rest.length) {
    out.push(value);
    return;
  }
  const item = rest[at]!;
  if (item.kind === 'key') {
    if (isJsonObject(value)) {
      const next = getOwn(value, item.key);
      if (next !== undefined) collect(rest, at + 1, next, out);
    }
  } else if (item.kind === 'index') {
    if (Array.isArray(value) && item.index < value.length) {
      collect(rest, at + 1, value[item.index], out);
    }
  } else if (Array.isArray(value)) {
    for (const element of value) collect(rest, at + 1, element, out);
  }
}

// ---------------------------------------------------------------------------------------------
// Writing

function setOwn(object: JsonObject, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(object, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else {
    object[key] = value;
  }
}

/**
 * Merges `source` into `dest` (Qdrant's `merge_map`): each key is overwritten, except that a
 * `null` value removes the key. Mutates `dest`.
 */
export function mergePayload(dest: JsonObject, source: JsonObject): void {
  for (const key of Object.keys(source)) {
    const value = source[key];
    if (value === null) delete dest[key];
    else if (value !== undefined) setOwn(dest, key, value);
  }
}

/**
 * `set_payload` semantics (Qdrant's `value_set`): with no `key`, merge `source` into `dest`; with a
 * `key`, merge `source` into the object(s) at that path, creating objects along the way. A
 * non-object in the way is replaced by an object (or an empty array for `[N]`/`[]` steps); `[N]`
 * past the end of an array and `[]` over a new array set nothing. Mutates `dest`.
 */
export function setPayloadAtPath(
  dest: JsonObject,
  source: JsonObject,
  key?: JsonPath | null,
): void {
  if (key === undefined || key === null) {
    mergePayload(dest, source);
    return;
  }
  setInMap(dest, key.first, key.rest, 0, source);
}

function setInMap(
  map: JsonObject,
  key: string,
  rest: readonly JsonPathItem[],
  at: number,
  source: JsonObject,
): void {
  const current = getOwn(map, key);
  if (current !== undefined) {
    const replaced = setInValue(current, rest, at, source);
    if (replaced !== current) setOwn(map, key, replaced);
  } else {
    setOwn(map, key, setInValue(null, rest, at, source));
  }
}

/** Applies the edit to `value` and returns the (possibly replaced) value. */
function setInValue(
  value: unknown,
  rest: readonly JsonPathItem[],
  at: number,
  source: JsonObject,
): unknown {
  if (at === rest.length) {
    const target = isJsonObject(value) ? value : {};
    mergePayload(target, source);
    return target;
  }
  const item = rest[at]!;
  if (item.kind === 'key') {
    const target = isJsonObject(value) ? value : {};
    setInMap(target, item.key, rest, at + 1, source);
    return target;
  }
  if (item.kind === 'index') {
    const target = Array.isArray(value) ? value : [];
    if (item.index < target.length) {
      const element: unknown = target[item.index];
      const replaced = setInValue(element, rest, at + 1, source);
      if (replaced !== element) target[item.index] = replaced;
    }
    return target;
  }
  if (!Array.isArray(value)) return [];
  for (let i = 0; i < value.length; i++) {
    const element: unknown = value[i];
    const replaced = setInValue(element, rest, at + 1, source);
    if (replaced !== element) value[i] = replaced;
  }
  return value;
}

/**
 * `delete_payload` semantics for one key (Qdrant's `value_remove`): removes what `path` selects
 * and returns the removed values. A trailing `[]` empties the array; a trailing `[N]` removes
 * nothing (deleting by index is not idempotent, so Qdrant does not support it). Mutates `dest`.
 */
export function deletePayloadAtPath(dest: JsonObject, path: JsonPath): unknown[] {
  const removed: unknown[] = [];
  if (path.rest.length === 0) {
    if (hasOwn.call(dest, path.first)) {
      removed.push(dest[path.first]);
      delete dest[path.first];
    }
    return removed;
  }
  const value = getOwn(dest, path.first);
  if (value !== undefined) removeIn(path.rest, 0, value, removed);
  return removed;
}

function removeIn(rest: readonly JsonPathItem[], at: number, value: unknown, out: unknown[]): void {
  const item = rest[at]!;
  const last = at === rest.length - 1;
  if (item.kind === 'key') {
    if (!isJsonObject(value) || !hasOwn.call(value, item.key)) return;
    if (last) {
      out.push(value[item.key]);
      delete value[item.key];
    } else {
      removeIn(rest, at + 1, value[item.key], out);
    }
  } else if (item.kind === 'index') {
    if (!last && Array.isArray(value) && item.index < value.length) {
      removeIn(rest, at + 1, value[item.index], out);
    }
  } else if (Array.isArray(value)) {
    if (last) {
      out.push(value.splice(0, value.length));
    } else {
      for (const element of value) removeIn(rest, at + 1, element, out);
    }
  }
}
