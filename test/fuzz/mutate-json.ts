// Structure-aware mutations of JSON profiles (.cpuprofile, .heapprofile, Self-Profiling
// traces): one value somewhere in the document is replaced, removed, duplicated or given a
// number seen elsewhere in the document (so ids collide, children point at ancestors,
// samples name missing nodes), and the document is written back.
import type { Rng } from './mutate-bytes.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
interface Slot {
  parent: Json[] | { [k: string]: Json };
  key: string | number;
}

const VALUES: Json[] = [
  0, -1, 1, 2, 0.5, -0.5, 1e308, -1e308, 2 ** 53, 2 ** 31, -(2 ** 31), 1e-300, null, true, false, '', '(root)', 'x', '(program)',
  [], {}, [0], { functionName: '' }, '\n', ';', '\u0000', '\ud800',
];
const KEYS = ['nodes', 'id', 'callFrame', 'functionName', 'url', 'lineNumber', 'columnNumber', 'children', 'hitCount', 'samples', 'timeDeltas', 'startTime', 'endTime', 'head', 'selfSize', 'size', 'nodeId', 'frames', 'stacks', 'resources', 'frameId', 'parentId', 'stackId', 'timestamp', 'marker', 'resourceId', 'name', 'line', 'column', 'traceEvents', '$schema', 'scriptId', '__proto__', 'constructor'];

function slots(root: Json, out: Slot[], numbers: number[], limit: number): void {
  const stack: Json[] = [root];
  while (stack.length > 0 && out.length < limit) {
    const v = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    const keys: (string | number)[] = Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v);
    for (const k of keys) {
      out.push({ parent: v, key: k });
      const child = (v as Record<string, Json>)[k];
      if (typeof child === 'number') numbers.push(child);
      else stack.push(child);
    }
  }
}

function get(s: Slot): Json {
  return (s.parent as Record<string | number, Json>)[s.key];
}
function set(s: Slot, v: Json): void {
  (s.parent as Record<string | number, Json>)[s.key] = v;
}

/** One to three structural mutations of a JSON document, or null if data is not JSON. */
export function mutateJson(data: Uint8Array, rng: Rng, maxLength: number): Uint8Array | null {
  let root: Json;
  try {
    root = JSON.parse(new TextDecoder().decode(data)) as Json;
  } catch {
    return null;
  }
  if (root === null || typeof root !== 'object') return null;
  const steps = 1 + rng.below(3);
  for (let s = 0; s < steps; s++) {
    const all: Slot[] = [];
    const numbers: number[] = [];
    slots(root, all, numbers, 20_000);
    if (all.length === 0) break;
    const slot = rng.pick(all);
    const value = get(slot);
    switch (rng.below(8)) {
      case 0:
        set(slot, structuredClone(rng.pick(VALUES)));
        break;
      case 1:
        if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
        else delete slot.parent[slot.key as string];
        break;
      case 2:
        if (Array.isArray(slot.parent)) slot.parent.splice(rng.below(slot.parent.length + 1), 0, structuredClone(value));
        break;
      case 3:
        if (typeof value === 'number') set(slot, numbers.length > 0 && rng.chance(0.6) ? rng.pick(numbers) : value + rng.below(5) - 2);
        break;
      case 4:
        // A subtree copied over another (shared ids, nested copies of the tree).
        set(slot, structuredClone(get(rng.pick(all))));
        break;
      case 5:
        if (!Array.isArray(slot.parent)) slot.parent[rng.pick(KEYS)] = structuredClone(rng.pick([...VALUES, value]));
        break;
      case 6:
        if (typeof value === 'string') set(slot, value + value.slice(0, rng.below(value.length + 1)) + rng.pick(['\n', ';', ' ', '\u00e9', '\ud83d\ude00']));
        break;
      case 7:
        // Deeper nesting: the value wrapped in an array or an object.
        set(slot, rng.chance(0.5) ? [value] : { children: [value] });
        break;
    }
  }
  const text = rng.chance(0.2) ? JSON.stringify(root, null, 1) : JSON.stringify(root);
  const out = new TextEncoder().encode(text);
  return out.length > maxLength ? null : out;
}
