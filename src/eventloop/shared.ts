// What the main thread's event-loop collector and its watchdog worker share: the heartbeat's
// layout (a BigInt64Array over a SharedArrayBuffer, written with Atomics) and their messages.
import type { EventBatch } from '../worker/event-batch.js';
import type { RecorderLimits } from '../worker/event-recorder.js';

/** Slot: process.hrtime.bigint() of the last beat. */
export const BEAT = 0;
/** Slot: how late that beat was (ns past the heartbeat interval). Written before BEAT. */
export const LATENESS = 1;
/** Slots the main thread adds to at each beat late by the threshold or more: blocks, and their ns. */
export const BLOCKS = 2;
export const BLOCK_NS = 3;
/** Slot: 1 while the watchdog's inspector session is attached to the main thread. */
export const ATTACHED = 4;
/** Slot: set to 1 by the main thread in its 'exit' event: detach now. */
export const EXITING = 5;
/** Slot: late beats not counted because the main thread did not run during them (descheduled). */
export const STARVED = 6;
export const HEARTBEAT_SLOTS = 7;

export interface WatchdogData {
  heartbeat: SharedArrayBuffer;
  thresholdMs: number;
  sampleIntervalMs: number;
  pollMs: number;
  osThreadId: number;
  limits?: RecorderLimits;
  hotpathInternal: true;
}

export const enum WatchdogCode {
  Take = 1,
  Batch = 2,
  Stop = 3,
  Log = 4,
}

export interface TakeMessage {
  code: WatchdogCode.Take;
  seq: number;
}

export interface StopMessage {
  code: WatchdogCode.Stop;
}

export interface BatchMessage {
  code: WatchdogCode.Batch;
  seq: number;
  batch: EventBatch;
}

export interface LogMessage {
  code: WatchdogCode.Log;
  message: string;
}

export type WatchdogMessage = TakeMessage | StopMessage;
export type FromWatchdog = BatchMessage | LogMessage;
