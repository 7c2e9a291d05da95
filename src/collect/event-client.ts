// The owner side of the event profiles: a KindCollector (src/collect/kind-collector.ts) around a kind's
// Recorder, and the events service (src/aggregate/events.ts) they share in the process's
// one aggregation worker.
//
// On the main thread, endPeriod() takes the period's batch (typed arrays), transfers it to the
// encoder worker and resolves to the gzipped pprof the worker sends back. Worker threads that
// run the same collector answer the owner's period ends themselves: they post their batch on a
// BroadcastChannel the encoder listens to, and their endPeriod() resolves to null.
// stopSync() (process.exit, fatal errors) posts the last batch with a SharedArrayBuffer and
// blocks on it (Atomics.wait, bounded by the timeout) until the worker has written the bytes.
import { Code } from '../transport/protocol.js';
import { BroadcastChannel, isMainThread, threadId as currentThreadId } from 'node:worker_threads';
import { ServiceClient } from '../transport/service-client.js';
import { threadName } from './thread-name.js';
import type { KindCollector, PeriodInfo } from './kind-collector.js';
import { existsSync } from 'node:fs';
import { loadNative, nativeCandidates } from './native.js';
import type { NativeAddon } from './native.js';
import { logOnce } from '../common/log.js';
import { createSyncReply, waitSyncReply } from '../transport/sync-reply.js';
import { batchBuffers } from '../transport/event-batch.js';
import type { EventBatch, EventKind } from '../transport/event-batch.js';
import type { Recorder } from './event-recorder.js';
import { EVENTS_CONTROL_CHANNEL, EVENTS_DATA_CHANNEL } from '../transport/event-protocol.js';
import type { EncodeMessage, EncodedMessage, EndedThread, FlushMessage, HelloMessage, OnControlChannel, OnDataChannel } from '../transport/event-protocol.js';
import { EventArena, Slot } from '../transport/event-arena.js';

/** What a kind plugs into the generic collector. */
export interface EventSource {
  readonly kind: EventKind;
  readonly recorder: Recorder;
  /** Removes the kind's hooks. Called once, at stop. */
  uninstall(): void;
  /** Comments for the period that ends now, from the owner (the main thread) only. */
  periodNotes?(): string[];
  /** Notes of this thread's batch (every thread), e.g. its sampling share in the period. */
  batchNotes?(): string[];
  periodType?: { type: string; unit: string };
  period?: number;
}

/** How long the encoder waits for the other threads' batches of a period (as the time profiler's flushTimeoutMs). */
const THREAD_WAIT_MS = 1000;
/** Room for the last profile written synchronously (bigger ones are lost, and said so once). */
const SYNC_BYTES = 4 << 20;

/** The addon when it is built, without a warning when it is not (the event profiles work without it). */
export function addonIfBuilt(): NativeAddon | null {
  try {
    return nativeCandidates().some((f) => existsSync(f)) ? loadNative() : null;
  } catch {
    return null;
  }
}

let osTid: number | undefined;
/**
 * This thread's OS thread id, from the addon when it is built (0, and no `os thread id` label,
 * otherwise). The event profiles work without the addon, so its absence is not reported here:
 * loadNative's "running unprofiled" would not be true of them.
 */
export function osThreadId(): number {
  if (osTid === undefined) {
    try {
      osTid = addonIfBuilt()?.osThreadId() ?? 0;
    } catch {
      osTid = 0;
    }
  }
  return osTid;
}

function takeBatch(source: EventSource): EventBatch {
  try {
    const notes = source.recorder.size > 0 || source.recorder.dropped > 0 ? source.batchNotes?.() : undefined;
    if (notes) source.recorder.notes.push(...notes);
  } catch {
    // notes are a nicety
  }
  return source.recorder.take(isMainThread ? 0 : currentThreadId, threadName(), osThreadId());
}

// ---------------------------------------------------------------------------------------------
// The events service of the process's one aggregation worker (src/aggregate/events.ts),
// shared by the event kinds.

