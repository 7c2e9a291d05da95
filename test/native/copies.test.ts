// A second copy of hotpath in the process (another package brings its own): its start() joins
// the running profiler instead of starting a second sampler, and labels set through it reach
// the running profiler's samples.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
type Values = [number, number, number];
interface Result { same: boolean; current: boolean; profiles: { labels: Record<string, Values> }[]; truth: { first: number; second: number }; samplers: number }

t.test('a second copy of hotpath joins the first: one sampler, labels from both', async (t) => {
  const copy = mkdtempSync(path.join(tmpdir(), 'hotpath-copy-'));
  t.teardown(() => rmSync(copy, { recursive: true, force: true }));
  for (const p of ['package.json', 'dist/src', 'native/prebuilds']) cpSync(path.join(root, p), path.join(copy, p), { recursive: true });
  symlinkSync(path.join(root, 'node_modules'), path.join(copy, 'node_modules'));  // its dependencies (pako, trace-mapping)
  const { NODE_OPTIONS: _tap, ...env } = process.env;
  const run = spawnSync(process.execPath, [path.join(root, 'test', 'fixtures', 'copies', 'two-copies.mjs'), path.join(root, 'dist', 'src', 'index.js'), path.join(copy, 'dist', 'src', 'index.js')], {
    encoding: 'utf8', timeout: 60_000, env,
  });
  t.equal(run.status, 0, run.stderr);
  const r = JSON.parse(run.stdout.split('\n').find((l) => l.startsWith('RESULT '))!.slice(7)) as Result;
  t.ok(r.same, "the second copy's start() returns the running profiler");
  t.ok(r.current, "the second copy's current() is the running profiler");
  t.equal(r.samplers, 1, 'one hotpath-sampler thread');
  const pooled: Record<string, Values> = {};
  for (const p of r.profiles) for (const [k, v] of Object.entries(p.labels)) pooled[k] = (pooled[k] ?? [0, 0, 0]).map((x, i) => x + v[i]) as Values;
  for (const copyName of ['first', 'second'] as const) {
    const cpu = pooled[copyName]?.[2] ?? 0;
    const truth = r.truth[copyName];
    t.ok(Math.abs(cpu / truth - 1) <= 0.1, `label copy=${copyName}: ${(cpu / 1e6).toFixed(0)} ms of cpu for the ${(truth / 1e6).toFixed(0)} ms its thread clock measured (±10%)`);
  }
  const lines = run.stderr.split('\n').filter(Boolean);
  t.same(lines.length, 1, 'one line on stderr');
  t.match(lines[0] ?? '', /already running \(by this or another copy of hotpath\)/, 'which says the running profiler is kept');
});
