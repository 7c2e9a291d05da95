// What idle workers cost under the time profiler: 16 workers waiting in their event loops (a
// pool with nothing to do), the process's CPU over a 5 s window with the profiler on and off,
// in rounds of fresh processes (alternating order). hotpath's wall timer parks on a thread
// that waits in its loop, so an idle worker gets no signals; V8's CpuProfiler (the peers)
// signals every profiled thread at the interval whatever it does.
//   node dist/bench/idle-workers.js [--quick]     (ROUNDS, WORKERS, WINDOW_MS override)
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Figures, median, result, rounds, runNode, setting, sleep, spread, systemLine, threadCpuMs, threadCpuSince, waitForAddon, writeSection } from './lib/common.js';
import { startProfiler } from './lib/profilers.js';
import type { ProfilerName } from './lib/profilers.js';

const ROUNDS = setting('ROUNDS', 8, 2);
const WORKERS = setting('WORKERS', 16, 4);
const WINDOW_MS = setting('WINDOW_MS', 5000, 2000);
// Google's pprof cannot be loaded in a worker thread (its addon is not context-aware: ERR_DLOPEN_FAILED).
const CONFIGS = ['none', 'hotpath', 'datadog'];
const self = fileURLToPath(import.meta.url);

async function worker(name: ProfilerName): Promise<void> {
  const prof = await startProfiler(name, { periodMs: 60_000 });
  parentPort!.postMessage('ready');
  await new Promise((r) => parentPort!.once('message', r));  // idle until told to stop
  await prof.stop();
  parentPort!.close();
}

async function child(name: ProfilerName): Promise<void> {
  const prof = await startProfiler(name, { periodMs: 60_000 });
  const ws = Array.from({ length: WORKERS }, () => new Worker(self, { workerData: { name } }));
  await Promise.all(ws.map((w) => new Promise((r) => w.once('message', r))));
  await prof.rotate();
  await sleep(1000);  // start-up done everywhere
  const c0 = threadCpuMs();
  await sleep(WINDOW_MS);
  const c = threadCpuSince(c0);
  for (const w of ws) w.postMessage('stop');
  await Promise.all(ws.map((w) => new Promise((r) => w.once('exit', r))));
  await prof.stop();
  result({ cpuMs: c.main + c.v8 + c.hotpath + c.other });
}

async function main(): Promise<void> {
  await waitForAddon();
  const system = systemLine();
  const figs = new Figures('idle-workers', system);
  const res = await rounds(CONFIGS, ROUNDS, (c) => runNode<{ cpuMs: number }>(self, ['child', c]), 'idle-workers');
  const rows: string[] = [];
  for (const c of CONFIGS) {
    // Extra CPU against none in the same round, as a share of one core.
    const extra = res[c].map((r, i) => (100 * (r.cpuMs - res.none[i].cpuMs)) / WINDOW_MS);
    const s = c === 'none' ? spread(extra) : figs.add(`${c} - none, share of a core with ${WORKERS} idle workers`, extra);
    rows.push(`| ${c} | ${median(res[c].map((r) => r.cpuMs)).toFixed(1)} | ${c === 'none' ? '-' : `${s.median.toFixed(3)}% (${s.q1.toFixed(3)} to ${s.q3.toFixed(3)})`} |`);
  }
  writeSection('idle-workers', [
    `## Idle workers: ${WORKERS} worker threads waiting in their event loops`,
    '',
    system,
    '',
    `Method: a process with ${WORKERS} idle workers, every thread profiled at 100 Hz; the process's CPU (all threads, /proc/self/task/*/schedstat) over ${WINDOW_MS / 1000} s after start-up; ` +
      `${ROUNDS} rounds of fresh processes in alternating order; the extra CPU is against none in the same round, as a share of one core.`,
    '',
    '| profiler | process CPU in the window, ms (median) | extra, share of a core (median, IQR) |',
    '|---|---|---|',
    ...rows,
  ]);
  figs.save();
}

if (!isMainThread) await worker((workerData as { name: ProfilerName }).name);
else if (process.argv[2] === 'child') await child(process.argv[3] as ProfilerName);
else await main();
