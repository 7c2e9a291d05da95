// Deep call trees in V8 .cpuprofile and .heapprofile files: V8 records at most 255 frames, so
// only a crafted file is deeper, and before the cut a chain of N nodes with samples cost N^2/2
// location ids (10,000 nodes: 1 GB, 17 s). Stacks now keep 512 frames, the root-most one
// `<N frames omitted>`, and the cost grows linearly with the depth. Self-Profiling traces
// deeper than 512 are refused (their stacks are resolved in src/browser, whole).
import t from 'tap';
import { cpuProfileToProfile } from '../../dist/src/convert/cpuprofile.js';
import { heapProfileToProfile } from '../../dist/src/convert/heapprofile.js';
import { selfProfilingTraceToProfile } from '../../dist/src/convert/self-profiling.js';
import type { Profile } from '../../dist/src/profile/model.js';

function cpuChain(depth: number): unknown {
  const nodes = [];
  for (let i = 1; i <= depth; i++) {
    nodes.push({ id: i, callFrame: { functionName: `f${i}`, url: 'a.js', lineNumber: i, columnNumber: 0 }, hitCount: 1, children: i < depth ? [i + 1] : [] });
  }
  return { nodes, startTime: 0, endTime: 1000 * depth };
}

function heapChain(depth: number): unknown {
  let node: Record<string, unknown> = { callFrame: { functionName: 'leaf', url: 'a.js', lineNumber: 0 }, selfSize: 8, children: [] };
  for (let i = depth - 1; i > 0; i--) node = { callFrame: { functionName: `f${i}`, url: 'a.js', lineNumber: i }, selfSize: 8, children: [node] };
  return { head: node };
}

const ids = (p: Profile): number => p.sample.reduce((n, s) => n + s.locationId.length, 0);
function namer(p: Profile): (s: Profile['sample'][number]) => string[] {
  const fn = new Map(p.function.map((f) => [f.id, f.name]));
  const loc = new Map(p.location.map((l) => [l.id, fn.get(l.line[0].functionId)!]));
  return (s) => s.locationId.map((id) => loc.get(id)!);
}

for (const [kind, chain, convert] of [
  ['cpuprofile', cpuChain, cpuProfileToProfile],
  ['heapprofile', heapChain, heapProfileToProfile],
] as const) {
  t.test(`${kind}: a chain 3,000 deep`, async (t) => {
    const p = convert(chain(3000));
    const leaf = kind === 'cpuprofile' ? 'f3000' : 'leaf';
    const names = namer(p);
    const deepest = p.sample.find((s) => names(s)[0] === leaf)!;
    t.ok(deepest, 'the deepest node has its sample');
    t.equal(deepest.locationId.length, 512, 'the deepest sample keeps 512 frames');
    t.ok(p.sample.every((s) => s.locationId.length <= 512), 'no sample has more');
    const frames = names(deepest);
    t.equal(frames[510], 'f2490', 'then the 510 frames above it');
    t.equal(frames[511], '<2489 frames omitted>', 'and the rest is named at the root');
    const shallow = p.sample.find((s) => s.locationId.length === 100)!;
    t.notOk(names(shallow).some((n) => n.includes('omitted')), 'a stack within the limit is whole');
  });
  t.test(`${kind}: twice the depth, twice the location ids (not four times)`, async (t) => {
    const a = ids(convert(chain(2000)));
    const b = ids(convert(chain(4000)));
    t.ok(b / a > 1.8 && b / a < 2.4, `${a} ids at depth 2000, ${b} at 4000: ratio ${(b / a).toFixed(2)}`);
  });
}

t.test('Self-Profiling traces: a chain over 512 stacks deep is refused in one line, quickly', async (t) => {
  const trace = (depth: number) => ({
    resources: [],
    frames: [{ name: 'a' }, { name: 'b' }],
    stacks: Array.from({ length: depth }, (_, i) => (i === 0 ? { frameId: 0 } : { frameId: i % 2, parentId: i - 1 })),
    samples: Array.from({ length: depth }, (_, i) => ({ timestamp: i, stackId: i })),
  });
  const ok = selfProfilingTraceToProfile(trace(512));
  t.equal(Math.max(...ok.sample.map((s) => s.locationId.length)), 512, '512 deep converts whole');
  const t0 = performance.now();
  t.throws(() => selfProfilingTraceToProfile(trace(20_000)), { name: 'ConvertError', message: /^JS Self-Profiling trace: a stack is 20000 frames deep, over the 512 hotpath converts/ });
  const ms = performance.now() - t0;
  t.ok(ms < 2000, `refused in ${ms.toFixed(0)} ms (resolving a 6,000-deep chain took 8.6 s)`);
  // A cycle is not a depth: resolveTrace names it.
  const cycle = { resources: [], frames: [{ name: 'a' }], stacks: [{ frameId: 0, parentId: 1 }, { frameId: 0, parentId: 0 }], samples: [{ timestamp: 0, stackId: 0 }] };
  t.throws(() => selfProfilingTraceToProfile(cycle), { name: 'ConvertError', message: /its own ancestor/ });
});
