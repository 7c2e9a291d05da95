// The part every exporter shares: a bounded queue worked by one delivery at a time, the
// counters, and the rule that the exporter's timers and sockets never keep the process alive
// unless someone is flushing (the last export at exit).

import type { Socket } from 'node:net';
import { logOnce, redact } from '../common/log.js';
import type { Exporter, ExporterStats, ProfileExport } from './types.js';

export interface Job {
  profiles: readonly ProfileExport[];
  done: () => void;
}

export type Outcome = 'exported' | 'failed';

/** A thing that may hold the event loop open: a Timeout or a Socket. */
type Handle = { ref(): unknown; unref(): unknown };

/**
 * Tracks the timers and sockets an exporter has open. They are unref'd, except while a flush
 * holds the process open.
 */
export class Handles {
  private holds = 0;
  private readonly open = new Set<Handle>();

  get held(): boolean {
    return this.holds > 0;
  }

  add(h: Handle): void {
    this.open.add(h);
    if (this.holds > 0) h.ref();
    else h.unref();
  }

  delete(h: Handle): void {
    this.open.delete(h);
  }

  hold(): void {
    if (this.holds++ === 0) for (const h of this.open) h.ref();
  }

  release(): void {
    if (--this.holds === 0) for (const h of this.open) h.unref();
  }

  /** setTimeout that follows the hold state; `signal` ends it early. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const finish = () => {
        clearTimeout(t);
        this.delete(t);
        signal?.removeEventListener('abort', finish);
        resolve();
      };
      const t = setTimeout(finish, Math.max(0, ms));
      this.add(t);
      signal?.addEventListener('abort', finish, { once: true });
    });
  }

  trackSocket(s: Socket): void {
    this.add(s);
    s.once('close', () => this.delete(s));
  }
}

export interface QueueOptions {
  /** Most jobs waiting (not counting the one in flight); the oldest is dropped past it. */
  maxQueue?: number;
}

export abstract class QueuedExporter implements Exporter {
  abstract readonly name: string;
  protected readonly handles = new Handles();
  protected readonly counters = { exported: 0, failed: 0, dropped: 0, retries: 0 };
  protected lastError: string | undefined;
  /** Aborted by close(): stops a delivery in flight and its backoff. */
  protected readonly closing = new AbortController();

  private readonly maxQueue: number;
  private readonly queue: Job[] = [];
  private running = false;
  /** The job being delivered. */
  private current: Job | undefined;
  private closed = false;
  private idleWaiters: Array<() => void> = [];

  protected constructor(options: QueueOptions = {}) {
    this.maxQueue = Math.max(1, options.maxQueue ?? 10);
  }

  /** How one export call is cut into jobs: one per profile unless overridden. */
  protected split(profiles: readonly ProfileExport[]): Array<readonly ProfileExport[]> {
    return profiles.map((p) => [p]);
  }

  /** Delivers one job: resolves with the outcome, may throw (counted as failed). */
  protected abstract deliver(profiles: readonly ProfileExport[], signal: AbortSignal): Promise<Outcome>;

  export(profile: ProfileExport): Promise<void> {
    return this.exportPeriod([profile]);
  }

  exportPeriod(profiles: readonly ProfileExport[]): Promise<void> {
    const list = profiles.filter((p) => p && p.bytes && p.bytes.byteLength > 0);
    if (list.length === 0) return Promise.resolve();
    if (this.closed) {
      this.counters.dropped += list.length;
      logOnce(`${this.name}:closed`, `${this.name} exporter: a profile arrived after close and was dropped`);
      return Promise.resolve();
    }
    const waits: Promise<void>[] = [];
    for (const group of this.split(list)) {
      waits.push(new Promise<void>((done) => this.queue.push({ profiles: group, done })));
      while (this.queue.length > this.maxQueue) {
        const old = this.queue.shift()!;
        this.counters.dropped += old.profiles.length;
        logOnce(`${this.name}:queue-full`,
          `${this.name} exporter: queue full (${this.maxQueue}), dropping the oldest profiles; later drops are counted, not logged`);
        old.done();
      }
    }
    void this.pump();
    return Promise.all(waits).then(() => undefined);
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length > 0 && !this.closing.signal.aborted) {
        const job = this.queue.shift()!;
        this.current = job;
        let outcome: Outcome;
        try {
          outcome = await this.deliver(job.profiles, this.closing.signal);
        } catch (err) {
          this.noteError(`${this.name}:internal`, `${this.name} exporter: ${errText(err)}`);
          outcome = 'failed';
        }
        this.counters[outcome] += job.profiles.length;
        this.current = undefined;
        job.done();
      }
    } finally {
      this.running = false;
      if (this.queue.length === 0 || this.closing.signal.aborted) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) w();
      }
    }
  }

  /** Records a failure: remembered for the self-report, logged once per key. */
  protected noteError(key: string, message: string): void {
    this.lastError = redact(message);
    logOnce(key, message + ' (logged once; later failures are counted)');
  }

  /** Network exporters cannot deliver synchronously: the profiles are dropped and counted. */
  exportSync(profiles: readonly ProfileExport[]): void {
    const n = profiles.filter((p) => p?.bytes && p.bytes.byteLength > 0).length;
    if (n === 0) return;
    this.counters.dropped += n;
    logOnce(`${this.name}:exit`, `${this.name} exporter: ${n} profile(s) made at process exit could not be sent (no asynchronous work runs then)`);
  }

  flush(timeoutMs = 10_000): Promise<boolean> {
    if (!this.running && this.queue.length === 0) return Promise.resolve(true);
    this.handles.hold();
    return new Promise<boolean>((resolve) => {
      let finished = false;
      const finish = (drained: boolean) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        this.handles.release();
        resolve(drained);
      };
      // This timer is ref'd on purpose: flushing is the one time the exporter keeps the
      // process alive, and never for longer than timeoutMs.
      const timer = setTimeout(() => finish(false), timeoutMs);
      this.idleWaiters.push(() => finish(this.queue.length === 0));
    });
  }

  async close(timeoutMs = 10_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flush(timeoutMs);
    const inFlight = this.running ? (this.current?.profiles.length ?? 0) : 0;
    this.closing.abort();
    let waiting = 0;
    for (const job of this.queue.splice(0)) {
      waiting += job.profiles.length;
      job.done();
    }
    this.counters.dropped += waiting;
    // The aborted delivery counts itself as failed when it returns (at once: abort ends its
    // request or backoff). Wait for that, bounded, so the tally below is exact.
    if (this.running) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 1000);
        t.unref();
        this.idleWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    // No later profile will carry these counts in its self-report: when anything was lost,
    // the exporter says its final tally here, once.
    const c = this.counters;
    if (c.failed + c.dropped > 0) {
      const atStop = waiting + inFlight > 0 ? `; at stop ${waiting} waiting (dropped), ${inFlight} in flight (aborted)` : '';
      logOnce(`${this.name}:final-tally`,
        `${this.name} exporter stopped: ${c.exported} profile(s) exported, ${c.failed} failed, ${c.dropped} dropped in all${atStop}`);
    }
  }

  stats(): ExporterStats {
    const s: ExporterStats = { ...this.counters, queued: this.queue.length };
    if (this.lastError !== undefined) s.lastError = this.lastError;
    return s;
  }
}

export function errText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return redact(code && !err.message.includes(code) ? `${code} ${err.message}` : err.message);
  }
  return redact(String(err));
}
