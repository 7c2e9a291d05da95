// Event-loop blocks against a known truth.
//   node blocks.mjs block   many short callbacks (~1 ms every 5 ms) and one 200 ms synchronous
//                           block in holdTheLoop()
//   node blocks.mjs io      only waits on I/O: slow HTTP responses (300 ms) and file reads
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { createEventLoopCollector } from '../../dist/src/eventloop/collector.js';
import { resolveSettings } from '../../dist/src/settings.js';
import { samplesOf, periodNow } from '../contention-fixtures/events-summary.mjs';

const mode = process.argv[2] ?? 'block';
const collector = createEventLoopCollector(resolveSettings({ profiles: 'eventloop' }, {}, {}));
const start = Date.now();

function spin(ms) {
  const end = performance.now() + ms;
  while (performance.now() < end);
}
function shortCallback() {
  spin(1);
}
function holdTheLoop() {
  spin(200);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let blockMs = 0;

if (mode === 'block') {
  const iv = setInterval(shortCallback, 5);
  await sleep(1000); // the watchdog thread has started
  const t = performance.now();
  holdTheLoop();
  blockMs = performance.now() - t;
  await sleep(500);
  clearInterval(iv);
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
const bytes = await collector.stop(periodNow(start), []);
console.log('RESULT ' + JSON.stringify({ blockMs, profile: bytes ? samplesOf(bytes) : null }));
