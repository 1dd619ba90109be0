// Opens the `location` of a snapshot recovery as a stream of bytes, as Qdrant accepts it
// (lib/storage/src/content_manager/snapshots/download.rs): `file://` URLs only for files inside
// snapshots_path (symbolic links resolved first), `http(s)://` URLs downloaded as a stream (never
// buffered whole; extraction consumes it as it arrives) with an inactivity timeout.

import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { sep } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { fileURLToPath } from 'node:url';
import { snapshotErrors } from './snapshot-errors.js';

/** Qdrant's STREAM_READ_TIMEOUT: a download that sends nothing for this long fails. */
const DOWNLOAD_IDLE_TIMEOUT_MS = 60_000;

export interface SnapshotInput {
  /** The archive's bytes; iterate once. Breaking off the iteration releases the source. */
  stream: AsyncIterable<Uint8Array>;
  /** For messages and logs: the file path or URL. */
  description: string;
  /** The local file, when the location is one (uploads are kept next to it). */
  localPath: string | null;
}

export interface LocationOptions {
  /** snapshots_path; `file://` locations must be inside it. */
  snapshotsRoot: string;
  /** Sent as `api-key` to a remote Qdrant or ringvec. */
  apiKey?: string | undefined;
  idleTimeoutMs?: number;
}

/** A local archive file as a byte stream. */
export function fileInput(path: string): SnapshotInput {
  return { stream: createReadStream(path), description: path, localPath: path };
}

export async function openSnapshotLocation(
  location: string,
  options: LocationOptions,
): Promise<SnapshotInput> {
  const url = new URL(location);
  switch (url.protocol) {
    case 'file:':
      return openFileUrl(url, options.snapshotsRoot);
    case 'http:':
    case 'https:':
      return openHttpUrl(url, options.apiKey, options.idleTimeoutMs ?? DOWNLOAD_IDLE_TIMEOUT_MS);
    default:
      throw snapshotErrors.unsupportedScheme(location, url.protocol.slice(0, -1));
  }
}

async function openFileUrl(url: URL, snapshotsRoot: string): Promise<SnapshotInput> {
  let path: string;
  try {
    path = fileURLToPath(url);
  } catch {
    throw snapshotErrors.fileUrlHost();
  }
  const real = await realpath(path).catch(() => null);
  if (real === null) throw snapshotErrors.fileMissing(path);
  const root = await realpath(snapshotsRoot).catch(() => snapshotsRoot);
  if (!real.startsWith(root + sep)) throw snapshotErrors.fileOutside(root);
  const info = await stat(real);
  if (!info.isFile()) throw snapshotErrors.fileMissing(path);
  return fileInput(real);
}

async function openHttpUrl(
  url: URL,
  apiKey: string | undefined,
  idleTimeoutMs: number,
): Promise<SnapshotInput> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | null = null;
  const arm = () => {
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(
      () =>
        controller.abort(
          new Error(`no data received for ${Math.round(idleTimeoutMs / 1000)} seconds`),
        ),
      idleTimeoutMs,
    );
    timer.unref();
  };
  const disarm = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };
  const href = url.href;
  arm();
  let response: Response;
  try {
    response = await fetch(href, {
      headers: apiKey === undefined ? {} : { 'api-key': apiKey },
      signal: controller.signal,
      redirect: 'follow',
    });
  } catch (error) {
    disarm();
    throw snapshotErrors.downloadFailed(href, describeFetchError(error, controller.signal));
  }
  if (!response.ok || response.body === null) {
    disarm();
    await response.body?.cancel().catch(() => undefined);
    throw snapshotErrors.downloadStatus(href, `${response.status} ${response.statusText}`.trim());
  }
  const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
  async function* stream(): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of body) {
        arm();
        yield chunk as Uint8Array;
      }
    } catch (error) {
      throw snapshotErrors.downloadFailed(href, describeFetchError(error, controller.signal));
    } finally {
      disarm();
      body.destroy();
    }
  }
  return { stream: stream(), description: href, localPath: null };
}

function describeFetchError(error: unknown, signal: AbortSignal): string {
  if (signal.aborted && signal.reason instanceof Error) return signal.reason.message;
  // undici reports "fetch failed" and puts the reason (ECONNREFUSED, a DNS error…) in `cause`.
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code !== undefined)
    return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  if (cause?.message !== undefined) return cause.message;
  return error instanceof Error ? error.message : String(error);
}
