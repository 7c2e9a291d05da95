// The sampler's safety: code moves under --stress-compaction, V8's own profiler (--cpu-prof)
// and @datadog/pprof beside it, a program doing fs, net, child_process, timers, Atomics.wait,
// worker messaging, GC, C++ callbacks and deoptimization sampled at 1 kHz (same results as
// plain node), a code-churn program whose code map stays flat, and another library installing
// its handler over hotpath's signal.
import t from 'tap';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURE = fileURLToPath(new URL('../fixtures/time/safety.mjs', import.meta.url));
type Values = [number, number, number];

// Without tap's NODE_OPTIONS (its --import hook): V8 enumerates existing code only through the
// functions it is installed on, and 4 code objects of that hook compiled before hotpath started
// were not, so each compaction moved them as unknown code (23 of 3,279 moves under tap).
const { NODE_OPTIONS: _tapOptions, ...env } = process.env;

function run(nodeArgs: string[], ...args: string[]) {
  const r = spawnSync(process.execPath, [...nodeArgs, FIXTURE, ...args], { encoding: 'utf8', timeout: 240_000, env });
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  return { status: r.status, signal: r.signal, stderr: r.stderr, result: line ? JSON.parse(line.slice(7)) : null };
}

function hotShare(summary: { total: Record<string, Values>; threads: Record<string, Values> }): number {
  const all = Object.values(summary.threads).reduce((a, v) => a + v[2], 0);
  return (summary.total.hot?.[2] ?? 0) / all;
}

t.test('--stress-compaction: code moves all found in the code map', async (t) => {
  const r = run(['--stress-compaction'], 'hot');
  t.equal(r.status, 0, `exit 0 (${r.stderr.trim().slice(0, 300)})`);
  const c = r.result.codeMap;
  t.ok(c.moves > 100, `${c.moves} code moves`);
  // Every code object V8 announced was found at each of its moves. A few it never announced
  // (compiled before hotpath registered and installed on no function, so V8's enumeration of
  // existing code misses them) move too: 0 in a plain shell, 4-5 per run under tap (timing).
  // Each counts once; they hold no sample of the program's own code.
  t.ok(c.unknownMoves <= 0.001 * c.moves + 8, `${c.unknownMoves} code objects V8 never announced moved (of ${c.moves} moves)`);
  t.ok(hotShare(r.result.summary) > 0.5, `hot holds ${(100 * hotShare(r.result.summary)).toFixed(0)}% of the CPU`);
});

t.test('nested with --cpu-prof: both profiles are written', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hotpath-cpuprof-'));
  const r = run(['--cpu-prof', '--cpu-prof-dir', dir], 'hot');
  t.equal(r.status, 0, `exit 0 (${r.stderr.trim().slice(0, 300)})`);
  t.ok(hotShare(r.result.summary) > 0.5, `hotpath: hot holds ${(100 * hotShare(r.result.summary)).toFixed(0)}% of the CPU`);
  // One per thread: the main thread's holds hot (the other is hotpath's aggregation worker's).
  const profiles = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { nodes: { callFrame: { functionName: string } }[]; samples: number[] });
  const main = profiles.find((p) => p.nodes.some((n) => n.callFrame.functionName === 'hot'));
  t.ok(main && main.samples.length > 100, `V8 wrote its .cpuprofile: ${main?.samples.length} samples, hot among them`);
});

t.test('with @datadog/pprof beside it: both profile', async (t) => {
  const r = run([], 'datadog');
  t.equal(r.status, 0, `exit 0 (${r.stderr.trim().slice(0, 300)})`);
  t.ok(hotShare(r.result.summary) > 0.5, `hotpath: hot holds ${(100 * hotShare(r.result.summary)).toFixed(0)}% of the CPU`);
  t.ok(r.result.ddSamples > 100, `@datadog/pprof: ${r.result.ddSamples} samples`);
  t.ok(r.result.ddHot > 0.5 * r.result.ddSamples, `@datadog/pprof: ${r.result.ddHot} of them in hot`);
});

t.test('at 1 kHz, a program using fs, net, child_process, timers, Atomics.wait, workers gives the results plain node gives', async (t) => {
  const plain = run([], 'exercise', 'off');
  const sampled = run([], 'exercise', '1000');
  t.equal(plain.status, 0, `plain: exit 0 (${plain.stderr.trim().slice(0, 300)})`);
  t.equal(sampled.status, 0, `sampled: exit 0 (${sampled.stderr.trim().slice(0, 300)})`);
  t.equal(sampled.stderr, '', 'nothing on stderr');
  t.equal(sampled.result?.digest, plain.result?.digest, 'same digest of every result');
});

