// A short-lived worker for workers-churn.mjs: throws and catches once, says it is up, then
// spins (until terminated mid-loop) or works in small slices.
const { parentPort, workerData } = require('node:worker_threads');

function workerSpin(ms) {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x += Math.sqrt(x + 1);
  return x;
}
try {
  throw new RangeError('worker exception');
} catch {}
workerSpin(5);
parentPort.postMessage('up');
if (workerData.spin) workerSpin(60_000);
else setInterval(() => workerSpin(2), 5);
