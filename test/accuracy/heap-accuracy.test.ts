// Ground truth for the heap profile, each workload in its own process (test/fixtures/heap):
//   - siteA allocates 80% of the bytes, siteB 20%: alloc_space share of three runs pooled within
//     ±3 points, each run within ±7 (a run reads ~900 samples at the default read budget: one
//     standard error is ~1.4 points, the pool's ~0.8);
//   - the scaled alloc_space total within ±20% of the bytes truly allocated (object size
//     measured with gc() and heapUsed, times the calls);
//   - siteA keeps everything, siteB nothing: >= 90% of inuse_space on siteA.
// Inlining is off in the fixtures: V8's sampling heap profiler records physical frames only,
// so an allocation in a function inlined into its caller is charged to the caller.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const FIXTURE_FLAGS = ['--expose-gc', '--no-turbo-inlining', '--no-maglev-inlining'];

type Row = Record<'alloc_objects' | 'alloc_space' | 'inuse_objects' | 'inuse_space', number>;
interface Result {
  size: number;
  calls: { siteA: number; siteB: number };
  trueBytes: { siteA: number; siteB: number; total: number };
  totals: Row;
  byLeaf: Record<string, Row>;
  comments: string[];
  period: number;
  periodType: { type: string; unit: string };
  defaultSampleType: string;
  types: string[];
}

function run(mode: string, ms: number): Result {
  const out = execFileSync(process.execPath, [...FIXTURE_FLAGS, path.join(here, '..', 'fixtures', 'heap', 'workload.mjs'), mode, String(ms)],
    { encoding: 'utf8', timeout: 120000 });
  return JSON.parse(out.trim().split('\n').pop()!) as Result;
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

t.test('alloc_space: 80/20 split within ±3 points pooled (±7 a run), total within ±20% of the truth', async (tt) => {
  const pooled = { a: 0, b: 0, truthA: 0, truth: 0 };
  for (let i = 0; i < 3; i++) {
    const r = run('ab', 2500);
    if (i === 0) {
      tt.same(r.types, ['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space'], 'sample types');
      tt.same(r.periodType, { type: 'space', unit: 'bytes' }, 'period type');
      tt.equal(r.period, 512 * 1024, 'period = the sampling interval');
      tt.equal(r.defaultSampleType, 'inuse_space', 'default sample type');
    }
    const a = r.byLeaf.siteA?.alloc_space ?? 0;
    const b = r.byLeaf.siteB?.alloc_space ?? 0;
    const share = a / (a + b);
    const trueShare = r.trueBytes.siteA / r.trueBytes.total;
    tt.ok(Math.abs(share - trueShare) <= 0.07, `run ${i + 1}: siteA ${pct(share)} of alloc_space (truth ${pct(trueShare)})`);
    pooled.a += a; pooled.b += b; pooled.truthA += r.trueBytes.siteA; pooled.truth += r.trueBytes.total;
    const ratio = (a + b) / r.trueBytes.total;
    tt.ok(Math.abs(ratio - 1) <= 0.2, `run ${i + 1}: alloc_space of the sites ${(a / 1e9 + b / 1e9).toFixed(2)} GB vs ` +
      `${(r.trueBytes.total / 1e9).toFixed(2)} GB allocated (x${ratio.toFixed(3)}); ${r.comments[0]}`);
    const objs = (r.byLeaf.siteA?.alloc_objects ?? 0) + (r.byLeaf.siteB?.alloc_objects ?? 0);
    const calls = r.calls.siteA + r.calls.siteB;
    tt.ok(Math.abs(objs / calls - 1) <= 0.2, `run ${i + 1}: alloc_objects ${objs} vs ${calls} calls (x${(objs / calls).toFixed(3)})`);
  }
  const share = pooled.a / (pooled.a + pooled.b);
  const trueShare = pooled.truthA / pooled.truth;
  tt.ok(Math.abs(share - trueShare) <= 0.03, `3 runs pooled: siteA ${pct(share)} of alloc_space (truth ${pct(trueShare)})`);
});

t.test('inuse_space: the site that keeps everything holds >= 90%', async (tt) => {
  for (let i = 0; i < 2; i++) {
    const r = run('keep', 2000);
    const a = r.byLeaf.siteA?.inuse_space ?? 0;
    const b = r.byLeaf.siteB?.inuse_space ?? 0;
    tt.ok(a / (a + b) >= 0.9, `run ${i + 1}: siteA ${pct(a / (a + b))} of the two sites' inuse_space`);
    // Of everything live, the holder array's own backing store (allocated by the loop, ~8 bytes
    // per kept object) and (external) also count: siteA reads 88-95% of the whole.
    tt.ok(a / r.totals.inuse_space >= 0.8, `run ${i + 1}: siteA ${pct(a / r.totals.inuse_space)} of all inuse_space`);
    const ratio = a / r.trueBytes.siteA;
    tt.ok(Math.abs(ratio - 1) <= 0.2, `run ${i + 1}: siteA inuse ${(a / 1e6).toFixed(0)} MB vs ${(r.trueBytes.siteA / 1e6).toFixed(0)} MB kept (x${ratio.toFixed(3)})`);
    tt.ok(r.byLeaf['(external)']?.inuse_space > 0, 'external memory appears as (external)');
  }
});
