// Uploads with node:http(s), retried with exponential backoff and full jitter.
//
// - One attempt has a hard timeout (10 s by default) covering connect, upload and response.
// - Retried: network errors (refused, reset, timeout, DNS), and the statuses retryableStatus()
//   names (5xx, 408 and 429 unless an exporter's protocol says otherwise). A Retry-After header
//   (seconds or an HTTP date) replaces the backoff delay, capped at maxRetryAfterMs.
// - Not retried: other statuses; the profiles count as failed and the reason is logged once.
// - node:http rather than fetch: its socket can be unref'd, so an upload in flight does not keep
//   the application alive at exit unless a flush asks for it, and destroy() ends it at once.
// - No credential is ever logged: messages show the URL's origin and path only, and go through
//   the logger's redaction.

import http from 'node:http';
import https from 'node:https';
import { errText, QueuedExporter, type Outcome, type QueueOptions } from './queue.js';
import type { ProfileExport } from './types.js';

export interface RetryOptions {
  /** Timeout of one attempt, ms. */
  timeoutMs?: number;
  /** Attempts after the first. */
  maxRetries?: number;
  /** First backoff ceiling, ms; doubles each retry. */
  baseDelayMs?: number;
  /** Largest backoff ceiling, ms. */
  maxDelayMs?: number;
  /** Longest Retry-After honoured, ms; a longer one is cut to this. */
  maxRetryAfterMs?: number;
  /** Source of randomness for the jitter (tests pass a fixed one). */
  random?: () => number;
}

export interface HttpExporterOptions extends RetryOptions, QueueOptions {}

export interface HttpRequestSpec {
  url: URL;
  headers: Record<string, string>;
  body: Buffer;
}

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The body of a 2xx answer, its first MAX_ANSWER_BYTES. */
  body: Buffer;
}

/** How much of a 2xx answer's body is kept (an OTLP partial success is a few bytes). */
const MAX_ANSWER_BYTES = 64 * 1024;

export class HttpStatusError extends Error {
  constructor(readonly status: number, readonly retryAfterMs: number | undefined, where: string) {
    super(`HTTP ${status} from ${where}`);
    this.name = 'HttpStatusError';
  }
}

/** Delay of retry number `attempt` (0-based): uniform in [0, min(max, base * 2^attempt)]. */
export function fullJitter(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

/** Retry-After as ms: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  if (Number.isNaN(t)) return undefined;
  return Math.max(0, t - now);
}

/** Origin and path of a URL, without user info or query: safe to show. */
export function showUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

export abstract class HttpExporter extends QueuedExporter {
  protected readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly random: () => number;

  protected constructor(options: HttpExporterOptions = {}) {
    super(options);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxRetries = options.maxRetries ?? 3;
    this.baseDelayMs = options.baseDelayMs ?? 1_000;
    this.maxDelayMs = options.maxDelayMs ?? 30_000;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
    this.random = options.random ?? Math.random;
  }

  /** Builds the request for one job; called once, the body is reused by every retry. */
  protected abstract buildRequest(profiles: readonly ProfileExport[]): HttpRequestSpec | Promise<HttpRequestSpec>;

  /** Whether an answer with this (non-2xx) status is worth another attempt. */
  protected retryableStatus(status: number): boolean {
    return status >= 500 || status === 429 || status === 408;
  }

  /** Reads a 2xx answer (an exporter whose protocol says something in it overrides this). */
  protected async delivered(_result: HttpResult, _profiles: readonly ProfileExport[]): Promise<void> {}

  protected async deliver(profiles: readonly ProfileExport[], signal: AbortSignal): Promise<Outcome> {
    const spec = await this.buildRequest(profiles);
    const where = showUrl(spec.url);
    for (let attempt = 0; ; attempt++) {
      let retryAfterMs: number | undefined;
      let reason = '';
      let key = '';
      let result: HttpResult | undefined;
      try {
        result = await this.send(spec, signal);
      } catch (err) {
        if (signal.aborted) {
          this.noteError(`${this.name}:aborted`, `${this.name} export to ${where} stopped by close()`);
          return 'failed';
        }
        if (err instanceof HttpStatusError) {
          if (!this.retryableStatus(err.status)) {
            this.noteError(`${this.name}:http-${err.status}`,
              `${this.name} export failed: HTTP ${err.status} from ${where}; not retried`);
            return 'failed';
          }
          retryAfterMs = err.retryAfterMs;
          reason = `HTTP ${err.status}`;
          key = `${this.name}:http-${err.status}`;
        } else {
          reason = errText(err);
          key = `${this.name}:${(err as NodeJS.ErrnoException)?.code ?? 'network'}`;
        }
      }
      if (result) {
        // Outside the try: what the answer says is never a reason to send again.
        await this.delivered(result, profiles);
        return 'exported';
      }
      if (attempt >= this.maxRetries) {
        this.noteError(key, `${this.name} export to ${where} failed after ${attempt + 1} attempts: ${reason}`);
        return 'failed';
      }
      this.counters.retries++;
      const delay = retryAfterMs !== undefined
        ? Math.min(retryAfterMs, this.maxRetryAfterMs)
        : fullJitter(attempt, this.baseDelayMs, this.maxDelayMs, this.random);
      await this.handles.sleep(delay, signal);
      if (signal.aborted) return 'failed';
    }
  }

  /** One attempt. Resolves on 2xx; rejects with HttpStatusError or a network error. */
  protected send(spec: HttpRequestSpec, signal: AbortSignal): Promise<HttpResult> {
    const where = showUrl(spec.url);
    return new Promise<HttpResult>((resolve, reject) => {
      const lib = spec.url.protocol === 'https:' ? https : http;
      let settled = false;
      const settle = (err: Error | undefined, result?: HttpResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.handles.delete(timer);
        signal.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(result!);
      };
      const req = lib.request(spec.url, {
        method: 'POST',
        // A fresh connection per upload (one a period): nothing pooled outlives the request.
        agent: false,
        headers: { ...spec.headers, 'content-length': String(spec.body.byteLength), connection: 'close' },
      }, (res) => {
        const status = res.statusCode ?? 0;
        // Drain the body: we never show it (it could echo a header back), but must read it. A
        // 2xx answer's first bytes are kept for delivered().
        const kept: Buffer[] = [];
        let keptBytes = 0;
        res.on('data', (c: Buffer) => {
          if (status < 200 || status >= 300 || keptBytes >= MAX_ANSWER_BYTES) return;
          kept.push(c.subarray(0, MAX_ANSWER_BYTES - keptBytes));
          keptBytes += kept[kept.length - 1]!.length;
        });
        res.on('error', (e) => settle(e));
        res.on('end', () => {
          if (status >= 200 && status < 300) settle(undefined, { status, headers: res.headers, body: Buffer.concat(kept) });
          else settle(new HttpStatusError(status, parseRetryAfter(res.headers['retry-after']), where));
        });
      });
      const timer = setTimeout(() => {
        const e = Object.assign(new Error(`timed out after ${this.timeoutMs} ms`), { code: 'ETIMEDOUT' });
        req.destroy(e);
        settle(e);
      }, this.timeoutMs);
      this.handles.add(timer);
      const onAbort = () => {
        const e = Object.assign(new Error('aborted'), { code: 'ABORT_ERR' });
        req.destroy(e);
        settle(e);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      req.on('socket', (s) => this.handles.trackSocket(s));
      req.on('error', (e) => settle(e));
      req.end(spec.body);
    });
  }
}
