// The time profiler's internal API, for the public start() (src/index.ts) and for tests.
//
//   startTimeProfiler(opts: TimeProfilerOptions): TimeProfiler | null
//     On the thread that owns profiling (normally the main thread; once per process). Starts:
//     this thread's collector, the aggregation worker (src/aggregate/time.ts, which
//     owns the WASM ProfileBuilder) and a period timer (unref'd). Every `periodMs` it ends the
//     period on every profiled thread and calls `onProfile(bytes, meta)` with the gzipped pprof
//     `time` profile (samples/count, wall/nanoseconds, cpu/nanoseconds; period = interval in
//     wall ns). Returns null (after one warning) when the addon cannot load: run unprofiled.
//       TimeProfiler.flush(): Promise<Uint8Array>  ends the current period now and resolves to
//         its profile (not passed to onProfile); the period timer keeps running.
//       TimeProfiler.stop(): Promise<Uint8Array>   ends the last period (passed to onProfile
//         and returned), stops this thread's profiler and the aggregation worker. Idempotent.
//
//   startThreadCollector(opts?: ThreadProfilerOptions): ThreadProfiler | null
//     On any other JS thread (a worker) that should be profiled. It profiles that thread; the
//     owner takes its samples natively at each period end, whatever the thread is doing, and
//     the thread answers the owner's period ends over a BroadcastChannel with its new label
//     sets and source maps (worker_threads.postMessageToThread where it exists). A thread busy
//     in synchronous code answers late: its new label sets then come in the next period. A
//     worker that stops or is terminated leaves what it sampled natively for the owner's next
//     period end. ThreadProfiler.stop() sends its last labels and stops.
//
// Options: intervalMicros (default 10000 = 100 Hz, >= 100), periodMs (default 60000, >= 100),
// flushTimeoutMs (how long a period end waits for the other threads, default 1000),
// blockThresholdMs (when set, every thread reports event-loop turns busy this long and the
// aggregator also writes the event-loop blocks profile: src/aggregate/eventloop-blocks.ts), writeTime
// (default true; false when only the blocks profile is wanted).
import { BroadcastChannel, isMainThread } from 'node:worker_threads';
import { toService } from '../transport/aggregation-host.js';
import { ServiceClient } from '../transport/service-client.js';
import * as wt from 'node:worker_threads';
import { loadNative } from './native.js';
import type { NativeAddon } from './native.js';
import { logOnce } from '../common/log.js';
import { DEFAULTS } from '../common/settings.js';
import { createSyncReply, unpackParts, waitSyncReply } from '../transport/sync-reply.js';
import { ThreadCollector } from './time-thread.js';
import type { ThreadLabels } from './time-thread.js';
import { Code, TIME_CHANNEL } from '../transport/protocol.js';
import { batchTransferList } from '../transport/time-batch.js';
import type { EndPeriodMessage, FlushMessage, LabelsMessage, ProfileMessage, TimeProfileMeta } from '../transport/protocol.js';
import type { NativeTimeBatch } from './native.js';

export type { TimeProfileMeta } from '../transport/protocol.js';

export interface TimeProfilerOptions {
  intervalMicros?: number;
  periodMs?: number;
  flushTimeoutMs?: number;
  onProfile?: (bytes: Uint8Array, meta: TimeProfileMeta) => void;
  /** `thread name` label of this thread (default `main`, or the worker's name). */
  threadName?: string;
  blockThresholdMs?: number;
  writeTime?: boolean;
}

/** One period's output: the time profile (empty when not written) and the blocks profile. */
export interface TimePeriodResult {
  time: Uint8Array;
  blocks: Uint8Array | null;
}

