// Worker scaling: 1, 2, 4 and 8 busy worker threads, every JavaScript thread profiled at 100 Hz
// (hotpath: start() on the main thread, start() in each worker joins it; @datadog/pprof: one
// time profiler per thread), switched on and off in one process: alternating windows of 5 s
// (off, on, off, ...). The workers never stop working; each counts its work in shared memory,
// so an on-window's CPU is judged against what the same work cost in the off-windows on either
// side (with more workers than the 2 cores the CPU is full either way and the profiler's cost
// shows as less work). Google's pprof cannot load in a worker thread.
//   node dist/bench/workers.js [--quick]       (PAIRS, WINDOW_MS override the defaults)
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, workerData } from 'node:worker_threads';
import { againstNeighbouringOffs, Figures, meanOf, median, quick, result, runNode, setting, sleep, systemLine, threadCpuMs, threadCpuSince, waitForAddon, writeSection } from './lib/common.js';
import { startProfiler } from './lib/profilers.js';
import type { ProfilerName, RunningProfiler } from './lib/profilers.js';
import { chainWork } from './lib/workloads.js';

const PAIRS = setting('PAIRS', 4, 1);
const WINDOW_MS = setting('WINDOW_MS', 5000, 1500);
/** After each switch: every thread's profiler started (or stopped) and settled. */
const SETTLE_MS = 300;
const WARM_MS = setting('WARM_MS', 2000, 800);
const PERIOD_MS = 60_000;
const COUNTS = quick ? [1, 4] : [1, 2, 4, 8];
const CONFIGS: ProfilerName[] = ['hotpath', 'datadog'];
const self = fileURLToPath(import.meta.url);

/** Shared with the workers: [0] the wanted state (0 off, 1 on, 2 exit); per worker k, [1 + k] its state, [1 + n + k] its batches of work done. */
interface Shared { name: ProfilerName; n: number; k: number; sab: SharedArrayBuffer }

async function worker({ name, n, k, sab }: Shared): Promise<void> {
  const s = new Int32Array(sab);
  let prof: RunningProfiler | null = null;
  let i = 0;
  for (;;) {
    const want = Atomics.load(s, 0);
    if (want === 2) break;
    if ((want === 1) !== (prof !== null)) {
      if (want === 1) prof = await startProfiler(name, { periodMs: PERIOD_MS });
      else {
        await prof!.stop();
        prof = null;
      }
      Atomics.store(s, 1 + k, want);
    }
    chainWork(500, (i += 500));
    Atomics.add(s, 1 + n + k, 1);
  }
  await prof?.stop();
}

interface Window { on: boolean; cpuMs: number; work: number; wallMs: number }

async function child(name: ProfilerName, n: number): Promise<void> {
  const sab = new SharedArrayBuffer(4 * (1 + 2 * n));
  const s = new Int32Array(sab);
  const ws = Array.from({ length: n }, (_, k) => new Worker(self, { workerData: { name, n, k, sab } satisfies Shared, name: `busy-${k}` }));
  for (const w of ws) w.on('error', (e) => { throw e; });
  const work = (): number => {
    let t = 0;
    for (let k = 0; k < n; k++) t += Atomics.load(s, 1 + n + k);
    return t;
  };
  const switchTo = async (state: 0 | 1): Promise<void> => {
    Atomics.store(s, 0, state);
    for (let k = 0; k < n; k++) while (Atomics.load(s, 1 + k) !== state) await sleep(5);
  };
  await sleep(WARM_MS);
  const windows: Window[] = [];
  for (let i = 0; i < 2 * PAIRS + 1; i++) {
    const on = i % 2 === 1;
    // The main thread's profiler first and last: a worker's joins it.
    const prof = on ? await startProfiler(name, { periodMs: PERIOD_MS }) : null;
    if (on) await switchTo(1);
    await prof?.rotate();  // one-time start-up (hotpath's aggregation worker) before the window
    await sleep(SETTLE_MS);
    const c0 = threadCpuMs();
    const w0 = work();
    const t0 = performance.now();
    await sleep(WINDOW_MS);
    const c = threadCpuSince(c0);
    windows.push({ on, cpuMs: c.main + c.v8 + c.hotpath + c.other, work: work() - w0, wallMs: performance.now() - t0 });
    if (on) await switchTo(0);
    await prof?.stop();
  }
  Atomics.store(s, 0, 2);
  await Promise.all(ws.map((w) => new Promise((r) => w.once('exit', r))));
  result({ windows });
}

/**
 * Each on-window's extra CPU: its CPU less what its work cost at the off-windows' CPU per unit
 * of work (the mean of its two neighbours), in ms of CPU per busy thread per second.
 */
function extraPerThread(ws: Window[], n: number): number[] {
  return againstNeighbouringOffs(ws, (on, offs) => (on.cpuMs - on.work * meanOf(offs, (w) => w.cpuMs / w.work)) / n / (on.wallMs / 1000));
}

async function main(): Promise<void> {
  await waitForAddon();
  const system = systemLine();
  const figs = new Figures('workers', system);
  const rows: string[] = [];
  for (const n of COUNTS) {
    for (const c of n % 2 === 0 ? [...CONFIGS].reverse() : CONFIGS) {
      const { windows } = await runNode<{ windows: Window[] }>(self, ['child', c, String(n), ...(quick ? ['--quick'] : [])], { timeoutMs: 300_000 });
      const extra = figs.add(`${n} workers, ${c} on - off, profiler CPU ms per busy thread per s (same process)`, extraPerThread(windows, n));
      const offCpu = median(windows.filter((w) => !w.on).map((w) => w.cpuMs / (w.wallMs / 1000)));
      rows.push(`| ${n} | ${c} | ${(offCpu / 10).toFixed(0)}% | ${extra.median.toFixed(2)} (${extra.q1.toFixed(2)} to ${extra.q3.toFixed(2)}; ${extra.min.toFixed(2)} to ${extra.max.toFixed(2)}) | ${windows.length} |`);
      process.stderr.write(`workers: ${n} ${c} done\n`);
    }
  }
  writeSection('workers', [
    `## Worker scaling: ${COUNTS.join(', ')} busy workers, profiler on and off in one process`,
    '',
    system,
    '',
    `Method: for each worker count and profiler, one process whose workers run the CPU-bound chain workload without a pause and count their work in shared memory; every JavaScript thread (main and workers) is profiled at 100 Hz in the on-windows. ` +
      `${2 * PAIRS + 1} alternating windows of ${WINDOW_MS / 1000} s (off, on, off, ...), each after every thread's profiler has started or stopped and ${SETTLE_MS} ms more. ` +
      'Profiler CPU per busy thread: an on-window\'s process CPU (every thread, /proc/self/task/*/schedstat) less what its work cost at the CPU per unit of work of the off-windows on either side, per worker and per second, in ms/s (10 ms/s = 1% of a core): median (IQR; min to max). ' +
      'With more workers than the 2 cores the CPU is full either way, so the cost shows as less work. Google\'s pprof cannot load in a worker thread (its addon is not context-aware).',
    '',
    '| workers | profiler | process CPU off (share of one core) | profiler CPU per busy thread, ms/s | windows |',
    '|---|---|---|---|---|',
    ...rows,
  ]);
  figs.save();
}

if (!isMainThread && (workerData as Shared | null)?.sab) await worker(workerData as Shared);
else if (process.argv[2] === 'child') await child(process.argv[3] as ProfilerName, Number(process.argv[4]));
else await main();
