// One JS thread's heap sampler: V8's sampling heap profiler on this thread, through the addon.
import { isMainThread, threadId as currentThreadId } from 'node:worker_threads';
import { threadName as defaultThreadName } from './thread-name.js';
import type { HeapBatch } from '../transport/heap-batch.js';
import { DEFAULTS } from '../common/settings.js';
import type { NativeAddon } from './native.js';

export const DEFAULT_STACK_DEPTH = 64;

export interface HeapSamplerOptions {
  /** Mean bytes between two samples (default 512 KiB). */
  intervalBytes?: number;
  /** Frames kept per sample (default 64). */
  stackDepth?: number;
  /** Share of the thread's CPU time spent reading V8's profile at GCs (default 0.002; native/src/heap_profiler.cc). */
  readBudget?: number;
  /** Forces the share of GC intervals read, in (0, 1] (tests and measurements); default adaptive. */
  probeShare?: number;
  /** `thread name` label (default `main`, or the worker's name, or `worker`). */
  threadName?: string;
}

export interface ResolvedSamplerOptions {
  intervalBytes: number;
  stackDepth: number;
  readBudget: number;
  probeShare: number;
  threadName: string;
}

function checkNumber(name: string, v: unknown, def: number, ok: (n: number) => boolean, expected: string): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !ok(v)) throw new RangeError(`hotpath: heap option ${name} must be ${expected}, got ${String(v)}`);
  return v;
}

export function resolveSamplerOptions(o: HeapSamplerOptions = {}): ResolvedSamplerOptions {
  if (o === null || typeof o !== 'object') throw new TypeError('hotpath: heap options must be an object');
  const threadName = o.threadName ?? defaultThreadName();
  if (typeof threadName !== 'string') throw new TypeError('hotpath: heap option threadName must be a string');
  return {
    intervalBytes: o.intervalBytes ?? DEFAULTS.heapSamplingIntervalBytes,  // checked by the settings
    stackDepth: checkNumber('stackDepth', o.stackDepth, DEFAULT_STACK_DEPTH,
      (n) => Number.isInteger(n) && n >= 1 && n <= 1024, 'an integer from 1 to 1024'),
    readBudget: o.readBudget ?? DEFAULTS.heapReadBudget,  // checked by the settings
    probeShare: checkNumber('probeShare', o.probeShare, 0, (n) => n > 0 && n <= 1, 'a number in (0, 1]'),
    threadName,
  };
}

export class HeapSampler {
  private disposed = false;

  constructor(private readonly addon: NativeAddon, readonly options: ResolvedSamplerOptions) {
    addon.heapInit(isMainThread ? 0 : currentThreadId, options.threadName, options.intervalBytes, options.stackDepth,
      options.readBudget, options.probeShare, Math.floor(Math.random() * 2 ** 52));
  }

  /** This period's batch; `reset` ends the period (false: a look for a pull, the period goes on). */
  rotate(reset: boolean): HeapBatch | undefined {
    if (this.disposed) return undefined;
    return this.addon.heapRotate(reset);
  }

  /** The last batch, then stops V8's profiler on this thread. Idempotent. */
  stop(): HeapBatch | undefined {
    if (this.disposed) return undefined;
    let last: HeapBatch | undefined;
    try {
      last = this.addon.heapRotate(true);
    } finally {
      this.disposed = true;
      this.addon.heapDispose();
    }
    return last;
  }
}
