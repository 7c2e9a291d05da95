// Thread lifetimes under hotpath's own sampler: a worker ended by terminate() hands off what it
// sampled (natively, from its cleanup hook); busy threads on too few cores keep their wall
// samples (timer overruns counted); idle workers are not woken to be sampled.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The kernel's scheduler tick (CONFIG_HZ from /proc/config.gz), else 10 ms (HZ=100, the coarsest). */
function kernelTickNs(): number {
  try {
    const m = /^CONFIG_HZ=(\d+)$/m.exec(gunzipSync(readFileSync('/proc/config.gz')).toString());
    if (m) return 1e9 / Number(m[1]);
  } catch {
    // no kernel config to read
  }
  return 10e6;
}
type Values = [number, number, number];
interface Summary { total: Record<string, Values>; threads: Record<string, Values>; files: Record<string, Values> }
interface Result {
  profiles: Summary[];
  workers: { threadId: number; fn: string; cpuNs?: number; wallMs: number; idleFrom?: number; idleTo?: number }[];
  metas: { timeNanos: string; durationNanos: number; threads: { threadId: number; signals: number; elapsedNs: number }[] }[];
  perThread?: Record<string, Summary[]>;
}

// Without tap's NODE_OPTIONS: its --import hooks would load into every worker too.
const { NODE_OPTIONS: _tapOptions, ...env } = process.env;

function run(...args: string[]): Result {
  const out = execFileSync(process.execPath, [path.join(here, '..', 'fixtures', 'time', 'lifetimes.mjs'), ...args], { encoding: 'utf8', timeout: 240_000, env });
  return JSON.parse(out.split('\n').find((l) => l.startsWith('RESULT '))!.slice(7)) as Result;
}

/** The profiles' values summed by function (total) and by thread id. */
function pooled(r: Result): { fns: Map<string, Values>; threads: Map<string, Values> } {
  const fns = new Map<string, Values>();
  const threads = new Map<string, Values>();
  const add = (m: Map<string, Values>, k: string, v: Values) => {
    const x = m.get(k) ?? [0, 0, 0];
    for (let i = 0; i < 3; i++) x[i] += v[i];
    m.set(k, x);
  };
  for (const p of r.profiles) {
    for (const [k, v] of Object.entries(p.total)) add(fns, k, v);
    for (const [k, v] of Object.entries(p.threads)) add(threads, k, v);
  }
  return { fns, threads };
}

t.test('100 workers ended by terminate(): every one is in the profiles with its CPU', async (t) => {
  const r = run('terminate', '100');
  const { fns } = pooled(r);
  t.equal(r.workers.length, 100, '100 workers ran and were terminated');
  const got = r.workers.map((w) => fns.get(w.fn)?.[2] ?? 0);
  const missing = r.workers.filter((w) => !fns.has(w.fn)).map((w) => w.fn);
  t.same(missing, [], 'every function is in the profiles');
  // What a worker may lack is its last sampling interval (the CPU between its last timer signal
  // and the end of its loop) and a little of the first: two intervals (2 ms each), plus the
  // kernel's tick (a CPU timer's expiry is acted on at the tick: its last signal can come that
  // much late, and the CPU before it is in no sample), plus 10%.
  // A share alone (>= 80%, as before) failed on a loaded machine where a worker got only ~20 ms
  // of CPU in its 300 ms, so that one interval was 10% of it; a lost hand-off loses whole
  // periods (1 s, longer than a worker lives), far beyond this bound.
  const INTERVAL_NS = 2e6;
  const TICK_NS = kernelTickNs();
  const short = r.workers
    .map((w, i) => ({ w, lack: w.cpuNs! - got[i]! }))
    .filter(({ w, lack }) => lack > 2 * INTERVAL_NS + TICK_NS + 0.1 * w.cpuNs!)
    .map(({ w, lack }) => `${w.fn}: ${(lack / 1e6).toFixed(1)} of ${(w.cpuNs! / 1e6).toFixed(1)} ms missing`);
  const shares = r.workers.map((w, i) => got[i]! / w.cpuNs!).sort((a, b) => a - b);
  t.same(short, [], `each lacks at most two intervals + a tick (${TICK_NS / 1e6} ms) + 10% of the CPU its thread clock measured (shares: min ${(100 * shares[0]!).toFixed(0)}%, median ${(100 * shares[50]!).toFixed(0)}%)`);
  const all = got.reduce((a, b) => a + b, 0) / r.workers.reduce((a, w) => a + w.cpuNs!, 0);
  t.ok(all >= 0.9, `all 100 together: ${(100 * all).toFixed(1)}% of their measured CPU in the profiles (>= 90%)`);
});

