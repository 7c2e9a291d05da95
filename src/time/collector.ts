// The time profiler as one KindCollector: the profiler's period clock drives it through
// flush(), so every kind's periods start and end together.
import type { KindCollector, PeriodInfo } from '../collector.js';
import type { Settings } from '../settings.js';
import { startTimeProfiler } from './time-profiler.js';

/** Longer than any period: the time profiler's own timer never fires; the profiler's clock does. */
const NEVER_MS = 24 * 3600 * 1000;

export function createTimeCollector(settings: Settings): KindCollector | null {
  const time = startTimeProfiler({
    intervalMicros: Math.round(settings.samplingIntervalMs * 1000),
    periodMs: NEVER_MS,
  });
  if (!time) return null;
  return {
    kind: 'time',
    endPeriod: (_period: PeriodInfo, comments: readonly string[]) => time.flush(comments),
    stop: (_period: PeriodInfo, comments: readonly string[]) => time.stop(comments),
    stopSync: (_period: PeriodInfo, comments: readonly string[], timeoutMs: number) => time.stopSync(comments, timeoutMs),
    setIntervalMicros: (micros: number) => time.setIntervalMicros(micros),
    get intervalMicros() {
      return time.intervalMicros;
    },
  };
}
