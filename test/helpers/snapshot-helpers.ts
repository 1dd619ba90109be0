// Shared by the snapshot tests: deterministic points with payloads that let a reader check that a
// point's vector and payload belong together, paging through a whole collection, multipart
// uploads, a local HTTP server that serves a file, hand-made tar archives (for the path-traversal
// and entry-type cases), and tmpfs mounts for the disk-full cases.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Header } from 'tar';
import { http, type TestServer } from './test-server.js';

/** mulberry32. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface TestPoint {
  id: number;
  vector: number[];
  payload: { id: number; gen: number; sum: number; tag: string; nested: { even: boolean } };
}

/** f32-exact components, so what comes back compares equal to what went in. */
export function makePoint(id: number, gen: number, dim: number, random: () => number): TestPoint {
  const vector = Array.from({ length: dim }, () => Math.fround(random() * 2 - 1));
  return {
    id,
    vector,
    payload: {
      id,
      gen,
      sum: vectorSum(vector),
      tag: `t${id % 13}`,
      nested: { even: id % 2 === 0 },
    },
  };
}

/** The server prints f32 values in their shortest form; fround makes both sides comparable. */
export function f32(vector: number[]): number[] {
  return vector.map(Math.fround);
}

export function vectorSum(vector: number[]): number {
  return Math.round(f32(vector).reduce((a, b) => a + b, 0) * 1e4);
}

export async function createCollection(
  url: string,
  name: string,
  dim: number,
  extra: Record<string, unknown> = {},
  distance = 'Euclid',
): Promise<void> {
  // Euclid by default: Cosine stores normalised vectors, and tests compare with what they sent.
  const res = await http(url, 'PUT', `/collections/${name}`, {
    vectors: { size: dim, distance },
    ...extra,
  });
  assert.equal(res.status, 200, res.text);
}

export async function upsert(
  url: string,
  name: string,
  points: TestPoint[],
  wait = true,
): Promise<void> {
  const res = await http(url, 'PUT', `/collections/${name}/points?wait=${wait}`, { points });
  assert.equal(res.status, 200, res.text);
}

/** Creates `count` points (ids 1..count) in batches and returns them. */
export async function fill(
  url: string,
  name: string,
  count: number,
  dim: number,
  seed: number,
  batch = 5000,
): Promise<TestPoint[]> {
  const random = seeded(seed);
  const points = Array.from({ length: count }, (_, i) => makePoint(i + 1, 0, dim, random));
  for (let i = 0; i < points.length; i += batch) {
    await upsert(url, name, points.slice(i, i + batch));
  }
  return points;
}

export interface StoredPoint {
  id: number;
  vector: number[];
  payload: TestPoint['payload'];
}

/** Every point of a collection with vector and payload, by id. */
export async function scrollAll(url: string, name: string): Promise<StoredPoint[]> {
  const out: StoredPoint[] = [];
  let offset: unknown = null;
  for (;;) {
    const res = await http(url, 'POST', `/collections/${name}/points/scroll`, {
      limit: 10000,
      with_payload: true,
      with_vector: true,
      ...(offset === null ? {} : { offset }),
    });
    assert.equal(res.status, 200, res.text);
    const result = (res.body as { result: { points: StoredPoint[]; next_page_offset: unknown } })
      .result;
    out.push(...result.points);
    if (result.next_page_offset === null) return out;
    offset = result.next_page_offset;
  }
}

export async function pointsCount(url: string, name: string): Promise<number> {
  const res = await http(url, 'GET', `/collections/${name}`);
  assert.equal(res.status, 200, res.text);
  return (res.body as { result: { points_count: number } }).result.points_count;
}

export function snapshotsPath(server: TestServer): string {
  return server.server.state.settings.storage.snapshots_path;
}

export function errorOf(res: { body: unknown }): string {
  return (res.body as { status: { error: string } }).status.error;
}

export async function download(url: string, path: string): Promise<Buffer> {
  const res = await fetch(url + path);
  assert.equal(res.status, 200);
  return Buffer.from(await res.arrayBuffer());
}

/** POST …/snapshots/upload with the archive in the `snapshot` field. */
export async function uploadSnapshot(
  url: string,
  collection: string,
  archive: Buffer,
  fileName: string,
  query = '',
  field = 'snapshot',
): Promise<{ status: number; body: unknown; text: string }> {
  const form = new FormData();
  form.append(field, new Blob([archive]), fileName);
  const res = await fetch(`${url}/collections/${collection}/snapshots/upload${query}`, {
    method: 'POST',
    body: form,
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text };
}

/** A local HTTP server answering GET /<name> with `data`; remembers request headers. */
export async function serveFile(
  name: string,
  data: Buffer,
): Promise<{ url: string; requests: IncomingHttpHeaders[]; close(): Promise<void> }> {
  const requests: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    requests.push(req.headers);
    if (req.url !== `/${name}`) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('no such file');
      return;
    }
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': data.byteLength,
    });
    // In pieces, so the receiver really streams.
    let offset = 0;
    const next = () => {
      if (offset >= data.byteLength) {
        res.end();
        return;
      }
      const piece = data.subarray(offset, offset + 64 * 1024);
      offset += piece.byteLength;
      if (res.write(piece)) setImmediate(next);
      else res.once('drain', next);
    };
    next();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface CraftedEntry {
  path: string;
  type?: 'File' | 'Directory' | 'SymbolicLink' | 'Link';
  data?: Buffer | string;
  linkpath?: string;
}

/** A tar archive exactly as described, no questions asked (for the hostile cases). */
export function craftTar(entries: CraftedEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const data =
      entry.data === undefined
        ? Buffer.alloc(0)
        : Buffer.isBuffer(entry.data)
          ? entry.data
          : Buffer.from(entry.data);
    const header = new Header({
      path: entry.path,
      type: entry.type ?? 'File',
      size: entry.type === undefined || entry.type === 'File' ? data.byteLength : 0,
      mode: 0o644,
      mtime: new Date(0),
      uid: 0,
      gid: 0,
      ...(entry.linkpath === undefined ? {} : { linkpath: entry.linkpath }),
    });
    header.encode();
    blocks.push(header.block!);
    if (data.byteLength > 0) {
      blocks.push(data, Buffer.alloc((512 - (data.byteLength % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** A valid-looking ringvec header entry listing `files`. */
export function headerEntry(files: { name: string; size: number }[]): CraftedEntry {
  return {
    path: 'ringvec-snapshot.json',
    data: JSON.stringify({
      format: 'ringvec-snapshot',
      format_version: 1,
      kind: 'collection',
      ringvec_version: '0.1.0',
      qdrant_api_version: '1.19.0',
      collection: 'x',
      created_at: new Date(0).toISOString(),
      files,
    }),
  };
}

/**
 * Mounts a tmpfs of `sizeKb` at `dir` (for disk-full tests); null when this process may not mount
 * (not root, no CAP_SYS_ADMIN), so the caller can skip.
 */
export function mountTmpfs(dir: string, sizeKb: number): (() => void) | null {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return null;
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', dir], {
      stdio: 'ignore',
    });
  } catch {
    return null;
  }
  return () => execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
}
