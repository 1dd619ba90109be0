// Snapshot endpoints: collection snapshots (create, list, download, delete, recover, upload) and
// full-storage snapshots. Downloads stream the file; uploads are multipart and streamed to disk,
// with @fastify/multipart registered only in the upload route's own plugin scope (the API key is
// checked before any of the body is read).

import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  ACCEPTED,
  UPLOAD_FIELD,
  createFullSnapshot,
  createSnapshot,
  deleteFullSnapshot,
  deleteSnapshot,
  downloadFullSnapshot,
  downloadSnapshot,
  listFullSnapshots,
  listSnapshots,
  missingUpload,
  receiveUpload,
  recoverSnapshot,
  recoverUploadedSnapshot,
  type Accepted,
  type SnapshotDownload,
} from '../../api/snapshots-api.js';
import {
  parseCollectionName,
  parseSnapshotParams,
  parseSnapshotRecover,
  parseSnapshotUploadParams,
} from '../../api/schemas/index.js';
import { SnapshotManager } from '../../engine/snapshot-manager.js';
import { RawResponse, elapsedSeconds, route } from '../http-server.js';
import type { ServerState } from '../server-state.js';

/** Qdrant's answer to `wait=false`: 202 with status "accepted" and no result. */
function accepted(request: FastifyRequest): RawResponse {
  return new RawResponse(
    JSON.stringify({ result: null, status: 'accepted', time: elapsedSeconds(request) }),
    'application/json',
    202,
  );
}

function resultOrAccepted<T>(request: FastifyRequest, result: T | Accepted): T | RawResponse {
  return result === ACCEPTED ? accepted(request) : (result as T);
}

/** A snapshot file as actix-files serves it: octet-stream, attachment, known length. */
function fileResponse(download: SnapshotDownload): RawResponse {
  return new RawResponse(download.stream, 'application/octet-stream', 200, {
    'content-length': String(download.sizeBytes),
    'content-disposition': `attachment; filename="${download.fileName.replaceAll('"', '\\"')}"`,
  });
}

export function registerSnapshotRoutes(app: FastifyInstance, state: ServerState): void {
  const snapshots = new SnapshotManager(state.engine, state.settings.storage);
  const name = (params: Record<string, string>, strict = false) =>
    parseCollectionName(params.collection_name ?? '', { strict });
  const snapshotName = (params: Record<string, string>) => params.snapshot_name ?? '';

  route(app, 'GET', '/collections/:collection_name/snapshots', 'read', ({ params }) =>
    listSnapshots(snapshots, name(params)),
  );

  route(
    app,
    'POST',
    '/collections/:collection_name/snapshots',
    'write',
    async ({ request, params, query }) =>
      resultOrAccepted(
        request,
        await createSnapshot(snapshots, name(params), parseSnapshotParams(query)),
      ),
  );

  route(
    app,
    'GET',
    '/collections/:collection_name/snapshots/:snapshot_name',
    'read',
    async ({ params }) =>
      fileResponse(await downloadSnapshot(snapshots, name(params), snapshotName(params))),
  );

  route(
    app,
    'DELETE',
    '/collections/:collection_name/snapshots/:snapshot_name',
    'write',
    async ({ request, params, query }) =>
      resultOrAccepted(
        request,
        await deleteSnapshot(
          snapshots,
          name(params),
          snapshotName(params),
          parseSnapshotParams(query),
        ),
      ),
  );

  route(
    app,
    'PUT',
    '/collections/:collection_name/snapshots/recover',
    'write',
    async ({ request, params, query, body }) => {
      // Qdrant's extractor order: path, JSON body, query string.
      const collection = name(params);
      const recover = parseSnapshotRecover(body);
      const wait = parseSnapshotParams(query);
      return resultOrAccepted(request, await recoverSnapshot(snapshots, collection, recover, wait));
    },
  );

  // Multipart parsing lives in this scope only; every other route keeps the JSON body parser.
  void app.register(async (scope) => {
    await scope.register(multipart, {
      limits: { fileSize: Number.MAX_SAFE_INTEGER, fieldSize: 64 * 1024, parts: 16 },
    });
    route(
      scope,
      'POST',
      '/collections/:collection_name/snapshots/upload',
      'write',
      async ({ request, params, query }) => {
        const collection = name(params, true);
        const uploadParams = parseSnapshotUploadParams(query);
        let upload = null;
        let failure: unknown = null;
        for await (const part of request.parts()) {
          if (part.type !== 'file') continue;
          if (part.fieldname !== UPLOAD_FIELD || upload !== null || failure !== null) {
            part.file.resume();
            continue;
          }
          // Chunks through an iterator without return(): a consumer that stops early (a full
          // disk) must not destroy the stream, because the rest of the upload is read (and
          // dropped) below; an unread body would keep the connection busy until its keep-alive
          // timeout, and the client might see a reset instead of the error.
          const chunks = part.file[Symbol.asyncIterator]();
          try {
            upload = await receiveUpload(
              snapshots,
              { [Symbol.asyncIterator]: () => ({ next: () => chunks.next() }) },
              part.filename,
            );
          } catch (error) {
            failure = error;
            while ((await chunks.next()).done !== true);
          }
        }
        if (failure !== null) throw failure;
        if (upload === null) throw missingUpload();
        return resultOrAccepted(
          request,
          await recoverUploadedSnapshot(snapshots, collection, upload, uploadParams),
        );
      },
    );
  });

  route(app, 'GET', '/snapshots', 'read', () => listFullSnapshots(snapshots));

  route(app, 'POST', '/snapshots', 'write', async ({ request, query }) =>
    resultOrAccepted(request, await createFullSnapshot(snapshots, parseSnapshotParams(query))),
  );

  route(app, 'GET', '/snapshots/:snapshot_name', 'read', async ({ params }) =>
    fileResponse(await downloadFullSnapshot(snapshots, snapshotName(params))),
  );

  route(app, 'DELETE', '/snapshots/:snapshot_name', 'write', async ({ request, params, query }) =>
    resultOrAccepted(
      request,
      await deleteFullSnapshot(snapshots, snapshotName(params), parseSnapshotParams(query)),
    ),
  );
}
