// Helpers for the schema tests only (never imported by runtime code): error assertions, and a
// validator for Qdrant's OpenAPI request schemas, so every "valid" example in the tests is also
// checked against the contract in shared/reference/.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { RingvecError } from '../../common/errors.js';
import { packageRoot } from '../../common/package-root.js';

export function expectError(
  parse: () => unknown,
  code: 'format' | 'validation' | 'bad_input',
  message: string,
): void {
  assert.throws(parse, (error: unknown) => {
    assert.ok(error instanceof RingvecError, `expected a RingvecError, got ${String(error)}`);
    assert.equal(error.message, message);
    assert.equal(error.code, code);
    assert.equal(error.httpStatus, code === 'validation' ? 422 : 400);
    return true;
  });
}

/** 400 "Format error in JSON body: …". */
export function expectFormat(parse: (body: unknown) => unknown, body: unknown, what: string): void {
  expectError(() => parse(body), 'format', `Format error in JSON body: ${what}`);
}

/** 422 "Validation error in JSON body: [ … ]". */
export function expectValidation(
  parse: (body: unknown) => unknown,
  body: unknown,
  what: string,
): void {
  expectError(() => parse(body), 'validation', `Validation error in JSON body: [${what}]`);
}

/** A copy without keys whose value is undefined (absent and undefined mean the same here). */
export function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (v !== undefined) out[key] = plain(v);
  return out;
}

export function f32(...values: number[]): Float32Array {
  return Float32Array.from(values);
}

// OpenAPI 3.0 `nullable` is not JSON Schema; rewrite it into `type: [..., "null"]` for Ajv.
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (node === null || typeof node !== 'object') return node;
  const source = node as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source)) {
    if (key !== 'nullable' && key !== 'example' && key !== 'deprecated')
      out[key] = toJsonSchema(value);
  }
  if (source['nullable'] !== true) return out;
  if (typeof out['type'] === 'string') {
    out['type'] = [out['type'], 'null'];
    return out;
  }
  const meaningful = Object.keys(out).filter((k) => k !== 'description' && k !== 'default');
  if (meaningful.length === 0) return { type: 'null' };
  return { anyOf: [out, { type: 'null' }] };
}

const validators = new Map<string, Ajv | null>();
const compiled = new Map<string, ValidateFunction>();

/** The specs live in shared/reference/, beside the repository; without them the check is skipped. */
function ajvFor(version: '1.18' | '1.19'): Ajv | null {
  let ajv = validators.get(version);
  if (ajv === undefined) {
    const path = join(
      packageRoot(),
      '..',
      'shared',
      'reference',
      `qdrant-openapi-v${version}.json`,
    );
    if (!existsSync(path)) {
      validators.set(version, null);
      return null;
    }
    const spec = JSON.parse(readFileSync(path, 'utf8')) as { components: unknown };
    ajv = new Ajv({ strict: false, validateFormats: false });
    ajv.addSchema({ $id: 'qdrant', components: toJsonSchema(spec.components) });
    validators.set(version, ajv);
  }
  return ajv;
}

/** Asserts `body` is valid for the OpenAPI component `schema` (bigint ids are not supported). */
export function assertOpenApiValid(
  schema: string,
  body: unknown,
  version: '1.18' | '1.19' = '1.19',
): void {
  const key = `${version}:${schema}`;
  let validate = compiled.get(key);
  if (validate === undefined) {
    const ajv = ajvFor(version);
    if (ajv === null) return;
    validate = ajv.compile({ $ref: `qdrant#/components/schemas/${schema}` });
    compiled.set(key, validate);
  }
  const ok = validate(body);
  assert.ok(ok, `${schema} rejects ${JSON.stringify(body)}: ${JSON.stringify(validate.errors)}`);
}
