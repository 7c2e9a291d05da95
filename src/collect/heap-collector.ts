// The heap profile (alloc_objects/count, alloc_space/bytes, inuse_objects/count,
// inuse_space/bytes; thread labels; `(external)` for memory outside the JS heap).
//
//   createHeapCollector(settings): KindCollector | null      the profiler's factory for 'heap'
//     Starts V8's sampling heap profiler on this (the main) thread, the heap service
//     (src/aggregate/heap.ts) and, near the heap limit, a last synchronous profile written
//     to settings.outDir with the file exporter's naming. Worker threads join with
//     startHeapThread() (src/collect/heap-thread.ts). Null (after one warning) without the addon.
//   takeHeapProfile(): Promise<Uint8Array>                  for /debug/pprof/heap
//     The live heap now and the allocations of the current period so far, of every profiled
//     thread, gzipped pprof; the period goes on. When no heap collector runs, the first call
//     starts the main thread's sampler (kept running, so later pulls know more).
//
// Each period end: the owner announces Flush on the control channel (worker threads send their
// batch to the encoder), takes its own batch and hands it to the encoder, which waits for the
// threads that run the heap profiler (or a timeout) and sends back the encoded profile.
import { Code } from '../transport/protocol.js';
import { getHeapStatistics } from 'node:v8';
import { BroadcastChannel, isMainThread } from 'node:worker_threads';
import { ServiceClient } from '../transport/service-client.js';
import type { KindCollector, PeriodInfo, WriteNow } from './kind-collector.js';
import type { Settings } from '../common/settings.js';
import { loadNative } from './native.js';
import { logOnce } from '../common/log.js';
import { createSyncReply, waitSyncReply } from '../transport/sync-reply.js';
import { batchTransferList } from '../transport/heap-batch.js';
import type { HeapBatch } from '../transport/heap-batch.js';
import type { NativeAddon } from './native.js';
import { HeapSampler, resolveSamplerOptions } from './heap-sampler.js';
import type { HeapSamplerOptions } from './heap-sampler.js';
import { HEAP_CONTROL_CHANNEL } from '../transport/heap-protocol.js';
import type { BatchMessage, EncodeMessage, EncodedMessage, FlushMessage } from '../transport/heap-protocol.js';

export { startHeapThread } from './heap-thread.js';
export type { HeapThread, HeapThreadOptions } from './heap-thread.js';

export interface HeapCollectorOptions extends HeapSamplerOptions {
  /** How long a period end waits for the other threads' batches (default 1000 ms). */
  flushTimeoutMs?: number;
  /** Near the heap limit, write a last profile with this. Unset: no such profile. */
  nearLimit?: WriteNow;
}

/** Extra heap granted near the limit while the last profile is written: max(16 MiB, limit/8). */
const NEAR_LIMIT_MIN_EXTRA = 16 << 20;
/** How long the thread at its heap limit waits for the worker to encode its last profile. */
const NEAR_LIMIT_WAIT_MS = 5000;

function unixNanosNow(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
}

/** The main thread's side: its sampler, the heap service, the control channel. */
class HeapOwner {
  private readonly service: ServiceClient<EncodedMessage>;
  private readonly channel: BroadcastChannel;
  private seq = 0;
  private stopped = false;
  private periodStart = unixNanosNow();
  private periodStartMs = performance.now();
  private nearLimitSet = false;

  constructor(private readonly addon: NativeAddon, private readonly sampler: HeapSampler, private readonly flushTimeoutMs: number) {
    // The heap service of the process's one aggregation worker (src/aggregate/heap.ts).
    this.service = new ServiceClient('heap', { intervalBytes: sampler.options.intervalBytes });
    this.channel = new BroadcastChannel(HEAP_CONTROL_CHANNEL);
    (this.channel as unknown as { unref(): void }).unref();
  }

  private get failed(): Error | null {
    return this.service.failed;
  }