class Encoder {
  private readonly service = new ServiceClient<EncodedMessage>('events', {});
  private seq = 0;
  refs = 0;

  encode(kind: EventKind, batch: EventBatch, period: PeriodInfo, comments: readonly string[], source: EventSource,
    threads: number[], ended: EndedThread[]): Promise<Uint8Array | null> {
    const seq = ++this.seq;
    const m = this.message(kind, seq, batch, period, comments, source, ended);
    m.threads = threads;
    return this.service.request(seq, m, batchBuffers(batch)).then((r) => r.bytes);
  }

  /** Synchronous encode: blocks this thread up to timeoutMs. Null on timeout or nothing to say. */
  encodeSync(kind: EventKind, batch: EventBatch, period: PeriodInfo, comments: readonly string[], source: EventSource,
    ended: EndedThread[], timeoutMs: number): Uint8Array | null {
    if (this.service.failed) return null;
    const m = this.message(kind, ++this.seq, batch, period, comments, source, ended);
    m.sync = createSyncReply(SYNC_BYTES);
    this.service.post(m, batchBuffers(batch));
    const { bytes, missing } = waitSyncReply(m.sync, timeoutMs);
    if (missing) logOnce(`event-sync-${kind}`, `the last ${kind} profile was lost: ${missing}`);
    return bytes;
  }

  private message(kind: EventKind, seq: number, batch: EventBatch, period: PeriodInfo, comments: readonly string[], source: EventSource,
    ended: EndedThread[]): EncodeMessage {
    const notes = [...comments, ...(source.periodNotes?.() ?? [])];
    const m: EncodeMessage = {
      code: Code.EndPeriod, seq, kind, timeNanos: period.timeNanos.toString(), durationNanos: period.durationNanos,
      comments: notes, batch, ended, threads: [], waitMs: THREAD_WAIT_MS,
    };
    if (source.periodType) m.periodType = source.periodType;
    if (source.period !== undefined) m.period = source.period;
    return m;
  }

  release(): void {
    if (--this.refs > 0) return;
    this.service.release({ code: Code.Stop, kind: 'events' });
    if (encoder === this) encoder = null;
  }
}

let encoder: Encoder | null = null;

function acquireEncoder(): Encoder {
  encoder ??= new Encoder();
  encoder.refs++;
  return encoder;
}

// ---------------------------------------------------------------------------------------------
// The collectors.

/** A KindCollector for an event kind on this thread (owner on the main thread, member elsewhere). */
export function createEventCollector(source: EventSource): KindCollector {
  return isMainThread ? ownerCollector(source) : threadCollector(source);
}

function ownerCollector(source: EventSource): KindCollector {
  const enc = acquireEncoder();
  const control = new BroadcastChannel(EVENTS_CONTROL_CHANNEL);
  // Worker threads collecting this kind (Hello / Bye on the control channel), with their arenas.
  const threads = new Map<number, { hello: HelloMessage; arena: EventArena }>();
  control.onmessage = (ev: unknown) => {
    const m = (ev as { data: OnControlChannel }).data;
    if (m.code === Code.Hello && m.kind === source.kind) threads.set(m.threadId, { hello: m, arena: new EventArena(m.arena) });
    else if (m.code === Code.Bye && m.kind === source.kind) threads.delete(m.threadId);
  };
  // Threads that ended without their Bye (terminate()): their arenas go to the service, once.
  const takeEnded = (): EndedThread[] => {
    const ended: EndedThread[] = [];
    for (const [id, { hello, arena }] of threads) {
      if (!arena.ended()) continue;
      threads.delete(id);
      ended.push({ kind: hello.kind, threadId: id, threadName: hello.threadName, osThreadId: hello.osThreadId, arena: hello.arena });
    }
    return ended;
  };
  // Setting onmessage refs the channel: unref after it, or the channel keeps the process alive.
  (control as unknown as { unref(): void }).unref();
  let seq = 0;
  let stopped = false;
  const end = async (period: PeriodInfo, comments: readonly string[]): Promise<Uint8Array | null> => {
    const s = ++seq;
    const flush: FlushMessage = { code: Code.Flush, kind: source.kind, seq: s };
    control.postMessage(flush);
    const batch = takeBatch(source);
    const ended = takeEnded();
    return enc.encode(source.kind, batch, period, comments, source, [...threads.keys()], ended);
  };
  const finish = (): void => {
    if (stopped) return;
    stopped = true;
    try {
      source.uninstall();
    } catch (e) {
      logOnce(`event-uninstall-${source.kind}`, `${source.kind} profile: removing its hooks failed: ${(e as Error).message}`);
    }
    control.close();
  };
  const collector: KindCollector = {
    kind: source.kind,
    endPeriod: (period, comments) => end(period, comments),
    stop: async (period, comments) => {
      try {
        return await end(period, comments);
      } finally {
        finish();
        enc.release();
      }
    },
    stopSync: (period, comments, timeoutMs) => {
      const batch = takeBatch(source);
      finish();
      return enc.encodeSync(source.kind, batch, period, comments, source, takeEnded(), timeoutMs);
    },
  };
  return collector;
}

