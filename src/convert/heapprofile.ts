// V8 sampling heap profiles (.heapprofile: Chrome DevTools' "allocation sampling",
// `node --heap-prof`) to the pprof model.
//
// The file is a nested call tree (`head`, each node with a call frame, `selfSize` in bytes and
// `children`) and, in newer files, the individual `samples` ({size, nodeId, ordinal}). V8
// keeps the samples of objects still alive when the profile was taken, so the sample types are
// inuse_space/bytes (each node's selfSize, which V8 has already scaled up to an estimate of
// the true total) and inuse_objects/count (the number of sampled objects; V8 does not record
// the scaled count, so this one is a raw sample count). Files without `samples` give
// inuse_space only.
import type { Profile } from '../profile/model.js';
import type { CallFrame } from './cpuprofile.js';
import { ConvertError } from './errors.js';
import { ModelBuilder } from './model-builder.js';
import { EMPTY_STACK, push, sampleIds, type CutStack } from './cut-stack.js';

export interface HeapProfileNode {
  id?: number;
  callFrame: CallFrame;
  selfSize: number;
  children?: HeapProfileNode[];
}

export interface HeapProfile {
  head: HeapProfileNode;
  samples?: { size: number; nodeId: number; ordinal?: number }[];
}

export interface HeapProfileOptions {
  timeNanos?: bigint;
  /** The sampling interval in bytes, when known (`--heap-prof-interval`; 512 KiB by default). */
  samplingInterval?: number;
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function heapProfileToProfile(json: unknown, options: HeapProfileOptions = {}): Profile {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ConvertError('not a V8 heap profile: expected a JSON object');
  const heap = json as Record<string, unknown>;
  if (typeof heap.head !== 'object' || heap.head === null) throw new ConvertError('not a V8 heap profile: no "head" node');
  const samples = heap.samples;
  if (samples !== undefined) {
    if (!Array.isArray(samples)) throw new ConvertError('V8 heap profile: "samples" is not an array');
    samples.forEach((s: unknown, i) => {
      const r = s as Record<string, unknown> | null;
      if (typeof r !== 'object' || r === null || !isNumber(r.nodeId) || !isNumber(r.size)) {
        throw new ConvertError(`V8 heap profile: samples[${i}] needs numeric "nodeId" and "size"`);
      }
    });
  }
  const withCounts = Array.isArray(samples) && samples.length > 0;
  const builder = new ModelBuilder(
    withCounts
      ? [
          { type: 'inuse_objects', unit: 'count' },
          { type: 'inuse_space', unit: 'bytes' },
        ]
      : [{ type: 'inuse_space', unit: 'bytes' }],
    { type: 'space', unit: 'bytes' },
    options.samplingInterval ?? 0,
  );
  const counts = new Map<number, number>();
  if (withCounts) for (const s of samples as { nodeId: number }[]) counts.set(s.nodeId, (counts.get(s.nodeId) ?? 0) + 1);

  // Depth-first without recursion: heap profiles of deep recursions are deep trees.
  const work: { node: unknown; stack: CutStack; depth: number; index: number }[] = [{ node: heap.head, stack: EMPTY_STACK, depth: 0, index: 0 }];
  let visited = 0;
  while (work.length > 0) {
    const { node, stack, depth, index } = work.pop()!;
    const path = depth === 0 ? 'head' : `node ${index} of its parent at depth ${depth}`;
    const n = node as Record<string, unknown> | null;
    if (typeof n !== 'object' || n === null) throw new ConvertError(`V8 heap profile: ${path} is not a node object`);
    const cf = n.callFrame as Record<string, unknown> | null;
    if (typeof cf !== 'object' || cf === null || typeof cf.functionName !== 'string') {
      throw new ConvertError(`V8 heap profile: ${path} has no callFrame.functionName`);
    }
    if (!isNumber(n.selfSize)) throw new ConvertError(`V8 heap profile: ${path} has no numeric selfSize`);
    if (++visited > 50_000_000) throw new ConvertError('V8 heap profile: too many nodes');
    let here = stack;
    if (depth !== 0 || cf.functionName !== '(root)') {
      const line = isNumber(cf.lineNumber) && cf.lineNumber >= 0 ? cf.lineNumber + 1 : 0;
      const column = isNumber(cf.columnNumber) && cf.columnNumber >= 0 ? cf.columnNumber + 1 : 0;
      const loc = builder.location({ name: cf.functionName || '(anonymous)', file: typeof cf.url === 'string' ? cf.url : '', line, column, startLine: line });
      here = push(stack, loc);
    }
    const count = isNumber(n.id) ? counts.get(n.id) ?? 0 : 0;
    if (n.selfSize !== 0 || count !== 0) builder.addSample(sampleIds(here, builder), withCounts ? [count, n.selfSize] : [n.selfSize]);
    const children = n.children;
    if (children !== undefined) {
      if (!Array.isArray(children)) throw new ConvertError(`V8 heap profile: the children of ${path} are not an array`);
      for (let i = children.length - 1; i >= 0; i--) work.push({ node: children[i], stack: here, depth: depth + 1, index: i });
    }
  }
  return builder.profile({ timeNanos: options.timeNanos });
}
