// The time profiler as one KindCollector: the profiler's period clock drives it, so every
// kind's periods start and end together. The time profiler itself is shared with the
// event-loop kind (src/collect/time-source.ts).
import type { KindCollector, PeriodInfo } from './kind-collector.js';
import type { Settings } from '../common/settings.js';
import { acquireTimeSource } from './time-source.js';

export function createTimeCollector(settings: Settings): KindCollector | null {
  const source = acquireTimeSource(settings);
  if (!source) return null;
  const time = source.profiler;
  return {
    kind: 'time',
    endPeriod: (period: PeriodInfo, comments: readonly string[]) => source.period(period, comments, false).then((r) => r.time),
    stop: (period: PeriodInfo, comments: readonly string[]) => source.period(period, comments, true).then((r) => r.time),
    stopSync: (period: PeriodInfo, comments: readonly string[], timeoutMs: number) => source.periodSync(period, comments, timeoutMs)?.time ?? null,
    setIntervalMicros: (micros: number) => time.setIntervalMicros(micros),
    get intervalMicros() {
      return time.intervalMicros;
    },
  };
}
