// Source maps that exist only in the profiled thread's memory: code compiled on load (tsx,
// ts-node, custom loaders) is mapped by Node's source-map cache, not by a file on disk, and the
// aggregation worker cannot see another thread's cache. At each period end this finds the maps
// of the scripts the thread first compiled code of in the period (once per script) and sends
// them along with the thread's label sets.
// Cost on the application's thread: one findSourceMap() per new script, and only when source
// maps are enabled (tsx enables them; otherwise nothing is looked up).
import { findSourceMap } from 'node:module';
import type { MemorySourceMap } from '../transport/protocol.js';


const NOT_A_SCRIPT = /^(node:|internal\/|wasm:|\[|$)/;

/** `files`: the scripts new on this thread (the addon's timeNewScripts). */
export function memorySourceMaps(files: readonly string[]): MemorySourceMap[] {
  if (!(process as { sourceMapsEnabled?: boolean }).sourceMapsEnabled || files.length === 0) return [];
  const out: MemorySourceMap[] = [];
  for (const file of files) {
    if (NOT_A_SCRIPT.test(file)) continue;
    try {
      const map = findSourceMap(file);
      if (!map) continue;
      const { sourcesContent: _dropped, ...payload } = map.payload as { sourcesContent?: unknown };
      out.push({ file, payload });
    } catch {
      // A bad map is the aggregator's to report when it meets the file on disk; skip it here.
    }
  }
  return out;
}
