// A short-lived profiled worker for the churn test: it profiles itself and stays busy until it
// is terminated mid-profile.
import { parentPort, workerData } from 'node:worker_threads';
import { startThreadCollector } from '../../dist/src/collect/time-profiler.js';

startThreadCollector({ intervalMicros: 1000, periodMs: 500 });
parentPort.postMessage('ready');
function busy() { let x = 0; for (let i = 0; i < 1e5; i++) x += Math.sqrt(i); return x; }
if (workerData.spin) {
  for (;;) busy();
} else {
  setInterval(busy, 5);
}
