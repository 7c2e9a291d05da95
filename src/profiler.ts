// The public profiler: `start(options)` resolves the settings once, starts the collectors the
// settings ask for, and at the end of each period sends every kind's profile to the exporters
// together. One profiler per process: a second start() returns the running one (and says so
// once) instead of starting a second sampler, also when it comes from another copy of hotpath
// (another package may bring its own): the running profiler is kept on the thread's globalThis.
//
// On a worker thread start() only joins the process's profiler (startThreadCollector): its
// samples go to the main thread's aggregation worker and into the main thread's profiles.
import { isMainThread } from 'node:worker_threads';
import { resolveSettings, publicSettings } from './common/settings.js';
import type { CliFlags, HotpathOptions, ProfileKind, Settings } from './common/settings.js';
import { createExporter, diffStats, exportComment } from './export/exporters.js';
import { FileExporter } from './export/file.js';
import type { MultiExporter } from './export/exporters.js';
import { otlpCodec, relabeler } from './transport/convert-client.js';
import type { ExporterStats, ProfileExport } from './export/types.js';
import { createRequire } from 'node:module';
import type { ThreadProfiler } from './collect/time-profiler.js';
import type { CollectorFactory, KindCollector, PeriodInfo, WriteNow } from './collect/kind-collector.js';
import { getLabels, setLabels, withLabels } from './collect/labels.js';
import { logOnce } from './common/log.js';
import { OwnCpuMeter } from './collect/own-cpu.js';
import { OverheadCap, percentOfCore } from './collect/overhead-cap.js';

export interface Profiler {
  /** The resolved settings, credentials redacted. */
  readonly settings: ReturnType<typeof publicSettings>;
  /** The kinds being collected; empty when hotpath is off (no addon for this Node, or no WebAssembly). */
  readonly kinds: readonly ProfileKind[];
  /** Ends the current period of every kind now, exports it and resolves to what was exported. */
  flush(): Promise<ProfileExport[]>;
  /** Ends the last period, exports it (waiting up to the export timeout) and stops. Idempotent. */
  stop(): Promise<void>;
  withLabels: typeof withLabels;
  setLabels: typeof setLabels;
  getLabels: typeof getLabels;
}

export interface StartOptions extends HotpathOptions {
  /** Called with every finished profile, after it was handed to the exporters. */
  onProfile?: (profile: ProfileExport) => void;
}

// A kind's code loads when the settings ask for the kind (require(esm), Node 20.19 and later):
// the kinds a process does not collect cost it no memory.
const require = createRequire(import.meta.url);
const timeCollector = (): typeof import('./collect/time-collector.js') => require('./collect/time-collector.js');
const timeProfiler = (): typeof import('./collect/time-profiler.js') => require('./collect/time-profiler.js');
const heapCollector = (): typeof import('./collect/heap-collector.js') => require('./collect/heap-collector.js');
const heapThread = (): typeof import('./collect/heap-thread.js') => require('./collect/heap-thread.js');
const contention = (): typeof import('./collect/contention-collector.js') => require('./collect/contention-collector.js');
const exceptions = (): typeof import('./collect/exceptions-collector.js') => require('./collect/exceptions-collector.js');
const eventLoop = (): typeof import('./collect/eventloop-collector.js') => require('./collect/eventloop-collector.js');

/** Kinds and how to start them on the main thread. */
const FACTORIES: Record<ProfileKind, CollectorFactory> = {
  time: (settings) => timeCollector().createTimeCollector(settings),
  heap: (settings, writeNow) => heapCollector().createHeapCollector(settings, writeNow),
  contention: (settings) => contention().createContentionCollector(settings),
  exceptions: (settings) => exceptions().createExceptionCollector(settings),
  eventloop: (settings) => eventLoop().createEventLoopCollector(settings),
};

/** This thread's running profiler, seen by every copy of hotpath loaded on the thread. */
const shared = ((globalThis as Record<symbol, unknown>)[Symbol.for('hotpath.profiler.v1')] ??= { running: null }) as { running: Profiler | null };

/** Starts profiling this process (or, on a worker thread, joins the process's profiler). */
export function start(options: StartOptions = {}): Profiler {
  return startWithFlags(options, {});
}

