// The one error type of ringvec. Core code throws `RingvecError` with a literal `code`;
// the API layer turns it into Qdrant's envelope and status code in one place (api/error-response.ts).
// Messages follow Qdrant's wording (lib/storage/src/content_manager/errors.rs), prefix included.

export type ErrorCode =
  | 'bad_input' // 400 "Wrong input: …"
  | 'bad_request' // 400 "Bad request: …"
  | 'format' // 400 malformed JSON / wrong shape ("Format error in JSON body: …")
  | 'validation' // 422 "Validation error in JSON body: …"
  | 'unauthorized' // 401
  | 'forbidden' // 403
  | 'not_found' // 404 "Not found: …"
  | 'method_not_allowed' // 405 (standalone mode)
  | 'timeout' // 408
  | 'already_exists' // 409 "Wrong input: …"
  | 'payload_too_large' // 413
  | 'not_implemented' // 501: a Qdrant feature ringvec does not provide (yet)
  | 'unavailable' // 503
  | 'service'; // 500 "Service internal error: …"

const HTTP_STATUS: Record<ErrorCode, number> = {
  bad_input: 400,
  bad_request: 400,
  format: 400,
  validation: 422,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  timeout: 408,
  already_exists: 409,
  payload_too_large: 413,
  not_implemented: 501,
  unavailable: 503,
  service: 500,
};

const PREFIX: Record<ErrorCode, string> = {
  bad_input: 'Wrong input: ',
  bad_request: 'Bad request: ',
  format: '',
  validation: '',
  unauthorized: '',
  forbidden: 'Forbidden: ',
  not_found: 'Not found: ',
  method_not_allowed: '',
  timeout: 'Timeout: ',
  already_exists: 'Wrong input: ',
  payload_too_large: '',
  not_implemented: 'Not implemented: ',
  unavailable: 'Service unavailable: ',
  service: 'Service internal error: ',
};

export class RingvecError extends Error {
  readonly code: ErrorCode;
  /** The description without Qdrant's prefix. */
  readonly description: string;

  constructor(code: ErrorCode, description: string, options?: { cause?: unknown }) {
    super(PREFIX[code] + description, options);
    this.name = 'RingvecError';
    this.code = code;
    this.description = description;
  }

  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }

  /** User errors are the caller's fault (4xx); service errors are ours (5xx) and logged with stack. */
  get isUserError(): boolean {
    return this.httpStatus < 500;
  }
}

export function isRingvecError(error: unknown): error is RingvecError {
  return error instanceof RingvecError;
}

// The message table: every user-facing message that more than one place can produce.
export const errors = {
  collectionNotFound: (name: string) =>
    new RingvecError('not_found', `Collection \`${name}\` doesn't exist!`),
  collectionExists: (name: string) =>
    new RingvecError('already_exists', `Collection \`${name}\` already exists!`),
  aliasNotFound: (name: string) => new RingvecError('not_found', `Alias ${name} does not exists!`),
  aliasExists: (name: string) =>
    new RingvecError('already_exists', `Alias ${name} already exists!`),
  pointNotFound: (id: string) => new RingvecError('not_found', `No point with id ${id} found`),
  vectorNotFound: (name: string) =>
    new RingvecError('bad_input', `Not existing vector name error: ${name}`),
  wrongDimension: (expected: number, got: number) =>
    new RingvecError('bad_input', `Vector dimension error: expected dim: ${expected}, got ${got}`),
  snapshotNotFound: (name: string) =>
    new RingvecError('not_found', `Snapshot file ${name} does not exist!`),
  standalone: () => new RingvecError('method_not_allowed', 'Qdrant is running in standalone mode'),
  notImplemented: (what: string) =>
    new RingvecError('not_implemented', `${what} is not supported by ringvec`),
  service: (what: string, cause?: unknown) =>
    new RingvecError('service', what, cause === undefined ? undefined : { cause }),
  badInput: (what: string) => new RingvecError('bad_input', what),
  validation: (what: string) => new RingvecError('validation', what),
};
