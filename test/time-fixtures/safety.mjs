// Workloads for the sampler's safety tests, by argv[2]:
//   hot: a hot function under whatever flags the test gave node (--stress-compaction,
//        --cpu-prof); prints the profile summary and the code map's counters.
//   datadog: the same with @datadog/pprof's time profiler running beside hotpath.
//   exercise <intervalMicros|off>: fs, net, child_process, timers, Atomics.wait, worker
//        messaging, GC, C++ callbacks (crypto), deoptimization and a worker terminated while
//        busy; prints a digest of every result, which must not depend on the profiler.
//   churn <seconds>: a new Function every millisecond; prints the code map's live ranges and
//        RSS once a second.
//   usurp: 4 s of a hot function in 500 ms periods, while usurp-signal.c (preloaded) installs
//        its handler over hotpath's signal at 1 s; prints RECLAIMED on the first period whose
//        profile says hotpath took the signal back, and every period's hot samples.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { startTimeProfiler } from '../../dist/src/collect/time-profiler.js';
import { addon, summarize, report } from './summarize.mjs';

const mode = process.argv[2];
const arg = process.argv[3];
const intervalMicros = mode === 'exercise' ? Number(arg === 'off' ? 0 : arg) : 1000;
const periods = [];
const onProfile = (bytes) => {
  const p = summarize(bytes);
  const reclaimed = p.comments.some((c) => c.includes('another handler was installed'));
  if (reclaimed && !periods.some((x) => x.reclaimed)) process.stdout.write('RECLAIMED\n');
  periods.push({ hot: p.total.hot ?? [0, 0, 0], reclaimed, sampleTypes: p.sampleTypes });
};
const profiler = intervalMicros > 0
  ? startTimeProfiler(mode === 'usurp' ? { intervalMicros, periodMs: 500, onProfile } : { intervalMicros, periodMs: 600000 })
  : null;

function hot(ms) {
  const end = Date.now() + ms;
  let x = 0;
  while (Date.now() < end) for (let i = 0; i < 1e4; i++) x += Math.sqrt(i) * Math.sin(i);
  return x;
}

if (mode === 'hot' || mode === 'datadog') {
  let dd = null;
  if (mode === 'datadog') {
    dd = createRequire(import.meta.url)('@datadog/pprof');
    dd.time.start({ intervalMicros: 1000, durationMillis: 60000 });
  }
  // Allocation keeps the GC (and, under --stress-compaction, code moves) busy meanwhile.
  let keep = [];
  const end = Date.now() + 2000;
  while (Date.now() < end) {
    hot(20);
    keep.push(new Array(1000).fill(0).map((_, i) => ({ i })));
    if (keep.length > 50) keep = [];
  }
  let ddSamples = -1;
  let ddHot = -1;
  if (dd) {
    // Its samples by their count (the first value), and those whose leaf is hot.
    const p = dd.time.stop();
    const name = (s) => p.stringTable.strings[Number(p.function.find((f) => f.id === p.location.find((l) => l.id === s.locationId[0]).line[0].functionId).name)];
    ddSamples = p.sample.reduce((a, s) => a + Number(s.value[0]), 0);
    ddHot = p.sample.filter((s) => name(s) === 'hot').reduce((a, s) => a + Number(s.value[0]), 0);
  }
  const bytes = await profiler.stop();
  report({ summary: summarize(bytes), codeMap: addon.codeMapStats(), ddSamples, ddHot });
} else if (mode === 'exercise') {
  const digest = createHash('sha256');
  const dir = mkdtempSync(path.join(tmpdir(), 'hotpath-safety-'));
  for (let round = 0; round < 3; round++) {
    // fs, sync and async
    const file = path.join(dir, `f${round}`);
    const data = Buffer.alloc(4 << 20, round + 1);
    writeFileSync(file, data);
    digest.update(readFileSync(file));
    digest.update(await (await import('node:fs/promises')).readFile(file));
    // net: an echo server on loopback
    const server = createServer((s) => s.pipe(s));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const c = connect(server.address().port, '127.0.0.1');
    const chunks = [];
    c.on('data', (d) => chunks.push(d));
    c.end(Buffer.alloc(1 << 20, 7 + round));
    await once(c, 'end');
    digest.update(Buffer.concat(chunks));
    server.close();
    // child processes
    digest.update(execFileSync(process.execPath, ['-e', `process.stdout.write('x'.repeat(100000 + ${round}))`]));
    // timers
    const t = await new Promise((r) => setTimeout(() => r('timer'), 20));
    digest.update(t);
    // Atomics.wait, timing out
    const sab = new Int32Array(new SharedArrayBuffer(4));
    digest.update(String(Atomics.wait(sab, 0, 0, 50)));
    // a worker: messages both ways, then a busy worker terminated mid-loop
    const w = new Worker('const { parentPort } = require("node:worker_threads"); parentPort.on("message", (m) => parentPort.postMessage(m * 2));', { eval: true });
    let sum = 0;
    for (let i = 0; i < 200; i++) {
      w.postMessage(i);
      sum += (await once(w, 'message'))[0];
    }
    digest.update(String(sum));
    await w.terminate();
    const busy = new Worker('let x = 0; for (;;) x += Math.sqrt(x);', { eval: true });
    await new Promise((r) => setTimeout(r, 50));
    await busy.terminate();
    // GC and C++ callbacks
    let h = createHash('sha1');
    for (let i = 0; i < 20000; i++) h.update(`${i}`.repeat(20));
    digest.update(h.digest());
    const garbage = [];
    for (let i = 0; i < 2e5; i++) garbage.push({ i, s: `s${i}` });
    digest.update(String(garbage.length));
    // deoptimization: a function optimized for numbers, then given strings
    const add = (a, b) => a + b;
    let n = 0;
    for (let i = 0; i < 1e6; i++) n = add(n, 1);
    digest.update(String(add('a', n)));
  }
  rmSync(dir, { recursive: true, force: true });
  if (profiler) await profiler.stop();
  report({ digest: digest.digest('hex') });
} else if (mode === 'churn') {
  const seconds = Number(arg);
  const readings = [];
  const fns = [];
  const started = Date.now();
  let made = 0;
  await new Promise((resolve) => {
    const tick = setInterval(() => {
      // Run each new function enough for V8 to compile (and sometimes optimize) it.
      const f = new Function('x', `let s = ${made}; for (let i = 0; i < 200; i++) s += x * i; return s;`);
      for (let i = 0; i < 50; i++) f(i);
      fns.push(f);
      if (fns.length > 100) fns.shift();
      made++;
      const elapsed = Date.now() - started;
      if (elapsed >= (readings.length + 1) * 1000) {
        globalThis.gc?.();
        readings.push({ s: readings.length + 1, live: addon.codeMapStats().live, retired: addon.codeMapStats().retired, rssMb: process.memoryUsage().rss / 1e6 });
      }
      if (elapsed >= seconds * 1000) {
        clearInterval(tick);
        resolve();
      }
    }, 1);
  });
  await profiler.stop();
  report({ readings, made });
} else if (mode === 'usurp') {
  const end = Date.now() + 4000;
  while (Date.now() < end) {
    hot(20);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await profiler.stop();
  report({ periods });
}
