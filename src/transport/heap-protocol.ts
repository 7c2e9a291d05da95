// Messages of the heap profile between the profiled threads, the owner (the main thread's
// collector) and the heap service (src/aggregate/heap.ts) of the aggregation worker. Every
// message carries an explicit code; an unknown code is a bug and fails loudly.
//
//   owner -> encoder (worker.postMessage):  Encode (own batch + period), Stop
//   encoder -> owner:                        Encoded, Failed
//   owner -> threads (HEAP_CONTROL_CHANNEL): Flush (send your batch for `seq`)
//   threads -> encoder (postMessageToThread, else HEAP_DATA_CHANNEL): Batch, Bye
import type { HeapBatch } from './heap-batch.js';

/** Owner -> worker threads: period ends (and pulls). */
export const HEAP_CONTROL_CHANNEL = 'hotpath:heap';
/** Worker threads -> encoder, where postMessageToThread does not exist (Node < 22.5). */
export const HEAP_DATA_CHANNEL = 'hotpath:heap:data';

export const enum HeapCode {
  Encode = 1,
  Encoded = 2,
  Failed = 3,
  Stop = 4,
  Flush = 10,
  Batch = 11,
  Bye = 12,
}

export interface EncodeMessage {
  code: HeapCode.Encode;
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
  code: HeapCode.Encoded;
  seq: number;
  bytes: Uint8Array;
}

export interface FailedMessage {
  code: HeapCode.Failed;
  seq: number;
  message: string;
}

export interface StopMessage {
  code: HeapCode.Stop;
}

export interface FlushMessage {
  code: HeapCode.Flush;
  seq: number;
  peek: boolean;
  /** threadId of the aggregation worker (for postMessageToThread: wrap with toService). */
  encoder: number;
}

export interface BatchMessage {
  code: HeapCode.Batch;
  seq: number;
  peek: boolean;
  batch: HeapBatch;
}

export interface ByeMessage {
  code: HeapCode.Bye;
  threadId: number;
  /** The thread's last batch, if any. */
  batch?: HeapBatch;
}

export type ToEncoder = EncodeMessage | StopMessage | BatchMessage | ByeMessage;
export type FromEncoder = EncodedMessage | FailedMessage;
