// N worker threads started and terminated while the whole profiler runs (preloaded with
// --import hotpath/register, every kind that runs on workers, 500 ms periods). Half of the
// workers are terminated in the middle of a synchronous busy loop, half while idle. Prints
// memory, threads and open files after warm-up, half-way and at the end. Run with --expose-gc.
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { procStats } from './proc-stats.mjs';

const total = Number(process.argv[2] ?? 100);
const concurrent = 8;
const stats = [];
let made = 0;
let started = 0;
let livedPast = 0;

const WORKER = new URL('./churn-worker.cjs', import.meta.url);

async function one() {
  const i = started++;
  const w = new Worker(WORKER, { workerData: { spin: i % 2 === 0 }, name: `churn-${i}` });
  await once(w, 'message');
  // One in ten (an idle one: a spinning worker cannot answer a period end) lives past a period
  // end (500 ms), so its samples reach a profile; the others are terminated before (their
  // unfinished period is lost, by design).
  const long = i % 10 === 5;
  if (long) livedPast++;
  await sleep(long ? 700 : 10 + (i % 5) * 10);
  await w.terminate();
  made++;
}

async function wave(n) {
  let next = 0;
  await Promise.all(Array.from({ length: concurrent }, async () => {
    while (next < n) {
      next++;
      await one();
    }
  }));
}

const warm = Math.min(50, total / 4);
await wave(warm);
stats.push(await procStats(`after ${warm}`));
await wave(total / 2 - warm);
stats.push(await procStats(`after ${total / 2}`));
await wave(total / 2);
stats.push(await procStats(`after ${total}`));
console.log('RESULT ' + JSON.stringify({ made, livedPast, stats }));
