// The contention profile: waits to acquire locks and the time they are held, sampled.
//
//   createContentionCollector(settings, options?): KindCollector | null
//
// Sources, all on the thread that runs the collector (start one per worker thread that takes
// locks): Atomics.wait / waitAsync / notify (src/collect/contention-atomics.ts), async-mutex
// (src/collect/contention-async-mutex.ts) and trackLock() for home-made locks (src/collect/contention-track.ts).
// Sample types lock-acquire/count, lock-acquire-wait/nanoseconds, lock-release/count,
// lock-release-hold/nanoseconds; label `lock name`. One share of acquires is sampled
// (src/collect/contention-state.ts) and values are scaled by 1/share; the profile's period says it.
import type { KindCollector } from './kind-collector.js';
import type { Settings } from '../common/settings.js';
import { KIND_SPECS } from '../transport/event-batch.js';
import { Recorder } from './event-recorder.js';
import type { RecorderLimits } from './event-recorder.js';
import { createEventCollector } from './event-client.js';
import { ContentionState, DEFAULT_LOCK_SAMPLES_PER_SECOND, setState, state } from './contention-state.js';
import { installAtomics, uninstallAtomics } from './contention-atomics.js';
import { installAsyncMutex, uninstallAsyncMutex } from './contention-async-mutex.js';
import { logOnce } from '../common/log.js';

export { trackLock } from './contention-track.js';
export type { TrackedLock } from './contention-track.js';
export { nameAtomicsLock } from './contention-atomics.js';
export { DEFAULT_LOCK_SAMPLES_PER_SECOND } from './contention-state.js';

/** What tests and benchmarks vary beyond the settings (the share is settings.lockShare). */
export interface ContentionOptions {
  /**
   * Budget of sampled acquires per second on a thread (the share adapts to it; Infinity: fixed
   * share). Default DEFAULT_LOCK_SAMPLES_PER_SECOND.
   */
  lockSamplesPerSecond?: number;
  /** Wrap Atomics.wait/waitAsync/notify (default true). */
  atomics?: boolean;
  /** Instrument async-mutex when the application has it (default true). */
  asyncMutex?: boolean;
  limits?: RecorderLimits;
}

export function createContentionCollector(settings: Settings, options: ContentionOptions = {}): KindCollector | null {
  const share = settings.lockShare;
  const budget = options.lockSamplesPerSecond ?? DEFAULT_LOCK_SAMPLES_PER_SECOND;
  if (typeof budget !== 'number' || !(budget > 0)) {
    throw new RangeError(`hotpath: lockSamplesPerSecond must be a number > 0, got ${String(budget)}`);
  }
  if (state !== null) {
    logOnce('contention-twice', 'the contention profile is already running on this thread; the second one is ignored');
    return null;
  }
  const recorder = new Recorder('contention', KIND_SPECS.contention.sampleTypes.length, options.limits);
  const s = new ContentionState(share, budget, recorder);
  setState(s);
  if (options.atomics !== false) installAtomics();
  let found: string[] = [];
  if (options.asyncMutex !== false) found = installAsyncMutex();
  return createEventCollector({
    kind: 'contention',
    recorder,
    periodType: { type: 'lock-acquire', unit: 'count' },
    period: Math.round(1 / share),
    batchNotes: () => {
      const low = s.lowestShare;
      s.lowestShare = s.currentShare;
      return [low < share
        ? `1 in ${Math.round(1 / share)} lock acquires sampled at most, down to 1 in ${Math.round(1 / low)} this period to stay within ${budget} sampled acquires a second; each sample weighted by 1/its share`
        : `1 in ${Math.round(1 / share)} lock acquires sampled on average; values scaled by ${+(1 / share).toFixed(3)}`];
    },
    periodNotes: () => (found.length > 0 ? [`hotpath: contention: async-mutex instrumented (${found.join(', ')})`] : []),
    uninstall: () => {
      uninstallAtomics();
      uninstallAsyncMutex();
      s.dispose();
      setState(null);
    },
  });
}
