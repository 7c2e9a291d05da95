// Stack batches as native/src/time_profiler.cc hands them over (wall samples of 10 ms), made up in JS: for feeding the
// aggregation path shapes a real program takes minutes to produce (100,000 distinct stacks).
import type { NativeTimeBatch } from '../../dist/src/collect/native.js';

const JS = 0;

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
  const frames: number[] = [];
  const frameIds = new Map<string, number>();
  const frame = (name: string, file: string, line: number): number => {
    const key = `${name}\u0000${file}\u0000${line}`;
    let id = frameIds.get(key);
    if (id === undefined) {
      id = frames.length / 5;
      frames.push(str(name), str(file), line, 0, JS);
      frameIds.set(key, id);
    }
    return id;
  };
  const stacks: number[] = [];
  const stack = (parent: number, f: number): number => {
    stacks.push(parent, f);
    return stacks.length / 2 - 1;
  };
  let top = -1;
  for (const name of ['main', 'serve', 'handle', 'route']) top = stack(top, frame(name, '/srv/app/server.js', 10));
  const sampleStack = new Int32Array(o.samples);
  const first = o.first ?? 0;
  for (let s = 0; s < o.samples; s++) {
    const n = first + s;
    let at = top;
    if (o.shape === 'combinations') {
      for (const digit of [n % 200, Math.floor(n / 200) % 200, Math.floor(n / 40_000) % 200]) {
        at = stack(at, frame(`step${digit}`, '/srv/app/steps.js', 1 + (digit % 7)));
      }
    } else {
      at = stack(at, frame(`generated${n}`, '/srv/app/generated.js', 1));
    }
    sampleStack[s] = at;
  }
  const n = o.samples;
  const batch: NativeTimeBatch = {
    threadId: o.threadId ?? 0, threadName: 'main', osThreadId: 4242,
    startNs: 1e9, endNs: 1e9 + n * SAMPLE_NS,
    stringBase: base, newStrings: strings,
    frames: Int32Array.from(frames), stacks: Int32Array.from(stacks),
    sampleStack,
    sampleWeight: new Int32Array(n).fill(1),
    sampleMicros: new Int32Array(n).fill(SAMPLE_NS / 1000),
    sampleClock: new Uint8Array(n),
    sampleLabel: new Int32Array(n),
    sampleTrace: new Int32Array(n),
    sampleTurn: new Int32Array(n).fill(1),
    sampleFlags: new Uint8Array(n),
    idleNs: 0,
    blocks: new Float64Array(0),
    currentTurn: 1,
    stats: {
      signals: n, droppedWeight: 0, storeFullDropped: 0, handlerNs: 0, wallSamples: n, cpuSamples: 0,
      intervalMicros: SAMPLE_NS / 1000, exactLines: n, functionLines: 0, nativeLeaves: 0, unknownFrames: 0,
      blocksDropped: 0, ended: false,
    },
  };
  return { batch, nextStringBase: base + strings.length, wallNs: n * SAMPLE_NS };
}
