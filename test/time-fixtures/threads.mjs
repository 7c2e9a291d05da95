// Two busy workers and an idle main thread, all profiled into one profile.
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { startTimeProfiler } from '../../dist/src/collect/time-profiler.js';
import { addon, summarize, report } from './summarize.mjs';

const intervalMicros = Number(process.argv[2] ?? 1000);
const profiler = startTimeProfiler({ intervalMicros, periodMs: 600000, flushTimeoutMs: 5000 });
const mainCpu0 = addon.threadCpuNs();
const spec = [{ name: 'busy-a', fn: 'burnA' }, { name: 'busy-b', fn: 'burnB' }];
const workers = spec.map((s) => new Worker(new URL('./busy-worker.mjs', import.meta.url), { workerData: { ...s, ms: 2500, intervalMicros } }));
const done = await Promise.all(workers.map((w) => once(w, 'message').then(([m]) => m)));
const bytes = await profiler.flush();
const mainCpu = addon.threadCpuNs() - mainCpu0;
for (const w of workers) w.postMessage('stop');
await Promise.all(workers.map((w) => once(w, 'exit')));
await profiler.stop();
const perThread = {};
for (const d of done) perThread[d.threadId] = summarize(bytes, { threadId: d.threadId });
const all = summarize(bytes);
report({ done, mainCpu, threads: all.threads, threadNames: all.threadNames, perThread: Object.fromEntries(Object.entries(perThread).map(([k, v]) => [k, { total: v.total, sites: v.sites, files: v.files }])), names: spec.map((s, i) => ({ ...s, threadId: done[i].threadId })), comments: all.comments });
