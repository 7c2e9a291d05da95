// Messages of the event profiles (contention, exceptions, event-loop blocks) between the profiled
// threads, the owner (the main thread's collectors) and the events service of the aggregation
// worker. Every message carries an explicit code; an unknown code is a bug and fails loudly.
//
//   owner -> encoder (worker.postMessage):   Encode (own batch + period), Stop
//   encoder -> owner:                         Encoded, Failed
//   owner -> threads (CONTROL channel):       Flush (send your batch of `kind` for `seq`)
//   threads -> owner (CONTROL channel):       Hello, Bye (the owner's channel exists before any
//                                             worker starts, so none is lost; the encoder may
//                                             start later than a worker)
//   threads -> encoder (DATA channel):        ThreadBatch, Bye (with the last batch)
import type { EventBatch, EventKind } from './event-batch.js';

/** Owner -> worker threads: period ends. */
export const EVENTS_CONTROL_CHANNEL = 'hotpath:events:control';
/** Worker threads -> encoder: their batches (the main thread is not a member: it never copies them). */
export const EVENTS_DATA_CHANNEL = 'hotpath:events:data';

export const enum EventCode {
  Encode = 1,
  Encoded = 2,
  Failed = 3,
  Stop = 4,
  Flush = 10,
  Hello = 11,
  ThreadBatch = 12,
  Bye = 13,
}

export interface EncodeMessage {
  code: EventCode.Encode;
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
  /** Threads (other than the owner) collecting this kind: wait for their batch of `seq`... */
  threads: number[];
  /** ... up to this long. */
  waitMs: number;
  /** Set for a synchronous request: the answer goes into this buffer (see event-client.ts). */
  sync?: SharedArrayBuffer;
}

export interface EncodedMessage {
  code: EventCode.Encoded;
  seq: number;
  kind: EventKind;
  /** Null when the period had no events on any thread. */
  bytes: Uint8Array | null;
}

export interface FailedMessage {
  code: EventCode.Failed;
  seq: number;
  kind: EventKind;
  message: string;
}

export interface StopMessage {
  code: EventCode.Stop;
}

export interface FlushMessage {
  code: EventCode.Flush;
  kind: EventKind;
  seq: number;
}

export interface HelloMessage {
  code: EventCode.Hello;
  kind: EventKind;
  threadId: number;
}

export interface ThreadBatchMessage {
  code: EventCode.ThreadBatch;
  kind: EventKind;
  seq: number;
  batch: EventBatch;
}

export interface ByeMessage {
  code: EventCode.Bye;
  kind: EventKind;
  threadId: number;
  /** The thread's last batch, if it had events. */
  batch?: EventBatch;
}

export type ToEncoder = EncodeMessage | StopMessage;
export type FromEncoder = EncodedMessage | FailedMessage;
export type OnDataChannel = ThreadBatchMessage | ByeMessage;
export type OnControlChannel = FlushMessage | HelloMessage | ByeMessage;

/** Layout of a synchronous answer: Int32 state, Int32 length, then the bytes from SYNC_HEADER. */
export const SYNC_STATE = 0;
export const SYNC_LENGTH = 1;
export const SYNC_HEADER = 8;
export const enum SyncState {
  Waiting = 0,
  Done = 1,
  Empty = 2,
  Failed = 3,
  TooBig = 4,
}
