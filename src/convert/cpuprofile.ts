// V8 CPU profiles (.cpuprofile: Chrome DevTools, `node --cpu-prof`, the inspector's
// Profiler.stop) to the pprof model.
//
// The file is a call tree (`nodes`, each with a call frame and child ids) plus the sampled leaf
// node of each tick (`samples`) and the microseconds before each tick (`timeDeltas`). Every
// tick becomes one sample of the stack from the root to its node, with two values:
// samples/count (1) and wall/nanoseconds (the time until the next tick; the last tick runs to
// `endTime`). Ticks of one node are summed. Files without `samples` fall back to each node's
// `hitCount`, spreading the profile's duration evenly over the hits.
//
// V8's pseudo-frames `(program)`, `(idle)` and `(garbage collector)` are kept as frames; the
// `(root)` node is not. Line and column numbers become 1-based.
import type { Profile } from '../profile/model.js';
import { ConvertError } from './errors.js';
import { ModelBuilder } from './model-builder.js';
import { EMPTY_STACK, push, sampleIds, type CutStack } from './cut-stack.js';

export interface CallFrame {
  functionName: string;
  scriptId?: string | number;
  url: string;
  /** 0-based; -1 when unknown. */
  lineNumber: number;
  columnNumber: number;
}

export interface CpuProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  /** Microseconds, V8's monotonic clock. */
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface CpuProfileOptions {
  /** Unix nanoseconds at the start, when known (the file only has a monotonic clock). */
  timeNanos?: bigint;
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Checks the shape of a parsed .cpuprofile, naming the first thing that is wrong. */
export function validateCpuProfile(json: unknown): asserts json is CpuProfile {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ConvertError('not a V8 CPU profile: expected a JSON object');
  const p = json as Record<string, unknown>;
  if (!Array.isArray(p.nodes)) throw new ConvertError('not a V8 CPU profile: no "nodes" array');
  if (p.nodes.length === 0) throw new ConvertError('V8 CPU profile has no nodes');
  if (!isNumber(p.startTime) || !isNumber(p.endTime)) throw new ConvertError('V8 CPU profile: "startTime" and "endTime" must be numbers');
  p.nodes.forEach((node: unknown, i: number) => {
    const n = node as Record<string, unknown> | null;
    if (typeof n !== 'object' || n === null) throw new ConvertError(`V8 CPU profile: nodes[${i}] is not an object`);
    if (!isNumber(n.id)) throw new ConvertError(`V8 CPU profile: nodes[${i}] has no numeric "id"`);
    const cf = n.callFrame as Record<string, unknown> | null;
    if (typeof cf !== 'object' || cf === null) throw new ConvertError(`V8 CPU profile: nodes[${i}] has no "callFrame"`);
    if (typeof cf.functionName !== 'string') throw new ConvertError(`V8 CPU profile: nodes[${i}].callFrame.functionName is not a string`);
    if (n.children !== undefined && (!Array.isArray(n.children) || !n.children.every(isNumber))) {
      throw new ConvertError(`V8 CPU profile: nodes[${i}].children is not an array of ids`);
    }
  });
  if (p.samples !== undefined) {
    if (!Array.isArray(p.samples) || !p.samples.every(isNumber)) throw new ConvertError('V8 CPU profile: "samples" is not an array of node ids');
    if (!Array.isArray(p.timeDeltas) || !p.timeDeltas.every(isNumber)) throw new ConvertError('V8 CPU profile: "timeDeltas" is not an array of numbers');
    if (p.timeDeltas.length !== p.samples.length) {
      throw new ConvertError(`V8 CPU profile: ${p.samples.length} samples but ${p.timeDeltas.length} timeDeltas`);
    }
  }
}

/** 0-based V8 position to 1-based pprof; unknown (negative or missing) is 0. */
function oneBased(n: unknown): number {
  return isNumber(n) && n >= 0 ? Math.trunc(n) + 1 : 0;
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

export function cpuProfileToProfile(json: unknown, options: CpuProfileOptions = {}): Profile {
  validateCpuProfile(json);
  const cpu = json;
  const byId = new Map<number, CpuProfileNode>();
  for (const node of cpu.nodes) {
    if (byId.has(node.id)) throw new ConvertError(`V8 CPU profile: node id ${node.id} appears twice`);
    byId.set(node.id, node);
  }
  const parent = new Map<number, number>();
  for (const node of cpu.nodes) {
    for (const child of node.children ?? []) {
      if (!byId.has(child)) throw new ConvertError(`V8 CPU profile: node ${node.id} has unknown child ${child}`);
      if (parent.has(child)) throw new ConvertError(`V8 CPU profile: node ${child} has two parents`);
      parent.set(child, node.id);
    }
  }

  // Per node: ticks and wall nanoseconds.
  const ticks = new Map<number, number>();
  const wall = new Map<number, number>();
  const durationNanos = Math.max(0, Math.round((cpu.endTime - cpu.startTime) * 1000));
  if (!Number.isFinite(durationNanos)) throw new ConvertError('V8 CPU profile: "startTime" and "endTime" are too far apart to be microseconds');
  let period = 0;
  if (cpu.samples && cpu.timeDeltas && cpu.samples.length > 0) {
    const { samples, timeDeltas } = cpu;
    const times: number[] = new Array(samples.length);
    let t = cpu.startTime;
    for (let i = 0; i < samples.length; i++) times[i] = t += timeDeltas[i];
    // Finite deltas can add up to Infinity; the builder also refuses wall times that do.
    if (!Number.isFinite(t)) throw new ConvertError('V8 CPU profile: "timeDeltas" add up past the largest finite number');
    for (let i = 0; i < samples.length; i++) {
      const id = samples[i];
      if (!byId.has(id)) throw new ConvertError(`V8 CPU profile: samples[${i}] names unknown node ${id}`);
      const next = i + 1 < samples.length ? times[i + 1] : Math.max(cpu.endTime, times[i]);
      // V8 can record ticks slightly out of order; such a tick gets no time rather than negative time.
      const micros = Math.max(0, next - times[i]);
      ticks.set(id, (ticks.get(id) ?? 0) + 1);
      wall.set(id, (wall.get(id) ?? 0) + micros * 1000);
    }
    period = Math.round(median(timeDeltas.slice(1).filter((d) => d > 0)) * 1000);
    if (!Number.isFinite(period)) throw new ConvertError('V8 CPU profile: "timeDeltas" too large to be microseconds');
  } else {
    let hits = 0;
    for (const node of cpu.nodes) hits += isNumber(node.hitCount) && node.hitCount > 0 ? node.hitCount : 0;
    const each = hits === 0 ? 0 : durationNanos / hits;
    for (const node of cpu.nodes) {
      const h = isNumber(node.hitCount) && node.hitCount > 0 ? node.hitCount : 0;
      if (h === 0) continue;
      ticks.set(node.id, h);
      wall.set(node.id, h * each);
    }
    period = Math.round(each);
  }

  const builder = new ModelBuilder(
    [
      { type: 'samples', unit: 'count' },
      { type: 'wall', unit: 'nanoseconds' },
    ],
    { type: 'wall', unit: 'nanoseconds' },
    period,
  );
  // Location of each node (0 for the root, which is not a frame), and stacks memoised per node.
  const locationOf = (node: CpuProfileNode): number => {
    const cf = node.callFrame;
    if (cf.functionName === '(root)' && !parent.has(node.id)) return 0;
    const startLine = oneBased(cf.lineNumber);
    return builder.location({
      name: cf.functionName || '(anonymous)',
      file: typeof cf.url === 'string' ? cf.url : '',
      line: startLine,
      column: oneBased(cf.columnNumber),
      startLine,
    });
  };
  const stacks = new Map<number, CutStack>();
  const stackOf = (id: number): CutStack => {
    // Walk up to the nearest memoised ancestor without recursion (stacks can be deep).
    const chain: number[] = [];
    let cur: number | undefined = id;
    const seen = new Set<number>();
    while (cur !== undefined && !stacks.has(cur)) {
      if (seen.has(cur)) throw new ConvertError(`V8 CPU profile: node ${cur} is its own ancestor`);
      seen.add(cur);
      chain.push(cur);
      cur = parent.get(cur);
    }
    let above = cur === undefined ? EMPTY_STACK : stacks.get(cur)!;
    for (let i = chain.length - 1; i >= 0; i--) {
      const loc = locationOf(byId.get(chain[i])!);
      const stack = loc === 0 ? above : push(above, loc);
      stacks.set(chain[i], stack);
      above = stack;
    }
    return stacks.get(id)!;
  };

  for (const node of cpu.nodes) {
    const n = ticks.get(node.id);
    if (!n) continue;
    builder.addSample(sampleIds(stackOf(node.id), builder), [n, Math.round(wall.get(node.id) ?? 0)]);
  }
  return builder.profile({ timeNanos: options.timeNanos, durationNanos });
}
