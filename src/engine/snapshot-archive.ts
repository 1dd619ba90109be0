// The snapshot archive: a plain POSIX tar (docs/snapshot-format.md) written entry by entry from
// files that may still be growing (only the first `size` bytes of each are copied), and read back
// with strict checks before anything of it is used. Layout of a collection snapshot:
//
//   ringvec-snapshot.json     header (first): format, versions, kind, collection, time, file list
//   collection.json           the collection manifest the copy is consistent with
//   segments/…, wal/…         the files it names, byte-exact prefixes
//   ringvec-snapshot.sha256   trailer (last): sha256 of every listed file, `sha256sum -c` format
//
// The header's file list and the trailer's digests let extraction tell a truncated or damaged
// archive from a good one; tar itself checksums only its headers. Extraction accepts regular
// files and directories only, at relative paths that stay inside the target folder.

import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { Header, Parser, Pax, type ReadEntry } from 'tar';
import { RingvecError } from '../common/errors.js';
import { snapshotErrors } from './snapshot-errors.js';

export const HEADER_ENTRY = 'ringvec-snapshot.json';
export const TRAILER_ENTRY = 'ringvec-snapshot.sha256';
export const SNAPSHOT_FORMAT = 'ringvec-snapshot';
export const SNAPSHOT_FORMAT_VERSION = 1;

const BLOCK_BYTES = 512;
const COPY_CHUNK_BYTES = 1 << 20;
/** Header and trailer are read into memory; no honest one comes near this. */
const MAX_META_ENTRY_BYTES = 64 << 20;

export type SnapshotKind = 'collection' | 'full';

export interface SnapshotHeader {
  format: typeof SNAPSHOT_FORMAT;
  format_version: number;
  kind: SnapshotKind;
  ringvec_version: string;
  qdrant_api_version: string;
  /** The collection a collection snapshot was taken of (null for full snapshots). */
  collection: string | null;
  /** RFC 3339, UTC. */
  created_at: string;
  /** Every file entry between header and trailer, in archive order. */
  files: { name: string; size: number }[];
}

export type ArchiveEntry =
  | { kind: 'directory'; name: string }
  | { kind: 'data'; name: string; data: Buffer }
  /** The first `size` bytes of the file at `path` (which may be longer by now). */
  | { kind: 'file'; name: string; path: string; size: number };

export interface WrittenArchive {
  sha256: string;
  sizeBytes: number;
}

/** One tar header for `name` (with a pax header before it when ustar cannot hold the name). */
function tarHeader(name: string, size: number, type: 'File' | 'Directory', mtime: Date): Buffer {
  const fields = {
    path: name,
    mode: type === 'Directory' ? 0o755 : 0o644,
    uid: 0,
    gid: 0,
    uname: '',
    gname: '',
    size,
    mtime,
    type,
  };
  const header = new Header(fields);
  const needPax = header.encode();
  if (!needPax) return header.block!;
  return Buffer.concat([new Pax(fields).encode(), header.block!]);
}

function padding(size: number): Buffer {
  const rest = size % BLOCK_BYTES;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK_BYTES - rest);
}

/** Writes all of `data` at the file's current position. */
async function writeAll(handle: FileHandle, data: Uint8Array): Promise<void> {
  let done = 0;
  while (done < data.byteLength) {
    const { bytesWritten } = await handle.write(data, done, data.byteLength - done);
    done += bytesWritten;
  }
}

/**
 * Writes a snapshot archive to `path` (created exclusively) and fsyncs it. On any failure the
 * partial file is removed and the error rethrown (file-system errors as they are, so the caller
 * can tell a full disk).
 */