export interface TimeProfiler {
  /** flush/stop/stopSync with the event-loop blocks profile too. */
  flushAll(comments?: readonly string[]): Promise<TimePeriodResult>;
  stopAll(comments?: readonly string[]): Promise<TimePeriodResult>;
  stopSyncAll(comments?: readonly string[], timeoutMs?: number): TimePeriodResult | null;
  /** `comments` are added to the profile (the owner's self-report). */
  flush(comments?: readonly string[]): Promise<Uint8Array>;
  stop(comments?: readonly string[]): Promise<Uint8Array>;
  /**
   * The last period, synchronously, for `process.exit()` and fatal errors: blocks up to
   * `timeoutMs` while the aggregation worker encodes it. Null when it could not be had.
   */
  stopSync(comments?: readonly string[], timeoutMs?: number): Uint8Array | null;
  /**
   * Samples every profiled thread at `micros` from the next period on (never below the
   * configured interval): the overhead cap's lever. The period under way keeps its interval.
   */
  setIntervalMicros(micros: number): void;
  /** The interval of the period under way. */
  readonly intervalMicros: number;
  /** The aggregation worker's threadId (it is not profiled). */
  readonly aggregatorThreadId: number;
}

export interface ThreadProfilerOptions {
  intervalMicros?: number;
  periodMs?: number;
  threadName?: string;
  /** Event-loop turns busy this long or longer are blocks (ms); unset: no blocks profile. */
  blockThresholdMs?: number;
}

export interface ThreadProfiler {
  stop(): void;
}

const DEFAULT_FLUSH_TIMEOUT_MS = 1000;

/**
 * The thread's time profiler, shared by every copy of hotpath loaded on this thread (another
 * package may bring its own): a second copy finds the first's and does not sample twice.
 */
const shared = ((globalThis as Record<symbol, unknown>)[Symbol.for('hotpath.time-profiler')] ??= { owner: null, thread: null }) as {
  owner: TimeProfiler | null;
  thread: ThreadProfiler | null;
};

/** Options from the settings (validated there), with the settings' defaults for those unset. */
function withDefaults(opts: ThreadProfilerOptions): { intervalMicros: number; periodMs: number; blockThresholdMs?: number } {
  return {
    intervalMicros: opts.intervalMicros ?? Math.round(DEFAULTS.samplingIntervalMs * 1000),
    periodMs: opts.periodMs ?? DEFAULTS.periodMs,
    blockThresholdMs: opts.blockThresholdMs,
  };
}

function labelsMessage(seq: number, l: ThreadLabels): LabelsMessage {
  return { code: Code.Labels, kind: 'time', seq, threadId: wt.threadId, labelSets: l.labelSets, spanNames: l.spanNames, spanRenames: l.spanRenames, sourceMaps: l.sourceMaps };
}

function unixNanosNow(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
}