  /** Ends the period (or, peek, looks at it) on every thread; resolves to the encoded profile. */
  request(peek: boolean, period: PeriodInfo | null, comments: readonly string[], last = false): Promise<Uint8Array> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.stopped) return Promise.reject(new Error('hotpath: the heap profiler is stopped'));
    const seq = this.flushThreads(peek);
    const batch = (last ? this.sampler.stop() : this.sampler.rotate(!peek)) ?? null;
    const notes = peek ? comments : [...comments, ...this.sendLeftBatches(seq)];
    const m = this.encodeMessage(seq, peek, batch, period, notes, this.otherThreads(), this.flushTimeoutMs);
    return this.service.request(seq, m, batch ? batchTransferList(batch) : []).then((r) => r.bytes);
  }

  /**
   * The last periods of workers ended by terminate() (their JS never handed them off; the addon
   * kept them), sent into period `seq`. Returns the comment on those it had to drop.
   */
  private sendLeftBatches(seq: number): string[] {
    const left = this.addon.heapTakeLeft();
    for (const batch of left.batches) {
      const msg: BatchMessage = { code: Code.Batch, kind: 'heap', seq, peek: false, batch };
      this.service.post(msg, batchTransferList(batch));
    }
    return left.dropped > 0
      ? [`hotpath: heap: the last periods of ${left.dropped} ended threads were dropped (more were waiting than the addon keeps)`]
      : [];
  }

  /** Asks the other threads for their batches of period `seq` (the next one). */
  private flushThreads(peek: boolean): number {
    const seq = ++this.seq;
    const flush: FlushMessage = { code: Code.Flush, kind: 'heap', seq, peek, encoder: this.service.threadId };
    this.channel.postMessage(flush);
    return seq;
  }

  private encodeMessage(seq: number, peek: boolean, batch: HeapBatch | null, period: PeriodInfo | null,
    comments: readonly string[], threads: number[], waitMs: number, sync?: SharedArrayBuffer): EncodeMessage {
    const nowMs = performance.now();
    const p = period ?? { timeNanos: this.periodStart, durationNanos: Math.round((nowMs - this.periodStartMs) * 1e6) };
    if (!peek) {
      this.periodStart = unixNanosNow();
      this.periodStartMs = nowMs;
    }
    const msg: EncodeMessage = {
      code: Code.EndPeriod, kind: 'heap', seq, peek, timeNanos: p.timeNanos.toString(), durationNanos: p.durationNanos,
      comments: [...comments], batch, threads, waitMs, sync,
    };
    return msg;
  }

  /** A period encoded in the worker while this thread waits (exit, the heap limit); null on failure or timeout. */
  private encodeWaiting(seq: number, batch: HeapBatch | null, period: PeriodInfo | null, comments: readonly string[],
    threads: number[], timeoutMs: number): Uint8Array | null {
    const sync = createSyncReply();
    // The worker waits for the other threads for half the time, so that encoding has the rest.
    const m = this.encodeMessage(seq, false, batch, period, comments, threads, Math.min(this.flushTimeoutMs, Math.floor(timeoutMs / 2)), sync);
    this.service.post(m, batch ? batchTransferList(batch) : []);
    const { bytes, missing } = waitSyncReply(sync, timeoutMs);
    if (missing) logOnce('heap-sync', `the last heap profile was lost: ${missing}`);
    return bytes;
  }

  private otherThreads(): number[] {
    return this.addon.heapThreads().filter((id) => id !== 0);
  }

  async stop(period: PeriodInfo, comments: readonly string[]): Promise<Uint8Array> {
    try {
      return await this.request(false, period, comments, true);
    } finally {
      this.close();
    }
  }

  private close(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.channel.close();
    this.service.release({ code: Code.Stop, kind: 'heap' });
    if (owner === this) owner = null;
  }

  /** The last period of every thread, encoded in the worker while this thread waits: for process.exit. */
  stopSync(period: PeriodInfo, comments: readonly string[], timeoutMs: number): Uint8Array | null {
    if (this.stopped) return null;
    if (this.failed) {
      this.sampler.stop();
      this.close();
      return null;
    }
    const seq = this.flushThreads(false);
    const batch = this.sampler.stop() ?? null;
    const notes = [...comments, ...this.sendLeftBatches(seq)];
    const bytes = this.encodeWaiting(seq, batch, period, notes, this.otherThreads(), timeoutMs);
    // close() only releases the shared aggregation worker: the time profile may still be
    // encoding its last period there (a terminate would lose it).
    this.close();
    return bytes;
  }

  /** Near the heap limit: a last profile of this thread, encoded in the worker and written by `write`. */
  enableNearLimit(write: WriteNow): void {
    if (this.nearLimitSet) return;
    this.nearLimitSet = true;
    const handler = (): void => {
      try {
        if (this.stopped || this.failed) return;
        const start = this.periodStart;
        const startMs = this.periodStartMs;
        const batch = this.sampler.rotate(true) ?? null;
        // Only this thread's batch: the others' come with the next period, if there is one.
        const bytes = this.encodeWaiting(++this.seq, batch, null, [
          'hotpath: heap: written near the heap limit (the process is about to run out of memory)',
        ], [], NEAR_LIMIT_WAIT_MS);
        if (!bytes) return;
        const startDate = new Date(Number(start / 1_000_000n));
        const where = write('heap', bytes, startDate, new Date(startDate.getTime() + (performance.now() - startMs)));
        logOnce('heap-near-limit', where
          ? `near the heap limit: wrote the last heap profile to ${where}`
          : 'near the heap limit: could not write the last heap profile');
      } catch (e) {
        logOnce('heap-near-limit', `near the heap limit: the last heap profile was lost: ${(e as Error).message}`);
      }
    };
    const limit = getHeapStatistics().heap_size_limit;
    this.addon.heapNearLimit(handler, Math.max(NEAR_LIMIT_MIN_EXTRA, Math.round(limit / 8)));
  }
}

