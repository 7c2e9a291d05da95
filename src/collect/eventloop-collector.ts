// The event-loop blocks profile: every turn of a profiled thread's event loop that keeps it busy
// for `blockThresholdMs` (50 ms by default) or more, with the stacks that ran during it, as
// event-loop-blocks/count and event-loop-block-time/nanoseconds.
//
//   createEventLoopCollector(settings, options?): KindCollector | null
//
// Made from the time profiler's samples, so it needs the addon and costs nothing beyond the
// time profiler's own sampling (src/collect/time-source.ts shares one time profiler between the two
// kinds). The addon's uv_prepare hook ends each turn: two clock reads, and a record when the
// turn was busy past the threshold; busy = the turn's length less the time libuv waited for I/O
// in it, so slow I/O is not a block, while synchronous work (JavaScript, execSync, readFileSync)
// is. Every sample carries its turn's number; the aggregation worker gives each block's time to
// the samples of its turn (src/aggregate/eventloop-blocks.ts). Worker threads that load hotpath report
// their own loops' blocks, labelled with their thread. No inspector, no pause of any thread.
import type { KindCollector, PeriodInfo } from './kind-collector.js';
import type { Settings } from '../common/settings.js';
import { acquireTimeSource } from './time-source.js';

export function createEventLoopCollector(settings: Settings): KindCollector | null {
  const source = acquireTimeSource(settings);
  if (!source) return null;
  const time = source.profiler;
  const collector: KindCollector = {
    kind: 'eventloop',
    endPeriod: (period: PeriodInfo, comments: readonly string[]) => source.period(period, comments, false).then((r) => r.blocks),
    stop: (period: PeriodInfo, comments: readonly string[]) => source.period(period, comments, true).then((r) => r.blocks),
    stopSync: (period: PeriodInfo, comments: readonly string[], timeoutMs: number) => source.periodSync(period, comments, timeoutMs)?.blocks ?? null,
  };
  if (settings.profiles.includes('time')) return collector;
  // Without the time kind this collector is the sampling rate's only owner: the overhead cap acts on it here.
  return {
    ...collector,
    setIntervalMicros: (micros: number) => time.setIntervalMicros(micros),
    get intervalMicros() {
      return time.intervalMicros;
    },
  };
}
