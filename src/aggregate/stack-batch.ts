// Turns one thread's stack batch (native/src/time_profiler.cc BuildBatch) into samples: stacks
// of frames, values [samples, wall ns, cpu ns] and labels. Runs in the aggregation worker only.
//
// Samples. A wall sample (the thread's wall-clock timer) carries its weight (1 + the timer's
// overruns) as samples and weight x interval as wall time; a CPU sample (the thread's CPU-clock
// timer) weight x interval as CPU time and nothing else. Wall time the thread spent waiting in
// its event loop without being signalled (its wall timer parked) comes as one `(idle)` sample.
// Each frame carries its own line: the line of the pc in that function (exact where V8 logged
// line positions for the code, else the function's first line).
//
// Pseudo-frames, made natively: `(idle)` (wall samples while the loop waited for I/O),
// `(garbage collector)`, `(program)` (no JS on the stack, not idle).
//
// Hostile shapes. A sample keeps at most MAX_STACK_FRAMES frames, the innermost ones; a deeper
// stack ends (at its root) in a frame `<N+ frames omitted>`: hotpath dropped N frames, and the
// "+" says more may be missing, because the sampler takes at most 128 raw frames of a stack
// (entry, exit and builtin frames count there), so what lay beyond is unknowable. Strings
// longer than MAX_STRING_CHARS (a 100 KB function name, a data: URL as a script name) are cut
// and marked. A JS function of a script without a name (eval, new Function, vm code with
// filename '') gets the file UNNAMED_SCRIPT.
import { MAX_RENAMES, rootSpanId, spanLabels } from '../common/span-labels.js';
import { setCapped } from '../common/capped-map.js';
import { TRACE_INTS } from '../transport/time-batch.js';
import type { NativeTimeBatch } from '../transport/time-batch.js';
import type { Labels } from '../transport/protocol.js';

export const FRAME_FIELDS = 5;
export const enum FrameKind { Js = 0, Program = 2, Idle = 3, Gc = 4, Native = 5 }
export const CLOCK_CPU = 1;

/** Frames a sample keeps, counting the `<N+ frames omitted>` frame that ends a cut stack. */
export const MAX_STACK_FRAMES = 128;
/** Longest function or script name kept; longer ones are cut and marked (see capString). */
export const MAX_STRING_CHARS = 1024;
/** The file of a JS frame whose script has no name. */
export const UNNAMED_SCRIPT = '(eval or unnamed script)';

/** s, or its first MAX_STRING_CHARS characters marked with the length it had. */
export function capString(s: string): string {
  if (s.length <= MAX_STRING_CHARS) return s;
  let end = MAX_STRING_CHARS;
  // Do not split a surrogate pair (the half left would encode as U+FFFD).
  const c = s.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return `${s.slice(0, end)}… (truncated from ${s.length} characters)`;
}

export interface ExpandedFrame {
  name: string;
  file: string;
  line: number;
  column?: number;
}

export interface ExpandedLabel {
  key: string;
  str?: string;
  num?: number;
}

/**
 * The labels every kind gives a thread's samples (DESIGN.md): `thread id` (0 for the main
 * thread), `thread name`, and `os thread id` where the addon told it.
 */
export function threadLabels(threadId: number, threadName: string, osThreadId: number): ExpandedLabel[] {
  const labels: ExpandedLabel[] = [
    { key: 'thread id', str: String(threadId) },
    { key: 'thread name', str: threadName },
  ];
  if (osThreadId > 0) labels.push({ key: 'os thread id', str: String(osThreadId) });
  return labels;
}

/** A batch frame as every kind's profile names it: long names cut, a script without a name said so. */
export function batchFrame(name: string | undefined, file: string | undefined, line: number, column: number, js: boolean): ExpandedFrame {
  const f = file === undefined || file === '' ? (js ? UNNAMED_SCRIPT : '') : capString(file);
  return { name: name === undefined ? '(unknown)' : capString(name), file: f, line, column };
}

/**
 * The stacks of a batch given as (parent, frame) pairs, parents first, as leaf-first lists of
 * `T` (frames, location ids): each stack is built once, cut to MAX_STACK_FRAMES with the
 * `<N+ frames omitted>` root that `omitted(N)` gives.
 */