/** start() with `hotpath run`'s flags too (src/register.ts); not part of the package's API. */
export function startWithFlags(options: StartOptions, cliFlags: CliFlags): Profiler {
  if (shared.running) {
    logOnce('second-start', 'start() called while hotpath is already running (by this or another copy of hotpath): the running profiler is kept, the new options are ignored');
    return shared.running;
  }
  const { onProfile, ...hotpathOptions } = options;
  if (onProfile !== undefined && typeof onProfile !== 'function') {
    throw new TypeError('hotpath: option onProfile must be a function');
  }
  const settings = resolveSettings(hotpathOptions, cliFlags);
  for (const warning of settings.warnings) logOnce(`settings:${warning}`, warning.replace(/^hotpath: /, ''));
  if (typeof WebAssembly !== 'object') {
    // Profiles are aggregated and encoded in WebAssembly: without it (node --jitless) nothing
    // could be made of the samples, so nothing is taken.
    logOnce('off-no-wasm', 'off: this Node runs without WebAssembly (--jitless?), which hotpath builds its profiles with; the program runs unprofiled');
    shared.running = offProfiler(settings);
  } else {
    shared.running = isMainThread ? startOwner(settings, onProfile) : startThread(settings);
  }
  return shared.running;
}

/** A profiler that collects nothing (hotpath is off here), with the same API. */
function offProfiler(settings: Settings): Profiler {
  return {
    settings: publicSettings(settings),
    kinds: [],
    flush: async () => [],
    stop: async () => {
      shared.running = null;
    },
    ...labelFunctions,
  };
}

/** The running profiler of this thread, if any. */
export function current(): Profiler | null {
  return shared.running;
}

const labelFunctions = { withLabels, setLabels, getLabels };

/** Per-thread parts on a worker thread: each hands its data to the main thread's kinds. */
function startThread(settings: Settings): Profiler {
  const parts: { kind: ProfileKind; stop(): void }[] = [];
  const tryStart = (kind: ProfileKind, begin: () => { stop(): void } | null): void => {
    if (!settings.profiles.includes(kind)) return;
    try {
      const part = begin();
      if (part) parts.push({ kind, stop: () => part.stop() });
    } catch (e) {
      logOnce(`thread-kind-failed:${kind}`, `the ${kind} profile could not start on a worker thread: ${(e as Error).message}`);
    }
  };
  // The time profiler's samples make the time kind and the event-loop blocks kind.
  const blocks = settings.profiles.includes('eventloop');
  tryStart(settings.profiles.includes('time') ? 'time' : 'eventloop', (): ThreadProfiler | null =>
    timeProfiler().startThreadCollector({
      intervalMicros: Math.round(settings.samplingIntervalMs * 1000), periodMs: settings.periodMs,
      blockThresholdMs: blocks ? settings.blockThresholdMs : undefined,
    }));
  tryStart('heap', () => heapThread().startHeapThread({
    intervalBytes: settings.heapSamplingIntervalBytes, readBudget: settings.heapReadBudget, periodMs: settings.periodMs,
  }));
  // On a worker, these send their events to the main thread's encoder; their periods end there.
  const eventPart = (c: KindCollector | null) => c && { stop: () => void c.stop({ timeNanos: 0n, durationNanos: 0 }, []) };
  tryStart('contention', () => eventPart(contention().createContentionCollector(settings)));
  tryStart('exceptions', () => eventPart(exceptions().createExceptionCollector(settings)));
  return {
    settings: publicSettings(settings),
    kinds: parts.map((p) => p.kind),
    flush: async () => [],
    stop: async () => {
      for (const part of parts.splice(0)) {
        try {
          part.stop();
        } catch (e) {
          logOnce(`thread-stop-failed:${part.kind}`, `stopping the ${part.kind} profile on a worker thread failed: ${(e as Error).message}`);
        }
      }
      shared.running = null;
    },
    ...labelFunctions,
  };
}

function unixNanos(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
}

/** A profile written now, where and as the file exporter writes (the heap limit's last profile). */
function writeNowTo(settings: Settings): WriteNow {
  let files: FileExporter | null = null;  // made on first use: its start looks into outDir
  return (kind, bytes, start, end) => {
    files ??= new FileExporter({ dir: settings.outDir, service: settings.service });
    const before = files.written.length;
    files.exportSync([{ kind, bytes, start, end }]);
    return files.written.length > before ? files.written[files.written.length - 1]! : null;
  };
}

