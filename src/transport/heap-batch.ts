// One thread's heap data for one period, as native/src/heap_profiler.cc hands it out: tables
// that stand alone (strings, frames and stacks start again at every period), so a batch can be
// encoded without any state from earlier periods.

/** Values per stack in HeapBatch.values, in the profile's sample-type order. */
export const HEAP_VALUES = 4;
/** Ints per frame in HeapBatch.frames: name, file (string ids), line, column. */
export const FRAME_INTS = 4;

export const HEAP_SAMPLE_TYPES = [
  { type: 'alloc_objects', unit: 'count' },
  { type: 'alloc_space', unit: 'bytes' },
  { type: 'inuse_objects', unit: 'count' },
  { type: 'inuse_space', unit: 'bytes' },
] as const;

export interface HeapBatchStats {
  /** Samples V8 took on this thread in the period (the advance of its sample-id counter). */
  samples: number;
  /** Samples read in probed GC intervals (the allocations are scaled from these). */
  probedSamples: number;
  /** Sum of the probed samples' weights (1/q each) before normalisation to `samples`. */
  weight: number;
  gcs: number;
  probedIntervals: number;
  /** GCs inside hotpath's own read (their interval is left out). */
  nestedGcs: number;
  reads: number;
  readNs: number;
  maxReadNs: number;
  /** Share of GC intervals probed at the period's end. */
  q: number;
  /** Times V8's profiler was found stopped by someone else (the inspector) and started again. */
  restarts: number;
  /** Samples V8's profiler holds (the live heap's samples): what V8 keeps for hotpath. */
  liveSamples: number;
  /** Approximate bytes of hotpath's own native tables for the period (cleared at each period end). */
  tableBytes: number;
}

export interface HeapBatch {
  threadId: number;
  threadName: string;
  osThreadId: number;
  intervalBytes: number;
  strings: string[];
  frames: Int32Array;
  /** Two ints per stack: parent stack (-1 at the top), frame; parents come first. */
  stacks: Int32Array;
  /** HEAP_VALUES per stack (the stack's own values): alloc objects, alloc bytes, inuse objects, inuse bytes. */
  values: Float64Array;
  /** Memory outside the JS heap (Buffers, ArrayBuffers) held by this thread's isolate. */
  externalBytes: number;
  stats: HeapBatchStats;
}

export function batchTransferList(b: HeapBatch): ArrayBuffer[] {
  return [b.frames.buffer as ArrayBuffer, b.stacks.buffer as ArrayBuffer, b.values.buffer as ArrayBuffer];
}
