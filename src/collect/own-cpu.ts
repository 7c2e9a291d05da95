// The profiler's own CPU time: the threads hotpath runs (its drain thread `hotpath-sampler`, its
// workers, which name themselves `hotpath-…`), read from /proc/<tid>/schedstat (each thread's
// time on CPU in nanoseconds), plus the sampling signal's handler on the profiled threads
// (stack walk included), which the addon sums as it runs.
//
// Not counted: the event-loop and label hooks on the profiled threads (a few ns per call).
import { readdirSync, readFileSync } from 'node:fs';
import { loadNative } from './native.js';
import { OWN_THREAD_PREFIX } from '../common/own-thread.js';

function cpuNsOf(tid: string): number | undefined {
  try {
    if (!readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').startsWith(OWN_THREAD_PREFIX)) return undefined;
    return Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    return undefined;  // the thread ended between the listing and the read
  }
}

export class OwnCpuMeter {
  /** CPU of our threads at the last reading, by tid; threads that ended keep their last value. */
  private readonly last = new Map<string, number>();
  private total = 0;

  /** True where /proc/self/task exists (Linux). */
  readonly available: boolean;

  constructor() {
    let ok = false;
    try {
      ok = readdirSync('/proc/self/task').length > 0;
    } catch {
      ok = false;
    }
    this.available = ok;
  }

  private readonly handlerNs0 = loadNative()?.timeHandlerNs() ?? 0;

  /** Nanoseconds of CPU hotpath used since the meter was made. */
  read(): number {
    return this.threadsNs() + (loadNative()?.timeHandlerNs() ?? this.handlerNs0) - this.handlerNs0;
  }

  private threadsNs(): number {
    if (!this.available) return 0;
    let tids: string[];
    try {
      tids = readdirSync('/proc/self/task');
    } catch {
      return this.total;
    }
    for (const tid of tids) {
      const ns = cpuNsOf(tid);
      if (ns === undefined) continue;
      const before = this.last.get(tid) ?? 0;
      // Less than before: the tid was reused by a new thread of ours.
      this.total += ns >= before ? ns - before : ns;
      this.last.set(tid, ns);
    }
    // Forget threads that are gone (their time is already in the total): bounded memory.
    if (this.last.size > tids.length + 64) {
      const live = new Set(tids);
      for (const tid of this.last.keys()) if (!live.has(tid)) this.last.delete(tid);
    }
    return this.total;
  }
}
