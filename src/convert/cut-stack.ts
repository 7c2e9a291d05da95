// Stacks of the tree-shaped inputs (V8 .cpuprofile and .heapprofile nodes), built from the
// parent's stack, cut to a maximum depth. V8 records at most 255 frames per stack, so only a
// crafted file goes deeper; without a cut, a chain of N nodes each with samples costs N^2/2
// location ids (a 1.2 MB file of 10,000 nested nodes took 1 GB and 17 s). A deeper stack keeps
// its innermost frames and ends, at its root, in a frame `<N frames omitted>`, as the
// profiler's own stacks do.
import type { ModelBuilder } from './model-builder.js';

/** Frames a converted sample keeps, counting the `<N frames omitted>` frame. */
export const MAX_CONVERTED_FRAMES = 512;

/** Location ids, leaf first: the innermost MAX_CONVERTED_FRAMES at most, and the true depth. */
export interface CutStack {
  ids: number[];
  depth: number;
}

export const EMPTY_STACK: CutStack = { ids: [], depth: 0 };

/** The stack of a callee of `caller` at location `id`. */
export function push(caller: CutStack, id: number): CutStack {
  const ids = caller.ids.length < MAX_CONVERTED_FRAMES ? [id, ...caller.ids] : [id, ...caller.ids.slice(0, MAX_CONVERTED_FRAMES - 1)];
  return { ids, depth: caller.depth + 1 };
}

/** The location ids of a sample with this stack, with the omitted-frames frame if it was cut. */
export function sampleIds(stack: CutStack, builder: ModelBuilder): number[] {
  if (stack.depth <= MAX_CONVERTED_FRAMES) return stack.ids;
  const kept = MAX_CONVERTED_FRAMES - 1;
  const omitted = builder.location({ name: `<${stack.depth - kept} frames omitted>`, file: '', line: 0 });
  return [...stack.ids.slice(0, kept), omitted];
}
