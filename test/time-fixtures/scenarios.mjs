// Workloads for the time-profiler accuracy tests. Each measures its own truth (thread CPU
// clock and wall clock around each function) and prints a RESULT line with the truth and the
// profile's totals. Run: node scenarios.mjs <scenario> [intervalMicros]
import { execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, rmSync, readFileSync as readSelf } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTimeProfiler } from '../../dist/src/collect/time-profiler.js';
import { addon, clocks, summarize, report } from './summarize.mjs';

const scenario = process.argv[2];
const intervalMicros = Number(process.argv[3] ?? 1000);
const truth = {};
function timed(name, fn) {
  const c0 = clocks();
  const r = fn();
  const c1 = clocks();
  truth[name] ??= [0, 0];
  truth[name][0] += (c1.wall - c0.wall) * 1e6;
  truth[name][1] += c1.cpu - c0.cpu;
  return r;
}

const profiler = startTimeProfiler({ intervalMicros, periodMs: 600000 });
const t0 = addon.monotonicNs();

async function run() {
  let sink = 0;
  if (scenario === 'pure') {
    const a = () => timed('a', () => { let x = 0; for (let i = 0; i < 70000; i++) x += Math.sqrt(i); return x; });
    const b = () => timed('b', () => { let x = 0; for (let i = 0; i < 30000; i++) x += Math.sqrt(i); return x; });
    const end = Date.now() + 3000;
    while (Date.now() < end) sink += a() + b();
  } else if (scenario === 'builtin') {
    const arr = new Float64Array(400000);
    for (let i = 0; i < arr.length; i++) arr[i] = Math.random();
    const json = JSON.stringify(Array.from({ length: 20000 }, (_, i) => ({ id: i, name: `n${i}`, v: [i, i * 2] })));
    const sortA = () => timed('sortA', () => arr.slice().sort()[0]);
    const parseB = () => timed('parseB', () => JSON.parse(json).length);
    const loopC = () => timed('loopC', () => { let x = 0; for (let i = 0; i < 300000; i++) x += Math.sqrt(i); return x; });
    const end = Date.now() + 3000;
    while (Date.now() < end) sink += sortA() + parseB() + loopC();
  } else if (scenario === 'blocking') {
    const file = path.join(tmpdir(), `hotpath-read-${process.pid}.bin`);
    writeFileSync(file, Buffer.alloc(64 << 20, 1));
    readFileSync(file);
    const sab = new Int32Array(new SharedArrayBuffer(4));
    const waiter = () => timed('waiter', () => Atomics.wait(sab, 0, 0, 100));
    const sleeper = () => timed('sleeper', () => execSync('sleep 0.1'));
    const reader = () => timed('reader', () => { let n = 0; for (let i = 0; i < 4; i++) n += readFileSync(file).length; return n; });
    const spin = () => timed('spin', () => { const e = performance.now() + 50; let x = 0; while (performance.now() < e) x++; return x; });
    const end = Date.now() + 4000;
    try {
      while (Date.now() < end) { waiter(); sleeper(); reader(); spin(); }
    } finally {
      rmSync(file, { force: true });
    }
  } else if (scenario === 'callback') {
    // Hashing: nearly all of hashC's time is inside one C++ callback (Hash's update).
    const data = Buffer.alloc(4 << 20, 7);
    const hashC = () => timed('hashC', () => createHash('sha256').update(data).digest()[0]);
    const loopD = () => timed('loopD', () => { let x = 0; for (let i = 0; i < 2000000; i++) x += Math.sqrt(i); return x; });
    const end = Date.now() + 3000;
    while (Date.now() < end) sink += hashC() + loopD();
  } else if (scenario === 'idle') {
    await new Promise((resolve) => {
      let n = 0;
      const timer = setInterval(() => {
        timed('tick', () => { const e = performance.now() + 1; let x = 0; while (performance.now() < e) x++; return x; });
        if (++n === 30) { clearInterval(timer); resolve(); }
      }, 100);
    });
  } else if (scenario === 'lines') {
    const src = readSelf(fileURLToPath(import.meta.url), 'utf8').split('\n');
    truth.lines = [src.findIndex((l) => l.endsWith('LOOP-ONE')) + 1, src.findIndex((l) => l.endsWith('LOOP-TWO')) + 1];
    function twoLoops() {
      let x = 0;
      for (let i = 0; i < 200000; i++) x += Math.sqrt(i) * 1.0001; // LOOP-ONE
      for (let i = 0; i < 200000; i++) x -= Math.cbrt(i) * 0.9999; // LOOP-TWO
      return x;
    }
    const end = Date.now() + 2500;
    while (Date.now() < end) sink += twoLoops();
  } else {
    throw new Error(`unknown scenario ${scenario}`);
  }
  const elapsedNs = addon.monotonicNs() - t0;
  const bytes = await profiler.flush();
  await profiler.stop();
  report({ scenario, truth, elapsedNs, sink: Number.isFinite(sink), ...summarize(bytes, { threadId: 0 }) });
}
await run();
