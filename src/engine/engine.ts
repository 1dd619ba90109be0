// The registry of collections: create, open, delete, and resolve names (collection or alias).
// Storage layout under storage_path:
//   collections/<name>/   one collection (collection/collection.ts)
//   aliases.json          alias → collection name
//   .deleted/             collections being removed (renamed here first, so a crash mid-delete
//                         never leaves a half-deleted collection in collections/)
//   .snapshot-recovery/   snapshot extraction folders and collections being replaced by a
//                         recovered snapshot (snapshot-files.ts, cleaned up at start-up)

import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fsyncDirectorySync, writeFileAtomicSync } from '../common/durable-fs.js';
import { RingvecError, errors } from '../common/errors.js';
import { logger } from '../common/logger.js';
import type { StorageSettings } from '../common/settings.js';
import { Collection, type CollectionOptions } from '../collection/collection.js';
import {
  buildCollectionConfig,
  namedVectors,
  type CollectionConfig,
  type CreateCollectionRequest,
} from '../collection/collection-config.js';
import { cleanSnapshotLeftovers, replacedCollectionPath } from './snapshot-files.js';

export type AliasAction =
  | { create_alias: { collection_name: string; alias_name: string } }
  | { delete_alias: { alias_name: string } }
  | { rename_alias: { old_alias_name: string; new_alias_name: string } };

const INVALID_NAME_CHARS = ['<', '>', ':', '"', '/', '\\', '|', '?', '*', '\0', '\u001f'];
const MAX_NAME_BYTES = 255;

/**
 * Checks a collection (or alias) name: it becomes a directory name, so it must be one safe path
 * component. Throws Qdrant's 422 validation error.
 */
export function validateCollectionName(name: string, what = 'collection name'): void {
  const invalid = INVALID_NAME_CHARS.find((c) => name.includes(c));
  let problem: string | null = null;
  if (name.length === 0) problem = 'length must be at least 1';
  else if (Buffer.byteLength(name) > MAX_NAME_BYTES)
    problem = `length must be at most ${MAX_NAME_BYTES} bytes`;
  else if (invalid !== undefined)
    problem = `${what} cannot contain "${invalid === '\0' ? '\\0' : invalid}" char`;
  else if (name === '.' || name === '..') problem = `${what} cannot be "${name}"`;
  if (problem !== null) {
    throw new RingvecError('validation', `Validation error in path parameters: [name: ${problem}]`);
  }
}

export function validateVectorName(name: string): void {
  const invalid = INVALID_NAME_CHARS.find((c) => name.includes(c));
  if (Buffer.byteLength(name) > 200) {
    throw new RingvecError(
      'validation',
      'Validation error in JSON body: [vectors: vector name must be at most 200 bytes long]',
    );
  }
  if (invalid !== undefined) {
    throw new RingvecError(
      'validation',
      `Validation error in JSON body: [vectors: vector name cannot contain "${invalid}" char]`,
    );
  }
}

export class Engine {
  readonly storagePath: string;
  private readonly settings: StorageSettings;
  private readonly collections = new Map<string, Collection>();
  private aliases = new Map<string, string>();
  private readonly collectionOptions: CollectionOptions;
  private readonly log = logger('engine');
  /** Serialises create/delete so names cannot race. */
  private metaLock: Promise<unknown> = Promise.resolve();

  private constructor(
    settings: StorageSettings,
    collectionOptions: Omit<CollectionOptions, 'storage'>,
  ) {
    this.settings = settings;
    this.storagePath = resolve(settings.storage_path);
    this.collectionOptions = { ...collectionOptions, storage: settings };
  }

  /** Opens the storage directory, loading every collection. */
  static open(settings: StorageSettings, options: Omit<CollectionOptions, 'storage'>): Engine {
    const engine = new Engine(settings, options);
    engine.load();
    return engine;
  }

  private get collectionsDir(): string {
    return join(this.storagePath, 'collections');
  }

  private get aliasesPath(): string {
    return join(this.storagePath, 'aliases.json');
  }

