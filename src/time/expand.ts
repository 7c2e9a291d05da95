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
import type { NativeTimeBatch } from '../native.js';
import type { Labels } from '../labels.js';

export const NODE_FIELDS = 6;
export const enum NodeKind { Js = 0, Root = 1, Program = 2, Idle = 3, Gc = 4, Native = 5 }
export const FLAG_LOOP_IDLE = 1;
export const FLAG_IN_JS = 2;
export const FLAG_IN_GC = 4;
export const FLAG_MATCHED = 0x80;

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
    for (let i = 0; i < batch.newStrings.length; i++) this.strings[batch.stringBase + i] = batch.newStrings[i];
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

export type SampleSink = (frames: ExpandedFrame[], values: [number, number, number], labels: ExpandedLabel[]) => void;

export interface ExpandTotals {
  samples: number;
  wallNs: number;
  cpuNs: number;
  unmatched: number;
}

const IDLE: ExpandedFrame = { name: '(idle)', file: '', line: 0 };
const PROGRAM: ExpandedFrame = { name: '(program)', file: '', line: 0 };
const GC: ExpandedFrame = { name: '(garbage collector)', file: '', line: 0 };

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

  // Frames above the leaf, per node, built once: parent chain with callsite lines.
  const callerFrames: (ExpandedFrame[] | undefined)[] = new Array(nNodes);
  const framesAbove = (node: number): ExpandedFrame[] => {
    let f = callerFrames[node];
    if (f !== undefined) return f;
    const parent = nodes[node * NODE_FIELDS];
    if (parent < 0 || nodes[parent * NODE_FIELDS + 5] === NodeKind.Root) {
      f = [];
    } else {
      const p = parent * NODE_FIELDS;
      f = [mapFrame({ name: str[nodes[p + 1]], file: str[nodes[p + 2]], line: nodes[node * NODE_FIELDS + 3] })]
        .concat(framesAbove(parent));
    }
    callerFrames[node] = f;
    return f;
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
        sink([GC], [1, wall, cpu], labels);
      } else if ((flags & FLAG_LOOP_IDLE) !== 0 && (flags & FLAG_IN_JS) === 0) {
        sink([IDLE], [1, wall, 0], labels);
        if (cpu > 0) sink([PROGRAM], [0, 0, cpu], labels);
      } else {
        sink([PROGRAM], [1, wall, cpu], labels);
      }
      continue;
    }
    const o = node * NODE_FIELDS;
    const leaf = mapFrame({ name: str[nodes[o + 1]], file: str[nodes[o + 2]], line: leafLine(node) });
    sink([leaf, ...framesAbove(node)], [1, wall, cpu], labels);
  }
  return totals;
}
