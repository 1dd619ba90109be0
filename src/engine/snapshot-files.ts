// Where snapshot files live and how they come and go. Layout (Qdrant's):
//
//   <snapshots_path>/<collection>/<name>.snapshot            a collection snapshot
//   <snapshots_path>/<collection>/<name>.snapshot.checksum   its sha256 (hex, as Qdrant writes it)
//   <snapshots_path>/full-snapshot-<time>.snapshot(.checksum) full-storage snapshots
//
// and ringvec's temporary places:
//
//   <storage_path>/.snapshot-recovery/    extraction folders (same filesystem as collections/, so
//                                         a recovered folder is swapped in by rename) and
//                                         `replaced-<uuid>-<name>`, an old collection during a swap
//   <temp_path or storage_path/snapshots_temp>/   upload spools, full-snapshot work folders
//
// Every temporary file or folder ends in TEMP_SUFFIX; a snapshot becomes visible only by rename
// after it was written completely and fsynced. cleanSnapshotLeftovers() runs at start-up
// (Engine.open) and removes whatever a crash left behind.

import { existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { open, readdir, readFile, realpath, rename, rm, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { fsyncDirectory, fsyncDirectorySync } from '../common/durable-fs.js';
import { logger } from '../common/logger.js';
import type { StorageSettings } from '../common/settings.js';
import { snapshotErrors, storageFailure } from './snapshot-errors.js';

/** Marks every partial file and work folder of the snapshot machinery. */
export const TEMP_SUFFIX = '.ringvec-partial';
export const SNAPSHOT_EXTENSION = '.snapshot';
export const CHECKSUM_SUFFIX = '.checksum';
/** Qdrant's FULL_SNAPSHOT_FILE_NAME. */
export const FULL_SNAPSHOT_PREFIX = 'full-snapshot';
/** Qdrant names snapshots `<collection>-<peer id>-<time>`; a standalone node reports peer 0. */
export const PEER_ID = 0;

const RECOVERY_DIR = '.snapshot-recovery';
const STORAGE_TEMP_DIR = 'snapshots_temp';
const REPLACED_PREFIX = 'replaced-';
const UUID_LENGTH = 36;

/** Qdrant's SnapshotDescription. */
export interface SnapshotDescription {
  name: string;
  /** UTC, `YYYY-MM-DDTHH:MM:SS` (chrono's NaiveDateTime), from the file's birth time. */
  creation_time: string | null;
  size: number;
  checksum?: string;
}

/** `YYYY-MM-DD-HH-MM-SS` in UTC, the time part of Qdrant's snapshot names. */
export function snapshotTimestamp(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}-` +
    `${pad(date.getUTCHours())}-${pad(date.getUTCMinutes())}-${pad(date.getUTCSeconds())}`
  );
}

/** Where an old collection waits while a recovered one takes its place. */
export function replacedCollectionPath(storagePath: string, uuid: string, name: string): string {
  return join(resolve(storagePath), RECOVERY_DIR, `${REPLACED_PREFIX}${uuid}-${name}`);
}

export class SnapshotFiles {
  /** snapshots_path, absolute. */
  readonly root: string;
  /** Extraction folders; on the storage filesystem. */
  readonly recoveryRoot: string;
  /** Upload spools and full-snapshot work folders. */
  readonly tempRoot: string;

  constructor(storage: StorageSettings) {
    this.root = resolve(storage.snapshots_path);
    this.recoveryRoot = join(resolve(storage.storage_path), RECOVERY_DIR);
    this.tempRoot =
      storage.temp_path === null
        ? join(resolve(storage.storage_path), STORAGE_TEMP_DIR)
        : resolve(storage.temp_path);
  }

  collectionDir(collection: string): string {
    return join(this.root, collection);
  }

  /**
   * The stored snapshot `name` in `dir`: 400 for a name that is a path, 404 when there is no such
   * regular file inside `dir` (symbolic links leading out of it included).
   */
  async resolve(dir: string, name: string): Promise<string> {
    if (
      name === '' ||
      name === '.' ||
      name === '..' ||
      name.includes('/') ||
      name.includes('\\') ||
      name.includes('\0')
    ) {
      throw snapshotErrors.badName(name);
    }
    if (name.endsWith(TEMP_SUFFIX)) throw snapshotErrors.notFound(name);
    let real: string;
    let realDir: string;
    try {
      realDir = await realpath(dir);
      real = await realpath(join(dir, name));
    } catch {
      throw snapshotErrors.notFound(name);
    }
    if (!real.startsWith(realDir + sep)) throw snapshotErrors.notFound(name);
    const info = await stat(real).catch(() => null);
    if (info === null || !info.isFile()) throw snapshotErrors.notFound(name);
    return real;
  }

  async describe(path: string): Promise<SnapshotDescription> {
    const info = await stat(path);
    const bornMs = info.birthtimeMs > 0 ? info.birthtimeMs : info.mtimeMs;
    const checksum = await readFile(path + CHECKSUM_SUFFIX, 'utf8').then(
      (text) => text.trim(),
      () => undefined,
    );
    const name = path.slice(path.lastIndexOf(sep) + 1);
    return {
      name,
      creation_time: new Date(Math.floor(bornMs / 1000) * 1000).toISOString().slice(0, 19),
      size: info.size,
      ...(checksum === undefined || checksum === '' ? {} : { checksum }),
    };
  }

  /** The `.snapshot` files of `dir`, oldest first (none when `dir` does not exist). */
  async list(dir: string): Promise<SnapshotDescription[]> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const out: SnapshotDescription[] = [];
    for (const name of names) {
      if (!name.endsWith(SNAPSHOT_EXTENSION)) continue;
      const path = join(dir, name);
      const info = await stat(path).catch(() => null);
      if (info === null || !info.isFile()) continue;
      // Deleted since readdir (a concurrent delete): not listed.
      const description = await this.describe(path).catch(() => null);
      if (description !== null) out.push(description);
    }
    return out.sort(
      (a, b) =>
        (a.creation_time ?? '').localeCompare(b.creation_time ?? '') ||
        a.name.localeCompare(b.name),
    );
  }

  /** Deletes a resolved snapshot and its checksum sidecar. */
  async delete(path: string): Promise<true> {
    await rm(path);
    await rm(path + CHECKSUM_SUFFIX, { force: true });
    return true;
  }

  /**
   * Makes a complete, fsynced archive at `tempPath` the snapshot `finalPath`: writes the checksum
   * sidecar under a temporary name, renames the archive, then the sidecar, then fsyncs the
   * directory. On failure nothing partial stays behind.
   */
  async commit(tempPath: string, finalPath: string, sha256: string): Promise<SnapshotDescription> {
    const checksumTemp = finalPath + CHECKSUM_SUFFIX + TEMP_SUFFIX;
    let renamed = false;
    try {
      const handle = await open(checksumTemp, 'w', 0o644);
      try {
        await handle.writeFile(sha256);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tempPath, finalPath);
      renamed = true;
      await rename(checksumTemp, finalPath + CHECKSUM_SUFFIX);
      await fsyncDirectory(resolve(finalPath, '..'));
    } catch (error) {
      await rm(checksumTemp, { force: true });
      await rm(tempPath, { force: true });
      if (renamed) await rm(finalPath, { force: true });
      throw storageFailure(error, 'Storing the snapshot');
    }
    return this.describe(finalPath);
  }
}

/**
 * Start-up cleanup: puts back a collection whose replacement by a recovered one was interrupted
 * between its two renames, then removes extraction folders, spools, partial snapshots and partial
 * checksum files. Synchronous: it runs before the engine loads collections.
 */
export function cleanSnapshotLeftovers(storage: StorageSettings, collectionsDir: string): void {
  const log = logger('snapshots');
  const files = new SnapshotFiles(storage);
  if (existsSync(files.recoveryRoot)) {
    for (const entry of readdirSync(files.recoveryRoot)) {
      const path = join(files.recoveryRoot, entry);
      const name = entry.startsWith(REPLACED_PREFIX)
        ? entry.slice(REPLACED_PREFIX.length + UUID_LENGTH + 1)
        : null;
      if (name !== null && name !== '' && !existsSync(join(collectionsDir, name))) {
        // The old collection was moved away but its replacement never arrived: keep the old one.
        renameSync(path, join(collectionsDir, name));
        fsyncDirectorySync(collectionsDir);
        log.warn({ collection: name }, 'restored a collection whose recovery was interrupted');
        continue;
      }
      rmSync(path, { recursive: true, force: true });
    }
  }
  const removeTemps = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir)) {
      if (entry.endsWith(TEMP_SUFFIX)) {
        rmSync(join(dir, entry), { recursive: true, force: true });
        log.info({ path: join(dir, entry) }, 'removed a partial snapshot file');
      }
    }
  };
  removeTemps(files.tempRoot);
  removeTemps(files.root);
  if (existsSync(files.root)) {
    for (const entry of readdirSync(files.root)) {
      const path = join(files.root, entry);
      // lstat: a stray (perhaps dangling) symbolic link is not a collection's snapshot folder.
      if (lstatSync(path).isDirectory()) removeTemps(path);
    }
  }
}

/** Creates `dir` (and parents); mkdir errors become storage failures. */
export function ensureDir(dir: string, doing: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw storageFailure(error, doing);
  }
}
