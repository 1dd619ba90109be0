// The HTTP edge: fastify with Qdrant's conventions. Bodies are parsed with the bigint-safe JSON
// parser, responses are written in Qdrant's envelope, errors of every kind (ours, fastify's,
// unknown routes, oversize bodies) are mapped once, API keys are checked before routing, and
// every request is counted and timed for /metrics. Routes live in routes/*.ts and only
// validate, call one transport-free function and return its result.

import cors from '@fastify/cors';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { RingvecError } from '../common/errors.js';
import { parseJson, stringifyJson } from '../common/json.js';
import { logger } from '../common/logger.js';
import type { ServiceSettings } from '../common/settings.js';
import { mapError, okEnvelope } from '../api/envelope.js';
import { checkApiKey, type Access } from './auth.js';
import type { HttpMetrics } from './http-metrics.js';

declare module 'fastify' {
  interface FastifyRequest {
    startedAt: bigint;
  }
  interface FastifyContextConfig {
    access?: Access;
  }
}

export interface RouteContext {
  request: FastifyRequest;
  reply: FastifyReply;
  params: Record<string, string>;
  query: Record<string, string | undefined>;
  body: unknown;
}

/** What a handler returns: the `result` of the envelope, or a raw response. */
export type RouteHandler = (context: RouteContext) => Promise<unknown> | unknown;

export class RawResponse {
  constructor(
    readonly body: string | Buffer | NodeJS.ReadableStream,
    readonly contentType: string,
    readonly status = 200,
    readonly headers: Record<string, string> = {},
  ) {}
}

/** The handler answered by writing the reply itself (streams, files). */
export const HANDLED = Symbol('handled');

export function elapsedSeconds(request: FastifyRequest): number {
  return Number(process.hrtime.bigint() - request.startedAt) / 1e9;
}

export function sendEnvelope(reply: FastifyReply, request: FastifyRequest, result: unknown): void {
  reply
    .code(200)
    .header('content-type', 'application/json')
    .send(stringifyJson(okEnvelope(result, elapsedSeconds(request))));
}

export interface HttpServerOptions {
  service: ServiceSettings;
  metrics: HttpMetrics;
}

export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  const log = logger('http');
  const bodyLimit = options.service.max_request_size_mb * 1024 * 1024;
  const app = Fastify({
    bodyLimit,
    logger: false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1024 },
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });

  if (options.service.enable_cors) {
    void app.register(cors, {
      origin: true,
      methods: ['GET', 'HEAD', 'PUT', 'POST', 'PATCH', 'DELETE'],
    });
  }

  app.decorateRequest('startedAt', 0n);
  app.addHook('onRequest', async (request) => {
    request.startedAt = process.hrtime.bigint();
  });

  // Authentication runs for every route, before the body is parsed.
  app.addHook('preValidation', async (request) => {
    const access = request.routeOptions.config.access ?? 'write';
    checkApiKey(options.service, request, access);
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unknown';
    options.metrics.observe(request.method, route, reply.statusCode, elapsedSeconds(request));
  });

  // JSON (and any other content type) is read as text and parsed exactly; an empty body is
  // "no body", which routes treat as their defaults.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim().length === 0) {
      done(null, undefined);
      return;
    }
    try {
      done(null, parseJson(text));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  app.setNotFoundHandler((request, reply) => {
    const mapped = mapError(
      new RingvecError(
        'not_found',
        `no such endpoint: ${request.method} ${request.url.split('?')[0]}`,
      ),
      elapsedSeconds(request),
    );
    reply
      .code(mapped.httpStatus)
      .header('content-type', 'application/json')
      .send(stringifyJson(mapped.body));
  });

  app.setErrorHandler((error, request, reply) => {
    let mapped;
    const fastifyError = error as { code?: string; statusCode?: number; message: string };
    if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const length = request.headers['content-length'] ?? 'more than the limit';
      mapped = mapError(
        new RingvecError(
          'payload_too_large',
          `JSON payload (${length} bytes) is larger than allowed (limit: ${bodyLimit} bytes).`,
        ),
        elapsedSeconds(request),
      );
    } else if (error instanceof RingvecError) {
      mapped = mapError(error, elapsedSeconds(request));
    } else if (fastifyError.statusCode !== undefined && fastifyError.statusCode < 500) {
      mapped = mapError(
        new RingvecError('bad_request', fastifyError.message),
        elapsedSeconds(request),
      );
      mapped.httpStatus = fastifyError.statusCode;
    } else {
      mapped = mapError(error, elapsedSeconds(request));
    }
    if (mapped.isServiceError) {
      log.error({ err: error, method: request.method, url: request.url }, 'request failed');
    }
    reply
      .code(mapped.httpStatus)
      .header('content-type', 'application/json')
      .send(stringifyJson(mapped.body));
  });

  return app;
}

/** Registers a route whose handler returns the envelope's `result` (or a RawResponse). */
export function route(
  app: FastifyInstance,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  access: Access,
  handler: RouteHandler,
): void {
  app.route({
    method,
    url,
    config: { access },
    handler: async (request, reply) => {
      const result = await handler({
        request,
        reply,
        params: request.params as Record<string, string>,
        query: request.query as Record<string, string | undefined>,
        body: request.body,
      });
      if (result === HANDLED) return reply;
      if (result instanceof RawResponse) {
        reply.code(result.status).header('content-type', result.contentType);
        for (const [name, value] of Object.entries(result.headers)) reply.header(name, value);
        return reply.send(result.body);
      }
      sendEnvelope(reply, request, result);
      return reply;
    },
  });
}