t.test('three busy threads on two cores: each keeps >= 95% of the wall samples elapsed/interval says', async (t) => {
  const r = run('busy');
  for (const w of r.workers) {
    // Judged by the worker module's frame, on every JS stack of its thread from the collector's
    // start to the report, not by the burn function's name: on Node 24 and 26 TurboFan and
    // Maglev inline it into the module's OSR-compiled loop for part of the run, and an inlined
    // callee's time is its caller's (JitCodeEvent drops inlining; 55% by name on Node 26).
    const mine = r.perThread![String(w.threadId)];
    const sum = (i: number, of: (s: Summary) => Values | undefined) => mine.reduce((a, s) => a + (of(s)?.[i] ?? 0), 0);
    const samples = sum(0, (s) => s.files['lifetime-worker.mjs']);
    const expected = w.wallMs / 10;  // 10 ms interval in busy mode
    const byName = sum(2, (s) => s.total[w.fn]) / w.cpuNs!;
    t.ok(samples >= 0.95 * expected, `${w.fn}: ${samples} wall samples for ${expected.toFixed(0)} expected (${w.wallMs.toFixed(0)} ms busy; cpu ${((w.cpuNs ?? 0) / 1e6).toFixed(0)} ms; ${(100 * byName).toFixed(0)}% of it by name)`);
    const cpu = sum(2, (s) => s.files['lifetime-worker.mjs']);
    t.ok(Math.abs(cpu / w.cpuNs! - 1) <= 0.05, `${w.fn}: profile cpu ${(cpu / 1e6).toFixed(0)} ms vs its thread clock ${(w.cpuNs! / 1e6).toFixed(0)} ms (±5%)`);
  }
});

t.test('16 idle workers: no wall signals while they wait, and their wall time is (idle)', async (t) => {
  const r = run('idle', '16');
  const { threads } = pooled(r);
  // The 1 s periods that lie wholly inside the 3 s all workers waited (start-up is sampled as
  // usual): signalled at 100 Hz, each worker would get ~100 wall signals a second there. Each
  // period end wakes every worker (its labels answer), and a wall signal or two follow before
  // its timer parks again: 2-3 a second at these 1 s periods on Node 20, 7-20 on Node 22 in
  // clean-clone CI runs (its worker wakes more often per period end). Against ~200 a second
  // (wall and CPU) for a thread that is signalled all along, the bound is 50.
  const inside = r.metas.filter((m) => Number(m.timeNanos) >= r.workers[0].idleFrom! && Number(m.timeNanos) + m.durationNanos <= r.workers[0].idleTo!);
  t.ok(inside.length >= 1, `${inside.length} periods wholly inside the idle time`);
  const seconds = inside.reduce((a, m) => a + m.durationNanos / 1e9, 0);
  for (const w of r.workers) {
    const signals = inside.flatMap((m) => m.threads).filter((s) => s.threadId === w.threadId).reduce((a, s) => a + s.signals, 0);
    t.ok(signals / seconds < 50, `${w.fn} (thread ${w.threadId}): ${signals} signals in ${seconds.toFixed(1)} s of waiting`);
    const wall = threads.get(String(w.threadId))?.[1] ?? 0;
    t.ok(wall >= 0.9 * w.wallMs * 1e6, `thread ${w.threadId}: wall ${(wall / 1e6).toFixed(0)} ms in the profiles for ${w.wallMs.toFixed(0)} ms idle`);
  }
});
