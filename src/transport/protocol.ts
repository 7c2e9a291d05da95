// Messages between the profiled threads, the owner (the thread that called startTimeProfiler)
// and the aggregation worker. Every message carries an explicit code; an unknown code is a bug
// and fails loudly.
import type { NativeTimeBatch } from './time-batch.js';

/** BroadcastChannel name: the owner announces period ends here; threads may send batches here. */
/** A label set as the application gives it (src/collect/labels.ts). */
export type LabelValue = string | number;
export type Labels = Readonly<Record<string, LabelValue>>;

export interface MemorySourceMap {
  file: string;
  /** The map, without sourcesContent (the aggregator needs positions, not sources). */
  payload: unknown;
}

export const TIME_CHANNEL = 'hotpath:time';

/**
 * The one code enum of every message between profiled threads, their owner and the aggregation
 * worker, for every kind (each message also says its `kind`):
 *   Batch      thread -> worker    one thread's batch of the period
 *   EndPeriod  owner -> worker     end the period: the owner's batch, the threads to wait for
 *   Profile    worker -> owner     the encoded profile of a period
 *   Flush      owner -> threads    hand over your batch of period `seq`
 *   Error      worker -> owner     a period could not be encoded
 *   Stop       owner -> worker     no more periods
 *   Bye        thread -> worker    the thread ends (with its last batch, if any)
 *   Labels     thread -> worker    new label sets and source maps (time)
 *   Hello      thread -> owner     a thread joined (the event kinds wait for it at period ends)
 *   Convert    owner -> worker     write a period's profiles in another format (OTLP), or read
 *                                  a collector's answer
 */
export const enum Code {
  Batch = 1,
  EndPeriod = 2,
  Profile = 3,
  Flush = 4,
  Error = 5,
  Stop = 6,
  Bye = 7,
  Labels = 8,
  Hello = 9,
  Convert = 10,
}

export interface LabelsMessage {
  code: Code.Labels;
  kind: 'time';
  seq: number;
  threadId: number;
  labelSets: { id: number; labels: Labels }[];
  /** Root span names first seen (src/collect/trace-context.ts), by the id the trace contexts carry. */
  spanNames: { id: number; name: string }[];
  /** Root spans renamed after their first sample (updateName), by id: their final names. */
  spanRenames?: { root: string; name: string }[];
  /** Maps of scripts first compiled in the period that exist only in the thread's memory. */
  sourceMaps: MemorySourceMap[];
}

export interface BatchMessage {
  code: Code.Batch;
  kind: 'time';
  seq: number;
  batch: NativeTimeBatch;
}

export interface EndPeriodMessage {
  code: Code.EndPeriod;
  kind: 'time';
  seq: number;
  /** Thread ids (registered in the native registry) whose labels for `seq` to wait for. */
  threads: number[];
  timeoutMs: number;
  /** Unix ns of the period's start, as a decimal string (bigint does not clone everywhere). */
  timeNanos: string;
  durationNanos: number;
  /** Comments from the owner (its self-report) to add to this period's profile. */
  comments?: string[];
  /** The sampling interval in force at the period's end (the profile's `period`). */
  intervalMicros?: number;
  /** Set for the last period at process.exit: reply through it (src/transport/sync-reply.ts). */
  sync?: SharedArrayBuffer;
}

/** What the aggregator writes: the time profile, the event-loop blocks profile, or both. */
export interface AggregatorOutputs {
  time: boolean;
  /** Turns of this many ms or more are blocks (the threshold every thread was given). */
  blocksThresholdMs?: number;
}

export interface FlushMessage {
  code: Code.Flush;
  kind: 'time';
  seq: number;
  /** threadId of the aggregation worker (for postMessageToThread). */
  aggregator: number;
  /** The sampling interval for the next period (the overhead cap may lengthen it). */
  intervalMicros?: number;
}

export interface ProfileMessage {
  code: Code.Profile;
  kind: 'time';
  seq: number;
  /** The time profile (empty when the aggregator does not write it). */
  bytes: Uint8Array;
  /** The event-loop blocks profile, when asked for and the period had blocks. */
  blocks: Uint8Array | null;
  meta: TimeProfileMeta;
}

export interface ErrorMessage {
  code: Code.Error;
  kind: 'time';
  seq: number;
  message: string;
}

export interface StopMessage {
  code: Code.Stop;
  kind: 'time';
}

export interface ByeMessage {
  code: Code.Bye;
  kind: 'time';
  threadId: number;
}

/** What the aggregator says about a period, next to the bytes. */
export interface TimeProfileMeta {
  seq: number;
  /** Unix ns of the period start, decimal string. */
  timeNanos: string;
  durationNanos: number;
  /** Samples added (matched V8 samples, plus pseudo-samples). */
  samples: number;
  /** Per-thread figures for the period (summed over the batches received). */
  threads: ThreadPeriodStats[];
  /** The comments written into the profile. */
  comments: string[];
}

export interface ThreadPeriodStats {
  threadId: number;
  threadName: string;
  osThreadId: number;
  batches: number;
  samples: number;
  wallNs: number;
  cpuNs: number;
  elapsedNs: number;
  signals: number;
  /** Samples the rings had no room for (their weight). */
  dropped: number;
  /** Time in the signal handler on the thread. */
  handlerNs: number;
  exactLines: number;
  functionLines: number;
  nativeLeaves: number;
  /** Wall samples expected from elapsed time / interval. */
  expected: number;
  /** 0: its CPU samples came from its perf event; else the errno that refused it (a CPU-time timer then). */
  cpuClockError: number;
  /** CPU samples that came by SIGIO: the kernel could not queue their signal (pending-signal limit). */
  cpuSigioSamples: number;
}

export type ToAggregator = BatchMessage | LabelsMessage | EndPeriodMessage | StopMessage | ByeMessage;

/** Buffers to transfer along with a batch. */
