// Time profiler accuracy against workloads that measure their own truth (thread CPU clock and
// wall clock around each function). Each run is a fresh process (test/fixtures/time/
// scenarios.mjs) sampling at 1 kHz so that ~3 s runs give thousands of samples; each scenario
// runs several times, judged on all runs together and, more loosely, on each run (no retries:
// V8's sampler "bad state" is dealt with by dropping samples V8 took without its signal, see
// native/src/time_profiler.cc).
import t from 'tap';
import { execFileSync, spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = path.join(here, '..', 'fixtures', 'time', 'scenarios.mjs');

type Triple = [number, number, number];
interface Result {
  scenario: string;
  truth: Record<string, [number, number]> & { lines?: [number, number] };
  elapsedNs: number;
  self: Record<string, Triple>;
  total: Record<string, Triple>;
  threads: Record<string, Triple>;
  lines: Record<string, Triple>;
  comments: string[];
  sampleTypes: string[];
}

function run(scenario: string): Result {
  const out = execFileSync(process.execPath, [fixture, scenario, '1000'], { encoding: 'utf8', timeout: 60000 });
  const line = out.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`no RESULT from ${scenario}: ${out}`);
  return JSON.parse(line.slice(7)) as Result;
}

/**
 * Five runs of a scenario, judged pooled (as the issue asks): one run's shares scatter by
 * ~2.3 points (Node 26, four runs of pure: -0.0, -2.3, +2.8, +2.0 against the truth), so three
 * pooled still missed ±3 now and then (a clean-clone CI run: 66.1% for a truth of 69.2%).
 */
function runs(scenario: string): Result[] {
  return Array.from({ length: 5 }, () => run(scenario));
}

const SAMPLES = 0;
const WALL = 1;
const CPU = 2;
const pct = (x: number): string => (x * 100).toFixed(1);

/** Each function's share among `fns` in column `col` (`truthCol` of the truth), for results summed. */
function shares(rs: Result[], fns: string[], col: number, truthCol: 0 | 1): { f: string; got: number; want: number }[] {
  const sum = (g: (r: Result, f: string) => number): number[] => fns.map((f) => rs.reduce((s, r) => s + g(r, f), 0));
  const truth = sum((r, f) => r.truth[f][truthCol]);
  const prof = sum((r, f) => r.total[f]?.[col] ?? 0);
  const tSum = truth.reduce((a, b) => a + b, 0);
  const pSum = prof.reduce((a, b) => a + b, 0);
  return fns.map((f, i) => ({ f, got: prof[i] / pSum, want: truth[i] / tSum }));
}

// `samples` counts the wall timer's samples: their truth is the wall clock's (the same as the
// CPU clock's only while the thread has a CPU to itself).
const COLUMNS = [[WALL, 0, 'wall'], [CPU, 1, 'cpu'], [SAMPLES, 0, 'samples']] as const;

/**
 * Checks each function's share (among fns) against the truth: within `points` over all runs
 * together, and within `runPoints` in every single run. One run of ~3 s at 1 kHz has ~2,500
 * samples, yet its shares scatter by about ±2 points around the truth on a quiet machine (eight
 * runs of the pure scenario: 67.0-73.1% for a truth of 69.6%; loop lengths drawn at random did
 * not narrow it, so it is not aliasing with the loop), and a clean CI run read 64.8%: judged
 * alone at ±3 points a run fails now and then. The runs together (five: a profile of ~15 s) are judged
 * at ±3 points, each run at ±`runPoints`, which still catches V8's "bad state" (85/15, 36/64 in
 * RESEARCH.md) in any single run.
 */
function checkShares(tt: Tap.Test, rs: Result[], fns: string[], points: number, runPoints: number): void {
  // V8's "bad state" (RESEARCH.md) shows up as samples V8 took without its signal; hotpath
  // drops them (said in a comment), so the sample counts stay right too: checked as `samples`
  // against the wall truth.
  rs.forEach((r, i) => {
    const dropped = r.comments.map((c) => /dropped (\d+) samples/.exec(c)?.[1]).filter(Boolean);
    tt.comment(`run ${i + 1}: V8 samples without a signal, dropped: ${dropped.length ? dropped.join(', ') : 0}`);
    for (const [col, truthCol, what] of COLUMNS) {
      for (const { f, got, want } of shares([r], fns, col, truthCol)) {
        tt.ok(Math.abs(got - want) * 100 <= runPoints,
          `run ${i + 1}: ${f} ${what} share ${pct(got)}% vs truth ${pct(want)}% (within ±${runPoints} points)`);
      }
    }
  });
  for (const [col, truthCol, what] of COLUMNS) {
    for (const { f, got, want } of shares(rs, fns, col, truthCol)) {
      tt.ok(Math.abs(got - want) * 100 <= points,
        `${rs.length} runs together: ${f} ${what} share ${pct(got)}% vs truth ${pct(want)}% (within ±${points} points)`);
    }
  }
}

// Hand-declared to avoid importing tap's types namespace.
declare namespace Tap { type Test = typeof t; }

t.test('pure JS: a ~70% / b ~30%, cpu and wall within ±3 points', async (tt) => {
  const rs = runs('pure');
  for (const r of rs) tt.same(r.sampleTypes, ['samples', 'wall', 'cpu']);
  checkShares(tt, rs, ['a', 'b'], 3, 6);
});

t.test('builtins: TypedArray sort and JSON.parse attributed to their callers within ±3 points', async (tt) => {
  checkShares(tt, runs('builtin'), ['sortA', 'parseB', 'loopC'], 3, 6);
});

