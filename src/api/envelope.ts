// Qdrant's response envelope: {"result": …, "status": "ok", "time": seconds} on success and
// {"status": {"error": "…"}, "time": seconds} on failure. Error codes map to HTTP statuses here and
// nowhere else.

import { RingvecError, isRingvecError } from '../common/errors.js';

export interface OkEnvelope<T> {
  result: T;
  status: 'ok';
  time: number;
}

export interface ErrorEnvelope {
  status: { error: string };
  time: number;
}

export function okEnvelope<T>(result: T, timeSeconds: number): OkEnvelope<T> {
  return { result, status: 'ok', time: timeSeconds };
}

export interface MappedError {
  httpStatus: number;
  body: ErrorEnvelope;
  /** Service errors (5xx) are logged with their stack; user errors are not. */
  isServiceError: boolean;
}

/** Turns any thrown value into Qdrant's error envelope and HTTP status. */
export function mapError(error: unknown, timeSeconds: number): MappedError {
  const ringvecError: RingvecError = isRingvecError(error)
    ? error
    : new RingvecError('service', error instanceof Error ? error.message : String(error), {
        cause: error,
      });
  return {
    httpStatus: ringvecError.httpStatus,
    body: { status: { error: ringvecError.message }, time: timeSeconds },
    isServiceError: !ringvecError.isUserError,
  };
}
