// Turns heap batches (one per thread) into the `heap` pprof profile, in the aggregation
// worker's heap service. Frames, stacks, thread labels, caps and source maps as every kind
// has them (src/aggregate/stack-batch.ts, stack-cap.ts, frame-mapper.ts).
import { ProfileBuilder } from '../profile/builder.js';
import { FRAME_INTS, HEAP_SAMPLE_TYPES, HEAP_VALUES } from '../transport/heap-batch.js';
import type { HeapBatch } from '../transport/heap-batch.js';
import { batchFrame, threadLabels } from './stack-batch.js';
import type { ExpandedFrame } from './stack-batch.js';
import { StackCap, stackLocations } from './stack-cap.js';

/** The pseudo-frame memory outside the JS heap (Buffers, ArrayBuffers) is reported under. */
export const EXTERNAL_FRAME = '(external)';
const EXTERNAL: ExpandedFrame = { name: EXTERNAL_FRAME, file: '', line: 0 };

export interface HeapPeriod {
  timeNanos: bigint;
  durationNanos: number;
  comments: readonly string[];
}

export function newHeapBuilder(intervalBytes: number): ProfileBuilder {
  return new ProfileBuilder({
    sampleTypes: HEAP_SAMPLE_TYPES.map((t) => ({ ...t })),
    periodType: { type: 'space', unit: 'bytes' },
    period: intervalBytes,
    defaultSampleType: 'inuse_space',
  });
}

/** What the profile says about how it was made, one comment per thread. */
export function batchNotes(b: HeapBatch): string[] {
  const s = b.stats;
  const who = `thread ${b.threadId} (${b.threadName})`;
  if (s.samples === 0) return [];
  const share = s.samples > 0 ? ((100 * s.probedSamples) / s.samples).toFixed(1) : '0';
  const notes = [
    `hotpath: heap: ${who}: ${s.samples} allocations sampled (1 per ${b.intervalBytes} bytes on average); ` +
    `alloc_* scaled from the ${s.probedSamples} (${share}%) read in ${s.probedIntervals} of ${s.gcs} GC intervals; ` +
    `inuse_* as of the last GC; ${s.reads} reads took ${(s.readNs / 1e6).toFixed(1)} ms of CPU; ` +
    `V8 holds ${s.liveSamples} samples, hotpath's tables ${s.tableBytes} bytes`,
  ];
  if (s.restarts > 0) {
    notes.push(`hotpath: heap: ${who}: V8's sampling heap profiler was stopped by someone else (the inspector?) and started again; ` +
      'objects allocated before that are missing from inuse_*');
  }
  if (s.probedSamples === 0) notes.push(`hotpath: heap: ${who}: no GC interval was read this period: alloc_* are missing`);
  return notes;
}

/** Adds every batch's samples to `builder`, encodes, resets the builder; JS frames go through `mapFrame` (source maps). */
export function encodeHeapProfile(builder: ProfileBuilder, batches: readonly HeapBatch[], period: HeapPeriod,
  mapFrame: (f: ExpandedFrame) => ExpandedFrame = (f) => f): Uint8Array {
  const cap = new StackCap(builder);
  try {
    const values = new Array<number>(HEAP_VALUES);
    for (const b of batches) {
      const labels = threadLabels(b.threadId, b.threadName, b.osThreadId);
      const frames = new Array<ExpandedFrame>(b.frames.length / FRAME_INTS);
      for (let f = 0; f < frames.length; f++) {
        const o = f * FRAME_INTS;
        const line = b.frames[o + 2]!;
        // Builtins and V8's own entries have no line (and no file).
        const frame = batchFrame(b.strings[b.frames[o]!], b.strings[b.frames[o + 1]!], line, b.frames[o + 3]!, line > 0);
        frames[f] = frame.file === '' ? frame : mapFrame(frame);
      }
      const idsOf = stackLocations(cap, frames, b.stacks);
      const nStacks = b.stacks.length / 2;
      for (let i = 0; i < nStacks; i++) {
        let any = false;
        for (let k = 0; k < HEAP_VALUES; k++) {
          values[k] = Math.round(b.values[i * HEAP_VALUES + k]!);
          if (values[k] !== 0) any = true;
        }
        if (any) cap.addIds(idsOf(i), values, labels);
      }
      if (b.externalBytes > 0) {
        values.fill(0);
        values[3] = b.externalBytes;
        cap.addIds([cap.locationOf(EXTERNAL)], values, labels);
      }
      for (const c of batchNotes(b)) builder.addComment(c);
    }
    for (const c of cap.endPeriod()) builder.addComment(c);
    for (const c of period.comments) builder.addComment(c);
    builder.setTimeNanos(period.timeNanos);
    builder.setDurationNanos(period.durationNanos);
    return builder.encode();
  } finally {
    builder.reset();
  }
}