export function stackPaths<T>(stacks: Int32Array, frameOf: (frame: number) => T, omitted: (n: number) => T): (stack: number) => T[] {
  const nStacks = stacks.length / 2;
  const depth = new Int32Array(nStacks);
  for (let k = 0; k < nStacks; k++) {
    const parent = stacks[k * 2]!;
    depth[k] = parent < 0 ? 1 : depth[parent]! + 1;
  }
  const built: (T[] | undefined)[] = new Array(nStacks);
  return (stack) => {
    let out = built[stack];
    if (out !== undefined) return out;
    const d = depth[stack]!;
    const cut = d > MAX_STACK_FRAMES;
    const kept = cut ? MAX_STACK_FRAMES - 1 : d;
    out = new Array<T>(cut ? MAX_STACK_FRAMES : d);
    let cur = stack;
    for (let k = 0; k < kept; k++) {
      out[k] = frameOf(stacks[cur * 2 + 1]!);
      cur = stacks[cur * 2]!;
    }
    if (cut) out[kept] = omitted(d - kept);
    built[stack] = out;
    return out;
  };
}

/** What a thread's batches share across periods: its strings and label sets. */
export class ThreadTable {
  readonly strings: string[] = [];
  readonly labelSets = new Map<number, ExpandedLabel[]>();
  readonly spanNames = new Map<number, string>();
  private readonly renamed = new Map<string, string>();
  threadLabels: ExpandedLabel[] = [];
  threadName = '';
  osThreadId = 0;

  constructor(readonly threadId: number) {}

  /** The batch's new strings and the thread's identity (before expandBatch). */
  learn(batch: NativeTimeBatch): void {
    for (let i = 0; i < batch.newStrings.length; i++) this.strings[batch.stringBase + i] = capString(batch.newStrings[i]);
    if (this.threadName !== batch.threadName || this.osThreadId !== batch.osThreadId || this.threadLabels.length === 0) {
      this.threadName = batch.threadName;
      this.osThreadId = batch.osThreadId;
      this.threadLabels = threadLabels(batch.threadId, batch.threadName, batch.osThreadId);
    }
  }

  /** Label sets the thread made (its own answer to a period end). */
  learnLabels(labelSets: { id: number; labels: Labels }[]): void {
    for (const s of labelSets) {
      const out: ExpandedLabel[] = [];
      for (const [key, v] of Object.entries(s.labels)) {
        out.push(typeof v === 'number' ? { key, num: v } : { key, str: v });
      }
      this.labelSets.set(s.id, out);
    }
  }

  /** Root span names the thread made (with its label sets). */
  learnSpanNames(names: { id: number; name: string }[] | undefined): void {
    for (const n of names ?? []) this.spanNames.set(n.id, n.name);
  }

  /** Root spans renamed after their first sample: their final names (kept for the last MAX_RENAMES). */
  learnSpanRenames(renames: { root: string; name: string }[] | undefined): void {
    for (const r of renames ?? []) setCapped(this.renamed, r.root, r.name, MAX_RENAMES);
  }

  /**
   * The labels of trace context `index` (0-based) of the batch: `span_id` (the local root
   * span's id, 16 hex digits), `span_name` (the root span's name), `trace_id` (32 hex) and
   * `active_span_id` (the span active at the sample, 16 hex), which the exporters translate
   * (src/aggregate/relabel.ts, otlp-encode.ts).
   */
  traceLabels(contexts: Int32Array, index: number): ExpandedLabel[] {
    const o = index * TRACE_INTS;
    const name = this.renamed.get(rootSpanId(contexts, o)) ?? this.spanNames.get(contexts[o + TRACE_INTS - 1]!);
    return spanLabels(contexts, o, name);
  }

  labelsFor(labelSetId: number): ExpandedLabel[] {
    const user = labelSetId === 0 ? undefined : this.labelSets.get(labelSetId);
    return user === undefined || user.length === 0 ? this.threadLabels : this.threadLabels.concat(user);
  }
}

