// A JS Self-Profiling API trace saved as JSON (`JSON.stringify(await profiler.stop())`) to the
// pprof model, for `hotpath convert` and `hotpath view`. The same resolution as the browser's
// fromSelfProfilingTrace (src/browser/self-profiling.ts), built into the model instead of the
// WASM builder.
import type { Profile } from '../profile/model.js';
import { resolveTrace, TraceFormatError, type SelfProfilingOptions } from '../browser/self-profiling.js';
import { ConvertError } from './errors.js';
import { ModelBuilder } from './model-builder.js';

export function selfProfilingTraceToProfile(json: unknown, options: SelfProfilingOptions = {}): Profile {
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
