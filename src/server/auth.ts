// API keys, as Qdrant checks them: `service.api_key` grants everything, `service.read_only_api_key`
// grants reads. Either may be sent in the `api-key` header or as `Authorization: Bearer <key>`.
// `/`, `/healthz`, `/livez` and `/readyz` stay open. Keys are compared in constant time (over
// their SHA-256, so lengths do not leak either) and never logged.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { RingvecError } from '../common/errors.js';
import type { ServiceSettings } from '../common/settings.js';

/** What a route needs: `read` (the read-only key suffices), `write`, or `open` (no key). */
export type Access = 'open' | 'read' | 'write';

const OPEN_PATHS = new Set(['/', '/healthz', '/livez', '/readyz']);

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function sameKey(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

function presentedKey(request: FastifyRequest): string | null {
  const header = request.headers['api-key'];
  if (typeof header === 'string' && header.length > 0) return header;
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (match) return match[1]!;
  }
  return null;
}

export function checkApiKey(
  service: ServiceSettings,
  request: FastifyRequest,
  access: Access,
): void {
  const { api_key: fullKey, read_only_api_key: readKey } = service;
  if (fullKey === null && readKey === null) return;
  const path = request.url.split('?')[0] ?? '';
  if (access === 'open' || OPEN_PATHS.has(path)) return;
  const key = presentedKey(request);
  if (key === null) {
    throw new RingvecError(
      'unauthorized',
      'Must provide an API key or an Authorization bearer token',
    );
  }
  const isFull = fullKey !== null && sameKey(key, fullKey);
  const isRead = !isFull && readKey !== null && sameKey(key, readKey);
  if (!isFull && !isRead) throw new RingvecError('unauthorized', 'Invalid API key or JWT');
  if (isRead && access === 'write') {
    const collection = (request.params as Record<string, string> | undefined)?.collection_name;
    throw new RingvecError(
      'forbidden',
      collection === undefined
        ? 'Global manage access is required'
        : `Write access to collection ${collection} is required`,
    );
  }
}