/** `index`: the sample's index in the batch and `stack` its stack, both -1 for the parked idle time (frames [IDLE]). */
export type SampleSink = (frames: ExpandedFrame[], values: [number, number, number], labels: ExpandedLabel[], index: number, stack: number) => void;

export interface ExpandTotals {
  /** Wall samples (weights included). */
  samples: number;
  wallNs: number;
  cpuNs: number;
}

export const IDLE: ExpandedFrame = { name: '(idle)', file: '', line: 0 };

const omittedFrames = new Map<number, ExpandedFrame>();
/** The root frame of a stack cut after MAX_STACK_FRAMES - 1 frames; n frames were dropped here. */
export function omittedFrame(n: number): ExpandedFrame {
  let f = omittedFrames.get(n);
  if (f === undefined) {
    f = { name: `<${n}+ frames omitted>`, file: '', line: 0 };
    // Depths are bounded by the sampler's frame limit, so this holds a few hundred entries at most.
    if (omittedFrames.size < 4096) omittedFrames.set(n, f);
  }
  return f;
}

/** Rewrites a JS frame (source maps); must return the same object for the same input to stay cheap. */
export type FrameMapper = (frame: ExpandedFrame) => ExpandedFrame;

const identity: FrameMapper = (f) => f;

/** The batch's frames (after table.learn), JS frames through `mapFrame` (source maps). */
export function batchFrames(table: ThreadTable, b: NativeTimeBatch, mapFrame: FrameMapper = identity): ExpandedFrame[] {
  const str = table.strings;
  const fr = b.frames;
  const nFrames = fr.length / FRAME_FIELDS;
  const frames = new Array<ExpandedFrame>(nFrames);
  for (let k = 0; k < nFrames; k++) {
    const o = k * FRAME_FIELDS;
    const js = fr[o + 4] === FrameKind.Js;
    // table.strings are capped already (learn)
    const file = str[fr[o + 1]!] ?? '';
    const f: ExpandedFrame = { name: str[fr[o]!] ?? '(unknown)', file: file === '' && js ? UNNAMED_SCRIPT : file, line: fr[o + 2]! };
    frames[k] = js ? mapFrame(f) : f;
  }
  return frames;
}

/** Calls sink once per sample of the batch, with `frames` from batchFrames. */
export function expandBatch(table: ThreadTable, b: NativeTimeBatch, frames: readonly ExpandedFrame[], sink: SampleSink): ExpandTotals {
  const stackOf = stackPaths(b.stacks, (f) => frames[f]!, omittedFrame);
  const totals: ExpandTotals = { samples: 0, wallNs: 0, cpuNs: 0 };
  const n = b.sampleStack.length;
  // Label lists with trace context, once per (label set, context) pair of the batch.
  const traced = new Map<number, ExpandedLabel[]>();
  const contexts = b.traceContexts;
  const nContexts = contexts ? contexts.length / TRACE_INTS : 0;
  for (let i = 0; i < n; i++) {
    const ns = b.sampleMicros[i] * 1000;
    let labels = table.labelsFor(b.sampleLabel[i]);
    const trace = b.sampleTrace[i]!;
    if (trace > 0 && trace <= nContexts) {
      const key = b.sampleLabel[i]! * (nContexts + 1) + trace;
      let l = traced.get(key);
      if (l === undefined) {
        l = labels.concat(table.traceLabels(contexts, trace - 1));
        traced.set(key, l);
      }
      labels = l;
    }
    if (b.sampleClock[i] === CLOCK_CPU) {
      totals.cpuNs += ns;
      sink(stackOf(b.sampleStack[i]!), [0, 0, ns], labels, i, b.sampleStack[i]!);
    } else {
      const w = b.sampleWeight[i];
      totals.samples += w;
      totals.wallNs += ns;
      sink(stackOf(b.sampleStack[i]!), [w, ns, 0], labels, i, b.sampleStack[i]!);
    }
  }
  if (b.idleNs > 0) {
    const w = Math.round(b.idleNs / (b.stats.intervalMicros * 1000));
    totals.samples += w;
    totals.wallNs += b.idleNs;
    sink([IDLE], [w, b.idleNs, 0], table.threadLabels, -1, -1);
  }
  return totals;
}
