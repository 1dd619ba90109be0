// Payload edits of the update operations, on top of the key-path semantics of filter/json-path.ts.
// Paths are validated before an operation is logged (checkPayloadKey), so applying never fails.

import { RingvecError } from '../common/errors.js';
import {
  deletePayloadAtPath,
  parseJsonPath,
  setPayloadAtPath,
  type JsonPath,
} from '../filter/json-path.js';
import type { Payload } from './update-operations.js';

/** Parses a payload key path or throws Qdrant's 400. */
export function checkPayloadKey(key: string): JsonPath {
  const path = parseJsonPath(key);
  if (path === null) {
    throw new RingvecError('bad_input', `Invalid payload key path: ${JSON.stringify(key)}`);
  }
  return path;
}

/** `set_payload`: merge into the whole payload, or into the object(s) at `key`. */
export function mergePayload(current: Payload, update: Payload, key: string | null): Payload {
  setPayloadAtPath(current, structuredClone(update), key === null ? null : checkPayloadKey(key));
  return current;
}

/** `delete_payload`: removes every listed key path. */
export function deletePayloadKeys(current: Payload, keys: string[]): Payload {
  for (const key of keys) deletePayloadAtPath(current, checkPayloadKey(key));
  return current;
}