function threadCollector(source: EventSource): KindCollector {
  const control = new BroadcastChannel(EVENTS_CONTROL_CHANNEL);
  const data = new BroadcastChannel(EVENTS_DATA_CHANNEL);
  (control as unknown as { unref(): void }).unref();
  (data as unknown as { unref(): void }).unref();
  const post = (m: OnDataChannel): void => {
    try {
      data.postMessage(m); // a copy: BroadcastChannel does not transfer
    } catch (e) {
      logOnce(`event-thread-${source.kind}`, `${source.kind} profile on thread ${currentThreadId} could not send its events: ${(e as Error).message}`);
    }
  };
  // Hello tells the owner of this thread and its arena; again with the new arena when it grows.
  const hello = (arena: SharedArrayBuffer): void => {
    const m: HelloMessage = { code: Code.Hello, kind: source.kind, threadId: currentThreadId, threadName: threadName(), osThreadId: osThreadId(), arena };
    control.postMessage(m);
  };
  const watching = watchEnd(source.recorder.arena.buffer);
  source.recorder.onGrow = (arena, previous) => {
    if (watching) watchEnd(arena.buffer, previous.buffer);
    hello(arena.buffer);
  };
  hello(source.recorder.arena.buffer);
  control.onmessage = (ev: unknown) => {
    const m = (ev as { data: OnControlChannel }).data;
    if (m.code !== Code.Flush || m.kind !== source.kind) return;
    post({ code: Code.Batch, kind: source.kind, seq: m.seq, batch: takeBatch(source) });
  };
  let stopped = false;
  const finish = (): null => {
    if (stopped) return null;
    stopped = true;
    try {
      source.uninstall();
    } catch (e) {
      logOnce(`event-uninstall-${source.kind}`, `${source.kind} profile: removing its hooks failed: ${(e as Error).message}`);
    }
    const batch = takeBatch(source);
    post({ code: Code.Bye, kind: source.kind, threadId: currentThreadId, batch });
    control.postMessage({ code: Code.Bye, kind: source.kind, threadId: currentThreadId });
    control.onmessage = () => {};
    control.close();
    data.close();
    return null;
  };
  return {
    kind: source.kind,
    endPeriod: async () => null,
    stop: async () => finish(),
    stopSync: () => finish(),
  };
}

/**
 * Has the addon mark the arena when this thread ends (`previous`: the arena it replaces). False
 * without the addon: a worker ended by terminate() then loses its last period (said once).
 */
function watchEnd(arena: SharedArrayBuffer, previous?: SharedArrayBuffer): boolean {
  try {
    const addon = addonIfBuilt();
    if (addon) {
      addon.watchThreadEnd(arena, Slot.Ended, previous);
      return true;
    }
  } catch {
    // as without the addon
  }
  logOnce('event-watch-end', 'the event profiles of a worker ended by terminate() lose its last period: the addon is not built for this Node');
  return false;
}

/** Unix nanoseconds now (for tests and for callers without a period clock). */
export function unixNanosNow(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
}
