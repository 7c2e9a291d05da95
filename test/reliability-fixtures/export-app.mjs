// A profiled application for the exporter-fault tests: hotpath started from HOTPATH_* settings
// (given by the test), then RUN_MS of real work (build records, JSON round trip, hash them) in
// slices of about 2 ms between which the event loop runs. Prints one RESULT line: operations per
// second, event-loop delay, heap after GC, and every profile's self-report comments.
// Run with --expose-gc.
import { createHash } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { ungzip } from 'pako';
import { start, decodeProfile } from '../../dist/src/index.js';

const RUN_MS = Number(process.env.RUN_MS ?? 4000);
// After the work: how long to let the exporters retry before the closing flush.
const SETTLE_MS = Number(process.env.SETTLE_MS ?? 0);

const made = [];
const profiler = start({ onProfile: (p) => made.push({ kind: p.kind, bytes: p.bytes, at: performance.now() }) });

function operation(i) {
  const rows = [];
  for (let j = 0; j < 40; j++) rows.push({ id: i * 40 + j, name: `item-${j}`, price: (j * 7.3) % 100, tags: ['a', 'b', String(j)] });
  const text = JSON.stringify(rows);
  const back = JSON.parse(text);
  return createHash('sha1').update(text).digest('hex').length + back.length;
}

const delay = monitorEventLoopDelay({ resolution: 10 });
const heapAt = [];
let ops = 0;
let sink = 0;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
delay.enable();
let lastMem = t0;
while (performance.now() - t0 < RUN_MS) {
  const sliceEnd = performance.now() + 2;
  while (performance.now() < sliceEnd) sink += operation(ops++);
  await new Promise((r) => setImmediate(r));
  if (performance.now() - lastMem > 1000) {
    lastMem = performance.now();
    heapAt.push(process.memoryUsage().heapUsed);
  }
}
const elapsed = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
delay.disable();
const madeDuringRun = made.length;

if (SETTLE_MS > 0) await sleep(SETTLE_MS);
// The flush ends a period whose self-report covers every export finished so far.
const beforeFlush = made.length;
await profiler.flush();
for (let i = 0; i < 3; i++) {
  globalThis.gc();
  await sleep(20);
}
const heapUsed = process.memoryUsage().heapUsed;
await profiler.stop();

const comments = made.map((m) => {
  try {
    return decodeProfile(m.bytes).comment;
  } catch (e) {
    return [`undecodable: ${e.message}`];
  }
});
// The credentials given in the environment must not be in any profile's bytes.
const secrets = [process.env.HOTPATH_AUTH_TOKEN, process.env.HOTPATH_DATADOG_API_KEY].filter((s) => s && s.length > 3);
let secretInProfile = false;
let readableProfiles = 0;
for (const m of made) {
  const raw = Buffer.from(ungzip(m.bytes)).toString('latin1');
  if (raw.includes('hotpath: export since last profile')) readableProfiles++;
  if (secrets.some((s) => raw.includes(s))) secretInProfile = true;
}

console.log('RESULT ' + JSON.stringify({
  opsPerSec: (ops / elapsed) * 1000,
  // The whole process's CPU (application, profiler threads, exporters) per operation: less
  // sensitive than ops/s to other processes competing for the cores.
  cpuUsPerOp: (cpu.user + cpu.system) / ops,
  p99Ms: delay.percentile(99) / 1e6,
  maxMs: delay.max / 1e6,
  heapUsed,
  heapAt,
  madeDuringRun,
  beforeFlush,
  made: made.length,
  kinds: made.map((m) => m.kind),
  comments,
  sink: sink > 0,
  secretInProfile,
  readableProfiles,
}));
