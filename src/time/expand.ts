// Turns one thread's raw batch (native/src/time_profiler.cc) into samples: stacks of frames,
// values [samples, wall ns, cpu ns] and labels. Runs in the aggregation worker only.
//
// Lines. V8 profiles run in caller-line mode: a node's line is the line in its parent where
// the parent called it. So a non-leaf frame's line is its child's node line, and a leaf frame's
// line comes from the leaf node's line ticks (V8 keeps hits per line per node, not per sample):
// the node's samples are spread over its lines in proportion to those hits.
//
// Pseudo-frames. A sample without JS on the stack is `(idle)` when the thread was waiting in the
// event loop (between uv_prepare and uv_check, outside any JS call) and `(program)` otherwise;
// `(garbage collector)` when V8 or the GC flag says so. `(idle)` carries wall only: the CPU
// time measured since the previous sample goes on a `(program)` sample instead, so that a
// thread's cpu still sums to its CPU clock.
//
// Hostile shapes. A sample keeps at most MAX_STACK_FRAMES frames, the innermost ones; a deeper
// stack ends (at its root) in a frame `<N+ frames omitted>`: hotpath dropped N frames, and the
// "+" says more may be missing, because V8 itself keeps only the 255 innermost raw frames of a
// stack (builtin and API frames count there but are not shown; inlined frames are shown), so
// what lay beyond V8's limit is unknowable. Strings longer than MAX_STRING_CHARS (a 100 KB
// function name, a data: URL as a script name) are cut and marked. A JS function of a script
// without a name (eval, new Function, vm code with filename '') gets the file UNNAMED_SCRIPT.
import type { NativeTimeBatch } from '../native.js';
import type { Labels } from '../labels.js';

export const NODE_FIELDS = 6;
export const enum NodeKind { Js = 0, Root = 1, Program = 2, Idle = 3, Gc = 4, Native = 5 }
export const FLAG_LOOP_IDLE = 1;
export const FLAG_IN_JS = 2;
export const FLAG_IN_GC = 4;
export const FLAG_MATCHED = 0x80;

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

/** What a thread's batches share across periods: its strings and label sets. */
export class ThreadTable {
  readonly strings: string[] = [];
  readonly labelSets = new Map<number, ExpandedLabel[]>();
  threadLabels: ExpandedLabel[] = [];
  threadName = '';
  osThreadId = 0;

  constructor(readonly threadId: number) {}

  learn(batch: NativeTimeBatch, labelSets: { id: number; labels: Labels }[]): void {
    for (let i = 0; i < batch.newStrings.length; i++) this.strings[batch.stringBase + i] = capString(batch.newStrings[i]);
    for (const s of labelSets) {
      const out: ExpandedLabel[] = [];
      for (const [key, v] of Object.entries(s.labels)) {
        out.push(typeof v === 'number' ? { key, num: v } : { key, str: v });
      }
      this.labelSets.set(s.id, out);
    }
    if (this.threadName !== batch.threadName || this.osThreadId !== batch.osThreadId || this.threadLabels.length === 0) {
      this.threadName = batch.threadName;
      this.osThreadId = batch.osThreadId;
      this.threadLabels = [
        { key: 'thread id', str: String(batch.threadId) },
        { key: 'thread name', str: batch.threadName },
        { key: 'os thread id', str: String(batch.osThreadId) },
      ];
    }
  }

  labelsFor(labelSetId: number): ExpandedLabel[] {
    const user = labelSetId === 0 ? undefined : this.labelSets.get(labelSetId);
    return user === undefined || user.length === 0 ? this.threadLabels : this.threadLabels.concat(user);
  }
}

/** `index`: the sample's index in the batch (a sample may call the sink twice: `(idle)` then `(program)`). */
export type SampleSink = (frames: ExpandedFrame[], values: [number, number, number], labels: ExpandedLabel[], index: number) => void;

export interface ExpandTotals {
  samples: number;
  wallNs: number;
  cpuNs: number;
  unmatched: number;
}

const IDLE: ExpandedFrame = { name: '(idle)', file: '', line: 0 };
const PROGRAM: ExpandedFrame = { name: '(program)', file: '', line: 0 };
const GC: ExpandedFrame = { name: '(garbage collector)', file: '', line: 0 };

const omittedFrames = new Map<number, ExpandedFrame>();
/** The root frame of a stack cut after MAX_STACK_FRAMES - 1 frames; n frames were dropped here. */
export function omittedFrame(n: number): ExpandedFrame {
  let f = omittedFrames.get(n);
  if (f === undefined) {
    f = { name: `<${n}+ frames omitted>`, file: '', line: 0 };
    // Depths are bounded by V8's frame limit, so this holds a few hundred entries at most.
    if (omittedFrames.size < 4096) omittedFrames.set(n, f);
  }
  return f;
}

/** Calls sink once per sample of the batch (after table.learn). */
/** Rewrites a JS frame (source maps); must return the same object for the same input to stay cheap. */
export type FrameMapper = (frame: ExpandedFrame) => ExpandedFrame;

const identity: FrameMapper = (f) => f;

