// Thread lifetimes under the time profiler (1 s periods), by argv[2]:
//   terminate N: N workers, 4 at a time, each busy 300 ms in its own function and then ended
//     by worker.terminate() as soon as it reports its CPU clock;
//   busy: three workers busy 3 s at once (more busy threads than the 2 cores);
//   idle N: N workers idle in their event loops for 3 s.
// Prints RESULT {profiles: [summaries], workers: [{threadId, fn, cpuNs, wallMs}], metas}; in
// busy mode also perThread: {threadId: [the summaries of that thread's samples]}.
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { startTimeProfiler } from '../../dist/src/collect/time-profiler.js';
import { summarize, report } from './summarize.mjs';

const mode = process.argv[2];
const n = Number(process.argv[3] ?? 3);
// 2 ms in terminate mode: a worker busy 300 ms on a shared core burns 70-150 ms of CPU, which
// at 10 ms is 7-15 samples, each ±1 of them 7-14% of it: the test is about the hand-off.
const intervalMicros = mode === 'terminate' ? 2000 : 10000;
const profiles = [];
const metas = [];
const profiler = startTimeProfiler({ intervalMicros, periodMs: 1000, flushTimeoutMs: 500, onProfile: (bytes, meta) => { profiles.push(bytes); metas.push(meta); } });
const workers = [];

function start(i, m, ms) {
  const fn = `burn_${mode}_${i}`;
  const w = new Worker(new URL('./lifetime-worker.mjs', import.meta.url), { workerData: { mode: m, fn, ms, intervalMicros, name: `w${i}` } });
  return { w, fn, threadId: w.threadId };
}

if (mode === 'terminate') {
  let next = 0;
  const lane = async () => {
    while (next < n) {
      const x = start(next++, 'busy', 300);
      const [m] = await once(x.w, 'message');
      workers.push({ threadId: x.threadId, fn: x.fn, cpuNs: m.cpuNs, wallMs: m.wallMs });
      await x.w.terminate();
    }
  };
  await Promise.all([lane(), lane(), lane(), lane()]);
} else if (mode === 'busy') {
  const xs = [0, 1, 2].map((i) => start(i, 'busy', 3000));
  const ms = await Promise.all(xs.map((x) => once(x.w, 'message').then(([m]) => m)));
  xs.forEach((x, i) => workers.push({ threadId: x.threadId, fn: x.fn, cpuNs: ms[i].cpuNs, wallMs: ms[i].wallMs }));
  await Promise.all(xs.map((x) => x.w.terminate()));
} else {
  const xs = Array.from({ length: n }, (_, i) => start(i, 'idle', 0));
  await Promise.all(xs.map((x) => once(x.w, 'message')));
  const t0 = performance.now();
  const unixNs = () => Math.round((performance.timeOrigin + performance.now()) * 1e6);
  const idleFrom = unixNs();
  await new Promise((r) => setTimeout(r, 3000));
  const idleTo = unixNs();
  xs.forEach((x) => workers.push({ threadId: x.threadId, fn: x.fn, wallMs: performance.now() - t0, idleFrom, idleTo }));
  for (const x of xs) x.w.postMessage('stop');
  await Promise.all(xs.map((x) => once(x.w, 'exit')));
}
await profiler.stop();  // its profile, the last, goes to onProfile too
const kept = profiles.filter((b) => b.length > 0);
const perThread = mode === 'busy' ? Object.fromEntries(workers.map((w) => [w.threadId, kept.map((b) => summarize(b, { threadId: w.threadId }))])) : undefined;
report({ profiles: kept.map((b) => summarize(b)), workers, metas, perThread });