let owner: HeapOwner | null = null;

function startOwner(options: HeapCollectorOptions): HeapOwner | null {
  if (owner) return owner;
  if (!isMainThread) throw new Error('hotpath: the heap collector runs on the main thread; use startHeapThread() on workers');
  const opts = resolveSamplerOptions(options);
  const flushTimeoutMs = options.flushTimeoutMs ?? 1000;
  if (!(Number.isInteger(flushTimeoutMs) && flushTimeoutMs >= 0 && flushTimeoutMs <= 600_000)) {
    throw new RangeError(`hotpath: heap option flushTimeoutMs must be an integer from 0 to 600000, got ${String(flushTimeoutMs)}`);
  }
  const addon = loadNative();
  if (!addon) return null;
  const sampler = new HeapSampler(addon, opts);
  owner = new HeapOwner(addon, sampler, flushTimeoutMs);
  return owner;
}

/** The heap KindCollector with explicit options (tests, embedders). */
export function startHeapCollector(options: HeapCollectorOptions = {}): KindCollector | null {
  const o = startOwner(options);
  if (!o) return null;
  if (options.nearLimit) o.enableNearLimit(options.nearLimit);
  return {
    kind: 'heap',
    endPeriod: (period, comments) => o.request(false, period, comments),
    stop: (period, comments) => o.stop(period, comments),
    stopSync: (period, comments, timeoutMs) => o.stopSync(period, comments, timeoutMs),
  };
}

/** CollectorFactory of the `heap` kind, for src/profiler.ts. */
export function createHeapCollector(settings: Settings, writeNow: WriteNow): KindCollector | null {
  return startHeapCollector({ intervalBytes: settings.heapSamplingIntervalBytes, readBudget: settings.heapReadBudget, nearLimit: writeNow });
}

/** For /debug/pprof/heap: every profiled thread's live heap now and this period's allocations. */
export function takeHeapProfile(): Promise<Uint8Array> {
  let o: HeapOwner | null;
  try {
    o = startOwner({});
  } catch (e) {
    return Promise.reject(e);
  }
  if (!o) return Promise.reject(new Error('hotpath: the heap profile is unavailable (the native addon could not load)'));
  return o.request(true, null, []);
}
