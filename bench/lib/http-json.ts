// A small JSON client over node:http with keep-alive sockets: much less per-request CPU than
// fetch, which matters when the load generator shares two cores with the server it measures.

import { Agent, request } from 'node:http';

export interface HttpResponse {
  readonly status: number;
  readonly text: string;
}

export class HttpRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly text: string,
  ) {
    super(message);
  }
}

/** Qdrant's error message from an error envelope, else the start of the body. */
export function qdrantErrorMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { status?: { error?: unknown } };
    if (typeof body.status?.error === 'string') return body.status.error;
  } catch {
    // not JSON
  }
  return text.slice(0, 300);
}

export class HttpJson {
  private readonly agent: Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(
    readonly baseUrl: string,
    maxSockets = 16,
  ) {
    const url = new URL(baseUrl);
    this.host = url.hostname;
    this.port = Number(url.port || 80);
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  /** One request; `body` is sent as is when a string, else JSON-encoded. Never throws on status. */
  request(
    method: string,
    path: string,
    body?: unknown,
    timeoutMs = 600_000,
  ): Promise<HttpResponse> {
    const payload =
      body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: this.host,
          port: this.port,
          method,
          path,
          agent: this.agent,
          headers:
            payload === undefined
              ? {}
              : {
                  'content-type': 'application/json',
                  'content-length': Buffer.byteLength(payload),
                },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.setTimeout(timeoutMs, () =>
        req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs / 1000} s`)),
      );
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /** A request that must succeed: returns Qdrant's `result`, throws with the server's message. */
  async ok<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    timeoutMs?: number,
  ): Promise<T> {
    const response = await this.request(method, path, body, timeoutMs);
    if (response.status < 200 || response.status >= 300) {
      throw new HttpRequestError(
        `${method} ${path} → ${response.status}: ${qdrantErrorMessage(response.text)}`,
        response.status,
        response.text,
      );
    }
    const parsed = JSON.parse(response.text) as { result?: T };
    return parsed.result as T;
  }

  close(): void {
    this.agent.destroy();
  }
}