export function startTimeProfiler(opts: TimeProfilerOptions = {}): TimeProfiler | null {
  const { intervalMicros, periodMs, blockThresholdMs } = withDefaults(opts);
  const writeTime = opts.writeTime ?? true;
  const flushTimeoutMs = opts.flushTimeoutMs ?? DEFAULT_FLUSH_TIMEOUT_MS;
  if (opts.onProfile !== undefined && typeof opts.onProfile !== 'function') {
    throw new TypeError('hotpath: onProfile must be a function');
  }
  if (shared.owner) throw new Error('hotpath: the time profiler is already started in this process (by this or another copy of hotpath)');
  const addon = loadNative();
  if (!addon) return null;

  // The time service of the process's one aggregation worker (src/aggregate/time.ts).
  const service = new ServiceClient<ProfileMessage>('time', { intervalMicros, outputs: { time: writeTime, blocksThresholdMs: blockThresholdMs } });
  const collector = new ThreadCollector(addon, { intervalMicros, periodMs, threadName: opts.threadName, blockThresholdMs });
  const channel = new BroadcastChannel(TIME_CHANNEL);
  (channel as unknown as { unref(): void }).unref();

  let seq = 0;
  /** The interval of the period under way, and the one the next period will use. */
  let currentIntervalMicros = intervalMicros;
  let nextIntervalMicros = intervalMicros;
  let periodStartUnix = unixNanosNow();
  let periodStartMono = addon.monotonicNs();
  let stopped: Promise<TimePeriodResult> | null = null;
  let evictedBefore = addon.codeMapStats().evicted;

  /** Ends the period: rotates this thread, asks the others, tells the aggregator to close it. */
  const periodEnd = (last: boolean, comments: readonly string[], sync?: SharedArrayBuffer, timeoutMs = flushTimeoutMs): EndPeriodMessage => {
    const s = ++seq;
    const flush: FlushMessage = { code: Code.Flush, kind: 'time', seq: s, aggregator: service.threadId, intervalMicros: nextIntervalMicros };
    channel.postMessage(flush);
    const periodIntervalMicros = currentIntervalMicros;
    if (!last && nextIntervalMicros !== currentIntervalMicros) {
      collector.setInterval(nextIntervalMicros);
      currentIntervalMicros = nextIntervalMicros;
    }
    // Every thread's samples, taken natively here (a busy or terminated worker's too); each
    // worker adds its label sets when it answers the flush.
    service.post(labelsMessage(s, collector.labels()));
    const own = last ? collector.stop(true) : collector.rotate();
    const post = (batch: NativeTimeBatch | undefined): void => {
      if (batch) service.post({ code: Code.Batch, kind: 'time', seq: s, batch }, batchTransferList(batch));
    };
    post(own);
    for (const batch of collector.takeOthers()) post(batch);
    const notes = [...comments];
    const map = addon.codeMapStats();
    if (map.evicted > evictedBefore) {
      notes.push(`hotpath: the code map dropped ${map.evicted - evictedBefore} code ranges no sample had named for longest (its limit is 32,768 per thread); a sample in one leaves that frame out`);
      evictedBefore = map.evicted;
    }
    if (!addon.timeCheckSignal()) {
      const signal = map.signal;
      const note = `another handler was installed for the sampling signal (${signal}); hotpath put its own back in front and passes that handler every signal that is not from hotpath's timers`;
      logOnce('time-signal', note);
      notes.push(`hotpath: ${note}`);
    }
    const nowMono = addon.monotonicNs();
    const end: EndPeriodMessage = {
      code: Code.EndPeriod, kind: 'time', seq: s, threads: addon.registeredThreads(), timeoutMs,
      timeNanos: periodStartUnix.toString(), durationNanos: nowMono - periodStartMono,
      comments: notes, intervalMicros: periodIntervalMicros,
    };
    if (sync) end.sync = sync;
    periodStartUnix = unixNanosNow();
    periodStartMono = nowMono;
    return end;
  };

  const endPeriod = async (toOnProfile: boolean, last: boolean, comments: readonly string[] = []): Promise<TimePeriodResult> => {
    if (service.failed) throw service.failed;
    const end = periodEnd(last, comments);
    const m = await service.request(end.seq, end);
    if (toOnProfile && opts.onProfile && writeTime) {
      try {
        opts.onProfile(m.bytes, m.meta);
      } catch (e) {
        logOnce('time-onprofile', `onProfile threw: ${(e as Error).message}`);
      }
    }
    return { time: m.bytes, blocks: m.blocks ?? null };
  };

  const timer = setInterval(() => {
    endPeriod(true, false).catch(() => { /* logged once above */ });
  }, periodMs);
  timer.unref();

  const flushAll = (comments: readonly string[] = []): Promise<TimePeriodResult> =>
    (stopped ? Promise.reject(new Error('hotpath: the time profiler is stopped')) : endPeriod(false, false, comments));
  const stopAll = (comments: readonly string[] = []): Promise<TimePeriodResult> => {
    if (stopped) return stopped;
    clearInterval(timer);
    stopped = endPeriod(true, true, comments).finally(() => {
      channel.close();
      service.release({ code: Code.Stop, kind: 'time' });
      shared.owner = null;
    });
    return stopped;
  };
  const stopSyncAll = (comments: readonly string[] = [], timeoutMs = 2000): TimePeriodResult | null => {
    if (stopped || service.failed) return null;
    stopped = Promise.resolve({ time: new Uint8Array(0), blocks: null });
    clearInterval(timer);
    // Other threads can still answer (their loops run), but not for long: the process is ending.
    const sync = createSyncReply();
    service.post(periodEnd(true, comments, sync, Math.min(flushTimeoutMs, Math.floor(timeoutMs / 4))));
    const { bytes, missing } = waitSyncReply(sync, timeoutMs);
    channel.close();
    shared.owner = null;
    if (missing) logOnce('time-sync', `the last time profile was lost: ${missing}`);
    if (!bytes) return null;
    const [time, blocks] = unpackParts(bytes);
    return { time: time ?? new Uint8Array(0), blocks };
  };
  const owner: TimeProfiler = {
    aggregatorThreadId: service.threadId,
    flushAll,
    stopAll,
    stopSyncAll,
    flush: (comments = []) => flushAll(comments).then((r) => r.time),
    stop: (comments = []) => stopAll(comments).then((r) => r.time),
    setIntervalMicros: (micros: number) => {
      nextIntervalMicros = Math.max(intervalMicros, Math.round(micros));
    },
    get intervalMicros() {
      return currentIntervalMicros;
    },
    stopSync: (comments = [], timeoutMs = 2000) => stopSyncAll(comments, timeoutMs)?.time ?? null,
  };
  shared.owner = owner;
  return owner;
}