export function expandBatch(table: ThreadTable, b: NativeTimeBatch, sink: SampleSink, mapFrame: FrameMapper = identity): ExpandTotals {
  const nodes = b.nodes;
  const nNodes = nodes.length / NODE_FIELDS;
  const str = table.strings;

  // Leaf lines: for each node with line ticks, its lines and target shares.
  const tickLines = new Map<number, { lines: number[]; hits: number[]; given: number[]; total: number; n: number }>();
  for (let i = 0; i < b.lineTicks.length; i += 3) {
    const node = b.lineTicks[i];
    let t = tickLines.get(node);
    if (t === undefined) {
      t = { lines: [], hits: [], given: [], total: 0, n: 0 };
      tickLines.set(node, t);
    }
    t.lines.push(b.lineTicks[i + 1]);
    t.hits.push(b.lineTicks[i + 2]);
    t.given.push(0);
    t.total += b.lineTicks[i + 2];
  }
  const leafLine = (node: number): number => {
    const t = tickLines.get(node);
    if (t === undefined) return 0;
    // Largest deficit first: after k samples, line j has had about k * hits[j] / total.
    t.n++;
    let best = 0;
    let bestDeficit = -Infinity;
    for (let j = 0; j < t.lines.length; j++) {
      const deficit = (t.n * t.hits[j]) / t.total - t.given[j];
      if (deficit > bestDeficit) {
        bestDeficit = deficit;
        best = j;
      }
    }
    t.given[best]++;
    return t.lines[best];
  };

  const fileOf = (o: number): string => {
    const file = str[nodes[o + 2]];
    return file === '' && nodes[o + 5] === NodeKind.Js ? UNNAMED_SCRIPT : file;
  };

  // Depth of each node (frames from the root's child down to it, itself included). Nodes come
  // parents first (native/src/time_profiler.cc), so one pass does.
  const depth = new Int32Array(nNodes);
  for (let k = 0; k < nNodes; k++) {
    const parent = nodes[k * NODE_FIELDS];
    depth[k] = parent < 0 ? 0 : depth[parent] + 1;  // the root is 0, its children 1
  }

  // The frame of a node's parent, at the line where it called the node; built once per node.
  const callerFrames: (ExpandedFrame | undefined)[] = new Array(nNodes);
  const callerFrame = (node: number): ExpandedFrame => {
    let f = callerFrames[node];
    if (f === undefined) {
      const p = nodes[node * NODE_FIELDS] * NODE_FIELDS;
      f = mapFrame({ name: str[nodes[p + 1]], file: fileOf(p), line: nodes[node * NODE_FIELDS + 3] });
      callerFrames[node] = f;
    }
    return f;
  };
  /** leaf, then the callers up to the root's child, cut at MAX_STACK_FRAMES. */
  const stackOf = (leaf: ExpandedFrame, node: number): ExpandedFrame[] => {
    const d = depth[node];
    const cut = d > MAX_STACK_FRAMES;
    const kept = cut ? MAX_STACK_FRAMES - 1 : d;
    const frames = new Array<ExpandedFrame>(cut ? MAX_STACK_FRAMES : d);
    frames[0] = leaf;
    let cur = node;
    for (let k = 1; k < kept; k++) {
      frames[k] = callerFrame(cur);
      cur = nodes[cur * NODE_FIELDS];
    }
    if (cut) frames[kept] = omittedFrame(d - kept);
    return frames;
  };

  const totals: ExpandTotals = { samples: 0, wallNs: 0, cpuNs: 0, unmatched: 0 };
  const n = b.sampleNode.length;
  for (let i = 0; i < n; i++) {
    const flags = b.sampleFlags[i];
    if ((flags & FLAG_MATCHED) === 0) {
      totals.unmatched++;
      continue;
    }
    const node = b.sampleNode[i];
    const wall = b.sampleWallNs[i];
    const cpu = b.sampleCpuNs[i];
    const labels = table.labelsFor(b.sampleLabel[i]);
    const kind = nodes[node * NODE_FIELDS + 5];
    totals.samples++;
    totals.wallNs += wall;
    totals.cpuNs += cpu;
    if (kind === NodeKind.Root || kind === NodeKind.Program || kind === NodeKind.Idle || kind === NodeKind.Gc) {
      if (kind === NodeKind.Gc || (flags & FLAG_IN_GC) !== 0) {
        sink([GC], [1, wall, cpu], labels, i);
      } else if ((flags & FLAG_LOOP_IDLE) !== 0 && (flags & FLAG_IN_JS) === 0) {
        sink([IDLE], [1, wall, 0], labels, i);
        if (cpu > 0) sink([PROGRAM], [0, 0, cpu], labels, i);
      } else {
        sink([PROGRAM], [1, wall, cpu], labels, i);
      }
      continue;
    }
    const o = node * NODE_FIELDS;
    const leaf = mapFrame({ name: str[nodes[o + 1]], file: fileOf(o), line: leafLine(node) });
    sink(stackOf(leaf, node), [1, wall, cpu], labels, i);
  }
  return totals;
}
