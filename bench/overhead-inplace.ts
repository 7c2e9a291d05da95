// Overhead on a CPU-bound and on a GC-heavy workload with the profiler switched on and off in
// one process (main thread busy, 100 Hz): alternating windows (off, on, off, ...) that each run
// the same amount of work; an on-window's CPU (every thread of the process, from /proc/self/
// task/*/schedstat) against the mean of the off-windows on either side. The cost of a period
// end (encoding) is not in the windows: bench/memory.ts has it per period.
//   node dist/bench/overhead-inplace.js [--quick]   (ROUNDS, PAIRS, WINDOW_MS override)
import { fileURLToPath } from 'node:url';
import { againstNeighbouringOffs, Figures, meanOf, median, quick, result, runNode, setting, sleep, systemLine, threadCpuMs, threadCpuSince, waitForAddon, writeSection } from './lib/common.js';
import { PEERS, startProfiler } from './lib/profilers.js';
import type { ProfilerName } from './lib/profilers.js';
import { chainWork } from './lib/workloads.js';

const ROUNDS = setting('ROUNDS', 2, 1);
const PAIRS = setting('PAIRS', 20, 3);
/** Each window's work takes about this long with the profiler off. */
const WINDOW_MS = setting('WINDOW_MS', 1000, 300);
/** Before each window: the profiler's start (or stop) and its after-effects settle. */
const SETTLE_MS = 300;
const WARM_MS = setting('WARM_MS', 2000, 800);
const PERIOD_MS = 60_000;
const self = fileURLToPath(import.meta.url);

/** Short-lived objects, 1 in 64 arrays kept a while: scavenges all the time, a mark-compact now and then. */
const kept: unknown[][] = new Array(64);
function gcWork(units: number): number {
  let n = 0;
  for (let u = 0; u < units; u++) {
    const a = new Array(200);
    for (let j = 0; j < 200; j++) a[j] = { u, j, s: `x${j}` };
    if ((u & 63) === 0) kept[(u >> 6) & 63] = a;
    n += a.length;
  }
  return n;
}

const WORKLOADS: Record<string, (units: number) => number> = {
  'CPU-bound': (units) => chainWork(units * 100),
  'GC-heavy': gcWork,
};

interface Window { on: boolean; cpuMs: number; wallMs: number; profilerThreadsMs: number }

/** Units of work that take about `ms` now (the profiler off). */
function calibrate(work: (units: number) => number, ms: number): number {
  let units = 16;
  for (;;) {
    const t0 = performance.now();
    work(units);
    const took = performance.now() - t0;
    if (took >= ms / 4) return Math.max(1, Math.round((units * ms) / took));
    units *= 2;
  }
}

async function child(name: ProfilerName, workload: string): Promise<void> {
  const work = WORKLOADS[workload];
  const warmUntil = performance.now() + WARM_MS;
  while (performance.now() < warmUntil) work(16);
  const units = calibrate(work, WINDOW_MS);
  const windows: Window[] = [];
  let sink = 0;
  for (let i = 0; i < 2 * PAIRS + 1; i++) {
    const on = i % 2 === 1;
    const prof = on ? await startProfiler(name, { periodMs: PERIOD_MS }) : null;
    await prof?.rotate();  // one-time start-up (hotpath's aggregation worker) before the window
    await sleep(SETTLE_MS);
    const c0 = threadCpuMs();
    const t0 = performance.now();
    sink += work(units);
    const wallMs = performance.now() - t0;
    const c = threadCpuSince(c0);
    windows.push({ on, cpuMs: c.main + c.v8 + c.hotpath + c.other, wallMs, profilerThreadsMs: c.v8 + c.hotpath });
    await prof?.stop();
  }
  result({ windows, sink: Number.isFinite(sink) });
}

/** Each on-window's extra CPU over the mean of the off-windows on either side, as a share of one core over its work. */
function extraShares(ws: Window[]): number[] {
  return againstNeighbouringOffs(ws, (on, offs) => (100 * (on.cpuMs - meanOf(offs, (w) => w.cpuMs))) / on.wallMs);
}

async function main(): Promise<void> {
  await waitForAddon();
  const system = systemLine();
  const figs = new Figures('overhead-inplace', system);
  const rows: string[] = [];
  for (const workload of Object.keys(WORKLOADS)) {
    const byPeer: Record<string, Window[][]> = Object.fromEntries(PEERS.map((p) => [p, []]));
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? [...PEERS] : [...PEERS].reverse();
      for (const peer of order) {
        const out = await runNode<{ windows: Window[] }>(self, ['child', peer, workload, ...(quick ? ['--quick'] : [])]);
        byPeer[peer].push(out.windows);
        process.stderr.write(`overhead-inplace ${workload} ${peer} round ${r + 1}/${ROUNDS} done\n`);
      }
    }
    for (const peer of PEERS) {
      const shares = byPeer[peer].flatMap(extraShares);
      const s = figs.add(`${peer} on - off, ${workload}, share of a core (same process)`, shares);
      const ons = byPeer[peer].flatMap((ws) => ws.filter((w) => w.on));
      const threads = median(ons.map((w) => (100 * w.profilerThreadsMs) / w.wallMs));
      const windows = byPeer[peer].reduce((a, ws) => a + ws.length, 0);
      rows.push(`| ${workload} | ${peer} | ${s.median.toFixed(2)}% (${s.q1.toFixed(2)} to ${s.q3.toFixed(2)}; ${s.min.toFixed(2)} to ${s.max.toFixed(2)}) | ${threads.toFixed(2)}% | ${windows} |`);
    }
  }
  writeSection('overhead-inplace', [
    '## Overhead in one process: CPU-bound and GC-heavy main thread, profiler on and off',
    '',
    system,
    '',
    `Method: one busy JavaScript thread (the main thread) profiled at 100 Hz. In each process, ${2 * PAIRS + 1} alternating windows (off, on, off, ...) each run the same work (about ${WINDOW_MS} ms with the profiler off); ` +
      `the process's CPU in a window is every thread's (/proc/self/task/*/schedstat), and an on-window's extra CPU is against the mean of the off-windows on either side, as a share of one core over the window's work. ` +
      `A period end's encoding is not in the windows (bench/memory.ts has it per period). ` +
      `${ROUNDS} processes per profiler and workload, in alternating order. CPU-bound: a 24-deep call chain (bench/lib/workloads.ts); GC-heavy: 200 small objects and strings per unit, 1 array in 64 kept a while.`,
    '',
    '| workload | profiler | extra CPU, share of a core (median; IQR; min to max) | its own threads (V8 profiler, hotpath-*), share of a core (median) | windows |',
    '|---|---|---|---|---|',
    ...rows,
  ]);
  figs.save();
}

if (process.argv[2] === 'child') await child(process.argv[3] as ProfilerName, process.argv[4]);
else await main();
