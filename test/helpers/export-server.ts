// For the exporter tests: small gzipped pprof fixtures (encoded with protobufjs from
// proto/profile.proto, the reference decoder), a decoder, a real HTTP server on 127.0.0.1, and
// a multipart parser that is not ours (busboy), so the exporters' bodies are checked by an
// independent implementation of RFC 7578.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import protobuf from 'protobufjs';
import { gzip, ungzip } from 'pako';
import busboy from 'busboy';

const root = await protobuf.load(new URL('../../proto/profile.proto', import.meta.url).pathname);
export const ProfileType = root.lookupType('perftools.profiles.Profile');

export const SAMPLE_TYPES: Record<string, Array<[string, string]>> = {
  time: [['samples', 'count'], ['wall', 'nanoseconds'], ['cpu', 'nanoseconds']],
  heap: [['alloc_objects', 'count'], ['alloc_space', 'bytes'], ['inuse_objects', 'count'], ['inuse_space', 'bytes']],
  contention: [['lock-acquire', 'count'], ['lock-acquire-wait', 'nanoseconds'], ['lock-release', 'count'], ['lock-release-hold', 'nanoseconds']],
};

/** A small valid gzipped pprof of the given kind, with one function `fnName`. */
export function pprofFixture(kind: string, fnName = 'handler', padBytes = 0): Uint8Array {
  const strings = [''];
  const str = (s: string) => {
    let i = strings.indexOf(s);
    if (i < 0) i = strings.push(s) - 1;
    return i;
  };
  const types = SAMPLE_TYPES[kind] ?? [['samples', 'count']];
  const msg = {
    sampleType: types.map(([t, u]) => ({ type: str(t), unit: str(u) })),
    function: [{ id: 1, name: str(fnName), systemName: str(fnName), filename: str('/app/server.js'), startLine: 10 }],
    location: [{ id: 1, line: [{ functionId: 1, line: 12 }] }],
    sample: [{ locationId: [1], value: types.map((_, i) => 100 * (i + 1)) }],
    // A comment can make the profile as large as a test needs (incompressible random text).
    comment: padBytes > 0 ? [str(randomText(padBytes))] : [],
    timeNanos: 1_700_000_000_000_000_000n.toString(),
    durationNanos: 60_000_000_000,
    periodType: { type: str('wall'), unit: str('nanoseconds') },
    period: 10_000_000,
    stringTable: strings,
  };
  const message = ProfileType.fromObject(msg);
  const err = ProfileType.verify(message);
  if (err) throw new Error(err);
  return gzip(ProfileType.encode(message).finish());
}

function randomText(n: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[(Math.random() * alphabet.length) | 0];
  return s;
}

export interface DecodedProfile {
  sampleTypes: string[];
  functionNames: string[];
}

/** Gunzips and decodes a pprof with the reference decoder. */
export function decodePprof(bytes: Uint8Array): DecodedProfile {
  const p = ProfileType.toObject(ProfileType.decode(ungzip(bytes)), { longs: String }) as {
    stringTable: string[];
    sampleType: Array<{ type: number | string }>;
    function: Array<{ name: number | string }>;
  };
  return {
    sampleTypes: p.sampleType.map((st) => p.stringTable[Number(st.type)]),
    functionNames: p.function.map((f) => p.stringTable[Number(f.name)]),
  };
}

export interface Part {
  name: string;
  filename?: string;
  mimeType?: string;
  data: Buffer;
}

export interface Received {
  method: string;
  url: URL;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  at: number;
}

/** Parses a multipart/form-data body with busboy. */
export function parseMultipart(contentType: string, body: Buffer): Promise<Part[]> {
  return new Promise((resolve, reject) => {
    const parts: Part[] = [];
    const bb = busboy({ headers: { 'content-type': contentType }, limits: { fileSize: 1 << 30 } });
    bb.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => parts.push({ name, filename: info.filename, mimeType: info.mimeType, data: Buffer.concat(chunks) }));
    });
    bb.on('field', (name, value) => parts.push({ name, data: Buffer.from(value) }));
    bb.on('close', () => resolve(parts));
    bb.on('error', reject);
    bb.end(body);
  });
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void;

export interface TestServer {
  url: string;
  port: number;
  requests: Received[];
  close(): Promise<void>;
}

/**
 * A server on 127.0.0.1:0. `handler` decides each response (n counts requests from 1); by
 * default 200. Every received body is kept in `requests` once fully read.
 */
export async function startServer(handler?: Handler, options: { readBody?: boolean } = {}): Promise<TestServer> {
  const requests: Received[] = [];
  let n = 0;
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    const i = ++n;
    if (options.readBody === false) {
      handler ? handler(req, res, i) : res.end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '', url: new URL(req.url ?? '/', 'http://127.0.0.1'), headers: req.headers,
        body: Buffer.concat(chunks), at: Date.now(),
      });
    });
    if (handler) handler(req, res, i);
    else req.on('end', () => res.end('ok'));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

/** Responds once the request body has been read. */
export function respondAfterBody(req: http.IncomingMessage, res: http.ServerResponse, status: number, headers: Record<string, string> = {}): void {
  req.on('end', () => {
    res.writeHead(status, headers);
    res.end(status >= 400 ? `error ${status}` : 'ok');
  });
  req.resume();
}