  private load(): void {
    mkdirSync(this.collectionsDir, { recursive: true });
    const trash = join(this.storagePath, '.deleted');
    if (existsSync(trash)) rmSync(trash, { recursive: true, force: true });
    cleanSnapshotLeftovers(this.settings, this.collectionsDir);
    for (const name of readdirSync(this.collectionsDir).sort()) {
      const dir = join(this.collectionsDir, name);
      if (!Collection.exists(dir)) {
        this.log.warn({ dir }, 'ignoring a collection directory without collection.json');
        continue;
      }
      const started = Date.now();
      const collection = Collection.open(name, dir, this.collectionOptions);
      this.collections.set(name, collection);
      this.log.info(
        { collection: name, points: collection.pointsCount, ms: Date.now() - started },
        'loaded collection',
      );
    }
    if (existsSync(this.aliasesPath)) {
      const raw = JSON.parse(readFileSync(this.aliasesPath, 'utf8')) as Record<string, string>;
      this.aliases = new Map(
        Object.entries(raw).filter(([, target]) => this.collections.has(target)),
      );
    }
  }

  private withMetaLock<T>(work: () => Promise<T>): Promise<T> {
    const run = this.metaLock.then(work, work);
    this.metaLock = run.catch(() => undefined);
    return run;
  }

  collectionNames(): string[] {
    return [...this.collections.keys()].sort();
  }

  /** Resolves a collection name or alias. Throws Qdrant's 404 when neither exists. */
  get(nameOrAlias: string): Collection {
    const direct = this.collections.get(nameOrAlias);
    if (direct) return direct;
    const target = this.aliases.get(nameOrAlias);
    const viaAlias = target === undefined ? undefined : this.collections.get(target);
    if (viaAlias) return viaAlias;
    throw errors.collectionNotFound(nameOrAlias);
  }

  exists(nameOrAlias: string): boolean {
    return this.collections.has(nameOrAlias) || this.aliases.has(nameOrAlias);
  }

  async create(name: string, request: CreateCollectionRequest): Promise<Collection> {
    validateCollectionName(name);
    for (const [vectorName] of namedVectors(request.vectors)) validateVectorName(vectorName);
    return this.withMetaLock(async () => {
      if (this.collections.has(name)) throw errors.collectionExists(name);
      if (this.aliases.has(name)) {
        throw new RingvecError(
          'already_exists',
          `Can't create collection with name ${name}. Alias with the same name already exists`,
        );
      }
      const config = buildCollectionConfig(request, this.settings);
      const dir = join(this.collectionsDir, name);
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
      const collection = Collection.create(name, dir, config, this.collectionOptions);
      this.collections.set(name, collection);
      this.log.info({ collection: name }, 'created collection');
      return collection;
    });
  }

  /** Deletes a collection; false when it did not exist (as Qdrant answers). */
  async delete(name: string): Promise<boolean> {
    return this.withMetaLock(async () => {
      const collection = this.collections.get(name);
      if (!collection) return false;
      this.collections.delete(name);
      this.removeAliasesOf(name);
      await collection
        .close()
        .catch((error: unknown) =>
          this.log.warn({ err: error, collection: name }, 'flush before delete failed'),
        );
      const trash = join(this.storagePath, '.deleted');
      mkdirSync(trash, { recursive: true });
      const moved = join(trash, `${name}-${randomUUID()}`);
      renameSync(collection.dir, moved);
      await rm(moved, { recursive: true, force: true });
      this.log.info({ collection: name }, 'deleted collection');
      return true;
    });
  }

  // ---------------------------------------------------------------- snapshot recovery

  /**
   * Opens the collection folder `dir` with the engine's options (WAL replay included) and closes
   * it again: a recovered folder must load before it replaces anything. Returns its config.
   */
  async checkCollectionDir(name: string, dir: string): Promise<CollectionConfig> {
    // Not registered anywhere: search threads need not hear of its segments, and it is closed
    // again before an optimizer could do anything useful with it.
    const { onSegmentsChanged: _unused, ...options } = this.collectionOptions;
    const collection = Collection.open(name, dir, { ...options, optimizer: null });
    const config = collection.collectionConfig;
    await collection.close();
    return config;
  }