export async function writeSnapshotArchive(
  path: string,
  header: Omit<SnapshotHeader, 'files' | 'format' | 'format_version'>,
  entries: ArchiveEntry[],
): Promise<WrittenArchive> {
  const mtime = new Date(header.created_at);
  const out = await open(path, 'wx', 0o644);
  const archiveHash = createHash('sha256');
  let sizeBytes = 0;
  const emit = async (data: Uint8Array) => {
    archiveHash.update(data);
    sizeBytes += data.byteLength;
    await writeAll(out, data);
  };
  const digests: string[] = [];
  const emitData = async (name: string, data: Buffer, digest: boolean) => {
    await emit(tarHeader(name, data.byteLength, 'File', mtime));
    await emit(data);
    await emit(padding(data.byteLength));
    if (digest) digests.push(`${createHash('sha256').update(data).digest('hex')}  ${name}`);
  };
  try {
    const full: SnapshotHeader = {
      format: SNAPSHOT_FORMAT,
      format_version: SNAPSHOT_FORMAT_VERSION,
      ...header,
      files: entries.flatMap((e) =>
        e.kind === 'directory'
          ? []
          : [{ name: e.name, size: e.kind === 'data' ? e.data.byteLength : e.size }],
      ),
    };
    await emitData(HEADER_ENTRY, Buffer.from(JSON.stringify(full, null, 2) + '\n'), false);
    const chunk = Buffer.allocUnsafe(COPY_CHUNK_BYTES);
    for (const entry of entries) {
      if (entry.kind === 'directory') {
        await emit(tarHeader(`${entry.name}/`, 0, 'Directory', mtime));
      } else if (entry.kind === 'data') {
        await emitData(entry.name, entry.data, true);
      } else {
        await emit(tarHeader(entry.name, entry.size, 'File', mtime));
        const fileHash = createHash('sha256');
        const source = await open(entry.path, 'r');
        try {
          let position = 0;
          while (position < entry.size) {
            const want = Math.min(COPY_CHUNK_BYTES, entry.size - position);
            const { bytesRead } = await source.read(chunk, 0, want, position);
            if (bytesRead === 0) {
              throw new RingvecError(
                'service',
                `snapshot source ${entry.path} ended at ${position} bytes, expected ${entry.size}`,
              );
            }
            const piece = chunk.subarray(0, bytesRead);
            fileHash.update(piece);
            await emit(piece);
            position += bytesRead;
          }
        } finally {
          await source.close();
        }
        await emit(padding(entry.size));
        digests.push(`${fileHash.digest('hex')}  ${entry.name}`);
      }
    }
    await emitData(TRAILER_ENTRY, Buffer.from(digests.join('\n') + '\n'), false);
    // End of archive: two zero blocks.
    await emit(Buffer.alloc(2 * BLOCK_BYTES));
    await out.sync();
    await out.close();
  } catch (error) {
    await out.close().catch(() => undefined);
    await rm(path, { force: true });
    throw error;
  }
  return { sha256: archiveHash.digest('hex'), sizeBytes };
}

export interface ExtractedArchive {
  header: SnapshotHeader;
  /** sha256 of every byte read from the input (the archive file's checksum). */
  sha256: string;
  sizeBytes: number;
}

/**
 * Normalises an archive path ("./a//b/" → "a/b") or explains why it is not acceptable: absolute
 * paths, `..`, backslashes, NUL and empty names are refused.
 */
export function safeEntryPath(raw: string): { path: string } | { problem: string } {
  if (raw.includes('\0')) return { problem: 'contains a NUL byte' };
  if (raw.includes('\\')) return { problem: 'contains a backslash' };
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw)) return { problem: 'is an absolute path' };
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) return { problem: 'leads outside the target folder (..)' };
  if (parts.length === 0) return { problem: 'is empty' };
  return { path: parts.join('/') };
}

const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);

