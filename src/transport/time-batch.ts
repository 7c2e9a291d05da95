// One thread's time data for one period, as native/src/time_profiler.cc hands it out: the
// batch the time collector takes on its thread and the aggregation worker reads.

/**
 * One period's stack batch from one thread, as native/src/time_profiler.cc builds it: frames,
 * stacks as (parent, frame), samples as (stack, weight, time, clock, labels, turn).
 */
/** Ints of one trace context (native kTraceInts): trace id 4, span id 2, local root span id 2, root span name id 1. */
export const TRACE_INTS = 9;

export interface NativeTimeBatch {
  threadId: number;
  threadName: string;
  osThreadId: number;
  /** CLOCK_MONOTONIC ns (the clock of process.hrtime). */
  startNs: number;
  endNs: number;
  /** Id of newStrings[0] in this thread's string table; ids continue across batches. */
  stringBase: number;
  newStrings: string[];
  /** FRAME_FIELDS ints per frame: name id, file id, line, column, kind (src/aggregate/stack-batch.ts FrameKind). */
  frames: Int32Array;
  /** Two ints per stack: parent stack (-1 at the root), frame; parents come first. */
  stacks: Int32Array;
  sampleStack: Int32Array;
  /** 1 + the timer's overruns. */
  sampleWeight: Int32Array;
  /** Weight x the interval in force: the wall (wall clock) or CPU (CPU clock) time the sample stands for. */
  sampleMicros: Int32Array;
  /** 0: the thread's wall-clock timer, 1: its CPU-clock timer. */
  sampleClock: Uint8Array;
  sampleLabel: Int32Array;
  /** 1 + the index of the sample's trace context in traceContexts (0: none). */
  sampleTrace: Int32Array;
  /** Distinct trace contexts, TRACE_INTS (9) ints each: trace id (4), span id (2), local root span id (2), root span name id. */
  traceContexts: Int32Array;
  /** The event-loop turn each sample was taken in. */
  sampleTurn: Int32Array;
  /** ThreadFlag bits (native/src/sampler.h) when the sample was taken. */
  sampleFlags: Uint8Array;
  /** Wall time the thread waited in its event loop with its wall timer parked (no signals). */
  idleNs: number;
  /** Turns busy for the block threshold or longer: (turn, end ns, busy ns, run-queue delay ns) each. */
  blocks: Float64Array;
  /** The turn under way at the batch's end (its block, if any, comes in a later batch). */
  currentTurn: number;
  stats: NativeBatchStats;
}

export interface NativeBatchStats {
  /** Timer signals the thread received in the period. */
  signals: number;
  /** Weight of the samples the rings had no room for (the drain thread fell behind). */
  droppedWeight: number;
  /** Samples past the store's limit (nobody took the thread's samples for long). */
  storeFullDropped: number;
  /** Time spent in the signal handler on this thread. */
  handlerNs: number;
  /** Weights of the wall and the CPU samples. */
  wallSamples: number;
  cpuSamples: number;
  intervalMicros: number;
  /** 0: CPU samples from the thread's perf event (task-clock); else the errno that refused it (CPU samples from a CPU-time timer). */
  cpuClockError: number;
  /** CPU samples that came by SIGIO: the kernel could not queue the event's signal (pending-signal limit). */
  cpuSigioSamples: number;
  /** Samples whose JS leaf has an exact line, only its function's line; leaves in a native callback. */
  exactLines: number;
  functionLines: number;
  nativeLeaves: number;
  /** Raw frames that named no code (entry and exit frames, mostly). */
  unknownFrames: number;
  /** Block records the native side could not keep (more than 65,536 in one batch). */
  blocksDropped: number;
  /** The thread had ended (terminated or exited without handing off): this is what it left. */
  ended: boolean;
}

export function batchTransferList(b: NativeTimeBatch): ArrayBuffer[] {
  return [b.frames.buffer, b.stacks.buffer, b.sampleStack.buffer, b.sampleWeight.buffer, b.sampleMicros.buffer,
    b.sampleClock.buffer, b.sampleLabel.buffer, b.sampleTrace.buffer, b.traceContexts.buffer, b.sampleTurn.buffer, b.sampleFlags.buffer,
    b.blocks.buffer] as ArrayBuffer[];
}
