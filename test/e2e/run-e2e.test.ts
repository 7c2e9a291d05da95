// `hotpath run` end to end, as a user runs it: real programs (ESM, CommonJS, worker threads, a
// child Node process, SIGTERM, process.exit), profiles read back with our decoder.
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeProfile } from '../../dist/src/index.js';
import type { Profile } from '../../dist/src/profile/model.js';
import { CLI } from '../helpers/cli.js';

const APPS = fileURLToPath(new URL('../fixtures/apps/', import.meta.url));
// The programs run as a user runs them: without tap's own preloads. tap wraps spawn() to put
// its process-info hooks (which listen to exit signals) into NODE_OPTIONS, so each command goes
// through `env -u NODE_OPTIONS`.
const ENV = { ...process.env };
delete ENV.NODE_OPTIONS;
const NODE = process.execPath;
function clean(args: string[]): [string, string[]] {
  return ['env', ['-u', 'NODE_OPTIONS', ...args]];
}

function profilesIn(dir: string): { file: string; profile: Profile }[] {
  return readdirSync(dir)
    .filter((n) => n.endsWith('.pb.gz'))
    .map((n) => ({ file: n, profile: decodeProfile(readFileSync(join(dir, n))) }));
}

/** cpu nanoseconds per leaf function name, over the given profiles. */
function cpuByLeaf(profiles: Profile[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of profiles) {
    const cpu = p.sampleType.findIndex((s) => s.type === 'cpu');
    const fn = new Map(p.function.map((f) => [f.id, f.name]));
    const loc = new Map(p.location.map((l) => [l.id, l]));
    for (const s of p.sample) {
      const leaf = fn.get(loc.get(s.locationId[0])?.line[0]?.functionId ?? -1) ?? '?';
      out.set(leaf, (out.get(leaf) ?? 0) + s.value[cpu]);
    }
  }
  return out;
}

function labelValues(profiles: Profile[], key: string): Set<string | number> {
  const out = new Set<string | number>();
  for (const p of profiles) for (const s of p.sample) for (const l of s.label) if (l.key === key) out.add(l.str ?? l.num!);
  return out;
}

t.test('an ESM app with a worker thread and a CommonJS child process: all profiled', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'hotpath-run-'));
  const r = spawnSync(...clean([NODE, CLI, 'run', '--out', out, '--profiles', 'time', '--service', 'e2e', '--', NODE, join(APPS, 'esm-workers-child.mjs')]), { encoding: 'utf8', timeout: 60_000, env: ENV });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /app done 0/);
  const found = profilesIn(out);
  const pids = new Set(found.map((f) => f.file.split('.')[2]));
  t.equal(pids.size, 2, `one set of files per process: ${found.map((f) => f.file)}`);
  t.ok(found.every((f) => f.file.startsWith('e2e.time.')), 'named service.kind.pid.time');
  const cpu = cpuByLeaf(found.map((f) => f.profile));
  for (const fn of ['mainBusy', 'workerBusy', 'childBusy']) {
    // Each spins for 600 ms; on a loaded machine a thread may get much less CPU, never ~0.
    t.ok((cpu.get(fn) ?? 0) > 50e6, `${fn} has ${((cpu.get(fn) ?? 0) / 1e6).toFixed(0)} ms of cpu`);
  }
  t.ok(labelValues(found.map((f) => f.profile), 'thread name').has('cruncher'), "the worker's samples carry its name");
  t.match(r.stderr, /profile file\(s\) in/, 'says where the profiles went');
  t.match(r.stderr, /Hottest functions by cpu/, 'prints the hottest functions');
  t.match(r.stderr, /(mainBusy|workerBusy|childBusy)/);
});

t.test('a program killed with SIGTERM: last profile written, dies of SIGTERM as without hotpath', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'hotpath-run-'));
  const child = spawn(...clean([NODE, CLI, 'run', '--out', out, '--profiles', 'time', '--', NODE, join(APPS, 'sigterm.mjs')]), { stdio: ['ignore', 'pipe', 'pipe'], env: ENV });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  await new Promise<void>((resolve) => child.stdout.on('data', (d) => String(d).includes('ready') && resolve()));
  await new Promise((r) => setTimeout(r, 800));
  child.kill('SIGTERM');
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.once('exit', (c, s) => resolve([c, s])));
  t.equal(signal, 'SIGTERM', `hotpath run ends the way the program did (code ${code}, ${stderr})`);
  const found = profilesIn(out);
  t.equal(found.length, 1, 'the last profile was written');
  t.ok((cpuByLeaf(found.map((f) => f.profile)).get('slice') ?? 0) > 100e6, 'with the work done before the signal');

  const plain = spawnSync(...clean([NODE, join(APPS, 'sigterm.mjs')]), { timeout: 500, killSignal: 'SIGTERM', env: ENV });
  t.equal(plain.signal, 'SIGTERM', 'without hotpath the program dies of SIGTERM too');
});

