// Source maps for the aggregation worker: JS frames of compiled or bundled code become frames
// of the original source (file, line, function name). Each distinct frame is looked up once and
// the answer kept, so the per-sample cost is a few Map lookups; the cache is dropped when it
// grows past a bound, so memory does not grow with uptime. It is keyed by file, then name, then
// line: no key string is built per lookup, and a map that arrives for a file drops that file's
// entries without a scan of the others.
import { SourceMapper } from './source-maps.js';
import type { ExpandedFrame } from './stack-batch.js';

const MAX_CACHED_FRAMES = 100_000;

export interface FrameMapper {
  map(frame: ExpandedFrame): ExpandedFrame;
  /** Comments about missing or broken maps found since the last call. */
  takeComments(): string[];
  /** A map from the profiled thread's memory (src/collect/memory-source-maps.ts). */
  provide(file: string, payload: unknown): void;
}

type Lines = Map<number, ExpandedFrame>;

let shared: FrameMapper | null = null;

/**
 * The aggregation worker's one frame mapper, for every kind's service: maps that the time
 * service receives from the threads' memory serve the heap and event profiles too; comments
 * about maps go into the profile that takes them first (the time profile, when it runs).
 */
export function workerFrameMapper(): FrameMapper {
  shared ??= createFrameMapper();
  return shared;
}

export function createFrameMapper(mapper = new SourceMapper()): FrameMapper {
  let cache = new Map<string, Map<string, Lines>>();
  let cached = 0;
  return {
    map(frame) {
      if (!frame.file) return frame;
      let byName = cache.get(frame.file);
      let lines = byName?.get(frame.name);
      let out = lines?.get(frame.line);
      if (out === undefined) {
        const m = mapper.map({ file: frame.file, line: frame.line, column: frame.column ?? 0, name: frame.name });
        out = m.mapped ? { name: m.name, file: m.file, line: m.line, column: m.column } : frame;
        if (cached >= MAX_CACHED_FRAMES) {
          cache = new Map();
          cached = 0;
          byName = lines = undefined;
        }
        if (byName === undefined) cache.set(frame.file, (byName = new Map()));
        if (lines === undefined) byName.set(frame.name, (lines = new Map()));
        lines.set(frame.line, out);
        cached++;
      }
      return out;
    },
    takeComments: () => mapper.takeComments(),
    provide(file, payload) {
      mapper.provide(file, payload);
      // Frames of this file looked up before its map arrived were kept unmapped: look again.
      const byName = cache.get(file);
      if (byName === undefined) return;
      for (const lines of byName.values()) cached -= lines.size;
      cache.delete(file);
    },
  };
}
