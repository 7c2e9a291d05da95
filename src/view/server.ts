// The `hotpath view` web server. It binds to 127.0.0.1 unless told otherwise, answers only
// GET and HEAD, only for its own page, the modules that page imports (found once, at start),
// and the profiles it was given, by number. Every answer carries a strict Content-Security-
// Policy: scripts only from this server (plus the one inline import map, by hash), WebAssembly
// compilation allowed, no frames, no forms, no other origins. On a loopback address it also
// refuses requests whose Host is not the address itself (a DNS-rebinding guard).
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { collectModules, cspHash, PACKAGE_ROOT, type Asset } from './assets.js';

/** Profiles above this are refused at start: a browser tab cannot decode much more. */
export const MAX_VIEW_BYTES = 256 * 2 ** 20;

export interface ViewProfile {
  /** What the page calls it (the file's name as given). */
  name: string;
  /** Served from disk, read on each request... */
  path?: string;
  /** ...or from memory (a profile converted at start). */
  bytes?: Uint8Array;
}

export interface ViewerOptions {
  profiles: ViewProfile[];
  host?: string;
  /** 0 (the default) lets the system choose. */
  port?: number;
}

export interface Viewer {
  url: string;
  port: number;
  host: string;
  close(): Promise<void>;
}

export class ViewError extends Error {
  override name = 'ViewError';
}

const PAGE_ENTRY = join(PACKAGE_ROOT, 'dist', 'src', 'view', 'page', 'main.js');
const STATIC_DIR = join(PACKAGE_ROOT, 'src', 'view', 'static');

interface Page {
  html: string;
  csp: string;
  assets: Map<string, Asset>;
}

function buildPage(): Page {
  const graph = collectModules([PAGE_ENTRY]);
  const importMap = JSON.stringify({ imports: graph.imports });
  const template = readFileSync(join(STATIC_DIR, 'index.html'), 'utf8');
  const inline = `<script type="importmap">${importMap}</script>`;
  const html = template.replace('<!--importmap-->', inline);
  const csp = [
    "default-src 'none'",
    `script-src 'self' 'wasm-unsafe-eval' ${cspHash(importMap)}`,
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  const assets = new Map(graph.assets);
  assets.set('/static/viewer.css', { file: join(STATIC_DIR, 'viewer.css'), type: 'text/css; charset=utf-8' });
  return { html, csp, assets };
}

function checkProfiles(profiles: ViewProfile[]): void {
  if (profiles.length === 0) throw new ViewError('no profiles to view');
  for (const p of profiles) {
    if (p.bytes) continue;
    if (!p.path) throw new ViewError(`${p.name}: neither a path nor bytes`);
    let stat;
    try {
      stat = statSync(p.path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new ViewError(`${p.path}: cannot read: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
    }
    if (!stat.isFile()) throw new ViewError(`${p.path}: not a regular file`);
    if (stat.size > MAX_VIEW_BYTES) {
      throw new ViewError(`${p.path}: file is ${stat.size} bytes, larger than the ${MAX_VIEW_BYTES / 2 ** 20} MiB the viewer accepts`);
    }
  }
}

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost' || /^127\./.test(host);
}

export async function startViewer(options: ViewerOptions): Promise<Viewer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ViewError(`port must be an integer from 0 to 65535, got ${port}`);
  checkProfiles(options.profiles);
  const page = buildPage();
  const list = JSON.stringify(
    options.profiles.map((p, id) => ({ id, name: p.name, size: p.bytes ? p.bytes.length : statSync(p.path!).size })),
  );
  const common: Record<string, string> = {
    'Content-Security-Policy': page.csp,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  };
  let allowedHosts: Set<string> | null = null;

  const send = (res: ServerResponse, status: number, type: string, body: string | Uint8Array, head: boolean): void => {
    res.writeHead(status, { ...common, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
    res.end(head ? undefined : body);
  };
  const fail = (res: ServerResponse, status: number, message: string, head: boolean): void =>
    send(res, status, 'text/plain; charset=utf-8', `${message}\n`, head);

  const sendFile = (res: ServerResponse, file: string, type: string, head: boolean): void => {
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      fail(res, 404, 'not found', head);
      return;
    }
    if (size > MAX_VIEW_BYTES) {
      fail(res, 413, 'file grew past the viewer limit', head);
      return;
    }
    res.writeHead(200, { ...common, 'Content-Type': type, 'Content-Length': size });
    if (head) {
      res.end();
      return;
    }
    const stream = createReadStream(file);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      res.setHeader('Allow', 'GET, HEAD');
      fail(res, 405, 'method not allowed', false);
      return;
    }
    if (allowedHosts && !allowedHosts.has((req.headers.host ?? '').toLowerCase())) {
      fail(res, 421, 'unexpected Host header', head);
      return;
    }
    let pathname: string;
    try {
      pathname = new URL(req.url ?? '/', 'http://viewer.invalid').pathname;
    } catch {
      fail(res, 400, 'bad request', head);
      return;
    }
    if (pathname === '/' || pathname === '/index.html') {
      send(res, 200, 'text/html; charset=utf-8', page.html, head);
      return;
    }
    if (pathname === '/api/profiles') {
      send(res, 200, 'application/json; charset=utf-8', list, head);
      return;
    }
    const m = /^\/api\/profiles\/(0|[1-9][0-9]{0,5})$/.exec(pathname);
    if (m) {
      const profile = options.profiles[Number(m[1])];
      if (!profile) fail(res, 404, 'not found', head);
      else if (profile.bytes) send(res, 200, 'application/octet-stream', profile.bytes, head);
      else sendFile(res, profile.path!, 'application/octet-stream', head);
      return;
    }
    const asset = page.assets.get(pathname);
    if (asset) {
      sendFile(res, asset.file, asset.type, head);
      return;
    }
    fail(res, 404, 'not found', head);
  };

  const server: Server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch {
      if (!res.headersSent) fail(res, 500, 'internal error', false);
      else res.destroy();
    }
  });
  await new Promise<void>((resolvePromise, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      const reason =
        error.code === 'EADDRINUSE'
          ? `port ${port} on ${host} is in use`
          : error.code === 'EACCES'
            ? `no permission to listen on ${host}:${port}`
            : error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND'
              ? `${host} is not an address of this machine`
              : error.message;
      reject(new ViewError(`cannot listen: ${reason}`));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolvePromise();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  if (isLoopback(host)) {
    allowedHosts = new Set([`${urlHost}:${address.port}`, `localhost:${address.port}`, `127.0.0.1:${address.port}`, `[::1]:${address.port}`]);
  }
  return {
    url: `http://${urlHost}:${address.port}/`,
    port: address.port,
    host: address.address,
    close: () =>
      new Promise<void>((resolvePromise) => {
        server.close(() => resolvePromise());
        server.closeAllConnections();
      }),
  };
}