function parseHeader(text: string): SnapshotHeader {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw snapshotErrors.invalidArchive(
      `${HEADER_ENTRY} is not JSON (${(error as Error).message})`,
    );
  }
  const header = value as Partial<SnapshotHeader> | null;
  if (header === null || typeof header !== 'object' || header.format !== SNAPSHOT_FORMAT) {
    throw snapshotErrors.invalidArchive(`${HEADER_ENTRY} is not a ringvec snapshot header`);
  }
  if (
    typeof header.format_version !== 'number' ||
    header.format_version > SNAPSHOT_FORMAT_VERSION
  ) {
    throw snapshotErrors.invalidArchive(
      `snapshot format version ${String(header.format_version)} is newer than this ringvec reads (${SNAPSHOT_FORMAT_VERSION})`,
    );
  }
  if (
    (header.kind !== 'collection' && header.kind !== 'full') ||
    !Array.isArray(header.files) ||
    !header.files.every(
      (f) => typeof f?.name === 'string' && Number.isSafeInteger(f.size) && f.size >= 0,
    )
  ) {
    throw snapshotErrors.invalidArchive(`${HEADER_ENTRY} has no valid kind and file list`);
  }
  return header as SnapshotHeader;
}

/** Reads `a  name` lines of a sha256sum file. */
function parseTrailer(text: string): Map<string, string> {
  const digests = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const match = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    if (!match) throw snapshotErrors.invalidArchive(`${TRAILER_ENTRY} has a malformed line`);
    digests.set(match[2]!, match[1]!);
  }
  return digests;
}

/**
 * Extracts a snapshot archive read from `input` into `targetDir` (created; must not exist) and
 * verifies it completely: header first, only listed files with their listed sizes, trailer last,
 * every digest right. Header and trailer stay in memory, not in `targetDir`. Problems with the
 * archive throw a 400 RingvecError; file-system errors are rethrown as they are. The caller removes
 * `targetDir` on failure.
 */
