// Turns a trace from the browser's JS Self-Profiling API (Chromium's
// `new Profiler({ sampleInterval, maxBufferSize })`, then `await profiler.stop()`) into a
// gzipped pprof profile, with the WASM builder. No Node built-ins: this runs in the page.
//
// The trace is four tables: `resources` (script URLs), `frames` ({name, resourceId, line,
// column}), `stacks` ({frameId, parentId}: a tree of frames) and `samples` ({timestamp,
// stackId}). A sample without a stack is a moment with no JavaScript running; it becomes the
// pseudo-frame `(idle)` (or is dropped with `idle: false`). Each sample has the values
// samples/count (1) and wall/nanoseconds (the time until the next sample; the last one gets
// the sampling interval). Samples with the same stack are summed by the builder.
import { ProfileBuilder, type Frame } from '../profile/builder.js';

export interface SelfProfilingFrame {
  name: string;
  resourceId?: number;
  line?: number;
  column?: number;
}

export interface SelfProfilingStack {
  frameId: number;
  parentId?: number;
}

export interface SelfProfilingSample {
  /** Milliseconds since the page's time origin (DOMHighResTimeStamp). */
  timestamp: number;
  stackId?: number;
  /** Chromium's optional marker ('script', 'gc', 'style', 'layout', 'paint', 'other'). */
  marker?: string;
}

export interface SelfProfilingTrace {
  resources: string[];
  frames: SelfProfilingFrame[];
  stacks: SelfProfilingStack[];
  samples: SelfProfilingSample[];
}

export interface SelfProfilingOptions {
  /** The `sampleInterval` the Profiler was started with, in milliseconds (default 10). */
  sampleInterval?: number;
  /** `performance.timeOrigin`, to give the profile its wall-clock start time. */
  timeOrigin?: number;
  /** Keep samples with no JavaScript on the stack as `(idle)` (default true). */
  idle?: boolean;
  /** Labels added to every sample (e.g. the page's name). */
  labels?: Record<string, string>;
}

/** One sample, resolved: frames leaf first. */
export interface TraceSample {
  frames: Frame[];
  wallNanos: number;
  marker?: string;
}

export interface ResolvedTrace {
  samples: TraceSample[];
  /** Milliseconds since the time origin of the first sample; 0 without samples. */
  startMillis: number;
  durationNanos: number;
  periodNanos: number;
}

/** A trace that does not have the Self-Profiling API's shape. */
export class TraceFormatError extends Error {
  override name = 'TraceFormatError';
}

/** The deepest stack resolveTrace accepts. */
export const MAX_TRACE_DEPTH = 512;

const isIndex = (v: unknown, length: number): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) < length;

function checkTrace(trace: unknown): asserts trace is SelfProfilingTrace {
  if (typeof trace !== 'object' || trace === null) throw new TraceFormatError('not a JS Self-Profiling trace: expected an object');
  const t = trace as Record<string, unknown>;
  for (const key of ['resources', 'frames', 'stacks', 'samples']) {
    if (!Array.isArray(t[key])) throw new TraceFormatError(`not a JS Self-Profiling trace: no "${key}" array`);
  }
}

