// hotpath's native addon as TypeScript sees it: what it returns, and the functions hotpath
// calls. Finding and loading the build for this Node is collect/addon-loader.ts's job.
import { loadAddon } from './addon-loader.js';
import type { NativeTimeBatch } from '../transport/time-batch.js';
import type { HeapBatch } from '../transport/heap-batch.js';

export { nativeCandidates, builtForAbi } from './addon-loader.js';
export type { NativeTimeBatch, NativeBatchStats } from '../transport/time-batch.js';

export interface CodeMapStats {
  live: number;
  retired: number;
  adds: number;
  moves: number;
  unknownMoves: number;
  lineTables: number;
  /** Ranges evicted past the map's limit (least recently named by a sample). */
  evicted: number;
  /** Bytes the map holds, approximately: ranges, names, line tables, script URLs (only when asked for: a walk of the map). */
  bytes?: number;
  /** The real-time signal the sampler uses (0 before the first thread started). */
  signal: number;
}

export interface NativeAddon {
  version(): number;
  timeInit(labelSlot: Int32Array, threadId: number, threadName: string, intervalMicros: number, traceSlot: Int32Array): void;
  timeStart(): void;
  /** The sampling interval from now on (the overhead cap); never below the configured one. */
  timeSetInterval(micros: number): void;
  timeRotate(restart: boolean): NativeTimeBatch | undefined;
  /** On the owner thread: the batches of every other profiled thread, live or ended since the last call. */
  timeTakeOthers(): NativeTimeBatch[];
  /** URLs of the scripts this thread compiled code of since the last call. */
  timeNewScripts(): string[];
  /** Turns of this thread's event loop busy this long or longer are blocks (ns). */
  timeSetBlockThreshold(ns: number): void;
  /** handOff: what the thread sampled since the owner's last take waits for its next. */
  timeDispose(handOff: boolean): void;
  /** False when another handler had been installed over the sampler's on its signal (the sampler's is back in front now). */
  timeCheckSignal(): boolean;
  /** Time in the sampling signal's handler on all threads since the process started (ns). */
  timeHandlerNs(): number;
  codeMapStats(withBytes?: boolean): CodeMapStats;
  registeredThreads(): number[];
  monotonicNs(): number;
  threadCpuNs(): number;
  osThreadId(): number;
  // The heap half (native/src/heap_profiler.cc).
  heapInit(threadId: number, threadName: string, intervalBytes: number, stackDepth: number,
    budget: number, fixedShare: number, seed: number): void;
  heapRotate(reset: boolean): HeapBatch | undefined;
  /** The last periods of workers that ended without handing them off (terminate()), and how many were dropped past the bound. */
  heapTakeLeft(): { batches: HeapBatch[]; dropped: number };
  heapDispose(): void;
  heapThreads(): number[];
  heapNearLimit(handler: () => void, extraBytes: number): void;
  /**
   * When this thread's environment ends (terminate() included), Int32 slot `index` of `buffer`
   * becomes 1 (native/src/thread_end.cc). `previous`: a buffer watched before that this one replaces.
   */
  watchThreadEnd(buffer: SharedArrayBuffer, index: number, previous?: SharedArrayBuffer): void;
}

/** Every function of the addon that hotpath calls: a build without one of them is out of date. */
const ADDON_FUNCTIONS = ['timeInit', 'timeStart', 'timeSetInterval', 'timeSetBlockThreshold', 'timeRotate', 'timeTakeOthers', 'timeNewScripts', 'timeDispose', 'timeCheckSignal', 'timeHandlerNs', 'codeMapStats',
  'registeredThreads', 'monotonicNs', 'threadCpuNs', 'osThreadId', 'heapInit', 'heapRotate', 'heapDispose', 'heapThreads', 'heapNearLimit', 'watchThreadEnd'];

/** The addon for this Node, or null (after one warning) when it cannot be loaded (collect/addon-loader.ts). */
export function loadNative(): NativeAddon | null {
  return loadAddon(ADDON_FUNCTIONS) as NativeAddon | null;
}