function startOwner(settings: Settings, onProfile: StartOptions['onProfile']): Profiler {
  const exporter: MultiExporter = createExporter(settings, {}, { otlpCodec, relabeler });
  const collectors: KindCollector[] = [];
  const writeNow = writeNowTo(settings);
  for (const kind of settings.profiles) {
    const factory = FACTORIES[kind];
    try {
      const collector = factory(settings, writeNow);
      if (collector) collectors.push(collector);
    } catch (e) {
      logOnce(`kind-failed:${kind}`, `the ${kind} profile could not start: ${(e as Error).message}`);
    }
  }

  let lastStats: ExporterStats = exporter.stats();
  let periodStart = unixNanos();
  let periodStartMs = performance.now();

  const meter = new OwnCpuMeter();
  const cap = new OverheadCap(settings.overheadCap, Math.round(settings.samplingIntervalMs * 1000));
  let lastOwnNs = meter.read();

  /**
   * The self-report every profile of a period carries: exports since the last profile, and the
   * profiler's own CPU. The overhead cap acts here too: the sampling kinds get the interval for
   * the next period.
   */
  const selfReport = (period: PeriodInfo): string[] => {
    const now = exporter.stats();
    const delta = diffStats(lastStats, now);
    lastStats = now;
    if (delta.failed > 0 || delta.dropped > 0) logOnce('export-failures', exportComment(delta).replace(/^hotpath: /, ''));
    const lines = [exportComment(delta)];
    if (meter.available) {
      const ownNow = meter.read();
      const ownNs = ownNow - lastOwnNs;
      lastOwnNs = ownNow;
      for (const c of collectors) {
        if (c.setIntervalMicros === undefined || c.intervalMicros === undefined) continue;
        const current = c.intervalMicros;
        const next = cap.next(ownNs, period.durationNanos, current);
        if (next !== current) c.setIntervalMicros(next);
        lines.push(`hotpath: profiler CPU ${(ownNs / 1e6).toFixed(1)} ms in ${(period.durationNanos / 1e9).toFixed(1)} s = ` +
          `${percentOfCore(ownNs, period.durationNanos)} of one core (cap ${(settings.overheadCap * 100).toFixed(2)}%); ` +
          `sampling interval ${(current / 1000).toFixed(1)} ms${next !== current ? `, next period ${(next / 1000).toFixed(1)} ms` : ''}`);
      }
    }
    return lines;
  };

  const nextPeriod = (): PeriodInfo => {
    const nowMs = performance.now();
    const period = { timeNanos: periodStart, durationNanos: Math.round((nowMs - periodStartMs) * 1e6) };
    periodStart = unixNanos();
    periodStartMs = nowMs;
    return period;
  };

  /** `sync`: at exit, written synchronously only (an asynchronous export as well would write it twice if the process lives on). */
  const deliver = (period: PeriodInfo, results: (Uint8Array | null)[], sync = false): ProfileExport[] => {
    const startMs = Number(period.timeNanos / 1_000_000n);
    const profiles: ProfileExport[] = [];
    results.forEach((bytes, i) => {
      if (!bytes || bytes.byteLength === 0) return;
      profiles.push({
        kind: collectors[i].kind,
        bytes,
        start: new Date(startMs),
        end: new Date(startMs + period.durationNanos / 1e6),
        sampleRateHz: 1000 / settings.samplingIntervalMs,
      });
    });
    if (profiles.length > 0) {
      if (sync) exporter.exportSync(profiles);
      else void exporter.exportPeriod(profiles);
    }
    for (const profile of profiles) {
      try {
        onProfile?.(profile);
      } catch (e) {
        logOnce('onprofile-threw', `onProfile threw: ${(e as Error).message}`);
      }
    }
    return profiles;
  };

  /** Ends the period on every collector; a collector that fails loses its period, not the others'. */
  const endPeriod = async (last: boolean): Promise<ProfileExport[]> => {
    const period = nextPeriod();
    const comments = selfReport(period);
    const results = await Promise.all(collectors.map((c) =>
      (last ? c.stop(period, comments) : c.endPeriod(period, comments)).catch((e: Error) => {
        logOnce(`period-failed:${c.kind}`, `the ${c.kind} profile of a period was lost: ${e.message}`);
        return null;
      })));
    return deliver(period, results);
  };

  const timer = setInterval(() => void endPeriod(false), settings.periodMs);
  timer.unref();

  let stopping: Promise<void> | null = null;
  const profiler: Profiler & { stopSync(timeoutMs: number): void } = {
    settings: publicSettings(settings),
    kinds: collectors.map((c) => c.kind),
    flush: () => (stopping ? Promise.resolve([]) : endPeriod(false)),
    stop: () => {
      stopping ??= (async () => {
        clearInterval(timer);
        await endPeriod(true);
        await exporter.close(settings.exportTimeoutMs);
        shared.running = null;
      })();
      return stopping;
    },
    stopSync: (timeoutMs: number) => {
      if (stopping) return;
      stopping = Promise.resolve();
      clearInterval(timer);
      const period = nextPeriod();
      const comments = selfReport(period);
      const results = collectors.map((c) => {
        try {
          return c.stopSync ? c.stopSync(period, comments, timeoutMs) : null;
        } catch (e) {
          logOnce(`exit-failed:${c.kind}`, `the last ${c.kind} profile was lost at exit: ${(e as Error).message}`);
          return null;
        }
      });
      deliver(period, results, true);
      shared.running = null;
    },
    ...labelFunctions,
  };
  return profiler;
}
