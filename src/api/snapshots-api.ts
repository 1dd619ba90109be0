// Snapshot endpoints, transport-free: validated wire request → SnapshotManager → wire result.
// `wait=false` works as Qdrant's `time_or_accept`: the whole operation runs in the background
// (its failures are logged) and the caller answers 202 with status "accepted".

import type { Readable } from 'node:stream';
import { open } from 'node:fs/promises';
import { logger } from '../common/logger.js';
import { snapshotErrors } from '../engine/snapshot-errors.js';
import type {
  SnapshotDescription,
  SnapshotManager,
  SpooledUpload,
} from '../engine/snapshot-manager.js';
import type {
  SnapshotParams,
  SnapshotRecoverRequest,
  SnapshotUploadParams,
} from './schemas/index.js';

/** The result of an operation started with `wait=false`. */
export const ACCEPTED = Symbol('accepted');
export type Accepted = typeof ACCEPTED;

const log = logger('snapshots');

/** Runs `work` and returns its result, or (wait=false) starts it and returns ACCEPTED. */
async function runOrAccept<T>(
  wait: boolean,
  what: string,
  work: () => Promise<T>,
): Promise<T | Accepted> {
  if (wait) return work();
  void work().catch((error: unknown) => log.error({ err: error }, `${what} failed`));
  return ACCEPTED;
}

export function createSnapshot(
  manager: SnapshotManager,
  collection: string,
  params: SnapshotParams,
): Promise<SnapshotDescription | Accepted> {
  return runOrAccept(params.wait, 'snapshot creation', () =>
    manager.createCollectionSnapshot(collection),
  );
}

export function listSnapshots(
  manager: SnapshotManager,
  collection: string,
): Promise<SnapshotDescription[]> {
  return manager.listCollectionSnapshots(collection);
}

export function deleteSnapshot(
  manager: SnapshotManager,
  collection: string,
  snapshot: string,
  params: SnapshotParams,
): Promise<boolean | Accepted> {
  return runOrAccept(params.wait, 'snapshot deletion', () =>
    manager.deleteCollectionSnapshot(collection, snapshot),
  );
}

/**
 * Recovery from a location. `priority` only matters between replicas, and a standalone node has
 * none: every priority activates the recovered data, as Qdrant does for a single replica.
 */
export function recoverSnapshot(
  manager: SnapshotManager,
  collection: string,
  request: SnapshotRecoverRequest,
  params: SnapshotParams,
): Promise<boolean | Accepted> {
  return runOrAccept(params.wait, 'snapshot recovery', () =>
    manager.recoverFromLocation(collection, request.location, {
      checksum: request.checksum,
      apiKey: request.api_key,
    }),
  );
}

/** The multipart file field Qdrant reads the snapshot from. */
export const UPLOAD_FIELD = 'snapshot';

/** Spools an uploaded snapshot to disk (the stream is consumed here). */
export function receiveUpload(
  manager: SnapshotManager,
  stream: AsyncIterable<Uint8Array>,
  fileName: string | undefined,
): Promise<SpooledUpload> {
  return manager.spoolUpload(stream, fileName);
}

export function missingUpload(): Error {
  return snapshotErrors.uploadMissing();
}

export function recoverUploadedSnapshot(
  manager: SnapshotManager,
  collection: string,
  upload: SpooledUpload,
  params: SnapshotUploadParams,
): Promise<boolean | Accepted> {
  return runOrAccept(params.wait, 'snapshot recovery from upload', () =>
    manager.recoverFromUpload(collection, upload, params.checksum),
  );
}

export interface SnapshotDownload {
  fileName: string;
  sizeBytes: number;
  stream: Readable;
}

/** Opens a snapshot file for streaming (opened first, so a missing file is a 404, not a reset). */
async function openDownload(path: string): Promise<SnapshotDownload> {
  const handle = await open(path, 'r');
  try {
    const info = await handle.stat();
    return {
      fileName: path.slice(path.lastIndexOf('/') + 1),
      sizeBytes: info.size,
      stream: handle.createReadStream({ autoClose: true }),
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

export async function downloadSnapshot(
  manager: SnapshotManager,
  collection: string,
  snapshot: string,
): Promise<SnapshotDownload> {
  return openDownload(await manager.collectionSnapshotPath(collection, snapshot));
}

// ---------------------------------------------------------------- full-storage snapshots

export function createFullSnapshot(
  manager: SnapshotManager,
  params: SnapshotParams,
): Promise<SnapshotDescription | Accepted> {
  return runOrAccept(params.wait, 'full snapshot creation', () => manager.createFullSnapshot());
}

export function listFullSnapshots(manager: SnapshotManager): Promise<SnapshotDescription[]> {
  return manager.listFullSnapshots();
}

export async function downloadFullSnapshot(
  manager: SnapshotManager,
  snapshot: string,
): Promise<SnapshotDownload> {
  return openDownload(await manager.fullSnapshotPath(snapshot));
}

export function deleteFullSnapshot(
  manager: SnapshotManager,
  snapshot: string,
  params: SnapshotParams,
): Promise<boolean | Accepted> {
  return runOrAccept(params.wait, 'full snapshot deletion', () =>
    manager.deleteFullSnapshot(snapshot),
  );
}