/** Resolves stacks to frames and samples to wall time, checking every reference. */
export function resolveTrace(trace: unknown, options: SelfProfilingOptions = {}): ResolvedTrace {
  checkTrace(trace);
  const intervalMs = options.sampleInterval ?? 10;
  if (!(intervalMs > 0)) throw new TraceFormatError('sampleInterval must be a positive number of milliseconds');
  const keepIdle = options.idle ?? true;
  const { resources, frames, stacks, samples } = trace;

  const frameCache = new Map<number, Frame>();
  const frameOf = (id: number): Frame => {
    let f = frameCache.get(id);
    if (f) return f;
    if (!isIndex(id, frames.length)) throw new TraceFormatError(`stack refers to frame ${JSON.stringify(id)?.slice(0, 40)}, but there are ${frames.length} frames`);
    const raw = frames[id];
    if (typeof raw !== 'object' || raw === null || typeof raw.name !== 'string') throw new TraceFormatError(`frames[${id}] has no name`);
    const file = raw.resourceId === undefined ? '' : isIndex(raw.resourceId, resources.length) ? String(resources[raw.resourceId]) : '';
    f = { name: raw.name || '(anonymous)', file, line: Number.isInteger(raw.line) ? raw.line! : 0 };
    if (Number.isInteger(raw.column)) f.column = raw.column;
    frameCache.set(id, f);
    return f;
  };
  // Leaf-first frame lists per stack id, built without recursion and shared between samples.
  // Each list is a copy of its parent's plus one frame, so the work grows with the square of the
  // depth: browsers record at most 255 frames, and a trace deeper than MAX_TRACE_DEPTH (made by
  // hand) is refused rather than taking seconds and gigabytes.
  const stackCache = new Map<number, Frame[]>();
  const stackOf = (id: number): Frame[] => {
    const chain: number[] = [];
    let cur: number | undefined = id;
    while (cur !== undefined && !stackCache.has(cur)) {
      if (!isIndex(cur, stacks.length)) throw new TraceFormatError(`a stack refers to stack ${JSON.stringify(cur)?.slice(0, 40)}, but there are ${stacks.length} stacks`);
      if (chain.length > stacks.length) throw new TraceFormatError(`stack ${id} is its own ancestor`);
      chain.push(cur);
      cur = stacks[cur]?.parentId;
    }
    let above = cur === undefined ? [] : stackCache.get(cur)!;
    for (let i = chain.length - 1; i >= 0; i--) {
      const s = stacks[chain[i]];
      if (typeof s !== 'object' || s === null) throw new TraceFormatError(`stacks[${chain[i]}] is not an object`);
      if (above.length >= MAX_TRACE_DEPTH) {
        throw new TraceFormatError(`a stack is more than ${MAX_TRACE_DEPTH} frames deep (browsers record at most 255)`);
      }
      const list = [frameOf(s.frameId), ...above];
      stackCache.set(chain[i], list);
      above = list;
    }
    return stackCache.get(id)!;
  };

  const idle: Frame[] = [{ name: '(idle)', file: '', line: 0 }];
  const out: TraceSample[] = [];
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i];
    if (typeof s !== 'object' || s === null || typeof s.timestamp !== 'number' || !Number.isFinite(s.timestamp)) {
      throw new TraceFormatError(`samples[${i}] has no numeric timestamp`);
    }
    const next = samples[i + 1]?.timestamp;
    const ms = typeof next === 'number' && Number.isFinite(next) ? Math.max(0, next - s.timestamp) : intervalMs;
    const wallNanos = Math.round(ms * 1e6);
    if (s.stackId === undefined || s.stackId === null) {
      if (keepIdle) out.push({ frames: idle, wallNanos, marker: s.marker });
      continue;
    }
    out.push({ frames: stackOf(s.stackId), wallNanos, marker: s.marker });
  }
  const first = samples.length > 0 ? samples[0].timestamp : 0;
  const last = samples.length > 0 ? samples[samples.length - 1].timestamp + intervalMs : 0;
  return { samples: out, startMillis: first, durationNanos: Math.round((last - first) * 1e6), periodNanos: Math.round(intervalMs * 1e6) };
}

/**
 * A trace of the JS Self-Profiling API as gzipped pprof bytes, with the sample types
 * samples/count and wall/nanoseconds. Async because the WASM core compiles asynchronously on
 * a browser's main thread.
 */
export async function fromSelfProfilingTrace(trace: unknown, options: SelfProfilingOptions = {}): Promise<Uint8Array> {
  const resolved = resolveTrace(trace, options);
  const builder = await ProfileBuilder.create({
    sampleTypes: [
      { type: 'samples', unit: 'count' },
      { type: 'wall', unit: 'nanoseconds' },
    ],
    periodType: { type: 'wall', unit: 'nanoseconds' },
    period: resolved.periodNanos,
    defaultSampleType: 'wall',
    durationNanos: resolved.durationNanos,
    timeNanos: options.timeOrigin !== undefined ? BigInt(Math.round((options.timeOrigin + resolved.startMillis) * 1e6)) : undefined,
  });
  const common = Object.entries(options.labels ?? {}).map(([key, str]) => ({ key, str: String(str) }));
  for (const s of resolved.samples) {
    // A marker that is not a string (the trace came from elsewhere than the API) is left out.
    const labels = typeof s.marker === 'string' && s.marker !== '' ? [...common, { key: 'marker', str: s.marker }] : common;
    builder.addSample(s.frames, [1, s.wallNanos], labels.length > 0 ? labels : undefined);
  }
  return builder.encode();
}
