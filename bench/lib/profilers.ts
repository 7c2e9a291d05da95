// The profilers the benchmarks compare, started the way each is meant to run in production:
// continuously, at 100 Hz, a profile ended and encoded to gzipped pprof every period.
//   none     no profiler.
//   hotpath  the public API, start({ profiles: 'time', period, samplingInterval, exporter: 'none',
//            overheadCap: 1 }) (the cap would lower the rate below 100 Hz under load);
//            on a worker thread start() joins the process's profiler.
//   datadog  @datadog/pprof: time.start({ intervalMicros, durationMillis, collectCpuTime: true,
//            withContexts: true (CPU time needs it), workaroundV8Bug: true }) as dd-trace does (CPU time per
//            sample); each period time.stop(true) (stop and restart) and encode().
//   pprof    Google's pprof (pprof-nodejs 5.0.0): time.start(intervalMicros) returns stop();
//            each period stop(), start again (what time.profile() does in a loop) and encode().
// `node --cpu-prof` is not in-process: the runners add its flags to a `none` child.
import { createRequire } from 'node:module';
import { isMainThread } from 'node:worker_threads';

const require = createRequire(import.meta.url);

export const PEERS = ['hotpath', 'datadog', 'pprof'] as const;
/** `hotpath-core`: the time profiler alone (startTimeProfiler, no other kind, no overhead cap):
 * for finding where a cost comes from. */
export type ProfilerName = 'none' | 'hotpath-core' | (typeof PEERS)[number];

export interface RunningProfiler {
  /** Ends the current period now; resolves to the bytes of its gzipped pprof (0 when none). */
  rotate(): Promise<Uint8Array | null>;
  /** Stops; resolves to the last period's gzipped pprof. */
  stop(): Promise<Uint8Array | null>;
  /** Bytes and count of the profiles ended by the period timer (not by rotate/stop). */
  /** Profiles ended by the period timer: their bytes, their count, and the first of them. */
  readonly periodic: { bytes: number; count: number; first?: Uint8Array };
}

export interface ProfilerOptions {
  intervalMicros?: number;
  periodMs: number;
  /** Run the period timer (false: only rotate() ends periods). */
  timer?: boolean;
}

/** Flags for `node --cpu-prof` at the same interval, writing into `dir`. */
export function cpuProfFlags(dir: string, intervalMicros = 10000): string[] {
  return ['--cpu-prof', '--cpu-prof-interval', String(intervalMicros), '--cpu-prof-dir', dir];
}

export async function startProfiler(name: ProfilerName, opts: ProfilerOptions): Promise<RunningProfiler> {
  const intervalMicros = opts.intervalMicros ?? 10000;
  const periodic: RunningProfiler['periodic'] = { bytes: 0, count: 0 };
  const every = (f: () => Promise<Uint8Array | null>): NodeJS.Timeout | null => {
    if (opts.timer === false) return null;
    const t = setInterval(() => {
      f().then((b) => {
        periodic.bytes += b?.length ?? 0;
        periodic.count++;
        if (b) periodic.first ??= b;
      }, (e) => process.stderr.write(`${name}: ${String(e)}\n`));
    }, opts.periodMs);
    t.unref();
    return t;
  };
  if (name === 'none') {
    return { rotate: async () => null, stop: async () => null, periodic };
  }
  if (name === 'hotpath') {
    const { start } = await import('../../src/profiler.js');
    if (!isMainThread) {
      const p = start({ profiles: 'time', period: opts.periodMs, samplingInterval: intervalMicros / 1000, exporter: 'none', overheadCap: 1 });
      return { rotate: async () => null, stop: async () => { await p.stop(); return null; }, periodic };
    }
    // The profiler's own period timer ends periods; onProfile sees each profile.
    let last: Uint8Array | null = null;
    const p = start({
      profiles: 'time', period: opts.timer === false ? 3_600_000 : opts.periodMs, samplingInterval: intervalMicros / 1000,
      // 100 Hz for everyone: the overhead cap (default 1% of a core) would lower the rate.
      exporter: 'none', overheadCap: 1,
      onProfile: (e) => {
        last = e.bytes;
        periodic.bytes += e.bytes.length;
        periodic.count++;
        periodic.first ??= e.bytes;
      },
    });
    if (p.kinds.length === 0) throw new Error('hotpath did not start (no native addon?)');
    const bytesOf = (list: { bytes: Uint8Array }[]): Uint8Array | null => list[0]?.bytes ?? null;
    return {
      rotate: async () => {
        const b = bytesOf(await p.flush());
        periodic.bytes -= b?.length ?? 0; // counted by onProfile, but not a timer's period
        periodic.count--;
        return b;
      },
      stop: async () => {
        last = null;
        const before = periodic.count;
        await p.stop();
        if (periodic.count > before) {
          periodic.count--;
          periodic.bytes -= (last as Uint8Array | null)?.length ?? 0;
        }
        return last;
      },
      periodic,
    };
  }
  if (name === 'hotpath-core') {
    const { startTimeProfiler } = await import('../../src/collect/time-profiler.js');
    const p = startTimeProfiler({ intervalMicros, periodMs: Math.max(100, opts.periodMs) });
    if (!p) throw new Error('hotpath did not start (no native addon?)');
    return { rotate: () => p.flush(), stop: () => p.stop(), periodic };
  }
  if (name === 'datadog') {
    const dd = require('@datadog/pprof') as {
      time: { start(o: object): void; stop(restart?: boolean): unknown };
      encode(p: unknown): Promise<Uint8Array>;
    };
    dd.time.start({ intervalMicros, durationMillis: opts.periodMs, collectCpuTime: true, withContexts: true, workaroundV8Bug: true, lineNumbers: false });
    let stopped = false;
    const rotate = async (): Promise<Uint8Array | null> => (stopped ? null : dd.encode(dd.time.stop(true)));
    const timer = every(rotate);
    return {
      rotate,
      stop: async () => {
        if (timer) clearInterval(timer);
        stopped = true;
        return dd.encode(dd.time.stop(false));
      },
      periodic,
    };
  }
  if (name === 'pprof') {
    const gp = require('pprof') as {
      time: { start(intervalMicros: number): () => unknown };
      encode(p: unknown): Promise<Uint8Array>;
    };
    let stopFn: (() => unknown) | null = gp.time.start(intervalMicros);
    const rotate = async (): Promise<Uint8Array | null> => {
      if (!stopFn) return null;
      const prof = stopFn();
      stopFn = gp.time.start(intervalMicros);
      return gp.encode(prof);
    };
    const timer = every(rotate);
    return {
      rotate,
      stop: async () => {
        if (timer) clearInterval(timer);
        const f = stopFn;
        stopFn = null;
        return f ? gp.encode(f()) : null;
      },
      periodic,
    };
  }
  throw new Error(`unknown profiler ${String(name)}`);
}
