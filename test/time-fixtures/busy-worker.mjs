// A worker for the thread tests: profiles itself, burns CPU in its own function, reports its
// own CPU clock, then idles until told to stop.
import { parentPort, workerData, threadId } from 'node:worker_threads';
import { startThreadCollector } from '../../dist/src/collect/time-profiler.js';
import { addon } from './summarize.mjs';

const tp = startThreadCollector({ intervalMicros: workerData.intervalMicros, threadName: workerData.name });
const cpu0 = addon.threadCpuNs();
function burnA() { let x = 0; for (let i = 0; i < 1e5; i++) x += Math.sqrt(i); return x; }
function burnB() { let x = 0; for (let i = 0; i < 1e5; i++) x += Math.cbrt(i); return x; }
const burn = workerData.fn === 'burnA' ? burnA : burnB;
const end = Date.now() + workerData.ms;
let sink = 0;
while (Date.now() < end) sink += burn();
parentPort.postMessage({ threadId, cpuNs: addon.threadCpuNs() - cpu0, sink: Number.isFinite(sink) });
parentPort.on('message', (m) => {
  if (m === 'stop') {
    tp?.stop();
    parentPort.close();
  }
});
