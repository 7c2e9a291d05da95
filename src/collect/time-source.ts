// One time profiler per process, shared by the two kinds made from its samples: `time` and
// `eventloop` (event-loop blocks, src/aggregate/eventloop-blocks.ts). The profiler's period clock calls
// every collector's endPeriod with the same PeriodInfo object: the first call ends the time
// profiler's period, the other gets the same result. What the aggregation worker writes is
// fixed at the first acquire: the time profile when `time` is among the kinds, the blocks
// profile when `eventloop` is.
import type { PeriodInfo } from './kind-collector.js';
import type { Settings } from '../common/settings.js';
import { startTimeProfiler } from './time-profiler.js';
import type { TimePeriodResult, TimeProfiler } from './time-profiler.js';

/** Longer than any period: the time profiler's own timer never fires; the profiler's clock does. */
const NEVER_MS = 24 * 3600 * 1000;

export interface TimeSource {
  readonly profiler: TimeProfiler;
  /** Ends `period` (once for all users); `last` releases this user. */
  period(period: PeriodInfo, comments: readonly string[], last: boolean): Promise<TimePeriodResult>;
  /** The last period at a hard exit (synchronous). */
  periodSync(period: PeriodInfo, comments: readonly string[], timeoutMs: number): TimePeriodResult | null;
}

interface Shared {
  profiler: TimeProfiler;
  users: number;
  last: { period: PeriodInfo; result: Promise<TimePeriodResult> } | null;
  lastSync: { period: PeriodInfo; result: TimePeriodResult | null } | null;
}

let shared: Shared | null = null;

export function acquireTimeSource(settings: Settings): TimeSource | null {
  if (!shared) {
    const profiler = startTimeProfiler({
      intervalMicros: Math.round(settings.samplingIntervalMs * 1000),
      periodMs: NEVER_MS,
      writeTime: settings.profiles.includes('time'),
      blockThresholdMs: settings.profiles.includes('eventloop') ? settings.blockThresholdMs : undefined,
    });
    if (!profiler) return null;
    shared = { profiler, users: 0, last: null, lastSync: null };
  }
  const s = shared;
  s.users++;
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    s.users--;
    if (s.users === 0 && shared === s) shared = null;
  };
  return {
    profiler: s.profiler,
    period(period, comments, last) {
      if (s.last?.period === period) {
        if (last) {
          release();
          // The other users ended this period with a flush; the last one out stops the profiler.
          if (s.users === 0) {
            // Settle only once it has stopped, so that a start() right after stop() can start anew.
            const stopped = s.profiler.stop().catch(() => null);
            return Promise.all([s.last.result, stopped]).then(([r]) => r);
          }
        }
        return s.last.result;
      }
      const result = last && s.users === 1 ? s.profiler.stopAll(comments) : s.profiler.flushAll(comments);
      s.last = { period, result };
      if (last) release();
      return result;
    },
    periodSync(period, comments, timeoutMs) {
      if (s.lastSync?.period !== period) s.lastSync = { period, result: s.profiler.stopSyncAll(comments, timeoutMs) };
      release();
      return s.lastSync.result;
    },
  };
}
