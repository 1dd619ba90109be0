// Runs a request schema and turns its failure into Qdrant's error, the one place that does so.
// Qdrant deserializes first (serde) and validates second (validator), so a body with both kinds of
// problem reports only the shape problem:
//  - shape/type problem → 400 "Format error in JSON body: <path>: <serde message>"
//    (query strings: "Deserialize error in query parameters: <name>: <message>")
//  - constraint problem → 422 "Validation error in JSON body: [<path>: <message>; …]"
// (src/actix/mod.rs `validation_error_handler`, lib/collection/src/operations/validation.rs
// `label_errors`). Qdrant's serde messages carry "at line L column C" instead of a path; ringvec
// gives the path, which the parsed value no longer has positions for.

import type { z } from 'zod';
import { RingvecError } from '../../common/errors.js';
import { DUPLICATE_FIELD, MISSING_FIELD } from './serde-messages.js';
import { PARSE_PARAMS, issueKind } from './serde-schemas.js';

export type RequestPart = 'JSON body' | 'query parameters' | 'path parameters';

/** `a.b[0].c`, the form of validator's flattened field names. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

function describe(issue: z.core.$ZodIssue): { path: string; message: string } {
  if (issue.message === MISSING_FIELD || issue.message === DUPLICATE_FIELD) {
    // Said of the field by its parent, as serde does.
    const key = String(issue.path[issue.path.length - 1] ?? '');
    const what = issue.message === MISSING_FIELD ? 'missing' : 'duplicate';
    return { path: formatIssuePath(issue.path.slice(0, -1)), message: `${what} field \`${key}\`` };
  }
  return { path: formatIssuePath(issue.path), message: issue.message };
}

/** The RingvecError for a failed parse of one request part. */
export function requestError(
  issues: readonly z.core.$ZodIssue[],
  part: RequestPart = 'JSON body',
): RingvecError {
  const formatIssue = issues.find((issue) => issueKind(issue) === 'format');
  if (formatIssue !== undefined || issues.length === 0) {
    const { path, message } =
      formatIssue === undefined ? { path: '', message: 'invalid input' } : describe(formatIssue);
    const label =
      part === 'JSON body' ? 'Format error in JSON body' : `Deserialize error in ${part}`;
    return new RingvecError('format', `${label}: ${path === '' ? '' : `${path}: `}${message}`);
  }
  const described = issues.map((issue) => {
    const { path, message } = describe(issue);
    return path === '' ? message : `${path}: ${message}`;
  });
  return new RingvecError('validation', `Validation error in ${part}: [${described.join('; ')}]`);
}

/**
 * Parses one request part with `schema`, returning the typed value with Qdrant's defaults applied,
 * or throwing the RingvecError (`format` → 400, `validation` → 422) Qdrant would answer with.
 */
export function parseRequest<T>(
  schema: z.ZodType<T>,
  value: unknown,
  part: RequestPart = 'JSON body',
): T {
  if (value === undefined && part === 'JSON body') {
    // An empty body: what serde_json says about zero bytes.
    throw new RingvecError(
      'format',
      'Format error in JSON body: EOF while parsing a value at line 1 column 0',
    );
  }
  const result = schema.safeParse(value, PARSE_PARAMS);
  if (result.success) return result.data;
  throw requestError(result.error.issues, part);
}
