// A worker for the lifetime tests: profiles itself, then per workerData.mode
//   busy: burns CPU for workerData.ms in a function named workerData.fn (made with new Function,
//         so each worker's is its own), reports its CPU clock and wall time since the
//         collector started (this module's frame is on every JS stack till then), then waits
//         to be terminated;
//   idle: reports at once and waits in its event loop until told to stop.
import { parentPort, workerData } from 'node:worker_threads';
import { startThreadCollector } from '../../dist/src/collect/time-profiler.js';
import { addon } from './summarize.mjs';

const tp = startThreadCollector({ intervalMicros: workerData.intervalMicros, threadName: workerData.name });
if (workerData.mode === 'busy') {
  const cpu0 = addon.threadCpuNs();
  const wall0 = performance.now();
  const burn = new Function(`return function ${workerData.fn}() { let x = 0; for (let i = 0; i < 1e5; i++) x += Math.sqrt(i); return x; }`)();
  const end = Date.now() + workerData.ms;
  let sink = 0;
  while (Date.now() < end) sink += burn();
  parentPort.postMessage({ cpuNs: addon.threadCpuNs() - cpu0, wallMs: performance.now() - wall0, sink: Number.isFinite(sink) });
} else {
  parentPort.postMessage({ ready: true });
}
parentPort.on('message', (m) => {
  if (m === 'stop') {
    tp?.stop();
    parentPort.close();
  }
});
