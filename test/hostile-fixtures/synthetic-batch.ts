// Time batches as native/src/time_profiler.cc hands them over, made up in JS: for feeding the
// aggregation path shapes a real program takes minutes to produce (100,000 distinct stacks).
import type { NativeTimeBatch } from '../../dist/src/native.js';

const MATCHED_IN_JS = 0x80 | 2;
const JS = 0;
const ROOT = 1;

export interface SyntheticOptions {
  /** Samples, each on a stack of its own (distinct from every other sample's). */
  samples: number;
  /** 'combinations': stacks made of 3 of 200 functions (few frames, many stacks);
   * 'functions': each stack ends in a function of its own (as many frames as stacks). */
  shape: 'combinations' | 'functions';
  /** Offset for sample numbering, so that several batches stay distinct from one another. */
  first?: number;
  /** String ids this thread has already sent (a second batch continues the table). */
  stringBase?: number;
  threadId?: number;
}

export interface SyntheticBatch {
  batch: NativeTimeBatch;
  /** What stringBase the next batch of the same thread starts at. */
  nextStringBase: number;
  wallNs: number;
}

const SAMPLE_NS = 10_000_000;

export function syntheticBatch(o: SyntheticOptions): SyntheticBatch {
  const base = o.stringBase ?? 0;
  const strings: string[] = [];
  const ids = new Map<string, number>();
  const str = (s: string): number => {
    let id = ids.get(s);
    if (id === undefined) {
      id = base + strings.length;
      strings.push(s);
      ids.set(s, id);
    }
    return id;
  };
  const nodes: number[] = [];
  const node = (parent: number, name: string, file: string, line: number, kind: number): number => {
    nodes.push(parent, str(name), str(file), line, 0, kind);
    return nodes.length / 6 - 1;
  };
  const root = node(-1, '(root)', '', 0, ROOT);
  let top = root;
  for (const name of ['main', 'serve', 'handle', 'route']) top = node(top, name, '/srv/app/server.js', 10, JS);
  const sampleNode = new Int32Array(o.samples);
  const first = o.first ?? 0;
  for (let s = 0; s < o.samples; s++) {
    const n = first + s;
    let at = top;
    if (o.shape === 'combinations') {
      for (const digit of [n % 200, Math.floor(n / 200) % 200, Math.floor(n / 40_000) % 200]) {
        at = node(at, `step${digit}`, '/srv/app/steps.js', 1 + (digit % 7), JS);
      }
    } else {
      at = node(at, `generated${n}`, '/srv/app/generated.js', 1, JS);
    }
    sampleNode[s] = at;
  }
  const n = o.samples;
  const batch = {
    threadId: o.threadId ?? 0, threadName: 'main', osThreadId: 4242,
    startNs: 1e9, endNs: 1e9 + n * SAMPLE_NS,
    stringBase: base, newStrings: strings,
    nodes: Int32Array.from(nodes), lineTicks: new Int32Array(0),
    sampleNode,
    sampleWallNs: new Float64Array(n).fill(SAMPLE_NS),
    sampleCpuNs: new Float64Array(n).fill(SAMPLE_NS),
    sampleLabel: new Int32Array(n),
    sampleFlags: new Uint8Array(n).fill(MATCHED_IN_JS),
    sampleTurn: new Int32Array(n),
    blocks: new Float64Array(0),
    currentTurn: 0,
    stats: {
      v8Samples: n, duplicates: 0, matched: n, unmatched: 0, signals: n, unusedSignals: 0, ringOverflow: 0,
      samplerTicks: n, samplerJsTicks: n, samplerCpuNs: n * SAMPLE_NS, intervalMicros: SAMPLE_NS / 1000, blocksDropped: 0,
    },
  } as unknown as NativeTimeBatch;
  return { batch, nextStringBase: base + strings.length, wallNs: n * SAMPLE_NS };
}
