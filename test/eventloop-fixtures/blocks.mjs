// Event-loop blocks against a known truth.
//   node blocks.mjs block   many short callbacks (~1 ms every 5 ms) and one synchronous block
//                           of ~200 ms of CPU work in holdTheLoop() (fixed work, not a wall-
//                           clock spin: on a busy host it takes longer but stays a block)
//   node blocks.mjs io      only waits on I/O: slow HTTP responses (300 ms) and file reads
//   node blocks.mjs busy    never idle, but every turn is short: 1 ms callbacks back to back
//                           (setImmediate) for 1.5 s
//   node blocks.mjs sync    one 300 ms execSync('sleep') in waitInChild(): a block with no CPU
//   node blocks.mjs worker  a worker thread holds its own loop with ~200 ms of CPU work in
//                           workerHold() (fixed work, as holdTheLoop)
//   node blocks.mjs both    as `block`, with the time kind on too (one time profiler shared by
//                           both kinds); prints the time profile as well
import http from 'node:http';
import { execSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { createEventLoopCollector } from '../../dist/src/collect/eventloop-collector.js';
import { createTimeCollector } from '../../dist/src/collect/time-collector.js';
import { resolveSettings } from '../../dist/src/common/settings.js';
import { samplesOf, periodNow } from '../contention-fixtures/events-summary.mjs';

const mode = process.argv[2] ?? 'block';
// The io program's first request and file read compile Node's HTTP client and fs code: CPU
// work, which on a busy host can hold one turn for 50 ms. Done once before profiling starts.
if (mode === 'io') await warmUp();
const settings = resolveSettings({ profiles: mode === 'both' ? 'time,eventloop' : 'eventloop' }, {}, {});
const timeCollector = mode === 'both' ? createTimeCollector(settings) : null;
const collector = createEventLoopCollector(settings);
const start = Date.now();

function spin(ms) {
  const end = performance.now() + ms;
  while (performance.now() < end);
}
function shortCallback() {
  spin(1);
}
function crunch(n) {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.sqrt(i) * (i & 7);
  return s;
}
/**
 * Iterations of crunch() per ms at this thread's full speed: the fastest of ten 20 ms runs.
 * Not process CPU over one run: that counts V8's compiler and the collectors' threads too, and a
 * clean CI run calibrated so low that holdTheLoop held the loop ~95 ms instead of 200 (the
 * pause that lands after the block then weighs twice as much). The fastest run is the one least
 * disturbed, so a busy host only makes the block longer, never shorter.
 */
function calibrate() {
  crunch(2e6);
  const n = 2e6;
  let best = Infinity;
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    crunch(n);
    best = Math.min(best, performance.now() - t);
  }
  return n / best;
}
const perMs = mode === 'block' || mode === 'both' || mode === 'worker' ? calibrate() : 0;
function holdTheLoop() {
  crunch(200 * perMs);
}
function waitInChild() {
  execSync('sleep 0.3');
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let blockMs = 0;

async function warmUp() {
  const server = http.createServer((req, res) => res.end('warm'));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/' }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject);
  });
  await readFile(new URL(import.meta.url));
  await new Promise((r) => server.close(r));
}

/** Runs `fn` once and returns how long it took (ms). */
function timed(fn) {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

if (mode === 'block' || mode === 'both') {
  const iv = setInterval(shortCallback, 5);
  await sleep(1000);
  blockMs = timed(holdTheLoop);
  await sleep(500);
  clearInterval(iv);
} else if (mode === 'sync') {
  await sleep(300);
  blockMs = timed(waitInChild);
  await sleep(300);
} else if (mode === 'busy') {
  const end = performance.now() + 1500;
  await new Promise((resolve) => {
    const step = () => {
      shortCallback();
      if (performance.now() < end) setImmediate(step);
      else resolve();
    };
    setImmediate(step);
  });
} else if (mode === 'worker') {
  const src = `
    import { parentPort } from 'node:worker_threads';
    import { startThreadCollector } from ${JSON.stringify(new URL('../../dist/src/collect/time-profiler.js', import.meta.url).href)};
    const c = startThreadCollector({ blockThresholdMs: 50 });
    function crunch(n) { let s = 0; for (let i = 0; i < n; i++) s += Math.sqrt(i) * (i & 7); return s; }
    function workerHold() { crunch(${Math.round(200 * perMs)}); }
    await new Promise((r) => setTimeout(r, 300));
    const t = performance.now();
    workerHold();
    const ms = performance.now() - t;
    await new Promise((r) => setTimeout(r, 200));
    c.stop();
    parentPort.postMessage(ms);
  `;
  const w = new Worker(new URL(`data:text/javascript,${encodeURIComponent(src)}`), { name: 'holder' });
  blockMs = await new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
  await w.terminate();
} else {
  const server = http.createServer((req, res) => setTimeout(() => res.end('late'), 300));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  const get = () => new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/' }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject);
  });
  const end = Date.now() + 1500;
  while (Date.now() < end) {
    await Promise.all([get(), get(), readFile(new URL(import.meta.url))]);
  }
  server.close();
}
const period = periodNow(start);
const [bytes, timeBytes] = await Promise.all([collector.stop(period, []), timeCollector?.stop(period, [])]);
console.log('RESULT ' + JSON.stringify({ blockMs, profile: bytes ? samplesOf(bytes) : null, time: timeBytes ? samplesOf(timeBytes) : null }));
