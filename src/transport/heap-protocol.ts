// Messages of the heap profile between the profiled threads, the owner (the main thread's
// collector) and the heap service (src/aggregate/heap.ts) of the aggregation worker. Every
// message carries its code (src/transport/protocol.ts) and kind; an unknown code is a bug and
// fails loudly.
//
//   owner -> encoder (worker.postMessage):  EndPeriod (own batch + period), Stop
//   encoder -> owner:                        Profile, Error
//   owner -> threads (HEAP_CONTROL_CHANNEL): Flush (send your batch for `seq`)
//   threads -> encoder (postMessageToThread, else HEAP_DATA_CHANNEL): Batch, Bye
import { Code } from './protocol.js';
import type { HeapBatch } from './heap-batch.js';

/** Owner -> worker threads: period ends (and pulls). */
export const HEAP_CONTROL_CHANNEL = 'hotpath:heap';
/** Worker threads -> encoder, where postMessageToThread does not exist (Node < 22.5). */
export const HEAP_DATA_CHANNEL = 'hotpath:heap:data';

export interface EncodeMessage {
  code: Code.EndPeriod;
  kind: 'heap';
  seq: number;
  /** A pull (/debug/pprof/heap): the threads did not end their period. */
  peek: boolean;
  /** Unix ns of the period's start, decimal string. */
  timeNanos: string;
  durationNanos: number;
  comments: string[];
  /** The owner's own batch. */
  batch: HeapBatch | null;
  /** Other threads whose batch for `seq` to wait for. */
  threads: number[];
  waitMs: number;
  /** Set when the owner is blocked waiting (exit, the heap limit): the reply goes here (src/transport/sync-reply.ts). */
  sync?: SharedArrayBuffer;
}

export interface EncodedMessage {
  code: Code.Profile;
  kind: 'heap';
  seq: number;
  bytes: Uint8Array;
}

export interface FailedMessage {
  code: Code.Error;
  kind: 'heap';
  seq: number;
  message: string;
}

export interface StopMessage {
  code: Code.Stop;
  kind: 'heap';
}

export interface FlushMessage {
  code: Code.Flush;
  kind: 'heap';
  seq: number;
  peek: boolean;
  /** threadId of the aggregation worker (for postMessageToThread: wrap with toService). */
  encoder: number;
}

export interface BatchMessage {
  code: Code.Batch;
  kind: 'heap';
  seq: number;
  peek: boolean;
  batch: HeapBatch;
}

export interface ByeMessage {
  code: Code.Bye;
  kind: 'heap';
  threadId: number;
  /** The thread's last batch, if any. */
  batch?: HeapBatch;
}

export type ToEncoder = EncodeMessage | StopMessage | BatchMessage | ByeMessage;
