// The time profiler's presence on one JS thread: its native sampler (native/src/sampler.h:
// the thread's wall and CPU timers, started at once and kept for the thread's life) and the
// hand-off of its stack batches.
//
// The collector does no aggregation: the owner thread takes every thread's stack batch natively
// (rotate, takeOthers) and transfers them to the aggregation worker; each thread adds only what
// its own JS knows (labels()).
import { memorySourceMaps } from './memory-source-maps.js';
import type { MemorySourceMap } from '../transport/protocol.js';
import { threadId as currentThreadId, isMainThread } from 'node:worker_threads';
import { threadName } from './thread-name.js';
import type { NativeAddon, NativeTimeBatch } from './native.js';
import { labelSlot, takeNewLabelSets } from './labels.js';
import type { Labels } from './labels.js';
import { startTraceSamples, stopTraceSamples, takeNewSpanNames, takeSpanRenames, traceSlot, watchTraceContext } from './trace-context.js';

export interface ThreadCollectorOptions {
  intervalMicros: number;
  periodMs: number;
  /** Name for the `thread name` label; default `main`, or the worker's name, or `worker`. */
  threadName?: string;
  /** Event-loop turns busy this long or longer are reported as blocks (ms; native default 50). */
  blockThresholdMs?: number;
}

/** What only the thread itself knows at a period end: its new label sets, root span names and in-memory source maps. */
export interface ThreadLabels {
  labelSets: { id: number; labels: Labels }[];
  spanNames: { id: number; name: string }[];
  spanRenames: { root: string; name: string }[];
  sourceMaps: MemorySourceMap[];
}

export class ThreadCollector {
  private stopped = false;

  constructor(private readonly addon: NativeAddon, opts: ThreadCollectorOptions) {
    addon.timeInit(labelSlot(), isMainThread ? 0 : currentThreadId, opts.threadName ?? threadName(), opts.intervalMicros, traceSlot());
    startTraceSamples();
    if (opts.blockThresholdMs !== undefined) addon.timeSetBlockThreshold(Math.round(opts.blockThresholdMs * 1e6));
    addon.timeStart();
  }

  /** Samples this thread at `micros` from the next rotation on (the overhead cap). */
  setInterval(micros: number): void {
    if (!this.stopped) this.addon.timeSetInterval(micros);
  }

  /** This thread's label sets, root span names and source maps new since the last call. */
  labels(): ThreadLabels {
    watchTraceContext();
    return { labelSets: takeNewLabelSets(), spanNames: takeNewSpanNames(), spanRenames: takeSpanRenames(), sourceMaps: memorySourceMaps(this.addon.timeNewScripts()) };
  }

  /** On the owner thread: ends its period and returns its batch (the others: takeOthers). */
  rotate(): NativeTimeBatch | undefined {
    return this.stopped ? undefined : this.addon.timeRotate(true);
  }

  /** On the owner thread: every other thread's batch, taken natively. */
  takeOthers(): NativeTimeBatch[] {
    return this.addon.timeTakeOthers();
  }

  /** Stops profiling this thread. The owner gets its last batch; another thread leaves it to the owner. */
  stop(owner: boolean): NativeTimeBatch | undefined {
    if (this.stopped) return undefined;
    this.stopped = true;
    stopTraceSamples();
    const batch = owner ? this.addon.timeRotate(false) : undefined;
    this.addon.timeDispose(!owner);
    return batch;
  }
}
