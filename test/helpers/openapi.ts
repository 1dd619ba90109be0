// Checks responses against Qdrant's OpenAPI specification in ../shared/reference/: the schema of
// the 200 response of a path and method. The spec is OpenAPI 3.0 (nullable, formats like uint64),
// compiled with ajv in non-strict mode.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { packageRoot } from '../../src/common/package-root.js';

type Json = Record<string, unknown>;

const SPEC_PATHS = {
  '1.19': join(packageRoot(), '..', 'shared', 'reference', 'qdrant-openapi-v1.19.json'),
  '1.18': join(packageRoot(), '..', 'shared', 'reference', 'qdrant-openapi-v1.18.json'),
};

const specs = new Map<string, Json>();
const ajvs = new Map<string, Ajv>();
const compiled = new Map<string, ValidateFunction>();

function spec(version: keyof typeof SPEC_PATHS): Json {
  let loaded = specs.get(version);
  if (!loaded) {
    loaded = JSON.parse(readFileSync(SPEC_PATHS[version], 'utf8')) as Json;
    specs.set(version, loaded);
  }
  return loaded;
}

function ajvFor(version: keyof typeof SPEC_PATHS): Ajv {
  let ajv = ajvs.get(version);
  if (!ajv) {
    ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    const document = spec(version);
    ajv.addSchema({ $id: 'qdrant', components: rebase(document.components) }, 'qdrant');
    ajvs.set(version, ajv);
  }
  return ajv;
}

/**
 * Rewrites local refs (#/components/…) to the registered document and OpenAPI 3.0's `nullable`
 * into JSON Schema (`{nullable: true}` alone is "null"; with a type it adds "null" to the type).
 */
function rebase(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rebase);
  if (schema && typeof schema === 'object') {
    const out: Json = {};
    for (const [key, value] of Object.entries(schema)) {
      out[key] = key === '$ref' && typeof value === 'string' ? `qdrant${value}` : rebase(value);
    }
    if (out.nullable === true) {
      delete out.nullable;
      if (typeof out.type === 'string') out.type = [out.type, 'null'];
      else if (
        out.type === undefined &&
        out.$ref === undefined &&
        out.anyOf === undefined &&
        out.oneOf === undefined &&
        out.allOf === undefined
      ) {
        out.type = 'null';
      } else if (out.type === undefined) {
        return { anyOf: [out, { type: 'null' }] };
      }
      if (Array.isArray(out.enum)) out.enum = [...(out.enum as unknown[]), null];
    }
    return out;
  }
  return schema;
}

/**
 * Throws with ajv's errors when `body` does not match the spec's 200 response for
 * `method pathTemplate` (e.g. 'post', '/collections/{collection_name}/points/search').
 */
export function assertMatchesSpec(
  method: string,
  pathTemplate: string,
  body: unknown,
  version: keyof typeof SPEC_PATHS = '1.19',
): void {
  const key = `${version} ${method} ${pathTemplate}`;
  let validate = compiled.get(key);
  if (!validate) {
    const paths = spec(version).paths as Record<string, Record<string, Json>>;
    const operation = paths[pathTemplate]?.[method.toLowerCase()];
    if (!operation) throw new Error(`no ${method} ${pathTemplate} in the ${version} spec`);
    const responses = operation.responses as Record<string, Json>;
    const content = (responses['200'] ?? responses['default'])?.content as Record<string, Json>;
    const schema = content['application/json']?.schema;
    validate = ajvFor(version).compile(rebase(schema) as Json);
    compiled.set(key, validate);
  }
  if (!validate(body)) {
    throw new Error(
      `${method.toUpperCase()} ${pathTemplate} response does not match the ${version} spec:\n` +
        JSON.stringify(validate.errors?.slice(0, 5), null, 2) +
        `\nbody: ${JSON.stringify(body).slice(0, 500)}`,
    );
  }
}
