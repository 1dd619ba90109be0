// The service errors every BatchReader raises, worded once so all backends name the file and the
// byte offset the same way ("read of <path> at byte offset <n>: …").

import { errors, RingvecError } from '../common/errors.js';
import type { RecordFileLayout } from './batch-reader.js';

export function recordOffset(layout: RecordFileLayout, record: number): number {
  return layout.headerBytes + record * layout.strideBytes;
}

export function beyondEndError(
  layout: RecordFileLayout,
  record: number,
  fileBytes: number,
): RingvecError {
  const offset = recordOffset(layout, record);
  return errors.service(
    `read of ${layout.path} at byte offset ${offset}: record ${record} (${layout.recordBytes} bytes) lies beyond the end of the file (${fileBytes} bytes)`,
  );
}

export function rangeBeyondEndError(
  layout: RecordFileLayout,
  offset: number,
  bytes: number,
  fileBytes: number,
): RingvecError {
  return errors.service(
    `read of ${layout.path} at byte offset ${offset}: range of ${bytes} bytes lies beyond the end of the file (${fileBytes} bytes)`,
  );
}

export function closedError(layout: RecordFileLayout): RingvecError {
  return errors.service(`read of ${layout.path}: the reader is closed`);
}

/** Wraps a native or fs error in a service error, keeping an already-worded message. */
export function ioError(layout: RecordFileLayout, offset: number, cause: unknown): RingvecError {
  if (cause instanceof RingvecError) return cause;
  const message = cause instanceof Error ? cause.message : String(cause);
  return message.includes(layout.path)
    ? errors.service(message, cause)
    : errors.service(`read of ${layout.path} at byte offset ${offset} failed: ${message}`, cause);
}

export function checkOutput(layout: RecordFileLayout, count: number, out: Uint8Array): void {
  if (out.length < count * layout.recordBytes) {
    throw errors.service(
      `read of ${layout.path}: output buffer holds ${out.length} bytes, expected at least ${count * layout.recordBytes}`,
    );
  }
}
