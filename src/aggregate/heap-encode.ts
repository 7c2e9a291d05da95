// Turns heap batches (one per thread) into the `heap` pprof profile. Runs in the aggregation
// worker's heap service, and on the calling thread only for the synchronous last profiles
// (process.exit, the near-heap-limit profile).
import { ProfileBuilder } from '../profile/builder.js';
import type { Label } from '../profile/model.js';
import { FRAME_INTS, HEAP_SAMPLE_TYPES, HEAP_VALUES, STACK_INTS } from '../transport/heap-batch.js';
import type { HeapBatch } from '../transport/heap-batch.js';
import { UNNAMED_SCRIPT, capString } from './stack-batch.js';

/** The pseudo-frame memory outside the JS heap (Buffers, ArrayBuffers) is reported under. */
export const EXTERNAL_FRAME = '(external)';

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

export function threadLabels(b: HeapBatch): Label[] {
  const labels: Label[] = [
    { key: 'thread id', str: String(b.threadId) },
    { key: 'thread name', str: b.threadName },
  ];
  if (b.osThreadId > 0) labels.push({ key: 'os thread id', str: String(b.osThreadId) });
  return labels;
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

/** Adds every batch's samples to `builder`, encodes, resets the builder. */
export function encodeHeapProfile(builder: ProfileBuilder, batches: readonly HeapBatch[], period: HeapPeriod): Uint8Array {
  try {
    const values = new Float64Array(HEAP_VALUES);
    for (const b of batches) {
      const labelSet = builder.internLabels(threadLabels(b));
      const nFrames = b.frames.length / FRAME_INTS;
      const locs = new Int32Array(nFrames);
      for (let f = 0; f < nFrames; f++) {
        const line = b.frames[f * FRAME_INTS + 2];
        // As in the time profile (src/aggregate/stack-batch.ts): long names cut and marked; code of a
        // script without a name (eval, new Function) said so. Builtins have no line.
        const file = b.strings[b.frames[f * FRAME_INTS + 1]];
        locs[f] = builder.internFrame({
          name: capString(b.strings[b.frames[f * FRAME_INTS]]),
          file: file === '' && line > 0 ? UNNAMED_SCRIPT : capString(file),
          line,
          column: b.frames[f * FRAME_INTS + 3],
          startLine: line,
        });
      }
      const nStacks = b.stacks.length / STACK_INTS;
      const stackIds: number[][] = new Array(nStacks);
      const pathOf = (i: number): number[] => {
        let p = stackIds[i];
        if (p) return p;
        const parent = b.stacks[i * STACK_INTS];
        p = [locs[b.stacks[i * STACK_INTS + 1]], ...(parent >= 0 ? pathOf(parent) : [])];
        stackIds[i] = p;
        return p;
      };
      for (let i = 0; i < nStacks; i++) {
        let any = false;
        for (let k = 0; k < HEAP_VALUES; k++) {
          values[k] = Math.round(b.values[i * HEAP_VALUES + k]);
          if (values[k] !== 0) any = true;
        }
        if (any) builder.addSampleIds(pathOf(i), values, labelSet);
      }
      if (b.externalBytes > 0) {
        const ext = builder.internFrame({ name: EXTERNAL_FRAME, file: '', line: 0 });
        values.fill(0);
        values[3] = b.externalBytes;
        builder.addSampleIds([ext], values, labelSet);
      }
      for (const c of batchNotes(b)) builder.addComment(c);
    }
    for (const c of period.comments) builder.addComment(c);
    builder.setTimeNanos(period.timeNanos);
    builder.setDurationNanos(period.durationNanos);
    return builder.encode();
  } finally {
    builder.reset();
  }
}
