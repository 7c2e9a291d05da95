// N (argv[2], 300 by default) workers created and terminated while profiling at 1 kHz (periods of 500 ms rotating
// meanwhile): no crash, and memory flat after GC. Run with --expose-gc.
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTimeProfiler } from '../../dist/src/collect/time-profiler.js';
import { report } from './summarize.mjs';

const profiles = [];
const profiler = startTimeProfiler({ intervalMicros: 1000, periodMs: 500, flushTimeoutMs: 200, onProfile: (b, m) => profiles.push(m.samples) });
const total = Number(process.argv[2] ?? 300);
const concurrent = 8;
const mem = [];
// The lowest RSS of a few readings after GC: terminated workers' memory goes back to the
// system over the next few hundred ms, and a reading taken before it does is not a leak.
async function measure(label) {
  let rss = Infinity;
  for (let i = 0; i < 5; i++) {
    globalThis.gc();
    await sleep(100);
    rss = Math.min(rss, process.memoryUsage().rss);
  }
  const m = process.memoryUsage();
  mem.push({ label, rss, heapUsed: m.heapUsed, external: m.external });
}
let made = 0;
async function one(i) {
  const w = new Worker(new URL('./churn-worker.mjs', import.meta.url), { workerData: { spin: i % 2 === 0 } });
  await once(w, 'message');
  await sleep(10 + (i % 5) * 10);
  await w.terminate();
  made++;
}
async function wave(n) {
  let next = 0;
  await Promise.all(Array.from({ length: concurrent }, async () => {
    while (next < n) await one(next++);
  }));
}
await wave(20);           // warm-up: code compiled, pools allocated
await measure('after 20');
// Then a reading after every `step` workers from total/3 on, for a slope over many workers.
const step = total / 6;
await wave(total / 3 - 20);
await measure(`after ${total / 3}`);
for (let done = total / 3; done < total; done += step) {
  await wave(step);
  await measure(`after ${done + step}`);
}
const last = await profiler.flush();
await profiler.stop();
report({ made, mem, periods: profiles.length, lastBytes: last.length });
