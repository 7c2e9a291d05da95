// Messages of the event profiles (contention, exceptions, event-loop blocks) between the profiled
// threads, the owner (the main thread's collectors) and the events service of the aggregation
// worker. Every message carries its code (src/transport/protocol.ts) and kind; an unknown code
// is a bug and fails loudly.
//
//   owner -> encoder (worker.postMessage):   EndPeriod (own batch + period), Stop
//   encoder -> owner:                         Profile, Error
//   owner -> threads (CONTROL channel):       Flush (send your batch of `kind` for `seq`)
//   threads -> owner (CONTROL channel):       Hello (with the thread's event arena), Bye (the
//                                             owner's channel exists before any worker starts,
//                                             so none is lost; the encoder may start later than
//                                             a worker)
//   threads -> encoder (DATA channel):        Batch, Bye (with the last batch)
import { Code } from './protocol.js';
import type { EventBatch, EventKind } from './event-batch.js';
import type { ArenaThread } from './event-arena.js';

/** Owner -> worker threads: period ends. */
export const EVENTS_CONTROL_CHANNEL = 'hotpath:events:control';
/** Worker threads -> encoder: their batches (the main thread is not a member: it never copies them). */
export const EVENTS_DATA_CHANNEL = 'hotpath:events:data';

export interface EncodeMessage {
  code: Code.EndPeriod;
  seq: number;
  kind: EventKind;
  /** Unix ns of the period's start, decimal string. */
  timeNanos: string;
  durationNanos: number;
  comments: string[];
  /** pprof period type and period (the mean sampling interval, in its unit). */
  periodType?: { type: string; unit: string };
  period?: number;
  /** The owner thread's own batch. */
  batch: EventBatch;
  /** Threads that ended (terminate()) without their Bye since the last period: read their arenas. */
  ended: EndedThread[];
  /** Threads (other than the owner) collecting this kind: wait for their batch of `seq`... */
  threads: number[];
  /** ... up to this long. */
  waitMs: number;
  /** Set for a synchronous request: the answer goes into this buffer (see event-client.ts). */
  sync?: SharedArrayBuffer;
}

export interface EncodedMessage {
  code: Code.Profile;
  seq: number;
  kind: EventKind;
  /** Null when the period had no events on any thread. */
  bytes: Uint8Array | null;
}

export interface FailedMessage {
  code: Code.Error;
  seq: number;
  kind: EventKind;
  message: string;
}

/** The events service serves both event kinds: its Stop is for both. */
export interface StopMessage {
  code: Code.Stop;
  kind: 'events';
}

export interface FlushMessage {
  code: Code.Flush;
  kind: EventKind;
  seq: number;
}

export interface HelloMessage {
  code: Code.Hello;
  kind: EventKind;
  threadId: number;
  threadName: string;
  osThreadId: number;
  /** The thread's event arena (src/transport/event-arena.ts), read by the service if the thread ends without its Bye. */
  arena: SharedArrayBuffer;
}

/** A thread that ended without handing off its last period: its arena and labels. */
export interface EndedThread extends ArenaThread {
  arena: SharedArrayBuffer;
}

export interface ThreadBatchMessage {
  code: Code.Batch;
  kind: EventKind;
  seq: number;
  batch: EventBatch;
}

export interface ByeMessage {
  code: Code.Bye;
  kind: EventKind;
  threadId: number;
  /** The thread's last batch, if it had events. */
  batch?: EventBatch;
}

export type ToEncoder = EncodeMessage | StopMessage;
export type OnDataChannel = ThreadBatchMessage | ByeMessage;
export type OnControlChannel = FlushMessage | HelloMessage | ByeMessage;