t.test('process.exit(3): same exit code', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'hotpath-run-'));
  const r = spawnSync(...clean([NODE, CLI, 'run', '--out', out, '--profiles', 'time', '--', NODE, join(APPS, 'exit-code.mjs')]), { encoding: 'utf8', timeout: 60_000, env: ENV });
  t.equal(r.status, 3, r.stderr);
});

t.test('a bad setting: one line naming it, exit 2, the program is not started', async (t) => {
  const r = spawnSync(...clean([NODE, CLI, 'run', '--period', 'soon', '--', NODE, '-e', 'console.log("ran")']), { encoding: 'utf8', env: ENV });
  t.equal(r.status, 2);
  t.equal(r.stdout, '', 'the program did not run');
  t.match(r.stderr.trim(), /^hotpath: invalid --period "soon"/);
  t.equal(r.stderr.trim().split('\n').length, 1);
  const env = spawnSync(...clean([NODE, '--require', join(CLI, '../../register.cjs'), '-e', 'console.log("ran")']), { encoding: 'utf8', env: { ...ENV, HOTPATH_PERIOD: 'soon' } });
  t.equal(env.status, 0, 'a preload with a bad setting leaves the program running');
  t.equal(env.stdout, 'ran\n');
  t.match(env.stderr, /HOTPATH_PERIOD.*the program runs unprofiled/);
});

t.test('periods: each profile is self-contained, consecutive ones neither gap nor overlap', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'hotpath-run-'));
  const r = spawnSync(...clean([NODE, CLI, 'run', '--quiet', '--out', out, '--profiles', 'time', '--period', '1s', '--', NODE, join(APPS, 'cpu-chunks.mjs'), '4']), { encoding: 'utf8', timeout: 60_000, env: ENV });
  t.equal(r.status, 0, r.stderr);
  const periods = profilesIn(out).map((f) => f.profile).sort((a, b) => (a.timeNanos < b.timeNanos ? -1 : 1));
  t.ok(periods.length >= 4, `${periods.length} periods in 4 s`);
  for (let i = 1; i < periods.length; i++) {
    const end = periods[i - 1].timeNanos + BigInt(Math.round(periods[i - 1].durationNanos));
    const gapMs = Number(periods[i].timeNanos - end) / 1e6;
    t.ok(Math.abs(gapMs) < 5, `period ${i} starts ${gapMs.toFixed(3)} ms after the previous one ends`);
  }
  for (const p of periods.slice(0, -1)) t.ok(Math.abs(p.durationNanos / 1e9 - 1) < 0.5, `a full period lasts about 1 s (${(p.durationNanos / 1e9).toFixed(2)} s)`);
});

t.test("the README's main job: the example service under load", async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'hotpath-run-'));
  const service = fileURLToPath(new URL('../../examples/service.mjs', import.meta.url));
  const r = spawnSync(...clean([NODE, CLI, 'run', '--out', out, '--period', '10s', '--', NODE, service, '--load', '3']), { encoding: 'utf8', timeout: 90_000, env: ENV });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /load: \d+ requests/);
  t.match(r.stderr, /Hottest functions by cpu/);
  t.match(r.stderr, /Look at them with: npx hotpath view/);
  const time = profilesIn(out).filter((f) => f.file.includes('.time.')).map((f) => f.profile);
  const cpu = cpuByLeaf(time);
  t.ok(['listItems', 'searchItems', 'checksum'].some((fn) => cpu.has(fn)) || [...cpu.keys()].some((k) => /Hash|digest/.test(k)),
    `the service's own work is in the profile (${[...cpu].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([k]) => k).join(', ')})`);
  t.ok(profilesIn(out).some((f) => f.file.includes('.heap.')), 'a heap profile too (time and heap are the default kinds)');
});

t.test('node --import hotpath/register: the worker (through the Worker wrapper) and the child are profiled', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'hotpath-import-'));
  const register = join(CLI, '../../register.js');
  const r = spawnSync(...clean([NODE, '--import', register, join(APPS, 'esm-workers-child.mjs')]), {
    encoding: 'utf8', timeout: 60_000, env: { ...ENV, HOTPATH_OUT: out, HOTPATH_PROFILES: 'time' },
  });
  t.equal(r.status, 0, r.stderr);
  const found = profilesIn(out);
  t.equal(new Set(found.map((f) => f.file.split('.')[2])).size, 2, 'a profile from the program and one from its child');
  const cpu = cpuByLeaf(found.map((f) => f.profile));
  for (const fn of ['mainBusy', 'workerBusy', 'childBusy']) t.ok((cpu.get(fn) ?? 0) > 50e6, `${fn}: ${((cpu.get(fn) ?? 0) / 1e6).toFixed(0)} ms`);
  t.ok(labelValues(found.map((f) => f.profile), 'thread name').has('cruncher'), 'the worker keeps its name');
});