t.test('C++ callbacks: named from the binary\'s symbols, as the leaf above their JS caller', async (tt) => {
  const rs = runs('callback');
  checkShares(tt, rs, ['hashC', 'loopD'], 3, 6);
  // V8 12+ (Node 22 on) tells a sample which API callback it is in only for Fast API calls, or
  // under its profiling mode (the CpuProfiler's thunk, which hotpath leaves off): there the
  // callback's time is its JS caller's, which the shares above judge.
  if (Number(process.versions.v8.split('.')[0]) >= 12) return;
  // hashC's CPU is SHA-256 over 4 MB inside Hash's update callback, but for a few µs of JS
  // around it: the callback's own CPU (self, by the name from Node's symbol table) against the
  // CPU hashC's thread clock measured.
  const leaf = 'node::crypto::Hash::HashUpdate';
  const self = rs.reduce((s, r) => s + (r.self[leaf]?.[CPU] ?? 0), 0);
  const truth = rs.reduce((s, r) => s + r.truth.hashC[1], 0);
  tt.ok(self >= 0.85 * truth && self <= 1.05 * truth, `${leaf}: ${(self / 1e6).toFixed(0)} ms of CPU as the leaf, hashC measured ${(truth / 1e6).toFixed(0)} ms`);
});

t.test('CPU contention: more busy processes than cores, shares still within ±3 points', async (tt) => {
  // The thread waits for a CPU between its slices. A CPU-time timer (checked at the scheduler
  // tick the thread happens to run at) read hashC's CPU share at 7-25% here for a truth of 33%;
  // the perf event's samples (native/src/cpu_clock_event.h) fall where the CPU was used.
  const busy = Array.from({ length: availableParallelism() + 1 }, () => spawn(process.execPath, ['-e', 'for (;;);'], { stdio: 'ignore' }));
  try {
    const rs = Array.from({ length: 3 }, () => run('callback'));
    checkShares(tt, rs, ['hashC', 'loopD'], 3, 6);
  } finally {
    for (const b of busy) b.kill('SIGKILL');
  }
});

t.test('blocking: Atomics.wait, execSync(sleep), readFileSync: wall on the caller', async (tt) => {
  for (let i = 0; i < 2; i++) {
    const r = run('blocking');
    for (const f of ['waiter', 'sleeper', 'reader']) {
      const wall = r.total[f]?.[WALL] ?? 0;
      const truth = r.truth[f][0];
      tt.ok(Math.abs(wall / truth - 1) <= 0.1, `${f}: wall ${(wall / 1e6).toFixed(0)} ms vs truth ${(truth / 1e6).toFixed(0)} ms (±10%)`);
    }
    // Blocked time is not CPU: the profile's cpu matches the function's own thread clock (the
    // fork of `sleep` is real CPU of the caller: a clean CI run read 61 ms of it over 500 ms of
    // execSync), within a tenth of the blocked wall time.
    for (const f of ['waiter', 'sleeper']) {
      const [, wall, cpu] = r.total[f];
      const own = r.truth[f][1];
      tt.ok(Math.abs(cpu - own) < 0.1 * wall,
        `${f}: cpu ${(cpu / 1e6).toFixed(0)} ms vs its thread clock ${(own / 1e6).toFixed(0)} ms, not its blocked time (wall ${(wall / 1e6).toFixed(0)} ms)`);
    }
    const rc = r.total.reader[CPU];
    const rt = r.truth.reader[1];
    tt.ok(Math.abs(rc / rt - 1) <= 0.15, `reader: cpu ${(rc / 1e6).toFixed(0)} ms vs its thread clock ${(rt / 1e6).toFixed(0)} ms (kernel copying, ±15%)`);
  }
});

t.test('idle: (idle) carries the wait in wall, ~0 cpu; wall sums to elapsed ±5%', async (tt) => {
  for (let i = 0; i < 2; i++) {
    const r = run('idle');
    const idle = r.self['(idle)'];
    tt.ok(idle, 'there are (idle) samples');
    tt.equal(idle[CPU], 0, '(idle) has no cpu');
    tt.ok(idle[WALL] > 0.85 * r.elapsedNs, `(idle) wall ${(idle[WALL] / 1e6).toFixed(0)} ms of ${(r.elapsedNs / 1e6).toFixed(0)} ms elapsed`);
    const wall = r.threads['0'][WALL];
    tt.ok(Math.abs(wall / r.elapsedNs - 1) <= 0.05, `thread wall sum ${(wall / 1e6).toFixed(0)} ms vs elapsed ${(r.elapsedNs / 1e6).toFixed(0)} ms (±5%)`);
  }
});

t.test('lines: two hot loops in one function are two locations with the right lines', async (tt) => {
  const r = run('lines');
  const [one, two] = r.truth.lines!;
  const a = r.lines[`twoLoops:${one}`]?.[0] ?? 0;
  const b = r.lines[`twoLoops:${two}`]?.[0] ?? 0;
  const all = Object.entries(r.lines).filter(([k]) => k.startsWith('twoLoops:')).reduce((s, [, v]) => s + v[0], 0);
  tt.ok(a > 0.1 * all, `line ${one} has ${a} of ${all} samples`);
  tt.ok(b > 0.1 * all, `line ${two} has ${b} of ${all} samples`);
  tt.ok(a + b >= 0.95 * all, `the two loop lines hold ${a + b} of ${all} samples of twoLoops`);
});