t.test('50,000 new Functions, two a millisecond: the code map stays flat', async (t) => {
  // A count, not a time: a CI run on a busy machine made fewer than the limit in 40 s of one a
  // millisecond, and the map had nothing to evict.
  const r = run(['--expose-gc'], 'churn', '50000');
  t.equal(r.status, 0, `exit 0 (${r.stderr.trim().slice(0, 300)})`);
  const rd = r.result.readings as { s: number; live: number; retired: number; rssMb: number }[];
  t.equal(r.result.made, 50000, `${r.result.made} functions made in ${rd.at(-1)!.s.toFixed(0)} s`);
  // Unbounded, the map grew ~1,000 ranges a second (13,169 at 5 s, 28,195 at 20 s); the limit
  // is 32,768 live ranges.
  const most = Math.max(...rd.map((x) => x.live));
  t.ok(most <= 32768, `live code ranges at most ${most} (${rd.filter((_, i) => i % 10 === 9 || i === rd.length - 1).map((x) => `${x.live} at ${x.s.toFixed(0)} s`).join(', ')})`);
  // The code map's memory is what hotpath owns here: its live ranges (above) and the retired
  // ones it keeps for samples not yet symbolized. The process's RSS is said, not judged: on
  // Node 20 it stayed within 6 MB (106 -> 112 MB), on Node 26 it grew 137 -> 187 MB in a
  // clean-clone CI run with the map as flat, V8's own memory (not understood).
  t.ok(Math.max(...rd.map((x) => x.retired)) <= 32768, `retired ranges at most ${Math.max(...rd.map((x) => x.retired))}`);
  t.comment(`RSS ${rd[0]!.rssMb.toFixed(0)} MB at ${rd[0]!.s.toFixed(0)} s, ${rd.at(-1)!.rssMb.toFixed(0)} MB at ${rd.at(-1)!.s.toFixed(0)} s`);
  const { evicted, evictedSaid } = r.result as { evicted: number; evictedSaid: number };
  t.ok(evicted > 0, `the map evicted ${evicted} ranges (more code than its limit was made)`);
  t.ok(evictedSaid > 0 && evictedSaid <= evicted, `the profile says ${evictedSaid} of them were dropped (the rest after its end)`);
});

t.test('another handler installed over the sampling signal: hotpath takes it back at the period end and passes it the other signals', async (t) => {
  // A library of our own making (usurp-signal.c, preloaded) installs its handler over
  // hotpath's signal 1 s into the run. Until the next period end, hotpath's timer signals go
  // to it; from then on hotpath's handler is in front again and hands it every signal that is
  // not from hotpath's timers: here, three kill()s sent once the profile says so.
  const dir = mkdtempSync(path.join(tmpdir(), 'hotpath-usurp-'));
  const lib = path.join(dir, 'usurp-signal.so');
  execFileSync('gcc', ['-shared', '-fPIC', '-O1', '-o', lib, fileURLToPath(new URL('../fixtures/time/usurp-signal.c', import.meta.url)), '-lpthread']);
  const child = spawn(process.execPath, [FIXTURE, 'usurp'], { env: { ...env, LD_PRELOAD: lib } });
  let stdout = '', stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
  const sent: Promise<void>[] = [];
  child.stdout.setEncoding('utf8').on('data', (d) => {
    const reclaimedBefore = stdout.includes('RECLAIMED');
    stdout += d;
    const signal = Number(/USURPED (\d+)/.exec(stderr)?.[1]);
    if (!reclaimedBefore && stdout.includes('RECLAIMED') && signal > 0) {
      for (let i = 1; i <= 3; i++) sent.push(new Promise((resolve) => setTimeout(() => { process.kill(child.pid!, signal); resolve(); }, 100 * i)));
    }
  });
  const [code, killedBy] = await once(child, 'exit') as [number | null, string | null];
  await Promise.all(sent);
  t.equal(code, 0, `exit 0, no signal killed it (${killedBy ?? 'no signal'}; ${stderr.trim().slice(-300)})`);
  const usurper = /USURPER (\d+) (\d+) (\d+)/.exec(stderr);
  t.ok(usurper && Number(usurper[1]) > 0, `the other library took signal ${usurper?.[1]}`);
  t.equal(Number(usurper?.[2]), 3, 'the three kill()s reached the other library\'s handler through hotpath\'s');
  t.comment(`${usurper?.[3]} of hotpath's timer signals reached it before the period end`);
  t.equal(stderr.split('another handler was installed').length - 1, 1, 'hotpath said so once');
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  const periods = (line ? JSON.parse(line.slice(7)).periods : []) as { hot: Values; reclaimed: boolean }[];
  const at = periods.findIndex((p) => p.reclaimed);
  t.ok(at >= 1, `the profile of period ${at} says so`);
  // The full periods after the one it was taken back in (the last is cut short by stop()).
  const after = periods.slice(at + 1, -1);
  t.ok(after.length >= 3, `${after.length} full periods after it`);
  for (const p of after) t.ok(p.hot[1] >= 0.8 * 500e6, `hot's wall time in a 500 ms period after it: ${(p.hot[1] / 1e6).toFixed(0)} ms`);
});
