// The raw events of one period of one thread, for the contention and exception profiles: what
// the application's thread records (src/collect/event-recorder.ts) and what the
// events service (src/aggregate/events.ts) of the aggregation worker turns into pprof. Plain
// data and typed arrays only, so that a batch crosses threads by structured clone with its
// buffers transferred.

/** The kinds that record events on the application's threads. */
export type EventKind = 'contention' | 'exceptions';

export interface EventBatch {
  kind: EventKind;
  threadId: number;
  threadName: string;
  /** 0 when the addon is unavailable (the `os thread id` label is then left out). */
  osThreadId: number;
  /** String table of this batch; index 0 is ''. */
  strings: string[];
  /** FRAME_INTS ints per frame: function name, file name (string ids), line, column (1-based). */
  frames: Int32Array;
  /** Two ints per stack: parent stack (-1 at the root), frame; parents come first (the time batch's format). */
  stacks: Int32Array;
  /** Per event: stack id (-1: no frames), string id of the kind's label value (0: none), trace context (0: none, else 1 + its index in traces). */
  events: Int32Array;
  /**
   * The period's distinct OpenTelemetry span contexts, TRACE_INTS ints each: as the time
   * samples' (trace id, span id, local root span id), then the string id of the root span's name.
   */
  traces: Int32Array;
  /** Per event: `nValues` numbers, already scaled to estimates of true totals. */
  values: Float64Array;
  nValues: number;
  /** Events dropped because the period's buffers were full. */
  dropped: number;
  /** Free-form notes for the profile's comments (already counted things, e.g. truncations). */
  notes: string[];
}

export const FRAME_INTS = 4;
export const EVENT_INTS = 3;

/** The sample types of each kind, in the order of EventBatch.values. */
export const KIND_SPECS: Record<EventKind, KindSpec> = {
  contention: {
    sampleTypes: [
      { type: 'lock-acquire', unit: 'count' },
      { type: 'lock-acquire-wait', unit: 'nanoseconds' },
      { type: 'lock-release', unit: 'count' },
      { type: 'lock-release-hold', unit: 'nanoseconds' },
    ],
    defaultSampleType: 'lock-acquire-wait',
    labelKey: 'lock name',
  },
  exceptions: {
    sampleTypes: [{ type: 'exception-samples', unit: 'count' }],
    defaultSampleType: 'exception-samples',
    labelKey: 'exception type',
  },
};

export interface KindSpec {
  sampleTypes: { type: string; unit: string }[];
  defaultSampleType: string;
  /** Key of the kind's own label; '' for none. */
  labelKey: string;
}

/** Buffers of a batch, for the transfer list. */
export function batchBuffers(b: EventBatch): ArrayBuffer[] {
  return [b.frames.buffer, b.stacks.buffer, b.events.buffer, b.values.buffer, b.traces.buffer] as ArrayBuffer[];
}