  /**
   * Makes the validated collection folder `preparedDir` (on the storage filesystem) the collection
   * `name`, creating it when there is none. The old collection keeps serving until this call; it
   * is then closed and swapped out by two renames, and put back if the new one does not open. A
   * crash between the renames is repaired at start-up (cleanSnapshotLeftovers). Aliases stay.
   */
  async replaceCollection(name: string, preparedDir: string): Promise<Collection> {
    validateCollectionName(name);
    return this.withMetaLock(async () => {
      if (!this.collections.has(name) && this.aliases.has(name)) {
        throw new RingvecError(
          'already_exists',
          `Can't create collection with name ${name}. Alias with the same name already exists`,
        );
      }
      const dir = join(this.collectionsDir, name);
      const old = this.collections.get(name);
      if (old) {
        await old
          .close()
          .catch((error: unknown) =>
            this.log.warn({ err: error, collection: name }, 'flush before replace failed'),
          );
      }
      const parked = replacedCollectionPath(this.storagePath, randomUUID(), name);
      const hadDir = existsSync(dir);
      let swapped = false;
      let collection: Collection;
      try {
        mkdirSync(dirname(parked), { recursive: true });
        if (hadDir) renameSync(dir, parked);
        renameSync(preparedDir, dir);
        swapped = true;
        fsyncDirectorySync(this.collectionsDir);
        collection = Collection.open(name, dir, this.collectionOptions);
      } catch (error) {
        if (swapped) rmSync(dir, { recursive: true, force: true });
        if (hadDir && existsSync(parked)) renameSync(parked, dir);
        if (old) this.collections.set(name, Collection.open(name, dir, this.collectionOptions));
        throw error;
      }
      this.collections.set(name, collection);
      this.log.info({ collection: name, points: collection.pointsCount }, 'replaced collection');
      if (hadDir) {
        await rm(parked, { recursive: true, force: true }).catch((error: unknown) =>
          this.log.warn({ err: error, path: parked }, 'could not remove a replaced collection'),
        );
      }
      return collection;
    });
  }

  // ---------------------------------------------------------------- aliases

  private removeAliasesOf(collection: string): void {
    let changed = false;
    for (const [alias, target] of this.aliases) {
      if (target === collection) {
        this.aliases.delete(alias);
        changed = true;
      }
    }
    if (changed) this.saveAliases();
  }

  private saveAliases(): void {
    writeFileAtomicSync(
      this.aliasesPath,
      JSON.stringify(Object.fromEntries(this.aliases), null, 2),
    );
  }

  /** Applies alias actions in order, all or nothing. */
  async updateAliases(actions: AliasAction[]): Promise<boolean> {
    return this.withMetaLock(async () => {
      const next = new Map(this.aliases);
      for (const action of actions) {
        if ('create_alias' in action) {
          const { collection_name: collection, alias_name: alias } = action.create_alias;
          validateCollectionName(alias, 'alias name');
          if (!this.collections.has(collection)) throw errors.collectionNotFound(collection);
          if (this.collections.has(alias)) throw errors.collectionExists(alias);
          next.set(alias, collection);
        } else if ('delete_alias' in action) {
          const alias = action.delete_alias.alias_name;
          if (!next.delete(alias)) throw errors.aliasNotFound(alias);
        } else {
          const { old_alias_name: from, new_alias_name: to } = action.rename_alias;
          validateCollectionName(to, 'alias name');
          const target = next.get(from);
          if (target === undefined) throw errors.aliasNotFound(from);
          next.delete(from);
          next.set(to, target);
        }
      }
      this.aliases = next;
      this.saveAliases();
      return true;
    });
  }

  listAliases(): { alias_name: string; collection_name: string }[] {
    return [...this.aliases]
      .map(([alias, target]) => ({ alias_name: alias, collection_name: target }))
      .sort((a, b) => (a.alias_name < b.alias_name ? -1 : 1));
  }

  collectionAliases(name: string): { alias_name: string; collection_name: string }[] {
    this.get(name);
    return this.listAliases().filter((a) => a.collection_name === name);
  }

  /** Flushes every collection (graceful shutdown). */
  async close(): Promise<void> {
    await Promise.all([...this.collections.values()].map((c) => c.close()));
    this.collections.clear();
    await this.collectionOptions.optimizer?.close();
    await this.collectionOptions.executor.close();
  }

  async flushAll(): Promise<void> {
    await Promise.all([...this.collections.values()].map((c) => c.flush()));
  }
}