export async function extractSnapshotArchive(
  input: AsyncIterable<Uint8Array>,
  targetDir: string,
  expectedKind: SnapshotKind,
): Promise<ExtractedArchive> {
  mkdirSync(targetDir);
  const parser = new Parser({ strict: true });
  const inputHash = createHash('sha256');
  let inputBytes = 0;
  let failure: unknown = null;
  let notifyFailure: () => void = () => undefined;
  const failed = new Promise<void>((resolve) => (notifyFailure = resolve));
  const fail = (error: unknown) => {
    if (failure !== null) return;
    failure = error;
    notifyFailure();
  };

  let entryIndex = 0;
  let headerText: string | null = null;
  let trailerText: string | null = null;
  let trailerIndex = -1;
  const seen = new Set<string>();
  const written = new Map<string, { size: number; sha256: string }>();
  const tasks: Promise<void>[] = [];

  const readSmall = (entry: ReadEntry, done: (text: string) => void) => {
    if (entry.size > MAX_META_ENTRY_BYTES) {
      fail(snapshotErrors.invalidArchive(`${entry.path} is too large`));
      entry.resume();
      return;
    }
    const chunks: Buffer[] = [];
    entry.on('data', (chunk: Buffer) => chunks.push(chunk));
    entry.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
  };

  const writeFile = async (entry: ReadEntry, path: string, dest: string) => {
    const hash = createHash('sha256');
    let size = 0;
    const handle = await open(dest, 'wx', 0o644);
    try {
      // Each read races the failure signal: after a failure elsewhere this entry never ends.
      const chunks = entry[Symbol.asyncIterator]();
      for (;;) {
        const step = await Promise.race([chunks.next(), failed.then(() => null)]);
        if (step === null) return;
        if (step.done === true) break;
        const chunk: Buffer = step.value;
        hash.update(chunk);
        size += chunk.byteLength;
        await writeAll(handle, chunk);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    written.set(path, { size, sha256: hash.digest('hex') });
  };

  parser.on('entry', (entry: ReadEntry) => {
    const index = entryIndex++;
    try {
      if (failure !== null) {
        entry.resume();
        return;
      }
      const checked = safeEntryPath(entry.path);
      if ('problem' in checked) {
        throw snapshotErrors.invalidArchive(
          `entry ${JSON.stringify(entry.path)} ${checked.problem}`,
        );
      }
      const path = checked.path;
      const isFile = FILE_TYPES.has(entry.type);
      if (!isFile && entry.type !== 'Directory') {
        throw snapshotErrors.invalidArchive(
          `entry ${JSON.stringify(entry.path)} is a ${entry.type}; only regular files and directories are allowed`,
        );
      }
      if (index === 0 && !(isFile && path === HEADER_ENTRY)) {
        throw snapshotErrors.invalidArchive(
          `not a ringvec snapshot: it starts with ${JSON.stringify(entry.path)}, not ${HEADER_ENTRY}`,
        );
      }
      if (trailerIndex >= 0) {
        throw snapshotErrors.invalidArchive(
          `entry ${JSON.stringify(entry.path)} follows the trailer ${TRAILER_ENTRY}`,
        );
      }
      if (seen.has(path)) {
        throw snapshotErrors.invalidArchive(`entry ${JSON.stringify(path)} appears twice`);
      }
      seen.add(path);
      const dest = join(targetDir, ...path.split('/'));
      if (!dest.startsWith(targetDir + sep)) {
        throw snapshotErrors.invalidArchive(`entry ${JSON.stringify(entry.path)} leads outside`);
      }
      if (!isFile) {
        mkdirSync(dest, { recursive: true });
        entry.resume();
      } else if (path === HEADER_ENTRY) {
        readSmall(entry, (text) => (headerText = text));
      } else if (path === TRAILER_ENTRY) {
        trailerIndex = index;
        readSmall(entry, (text) => (trailerText = text));
      } else {
        mkdirSync(join(dest, '..'), { recursive: true });
        tasks.push(writeFile(entry, path, dest).catch(fail));
      }
    } catch (error) {
      fail(error);
      entry.resume();
    }
  });
  parser.on('error', (error: Error) =>
    fail(error instanceof RingvecError ? error : snapshotErrors.invalidArchive(error.message)),
  );
  const ended = new Promise<void>((resolve) => parser.once('end', () => resolve()));

  for await (const chunk of input) {
    inputHash.update(chunk);
    inputBytes += chunk.byteLength;
    if (failure !== null) break;
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    if (!parser.write(buffer)) {
      await Promise.race([new Promise((resolve) => parser.once('drain', resolve)), failed]);
    }
    if (failure !== null) break;
  }
  if (failure === null) {
    parser.end();
    await Promise.race([ended, failed]);
  }
  await Promise.all(tasks);
  if (failure !== null) throw failure;

  if (headerText === null) {
    throw snapshotErrors.invalidArchive(`not a ringvec snapshot: ${HEADER_ENTRY} is missing`);
  }
  const header = parseHeader(headerText);
  if (header.kind !== expectedKind) {
    throw snapshotErrors.invalidArchive(
      `it is a ${header.kind} snapshot, expected a ${expectedKind} snapshot`,
    );
  }
  if (trailerText === null) {
    throw snapshotErrors.invalidArchive(
      `the archive is truncated: its trailer ${TRAILER_ENTRY} is missing`,
    );
  }
  const digests = parseTrailer(trailerText);
  const listed = new Set<string>();
  for (const file of header.files) {
    listed.add(file.name);
    const got = written.get(file.name);
    if (got === undefined) {
      throw snapshotErrors.invalidArchive(
        `the archive is incomplete: ${JSON.stringify(file.name)} is missing`,
      );
    }
    if (got.size !== file.size) {
      throw snapshotErrors.invalidArchive(
        `${JSON.stringify(file.name)} has ${got.size} bytes, expected ${file.size}`,
      );
    }
    if (digests.get(file.name) !== got.sha256) {
      throw snapshotErrors.invalidArchive(
        `${JSON.stringify(file.name)} is damaged: its sha256 does not match the trailer`,
      );
    }
  }
  for (const name of written.keys()) {
    if (!listed.has(name)) {
      throw snapshotErrors.invalidArchive(
        `entry ${JSON.stringify(name)} is not listed in ${HEADER_ENTRY}`,
      );
    }
  }
  return { header, sha256: inputHash.digest('hex'), sizeBytes: inputBytes };
}
