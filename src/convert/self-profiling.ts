// A JS Self-Profiling API trace saved as JSON (`JSON.stringify(await profiler.stop())`) to the
// pprof model, for `hotpath convert` and `hotpath view`. The same resolution as the browser's
// fromSelfProfilingTrace (src/browser/self-profiling.ts), built into the model instead of the
// WASM builder.
import type { Profile } from '../profile/model.js';
import { resolveTrace, TraceFormatError, type SelfProfilingOptions } from '../browser/self-profiling.js';
import { ConvertError } from './errors.js';
import { ModelBuilder } from './model-builder.js';
import { MAX_CONVERTED_FRAMES } from './cut-stack.js';

/**
 * The depth of the deepest stack in the trace's `stacks` table, without recursion; bad
 * references and cycles end a walk (resolveTrace reports them, if a sample uses them).
 */
function deepestStack(trace: unknown): number {
  const stacks = typeof trace === 'object' && trace !== null ? (trace as { stacks?: unknown }).stacks : undefined;
  if (!Array.isArray(stacks)) return 0;
  const depth = new Int32Array(stacks.length); // 0: not known yet, -1: being walked
  let deepest = 0;
  for (let i = 0; i < stacks.length; i++) {
    const chain: number[] = [];
    let cur: unknown = i;
    let base = 0;
    while (Number.isInteger(cur) && (cur as number) >= 0 && (cur as number) < stacks.length) {
      const c = cur as number;
      if (depth[c] !== 0) {
        base = Math.max(0, depth[c]);
        break;
      }
      depth[c] = -1;
      chain.push(c);
      const s = stacks[c] as { parentId?: unknown } | null;
      cur = typeof s === 'object' && s !== null ? s.parentId : undefined;
    }
    for (let k = chain.length - 1; k >= 0; k--) depth[chain[k]] = ++base;
    deepest = Math.max(deepest, base);
  }
  return deepest;
}

export function selfProfilingTraceToProfile(json: unknown, options: SelfProfilingOptions = {}): Profile {
  // resolveTrace builds each stack's whole frame list: quadratic in the depth (a chain of 6,000
  // stacks took 8.6 s). Browsers record at most 255 frames, so a deeper trace was made by hand.
  const deepest = deepestStack(json);
  if (deepest > MAX_CONVERTED_FRAMES) {
    throw new ConvertError(`JS Self-Profiling trace: a stack is ${deepest} frames deep, over the ${MAX_CONVERTED_FRAMES} hotpath converts (browsers record at most 255)`);
  }
  let resolved;
  try {
    resolved = resolveTrace(json, options);
  } catch (error) {
    if (error instanceof TraceFormatError) throw new ConvertError(error.message);
    throw error;
  }
  // Finite timestamps can still be too far apart for nanoseconds in a double.
  if (!Number.isFinite(resolved.durationNanos) || !resolved.samples.every((s) => Number.isFinite(s.wallNanos))) {
    throw new ConvertError('JS Self-Profiling trace: sample timestamps are too far apart to be milliseconds');
  }
  const builder = new ModelBuilder(
    [
      { type: 'samples', unit: 'count' },
      { type: 'wall', unit: 'nanoseconds' },
    ],
    { type: 'wall', unit: 'nanoseconds' },
    resolved.periodNanos,
  );
  for (const s of resolved.samples) {
    const ids = s.frames.map((f) => builder.location({ name: f.name, file: f.file, line: f.line, column: f.column }));
    // The trace is JSON from a file: a marker that is not a string is left out, not passed on.
    const marker = typeof s.marker === 'string' && s.marker !== '' ? [{ key: 'marker', str: s.marker }] : [];
    builder.addSample(ids, [1, s.wallNanos], marker);
  }
  return builder.profile({ durationNanos: resolved.durationNanos, defaultSampleType: 'wall' });
}
