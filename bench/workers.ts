// Worker scaling: 1, 2, 4 and 8 busy worker threads (each a fixed slice of the CPU-bound
// workload), every JavaScript thread profiled at 100 Hz (hotpath: start() on the main thread,
// start() in each worker joins it; @datadog/pprof and Google's pprof: one time profiler per
// thread, each with its own period timer). Process CPU (all threads) with and without the
// profiler, in rounds of fresh processes; the profiler's CPU per busy thread per second.
//   node dist/bench/workers.js [--quick]       (ROUNDS, WORK override the defaults)
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { cpuMsSince, Figures, median, quick, result, rounds, runNode, setting, sleep, spread, systemLine, waitForAddon, writeSection } from './lib/common.js';
import { startProfiler } from './lib/profilers.js';
import type { ProfilerName } from './lib/profilers.js';
import { chainWork } from './lib/workloads.js';

const ROUNDS = setting('ROUNDS', 10, 2);
/** Calls per worker with 1 or 2 workers; with n > 2 (more workers than the 2 cores) each does
 * WORK x 2 / n, so every count's measured part lasts about as long (one worker's WORK). */
const WORK = setting('WORK', 160_000, 60_000);
const workOf = (n: number): number => Math.round((WORK * 2) / Math.max(2, n));
/** Each worker's warm-up, and the pause once all are ready (the profilers' helper threads started). */
const WARMUP_MS = setting('WARMUP_MS', 100, 100);
const PAUSE_MS = setting('PAUSE_MS', 50, 50);
/** The default period: no period ends inside a run; their cost is in bench/memory.ts. */
const PERIOD_MS = 60_000;
const COUNTS = quick ? [1, 4] : [1, 2, 4, 8];
const CONFIGS = ['none', 'hotpath', 'datadog', 'pprof'];
const self = fileURLToPath(import.meta.url);

async function worker(name: ProfilerName, calls: number): Promise<void> {
  const prof = await startProfiler(name, { periodMs: PERIOD_MS });
  const until = performance.now() + WARMUP_MS;
  let i = 0;
  while (performance.now() < until) chainWork(500, (i += 500));
  parentPort!.postMessage('ready');
  await new Promise((r) => parentPort!.once('message', r));
  chainWork(calls);
  // Done before the profiler stops: the measured window is the work, not the last profile.
  parentPort!.postMessage('done');
  await new Promise((r) => parentPort!.once('message', r));
  await prof.stop();
  parentPort!.postMessage('stopped');
}

async function child(name: ProfilerName, n: number): Promise<void> {
  const prof = await startProfiler(name, { periodMs: PERIOD_MS });
  const ws = Array.from({ length: n }, (_, k) => new Worker(new URL(import.meta.url), { workerData: { name, calls: workOf(n) }, name: `busy-${k}` }));
  for (const w of ws) {
    w.on('error', (e) => {
      // A profiler that cannot run in a worker thread: say so instead of a number.
      result({ error: String(e.message).split('\n')[0] });
      process.exit(0);
    });
  }
  await Promise.all(ws.map((w) => new Promise((r) => w.once('message', r))));
  await sleep(PAUSE_MS); // the profiler's helper threads (hotpath: the aggregation worker) done starting
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const done = ws.map((w) => new Promise((r) => w.once('message', r)));
  for (const w of ws) w.postMessage('go');
  await Promise.all(done);
  const wallMs = performance.now() - t0;
  const cpuMs = cpuMsSince(c0);
  const stopped = ws.map((w) => new Promise((r) => w.once('message', r)));
  for (const w of ws) w.postMessage('stop');
  await Promise.all(stopped);
  await Promise.all(ws.map((w) => w.terminate()));
  await prof.stop();
  result({ wallMs, cpuMs });
}

interface Run { wallMs: number; cpuMs: number }

