// The public profiler: `start(options)` resolves the settings once, starts the collectors the
// settings ask for and sends each finished profile to the exporters. One profiler per process:
// a second start() returns the running one (and says so once) instead of a second sampler.
//
// On a worker thread start() only joins the process's profiler (startThreadCollector): its
// samples go to the main thread's aggregation worker and into the main thread's profiles.
import { isMainThread } from 'node:worker_threads';
import { resolveSettings, publicSettings } from './settings.js';
import type { CliFlags, HotpathOptions, Settings } from './settings.js';
import { createExporter, diffStats, exportComment } from './export/index.js';
import type { ExporterStats, MultiExporter, ProfileExport } from './export/index.js';
import { startThreadCollector, startTimeProfiler } from './time/time-profiler.js';
import type { ThreadProfiler, TimeProfileMeta, TimeProfiler } from './time/time-profiler.js';
import { getLabels, setLabels, withLabels } from './labels.js';
import { logOnce } from './log.js';

export interface Profiler {
  /** The resolved settings, credentials redacted. */
  readonly settings: ReturnType<typeof publicSettings>;
  /** False when the native addon could not load: the program runs unprofiled. */
  readonly active: boolean;
  /** Ends the current period of every profile now, exports it and resolves to what was exported. */
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

let running: Profiler | null = null;

/** Starts profiling this process (or, on a worker thread, joins the process's profiler). */
export function start(options: StartOptions = {}, cliFlags: CliFlags = {}): Profiler {
  if (running) {
    logOnce('second-start', 'start() called while hotpath is already running: the running profiler is kept, the new options are ignored');
    return running;
  }
  const { onProfile, ...hotpathOptions } = options;
  if (onProfile !== undefined && typeof onProfile !== 'function') {
    throw new TypeError('hotpath: option onProfile must be a function');
  }
  const settings = resolveSettings(hotpathOptions, cliFlags);
  for (const warning of settings.warnings) logOnce(`settings:${warning}`, warning.replace(/^hotpath: /, ''));
  running = isMainThread ? startOwner(settings, onProfile) : startThread(settings);
  return running;
}

/** The running profiler of this thread, if any. */
export function current(): Profiler | null {
  return running;
}

const labelFunctions = { withLabels, setLabels, getLabels };

function startThread(settings: Settings): Profiler {
  let thread: ThreadProfiler | null = null;
  if (settings.profiles.includes('time')) {
    thread = startThreadCollector({ intervalMicros: Math.round(settings.samplingIntervalMs * 1000), periodMs: settings.periodMs });
  }
  return {
    settings: publicSettings(settings),
    active: thread !== null,
    flush: async () => [],
    stop: async () => {
      thread?.stop();
      thread = null;
      running = null;
    },
    ...labelFunctions,
  };
}

function startOwner(settings: Settings, onProfile: StartOptions['onProfile']): Profiler {
  const exporter: MultiExporter = createExporter(settings);
  let lastStats: ExporterStats = exporter.stats();
  const intervalMicros = Math.round(settings.samplingIntervalMs * 1000);

  const deliver = (profile: ProfileExport): void => {
    void exporter.exportPeriod([profile]);
    const now = exporter.stats();
    const delta = diffStats(lastStats, now);
    lastStats = now;
    if (delta.failed > 0 || delta.dropped > 0) logOnce('export-failures', exportComment(delta).replace(/^hotpath: /, ''));
    if (onProfile) {
      try {
        onProfile(profile);
      } catch (e) {
        logOnce('onprofile-threw', `onProfile threw: ${(e as Error).message}`);
      }
    }
  };
  const timeExport = (bytes: Uint8Array, meta: TimeProfileMeta): ProfileExport => {
    const startMs = Number(BigInt(meta.timeNanos) / 1_000_000n);
    return {
      kind: 'time',
      bytes,
      start: new Date(startMs),
      end: new Date(startMs + meta.durationNanos / 1e6),
      sampleRateHz: 1e6 / intervalMicros,
    };
  };

  let time: TimeProfiler | null = null;
  if (settings.profiles.includes('time')) {
    time = startTimeProfiler({
      intervalMicros,
      periodMs: settings.periodMs,
      onProfile: (bytes, meta) => deliver(timeExport(bytes, meta)),
    });
  }
  const active = time !== null;

  let stopping: Promise<void> | null = null;
  const profiler: Profiler = {
    settings: publicSettings(settings),
    active,
    flush: async () => {
      const out: ProfileExport[] = [];
      if (time) {
        // flush() hands the profile back instead of to onProfile: deliver it here.
        const bytes = await time.flush();
        const profile: ProfileExport = { kind: 'time', bytes, start: new Date(), end: new Date(), sampleRateHz: 1e6 / intervalMicros };
        deliver(profile);
        out.push(profile);
      }
      return out;
    },
    stop: () => {
      stopping ??= (async () => {
        try {
          await time?.stop();
        } catch (e) {
          logOnce('stop-failed', `stopping the time profiler failed: ${(e as Error).message}`);
        }
        await exporter.close(settings.exportTimeoutMs);
        running = null;
      })();
      return stopping;
    },
    ...labelFunctions,
  };
  return profiler;
}
