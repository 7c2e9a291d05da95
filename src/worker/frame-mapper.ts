// Source maps for the aggregation worker: JS frames of compiled or bundled code become frames
// of the original source (file, line, function name). Each distinct frame is looked up once and
// the answer kept, so the per-sample cost is one Map lookup; the cache is dropped when it grows
// past a bound, so memory does not grow with uptime.
import { SourceMapper } from '../sourcemap/index.js';
import type { ExpandedFrame } from '../time/expand.js';

const MAX_CACHED_FRAMES = 100_000;

export interface FrameMapper {
  map(frame: ExpandedFrame): ExpandedFrame;
  /** Comments about missing or broken maps found since the last call. */
  takeComments(): string[];
  /** A map from the profiled thread's memory (src/time/memory-source-maps.ts). */
  provide(file: string, payload: unknown): void;
}

export function createFrameMapper(mapper = new SourceMapper()): FrameMapper {
  let cache = new Map<string, ExpandedFrame>();
  return {
    map(frame) {
      if (!frame.file) return frame;
      const key = `${frame.file}\u0000${frame.line}\u0000${frame.name}`;
      let out = cache.get(key);
      if (out === undefined) {
        const m = mapper.map({ file: frame.file, line: frame.line, column: frame.column ?? 0, name: frame.name });
        out = m.mapped ? { name: m.name, file: m.file, line: m.line, column: m.column } : frame;
        if (cache.size >= MAX_CACHED_FRAMES) cache = new Map();
        cache.set(key, out);
      }
      return out;
    },
    takeComments: () => mapper.takeComments(),
    provide(file, payload) {
      mapper.provide(file, payload);
      // Frames of this file looked up before its map arrived were kept unmapped: look again.
      for (const key of cache.keys()) if (key.startsWith(`${file}\u0000`)) cache.delete(key);
    },
  };
}