async function main(): Promise<void> {
  const system = systemLine();
  const keys = COUNTS.flatMap((n) => CONFIGS.map((c) => `${c}:${n}`));
  // A round runs every count; within a count, configurations in rotated order.
  const res: Record<string, (Run | null)[]> = Object.fromEntries(keys.map((k) => [k, []]));
  const failures: Record<string, string> = {};
  await rounds(['all'], ROUNDS, async (_c, i) => {
    for (const n of COUNTS) {
      let order = CONFIGS.map((_, k) => CONFIGS[(k + i) % CONFIGS.length]);
      if (i % 2) order = order.reverse();
      for (const c of order) {
        const once = (): Promise<Run & { error?: string }> => runNode<Run & { error?: string }>(self, ['child', c, String(n)], { timeoutMs: 60_000 });
        let r: (Run & { error?: string }) | null = null;
        if (!failures[c]) {
          try {
            r = await once();
          } catch {
            // Once more after the addon is back (other builds in the tree rebuild it).
            await waitForAddon();
            r = await once().catch((e: Error) => ({ wallMs: NaN, cpuMs: NaN, error: e.message.split('\n')[0].slice(0, 300) }));
          }
        }
        if (r?.error) failures[c] = r.error;
        res[`${c}:${n}`][i] = r?.error ? null : r;
      }
    }
  }, 'workers');
  const rows: string[] = [];
  const figs = new Figures('workers', system);
  for (const n of COUNTS) {
    for (const c of CONFIGS.slice(1)) {
      const pairs = res[`${c}:${n}`].map((r, i) => [r, res[`none:${n}`][i]] as const).filter(([a, b]) => a && b) as [Run, Run][];
      if (pairs.length === 0) {
        rows.push(`| ${n} | ${c} | failed (below) | - | - |`);
        continue;
      }
      const ratio = figs.add(`${n} workers, ${c} / none, process CPU`, pairs.map(([a, b]) => a.cpuMs / b.cpuMs));
      // Extra CPU per busy thread per second of the none run's wall time.
      const perThread = figs.add(`${n} workers, ${c}, profiler CPU ms per busy thread per s`, pairs.map(([a, b]) => (a.cpuMs - b.cpuMs) / n / (b.wallMs / 1000)));
      rows.push(`| ${n} | ${c} | ${ratio.median.toFixed(4)} | ${ratio.q1.toFixed(3)}-${ratio.q3.toFixed(3)}; ${ratio.min.toFixed(3)}-${ratio.max.toFixed(3)} | ` +
        `${perThread.median.toFixed(1)} (${perThread.q1.toFixed(1)} to ${perThread.q3.toFixed(1)}) |`);
    }
  }
  const noneWall = COUNTS.map((n) => `${n}: ${median(res[`none:${n}`].filter(Boolean).map((r) => r!.wallMs)).toFixed(0)} ms`).join(', ');
  writeSection('workers', [
    `## Worker scaling: ${COUNTS.join(', ')} busy workers`,
    '',
    system,
    '',
    `Method: ${ROUNDS} rounds; each round runs every worker count, and for each count every configuration once in a fresh process, in an order rotated every round. ` +
      `Each worker does ${WORK.toLocaleString('en-US')} calls of the CPU-bound chain workload (with more workers than the 2 cores, ${WORK.toLocaleString('en-US')} x 2 / workers, so that every count's measured part lasts about as long) after a ${WARMUP_MS} ms warm-up and a ${PAUSE_MS} ms pause once all are ready; all JavaScript threads (main and workers) are profiled at 100 Hz with the default ${PERIOD_MS / 1000} s period (no period end inside the run). ` +
      'CPU ratio: median of the paired ratios of process CPU (all threads) profiler / none, with IQR; min-max. ' +
      'Profiler CPU per busy thread: (profiled CPU - unprofiled CPU) / workers / wall seconds of the unprofiled run, in ms of CPU per second (10 ms/s = 1% of a core), median (IQR). ' +
      `With more workers than the 2 cores, threads queue for the CPU. Unprofiled wall times (median): ${noneWall}.`,
    '',
    '| workers | profiler | process CPU ratio (median) | spread | profiler CPU per busy thread, ms/s |',
    '|---|---|---|---|---|',
    ...rows,
    ...(Object.keys(failures).length ? ['', ...Object.entries(failures).map(([c, m]) => `${c} failed with workers: ${m}`)] : []),
  ]);
  figs.save();
}

if (!isMainThread && (workerData as { name?: string })?.name) {
  const d = workerData as { name: ProfilerName; calls: number };
  await worker(d.name, d.calls);
}
else if (process.argv[2] === 'child') await child(process.argv[3] as ProfilerName, Number(process.argv[4]));
else await main();
