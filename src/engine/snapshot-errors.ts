// The messages of the snapshot endpoints, in Qdrant's wording where Qdrant has one
// (lib/collection/src/common/snapshots_manager.rs, lib/storage/src/content_manager/snapshots/).
// Disk errors while writing (ENOSPC above all) become service errors that say what failed.

import { RingvecError } from '../common/errors.js';

export const snapshotErrors = {
  /** Qdrant: `CollectionError::not_found("Snapshot {name}")` → "Not found: Snapshot x not found". */
  notFound: (name: string) => new RingvecError('not_found', `Snapshot ${name} not found`),
  /** Qdrant answers 404 here; ringvec says plainly that the name itself is wrong. */
  badName: (name: string) =>
    new RingvecError(
      'bad_request',
      `Invalid snapshot name ${JSON.stringify(name)}: expected a file name without path separators`,
    ),
  /** recover.rs, for the `checksum` of a recovery request. */
  checksumMismatch: (expected: string, actual: string) =>
    new RingvecError(
      'bad_input',
      `Snapshot checksum mismatch: expected ${expected}, got ${actual}`,
    ),
  /**
   * snapshot_api.rs upload: `StorageError::checksum_mismatch(file_hash, given)`, a 400 without
   * prefix ("Checksum mismatch: expected <file hash>, actual <given>", Qdrant's argument order).
   * `format` is the code that maps to 400 with no prefix.
   */
  uploadChecksumMismatch: (fileHash: string, given: string) =>
    new RingvecError('format', `Checksum mismatch: expected ${fileHash}, actual ${given}`),
  invalidArchive: (what: string) =>
    new RingvecError('bad_input', `Snapshot archive is invalid: ${what}`),
  incompatible: (what: string, collection: string, snapshot: string) =>
    new RingvecError(
      'bad_input',
      `Snapshot is not compatible with existing collection: Collection ${what}: ${collection} Snapshot ${what}: ${snapshot}`,
    ),
  fileMissing: (path: string) =>
    new RingvecError('bad_request', `Snapshot file ${JSON.stringify(path)} does not exist`),
  fileOutside: (dir: string) =>
    new RingvecError(
      'forbidden',
      `Snapshot file path must be inside the snapshots directory ${JSON.stringify(dir)}`,
    ),
  fileUrlHost: () =>
    new RingvecError(
      'bad_request',
      'Invalid snapshot URI, file path must be absolute or on localhost',
    ),
  unsupportedScheme: (url: string, scheme: string) =>
    new RingvecError('bad_request', `URL ${url} with scheme ${scheme} is not supported`),
  downloadStatus: (url: string, status: string) =>
    new RingvecError('bad_input', `Failed to download tar from ${url}: status - ${status}`),
  downloadFailed: (url: string, why: string) =>
    new RingvecError('bad_input', `Failed to download snapshot from ${url}: ${why}`),
  uploadMissing: () =>
    new RingvecError(
      'bad_request',
      'Multipart form has no file field `snapshot` (the snapshot to recover from)',
    ),
};

/** Error codes of a full disk or exhausted quota. */
const NO_SPACE = new Set(['ENOSPC', 'EDQUOT']);

/**
 * Turns a file-system error raised while `doing` something into a RingvecError: user errors pass
 * through, a full disk says so, anything else is a service error with the system's message.
 */
export function storageFailure(error: unknown, doing: string): RingvecError {
  if (error instanceof RingvecError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && NO_SPACE.has(code)) {
    return new RingvecError('service', `${doing} failed: no space left on device (${code})`, {
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new RingvecError('service', `${doing} failed: ${message}`, { cause: error });
}
