// The time profiler's presence on one JS thread: its native sampler (native/src/sampler.h:
// the thread's wall and CPU timers, started at once and kept for the thread's life) and the
// hand-off of its stack batches.
//
// The collector does no aggregation: rotate() returns the native batch (typed arrays plus the
// strings and label sets new since the last batch), which the caller transfers to the
// aggregation worker.
import { memorySourceMaps } from './memory-source-maps.js';
import type { MemorySourceMap } from './memory-source-maps.js';
import { threadId as currentThreadId, isMainThread } from 'node:worker_threads';
import * as wt from 'node:worker_threads';
import type { NativeAddon, NativeTimeBatch } from '../native.js';
import { labelSlot, takeNewLabelSets } from '../labels.js';
import type { Labels } from '../labels.js';

export interface ThreadCollectorOptions {
  intervalMicros: number;
  periodMs: number;
  /** Name for the `thread name` label; default `main`, or the worker's name, or `worker`. */
  threadName?: string;
  /** Event-loop turns busy this long or longer are reported as blocks (ms; native default 50). */
  blockThresholdMs?: number;
}

export interface CollectedBatch {
  batch: NativeTimeBatch;
  labelSets: { id: number; labels: Labels }[];
  sourceMaps: MemorySourceMap[];
}

/** The variable through which a worker learns its name where Node cannot tell it. */
export const THREAD_NAME_ENV = 'HOTPATH_THREAD_NAME';

function defaultThreadName(): string {
  if (isMainThread) return 'main';
  // worker_threads.threadName exists from Node 22; on Node 20 hotpath's Worker wrapper
  // (src/preload.ts) passes the name in the worker's environment.
  const name = (wt as { threadName?: string }).threadName ?? process.env[THREAD_NAME_ENV];
  return typeof name === 'string' && name !== '' ? name : 'worker';
}

export class ThreadCollector {
  private stopped = false;

  constructor(private readonly addon: NativeAddon, opts: ThreadCollectorOptions) {
    addon.timeInit(labelSlot(), isMainThread ? 0 : currentThreadId, opts.threadName ?? defaultThreadName(), opts.intervalMicros);
    if (opts.blockThresholdMs !== undefined) addon.timeSetBlockThreshold(Math.round(opts.blockThresholdMs * 1e6));
    addon.timeStart();
  }

  /** Samples this thread at `micros` from the next rotation on (the overhead cap). */
  setInterval(micros: number): void {
    if (!this.stopped) this.addon.timeSetInterval(micros);
  }

  /** Ends this thread's current period (the next one starts first) and returns its raw data. */
  rotate(): CollectedBatch | undefined {
    if (this.stopped) return undefined;
    const batch = this.addon.timeRotate(true);
    return batch && { batch, labelSets: takeNewLabelSets(), sourceMaps: memorySourceMaps(batch) };
  }

  /** Stops profiling this thread; returns the last data. */
  stop(): CollectedBatch | undefined {
    if (this.stopped) return undefined;
    this.stopped = true;
    const batch = this.addon.timeRotate(false);
    this.addon.timeDispose();
    return batch && { batch, labelSets: takeNewLabelSets(), sourceMaps: memorySourceMaps(batch) };
  }
}
