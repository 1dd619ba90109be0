// Snapshots of collections and of the whole storage: create, list, find, delete, and recover a
// collection from an archive (a URL, a file in snapshots_path, or an upload). Transport-free: the
// API layer calls these and maps results; HTTP never reaches here.
//
// Creation copies a consistent point-in-time source (Collection.snapshotSource) while writes go
// on, into a partial file that becomes visible by rename once complete and fsynced. Recovery
// extracts into a fresh folder, verifies the archive, opens the collection in it once, and only
// then lets the engine swap it in; until then the old collection serves and nothing is changed.
// Work on one collection (create, recover) is serialised; different collections run in parallel.

import { createHash, randomUUID } from 'node:crypto';
import { copyFile, mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { logger } from '../common/logger.js';
import type { StorageSettings } from '../common/settings.js';
import { QDRANT_API_VERSION, RINGVEC_VERSION } from '../common/version.js';
import type { Collection } from '../collection/collection.js';
import { validateCollectionName, type Engine } from './engine.js';
import {
  extractSnapshotArchive,
  writeSnapshotArchive,
  type ArchiveEntry,
  type WrittenArchive,
} from './snapshot-archive.js';
import { snapshotErrors, storageFailure } from './snapshot-errors.js';
import {
  CHECKSUM_SUFFIX,
  FULL_SNAPSHOT_PREFIX,
  PEER_ID,
  SNAPSHOT_EXTENSION,
  SnapshotFiles,
  TEMP_SUFFIX,
  ensureDir,
  snapshotTimestamp,
  type SnapshotDescription,
} from './snapshot-files.js';
import { fileInput, openSnapshotLocation, type SnapshotInput } from './snapshot-location.js';

export type { SnapshotDescription } from './snapshot-files.js';

/** Compares sha256 hex strings as Qdrant does: ignoring case and whitespace. */
export function hashesEqual(a: string, b: string): boolean {
  const norm = (s: string) => s.replace(/\s+/g, '').toLowerCase();
  return norm(a) === norm(b);
}

/** A spooled upload: the bytes of a multipart file field, on disk. */
export interface SpooledUpload {
  path: string;
  sha256: string;
  sizeBytes: number;
  /** The client's file name, reduced to a safe base name (Qdrant: a UUID when there is none). */
  fileName: string;
}

const FULL_LOCK = '\0full';

export class SnapshotManager {
  readonly files: SnapshotFiles;
  private readonly engine: Engine;
  private readonly log = logger('snapshots');
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(engine: Engine, storage: StorageSettings) {
    this.engine = engine;
    this.files = new SnapshotFiles(storage);
  }

  /** Runs `work` after all earlier work under `key`. */
  private withLock<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const run = previous.then(work, work);
    const settled = run.catch(() => undefined);
    this.locks.set(key, settled);
    void settled.then(() => {
      if (this.locks.get(key) === settled) this.locks.delete(key);
    });
    return run;
  }

  // ---------------------------------------------------------------- collection snapshots

  /** Creates a snapshot of a collection (or the collection an alias points to). */
  async createCollectionSnapshot(nameOrAlias: string): Promise<SnapshotDescription> {
    const name = this.engine.get(nameOrAlias).name;
    return this.withLock(name, async () => {
      const collection = this.engine.get(name);
      const dir = this.files.collectionDir(name);
      ensureDir(dir, 'Creating the snapshot directory');
      const created = new Date();
      const fileName = `${name}-${PEER_ID}-${snapshotTimestamp(created)}${SNAPSHOT_EXTENSION}`;
      const finalPath = join(dir, fileName);
      const tempPath = finalPath + TEMP_SUFFIX;
      this.log.info({ collection: name, snapshot: fileName }, 'creating collection snapshot');
      const written = await this.writeCollectionArchive(collection, tempPath, created);
      return this.files.commit(tempPath, finalPath, written.sha256);
    });
  }

  /** Writes `collection` as an archive at `path` (removed again on failure). */
  private async writeCollectionArchive(
    collection: Collection,
    path: string,
    created: Date,
  ): Promise<WrittenArchive> {
    let source;
    try {
      source = await collection.snapshotSource();
    } catch (error) {
      throw storageFailure(error, 'Flushing the collection for a snapshot');
    }
    try {
      const directories = new Set(['segments', 'wal']);
      for (const file of source.files) {
        const parts = file.name.split('/');
        for (let i = 1; i < parts.length; i++) directories.add(parts.slice(0, i).join('/'));
      }
      const entries: ArchiveEntry[] = [
        { kind: 'data', name: 'collection.json', data: Buffer.from(source.manifest) },
        ...[...directories].sort().map((name): ArchiveEntry => ({ kind: 'directory', name })),
        ...source.files.map((file): ArchiveEntry => ({
          kind: 'file',
          name: file.name,
          path: file.path,
          size: file.bytes,
        })),
      ];
      return await writeSnapshotArchive(
        path,
        {
          kind: 'collection',
          ringvec_version: RINGVEC_VERSION,
          qdrant_api_version: QDRANT_API_VERSION,
          collection: collection.name,
          created_at: created.toISOString(),
        },
        entries,
      );
    } catch (error) {
      throw storageFailure(error, 'Writing the snapshot');
    } finally {
      source.release();
    }
  }

  async listCollectionSnapshots(nameOrAlias: string): Promise<SnapshotDescription[]> {
    const name = this.engine.get(nameOrAlias).name;
    return this.files.list(this.files.collectionDir(name));
  }

  /** The file of a collection snapshot, for download. */
  async collectionSnapshotPath(nameOrAlias: string, snapshot: string): Promise<string> {
    const name = this.engine.get(nameOrAlias).name;
    return this.files.resolve(this.files.collectionDir(name), snapshot);
  }

  async deleteCollectionSnapshot(nameOrAlias: string, snapshot: string): Promise<true> {
    const path = await this.collectionSnapshotPath(nameOrAlias, snapshot);
    this.log.info({ path }, 'deleting collection snapshot');
    return this.files.delete(path);
  }

  // ---------------------------------------------------------------- recovery

  /**
   * The collection a recovery into `target` replaces: an alias recovers the collection it points
   * to (as Qdrant resolves it); a name nobody uses creates a collection.
   */
  private recoveryTarget(target: string): string {
    const name = this.engine.exists(target) ? this.engine.get(target).name : target;
    validateCollectionName(name);
    return name;
  }

  /**
   * PUT /collections/{name}/snapshots/recover: recovers from `location` (http(s) URL, or a
   * file:// URL inside snapshots_path). A wrong `checksum` (sha256 of the archive) changes nothing.
   */
  async recoverFromLocation(
    target: string,
    location: string,
    options: { checksum?: string | undefined; apiKey?: string | undefined } = {},
  ): Promise<true> {
    const name = this.recoveryTarget(target);
    return this.withLock(name, async () => {
      const input = await openSnapshotLocation(location, {
        snapshotsRoot: this.files.root,
        apiKey: options.apiKey,
      });
      const { checksum } = options;
      await this.recover(
        name,
        input,
        checksum === undefined
          ? null
          : {
              expected: checksum,
              mismatch: (actual) => snapshotErrors.checksumMismatch(checksum, actual),
            },
      );
      return true as const;
    });
  }

  /** Streams an upload into a spool file (fsynced), hashing it on the way. */
  async spoolUpload(
    stream: AsyncIterable<Uint8Array>,
    clientFileName: string | undefined,
  ): Promise<SpooledUpload> {
    ensureDir(this.files.tempRoot, 'Creating the snapshot temp directory');
    const path = join(this.files.tempRoot, `upload-${randomUUID()}${TEMP_SUFFIX}`);
    const hash = createHash('sha256');
    let sizeBytes = 0;
    const handle = await open(path, 'wx', 0o600);
    try {
      for await (const chunk of stream) {
        hash.update(chunk);
        sizeBytes += chunk.byteLength;
        let done = 0;
        while (done < chunk.byteLength) {
          done += (await handle.write(chunk, done, chunk.byteLength - done)).bytesWritten;
        }
      }
      await handle.sync();
      await handle.close();
    } catch (error) {
      await handle.close().catch(() => undefined);
      await rm(path, { force: true });
      throw storageFailure(error, 'Receiving the snapshot upload');
    }
    return {
      path,
      sha256: hash.digest('hex'),
      sizeBytes,
      fileName: safeUploadName(clientFileName),
    };
  }

  /**
   * POST /collections/{name}/snapshots/upload, after spoolUpload: checks the checksum, recovers,
   * and (as Qdrant does) keeps the uploaded archive among the collection's snapshots under the
   * client's file name. The spool file is gone afterwards, whatever happened.
   */
  async recoverFromUpload(
    target: string,
    upload: SpooledUpload,
    checksum: string | undefined,
  ): Promise<true> {
    try {
      if (checksum !== undefined && !hashesEqual(upload.sha256, checksum)) {
        throw snapshotErrors.uploadChecksumMismatch(upload.sha256, checksum);
      }
      const name = this.recoveryTarget(target);
      return await this.withLock(name, async () => {
        await this.recover(name, fileInput(upload.path), null);
        await this.keepUpload(name, upload);
        return true as const;
      });
    } finally {
      await rm(upload.path, { force: true });
    }
  }

  /** Moves a recovered upload into the collection's snapshot folder, with its checksum. */
  private async keepUpload(name: string, upload: SpooledUpload): Promise<void> {
    const dir = this.files.collectionDir(name);
    const finalPath = join(dir, upload.fileName);
    const tempPath = finalPath + TEMP_SUFFIX;
    try {
      await mkdir(dir, { recursive: true });
      await rename(upload.path, tempPath).catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EXDEV') throw error;
        await copyFile(upload.path, tempPath);
      });
      await this.files.commit(tempPath, finalPath, upload.sha256);
    } catch (error) {
      // The collection is recovered; keeping a copy of the upload is a courtesy.
      await rm(tempPath, { force: true });
      this.log.warn({ err: error, path: finalPath }, 'could not keep the uploaded snapshot');
    }
  }

  /**
   * Extracts `input` into a fresh folder, verifies the archive and its checksum, opens the
   * collection in it once, checks it fits the collection it replaces, and swaps it in. On any
   * failure the folder is removed and the existing collection is untouched.
   */
  private async recover(
    name: string,
    input: SnapshotInput,
    checksum: { expected: string; mismatch: (actual: string) => Error } | null,
  ): Promise<void> {
    ensureDir(this.files.recoveryRoot, 'Creating the snapshot recovery directory');
    const work = join(this.files.recoveryRoot, `recover-${randomUUID()}${TEMP_SUFFIX}`);
    this.log.info({ collection: name, from: input.description }, 'recovering collection');
    try {
      const extracted = await extractSnapshotArchive(input.stream, work, 'collection');
      if (checksum !== null && !hashesEqual(extracted.sha256, checksum.expected)) {
        throw checksum.mismatch(extracted.sha256);
      }
      let config;
      try {
        config = await this.engine.checkCollectionDir(name, work);
      } catch (error) {
        throw snapshotErrors.invalidArchive(
          `the collection in it does not load: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      if (this.engine.exists(name)) {
        const current = this.engine.get(name).collectionConfig.params;
        const vectorsNow = canonicalJson(current.vectors);
        const vectorsSnapshot = canonicalJson(config.params.vectors);
        if (vectorsNow !== vectorsSnapshot) {
          throw snapshotErrors.incompatible('vectors', vectorsNow, vectorsSnapshot);
        }
        if (current.shard_number !== config.params.shard_number) {
          throw snapshotErrors.incompatible(
            'shard number',
            String(current.shard_number),
            String(config.params.shard_number),
          );
        }
      }
      await this.engine.replaceCollection(name, work);
      this.log.info({ collection: name, from: input.description }, 'recovered collection');
    } catch (error) {
      await rm(work, { recursive: true, force: true });
      throw storageFailure(error, 'Recovering the snapshot');
    }
  }

  // ---------------------------------------------------------------- full-storage snapshots

  /**
   * A snapshot of every collection plus the aliases, as Qdrant builds it: a tar of one collection
   * snapshot per collection and `config.json` ({collections_mapping, collections_aliases}).
   */
  async createFullSnapshot(): Promise<SnapshotDescription> {
    return this.withLock(FULL_LOCK, async () => {
      const created = new Date();
      const fileName = `${FULL_SNAPSHOT_PREFIX}-${snapshotTimestamp(created)}${SNAPSHOT_EXTENSION}`;
      ensureDir(this.files.root, 'Creating the snapshot directory');
      ensureDir(this.files.tempRoot, 'Creating the snapshot temp directory');
      const work = join(this.files.tempRoot, `full-${randomUUID()}${TEMP_SUFFIX}`);
      const finalPath = join(this.files.root, fileName);
      const tempPath = finalPath + TEMP_SUFFIX;
      this.log.info({ snapshot: fileName }, 'creating full snapshot');
      try {
        await mkdir(work);
        const entries: ArchiveEntry[] = [];
        const mapping: Record<string, string> = {};
        for (const collectionName of this.engine.collectionNames()) {
          const snapshotName = `${collectionName}-${PEER_ID}-${snapshotTimestamp(new Date())}${SNAPSHOT_EXTENSION}`;
          const path = join(work, `${entries.length}${SNAPSHOT_EXTENSION}`);
          const written = await this.withLock(collectionName, async () =>
            this.writeCollectionArchive(this.engine.get(collectionName), path, new Date()),
          ).catch((error: unknown) => {
            // Deleted meanwhile: the full snapshot has what exists when it gets there.
            if (!this.engine.exists(collectionName)) return null;
            throw error;
          });
          if (written === null) continue;
          mapping[collectionName] = snapshotName;
          entries.push({ kind: 'file', name: snapshotName, path, size: written.sizeBytes });
        }
        const aliases = Object.fromEntries(
          this.engine
            .listAliases()
            .filter((a) => a.collection_name in mapping)
            .map((a) => [a.alias_name, a.collection_name]),
        );
        const config = { collections_mapping: mapping, collections_aliases: aliases };
        entries.push({
          kind: 'data',
          name: 'config.json',
          data: Buffer.from(JSON.stringify(config, null, 2)),
        });
        const written = await writeSnapshotArchive(
          tempPath,
          {
            kind: 'full',
            ringvec_version: RINGVEC_VERSION,
            qdrant_api_version: QDRANT_API_VERSION,
            collection: null,
            created_at: created.toISOString(),
          },
          entries,
        ).catch((error: unknown) => {
          throw storageFailure(error, 'Writing the full snapshot');
        });
        return await this.files.commit(tempPath, finalPath, written.sha256);
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    });
  }

  listFullSnapshots(): Promise<SnapshotDescription[]> {
    return this.files.list(this.files.root);
  }

  fullSnapshotPath(snapshot: string): Promise<string> {
    return this.files.resolve(this.files.root, snapshot);
  }

  async deleteFullSnapshot(snapshot: string): Promise<true> {
    const path = await this.fullSnapshotPath(snapshot);
    this.log.info({ path }, 'deleting full snapshot');
    return this.files.delete(path);
  }
}

/** JSON with object keys sorted, so equal configurations compare equal. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)),
        )
      : v,
  );
}

/** Qdrant keeps only the base name of an uploaded file (no folders such as ../), else a UUID. */
function safeUploadName(fileName: string | undefined): string {
  const base = fileName === undefined ? '' : basename(fileName.replaceAll('\\', '/'));
  if (
    base === '' ||
    base === '.' ||
    base === '..' ||
    base.includes('\0') ||
    base.endsWith(TEMP_SUFFIX) ||
    base.endsWith(CHECKSUM_SUFFIX)
  ) {
    return randomUUID();
  }
  return base;
}
