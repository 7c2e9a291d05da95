// `hotpath/http`: a pull handler in the style of Go's net/http/pprof. Off unless the
// application mounts it:
//
//   import { pprofHandler } from 'hotpath/http';
//   http.createServer((req, res) => pprofHandler(req, res) || app(req, res));   // node:http
//   app.use(pprofHandler.middleware());                                         // express
//   fastify.get('/debug/pprof/*', (req, reply) => { reply.hijack(); pprofHandler(req.raw, reply.raw); });
//
// GET /debug/pprof/profile?seconds=N profiles every JS thread for N seconds (1-300, default 30)
// and answers the gzipped pprof `time` profile. As in Go, only one profile runs at a time: a
// second request, or one while hotpath profiles continuously, is refused (409) with the reason.
// GET /debug/pprof/heap answers the heap profile now: the live heap of every profiled thread
// and what was allocated since the heap profiler started (or since the last period).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startTimeProfiler } from './collect/time-profiler.js';
import { current } from './profiler.js';
import { takeHeapProfile } from './collect/heap-collector.js';

const PREFIX = '/debug/pprof';
const MAX_SECONDS = 300;
const DEFAULT_SECONDS = 30;

let busy = false;

function send(res: ServerResponse, status: number, body: string | Uint8Array, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

/** Parses `seconds`: a whole number from 1 to 300. Returns an error text for anything else. */
function parseSeconds(raw: string | null): number | string {
  if (raw === null || raw === '') return DEFAULT_SECONDS;
  // Echoed printable only: a control character in a reply (or a terminal showing it) helps nobody.
  if (!/^\d+$/.test(raw)) return `seconds must be a whole number, got "${raw.slice(0, 32).replace(/[^\x20-\x7e]/g, '?')}"`;
  const n = Number(raw);
  if (n < 1 || n > MAX_SECONDS) return `seconds must be from 1 to ${MAX_SECONDS}, got ${n}`;
  return n;
}

async function profile(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const seconds = parseSeconds(url.searchParams.get('seconds'));
  if (typeof seconds === 'string') return send(res, 400, `${seconds}\n`);
  if (current()) return send(res, 409, 'hotpath is profiling continuously in this process: its profiles go to its exporters\n');
  if (busy) return send(res, 409, 'a profile is already being taken: try again when it is done\n');
  busy = true;
  try {
    const time = startTimeProfiler({ periodMs: 24 * 3600 * 1000 });
    if (!time) return send(res, 503, 'the hotpath addon could not load in this process\n');
    let aborted = false;
    req.once('close', () => {
      aborted = !res.writableEnded;
    });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, seconds * 1000);
      req.once('close', () => {
        if (!res.writableEnded) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const bytes = await time.stop();
    if (aborted) return;
    res.setHeader('Content-Disposition', 'attachment; filename="profile.pb.gz"');
    send(res, 200, bytes, 'application/octet-stream');
  } finally {
    busy = false;
  }
}

async function heap(res: ServerResponse): Promise<void> {
  if (busy) return send(res, 409, 'a profile is already being taken: try again when it is done\n');
  busy = true;
  try {
    const bytes = await takeHeapProfile();
    res.setHeader('Content-Disposition', 'attachment; filename="heap.pb.gz"');
    send(res, 200, bytes, 'application/octet-stream');
  } finally {
    busy = false;
  }
}

function index(res: ServerResponse): void {
  send(res, 200, `${PREFIX}/\n\nprofile?seconds=N  time profile (wall and CPU) of every JS thread for N seconds\n` +
    'heap               live heap and allocations of every profiled thread\n');
}

/**
 * Serves `/debug/pprof/...`; returns false (and does nothing) for any other path, so it can sit
 * in front of an application's own handler.
 */
export function pprofHandler(req: IncomingMessage, res: ServerResponse): boolean {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname !== PREFIX && !url.pathname.startsWith(`${PREFIX}/`)) return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, 'only GET\n');
    return true;
  }
  const rest = url.pathname.slice(PREFIX.length).replace(/^\/+/, '');
  if (rest === '') index(res);
  else if (rest === 'profile') {
    profile(req, res, url).catch((error: Error) => {
      if (!res.headersSent) send(res, 500, `profile failed: ${error.message}\n`);
      else res.destroy();
    });
  } else if (rest === 'heap') {
    heap(res).catch((error: Error) => {
      if (!res.headersSent) send(res, 503, `heap profile failed: ${error.message.replace(/^hotpath: /, '')}\n`);
      else res.destroy();
    });
  } else send(res, 404, `unknown profile "${rest.slice(0, 64)}"\n`);
  return true;
}

/** Connect/express-style middleware: `app.use(pprofHandler.middleware())`. */
pprofHandler.middleware = () => (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
  if (!pprofHandler(req, res)) next();
};