export function startThreadCollector(opts: ThreadProfilerOptions = {}): ThreadProfiler | null {
  const { intervalMicros, periodMs, blockThresholdMs } = withDefaults(opts);
  if (isMainThread && shared.owner) throw new Error('hotpath: this thread is already profiled by startTimeProfiler');
  if (shared.thread) return shared.thread;
  const addon: NativeAddon | null = loadNative();
  if (!addon) return null;
  const collector = new ThreadCollector(addon, { intervalMicros, periodMs, threadName: opts.threadName, blockThresholdMs });
  const channel = new BroadcastChannel(TIME_CHANNEL);
  (channel as unknown as { unref(): void }).unref();
  const toThread = (wt as { postMessageToThread?: (id: number, v: unknown, t?: ArrayBuffer[]) => Promise<void> }).postMessageToThread;
  let aggregator = -1;
  let lastSeq = 0;
  const send = (seq: number): void => {
    try {
      const msg = labelsMessage(seq, collector.labels());
      if (toThread && aggregator >= 0) {
        toThread(aggregator, toService('time', msg)).catch((e: Error) => {
          logOnce('time-thread-send', `time profiler on thread ${wt.threadId} could not send its labels: ${e.message}`);
        });
      } else {
        channel.postMessage(msg);
      }
    } catch (e) {
      logOnce('time-thread-labels', `time profiler on thread ${wt.threadId} failed: ${(e as Error).message}`);
    }
  };
  channel.onmessage = (ev: unknown) => {
    const m = (ev as { data: { code: number; seq: number; aggregator?: number; intervalMicros?: number } }).data;
    if (m.code !== Code.Flush) return;  // batches of other threads travel here too
    lastSeq = m.seq;
    aggregator = m.aggregator ?? -1;
    if (m.intervalMicros) collector.setInterval(m.intervalMicros);
    send(m.seq);
  };
  const threadProfiler: ThreadProfiler = {
    stop: () => {
      if (shared.thread !== threadProfiler) return;
      shared.thread = null;
      channel.onmessage = () => {};
      try {
        send(lastSeq + 1);
        collector.stop(false);  // its last samples wait natively for the owner's next period end
        channel.postMessage({ code: Code.Bye, kind: 'time', threadId: wt.threadId });
      } finally {
        channel.close();
      }
    },
  };
  shared.thread = threadProfiler;
  return threadProfiler;
}
