// A worker's allocations appear under its thread labels (thread id, thread name, os thread id),
// the main thread's under its own; a worker terminated while profiling does not crash anything.
// The worker's scaled alloc_objects is judged on three runs pooled (±25% of its calls): one run
// reads only some of the worker's GC intervals, and one read x0.71 on Node 20 (2026-12-07).
import t from 'tap';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const FLAGS = ['--no-turbo-inlining', '--no-maglev-inlining'];
type Row = Record<string, number>;
interface Result { workerThreadId: number; workerCalls: number; byThreadLeaf: Record<string, Record<string, Row>> }

function runWorker(): Result {
  const out = execFileSync(process.execPath, [...FLAGS, path.join(here, '..', 'fixtures', 'heap', 'worker.mjs')], { encoding: 'utf8', timeout: 60000 });
  return JSON.parse(out.trim().split('\n').pop()!) as Result;
}

/** The worker's label set in a run. */
function workerKey(r: Result): string | undefined {
  return Object.keys(r.byThreadLeaf).find((k) => k.includes(`thread id=${r.workerThreadId},`));
}

/** The worker's scaled alloc_objects of siteW in a run. */
function workerObjects(r: Result): number {
  return r.byThreadLeaf[workerKey(r) ?? '']?.siteW?.alloc_objects ?? 0;
}

t.test("a worker's allocations are under its thread labels", async (tt) => {
  const r = runWorker();
  const keys = Object.keys(r.byThreadLeaf);
  const wKey = workerKey(r);
  const mKey = keys.find((k) => k.includes('thread id=0,'));
  tt.ok(wKey, `a label set with the worker's thread id ${r.workerThreadId}: ${keys.join(' | ')}`);
  tt.ok(mKey, 'a label set with thread id 0');
  tt.match(wKey!, /thread name=(heap-worker|worker)(,|$)/, 'the worker\'s thread name (its name on Node >= 22; `worker` where Node has no threadName)');
  tt.match(wKey!, /os thread id=\d+/, 'an os thread id');
  tt.match(mKey!, /thread name=main/, 'the main thread is named main');
  const w = r.byThreadLeaf[wKey!];
  const m = r.byThreadLeaf[mKey!];
  tt.ok((w.siteW?.alloc_space ?? 0) > 0, `siteW under the worker: ${((w.siteW?.alloc_space ?? 0) / 1e9).toFixed(2)} GB`);
  tt.notOk(w.siteMain, 'siteMain never under the worker');
  tt.notOk(m.siteW, 'siteW never under the main thread');
  tt.ok((m.siteMain?.alloc_space ?? 0) > 0, 'siteMain under the main thread');
  const runs = [r, runWorker(), runWorker()];
  const est = runs.reduce((sum, x) => sum + workerObjects(x), 0);
  const calls = runs.reduce((sum, x) => sum + x.workerCalls, 0);
  tt.ok(Math.abs(est / calls - 1) <= 0.25, `worker alloc_objects ${est} vs ${calls} calls, 3 runs pooled ` +
    `(x${(est / calls).toFixed(3)}; runs ${runs.map((x) => (workerObjects(x) / x.workerCalls).toFixed(2)).join(', ')})`);
});

t.test('a worker terminated while its heap profiler runs, then the next period', async (tt) => {
  const out = execFileSync(process.execPath, [...FLAGS, path.join(here, '..', 'fixtures', 'heap', 'terminate.mjs')], { encoding: 'utf8', timeout: 60000 });
  const r = JSON.parse(out.trim().split('\n').pop()!) as { rounds: number; profiles: number; threadsAfter: number[] };
  tt.equal(r.profiles, r.rounds, `${r.rounds} periods, each with a profile, while workers come and go`);
  tt.same(r.threadsAfter, [0], 'terminated workers left the heap registry');
});
