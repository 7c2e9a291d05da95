// Cost of the exceptions profile, and the figures behind its mechanism.
//   1. 1,000 throws a second (each `throw new TypeError()` caught after ~1 ms of work, depth
//      ~12), alternating pairs of fresh processes (none, hotpath at mean 1 in 100): medians of
//      the paired ratios of process CPU, of the whole loop and of its second half (the steady
//      state), and the start's cost apart (bench/contention.ts, pairRuns).
//   2. One `throw new TypeError()` + catch at depth ~12, in one process: none, the collector
//      (mean 100), every error sampled (mean 1).
//   3. The candidates measured against it, each in a fresh process: node:inspector with the
//      Debugger domain enabled (what pause-on-exceptions needs), pausing on every throw
//      (resumed at once from the in-thread session), the cost of one enable/disable window with
//      N scripts loaded, and what an enabled Debugger does to `await`.
// Writes the "Exceptions" section of bench/RESULTS.md.
//   npm run build:ts && node dist/bench/exceptions.js        (COLLECTOR_PAIRS=10 by default)
import { fileURLToPath } from 'node:url';
import { Session } from 'node:inspector';
import vm from 'node:vm';
import os from 'node:os';
import { COLLECTOR_PAIRS, cpuSince, median, pairRuns, runChild, settingsFor, settle, summaryRow, systemLine, timedLoopSync, work, writeSection } from './contention.js';
import type { RunResult } from './contention.js';

const THROWS = Number(process.env.THROWS ?? 4000);
/** Steps of work() between two throws: ~1 ms of CPU on the bench machine. */
const WORK_STEPS = 700_000;

function deep(n: number, f: () => void): void {
  if (n === 0) f();
  else deep(n - 1, f);
}

function thrower(): void {
  throw new TypeError('not found');
}

async function collectorFor(variant: string): Promise<{ stop(p: unknown, c: string[]): Promise<unknown> } | null> {
  if (variant === 'none') return null;
  const { createExceptionCollector } = await import('../src/collect/exceptions-collector.js');
  const settings = (await settingsFor('exceptions', variant === 'all' ? { exceptionSampling: 1 } : {})) as Parameters<typeof createExceptionCollector>[0];
  return createExceptionCollector(settings, variant === 'all' ? { limits: { maxEvents: 1e7 } } : {}) as never;
}

async function childRate(variant: string): Promise<RunResult> {
  const { sampledExceptions } = await import('../src/collect/exceptions-collector.js');
  const c0 = process.cpuUsage();
  const c = await collectorFor(variant);
  await settle();
  const startCpuMs = cpuSince(c0);
  for (let i = 0; i < 20; i++) work(WORK_STEPS); // optimized before the loop, in every run alike
  let caught = 0;
  const catcher = (): void => {
    try {
      thrower();
    } catch {
      caught++;
    }
  };
  const loop = timedLoopSync(() => {
    work(WORK_STEPS);
    deep(10, catcher);
  }, THROWS);
  const sampled = sampledExceptions();
  await c?.stop({ timeNanos: 0n, durationNanos: 0 }, []);
  if (caught !== THROWS) throw new Error(`caught ${caught} of ${THROWS}`);
  return { startCpuMs, ...loop, cpuMs: loop.firstCpuMs + loop.secondCpuMs, sampled };
}

/** CPU ns per throw+catch at depth ~12. */
function perThrow(n: number): number {
  const c0 = process.cpuUsage();
  deep(10, () => {
    for (let i = 0; i < n; i++) {
      try {
        thrower();
      } catch {
        // counted by the loop
      }
    }
  });
  const c = process.cpuUsage(c0);
  return ((c.user + c.system) * 1000) / n;
}

/** CPU ns per throw in a fresh process with one variant: none, hotpath (mean 100), all (mean 1). */
async function childMicro(variant: string): Promise<Record<string, number>> {
  await collectorFor(variant);
  perThrow(20000);
  const r: number[] = [];
  for (let rep = 0; rep < 7; rep++) r.push(perThrow(variant === 'all' ? 5000 : 20000));
  return { ns: median(r) };
}

async function awaitLoop(n: number): Promise<number> {
  const leaf = async (i: number): Promise<number> => i + 1;
  const c0 = process.cpuUsage();
  let s = 0;
  for (let i = 0; i < n; i++) s += await leaf(i);
  const c = process.cpuUsage(c0);
  return ((c.user + c.system) * 1000) / n + (s & 0);
}

/** The inspector candidates, each measured in its own process. */
async function childInspector(what: string): Promise<Record<string, number>> {
  if (what === 'windows') {
    const out: Record<string, number> = {};
    for (const n of [0, 1000]) {
      for (let i = 0; i < n; i++) new vm.Script(`function f${i}(a){ return a + ${i}; } f${i}(1);`, { filename: `/app/m${i}.js` }).runInThisContext();
      const s = new Session();
      s.connect();
      const ts: number[] = [];
      for (let k = 0; k < 9; k++) {
        const t = performance.now();
        s.post('Debugger.enable');
        s.post('Debugger.setPauseOnExceptions', { state: 'all' });
        s.post('Debugger.setPauseOnExceptions', { state: 'none' });
        s.post('Debugger.disable');
        ts.push(performance.now() - t);
      }
      s.disconnect();
      out[`window${n}`] = median(ts);
    }
    return out;
  }
  const noneThrow = perThrow(20000);
  const noneAwait = await awaitLoop(100000);
  const s = new Session();
  s.connect();
  s.post('Debugger.enable');
  const enabledThrow = perThrow(20000);
  const enabledAwait = await awaitLoop(100000);
  s.on('Debugger.paused', () => s.post('Debugger.resume'));
  s.post('Debugger.setPauseOnExceptions', { state: 'all' });
  const pausedThrow = perThrow(300);
  s.post('Debugger.setPauseOnExceptions', { state: 'none' });
  s.disconnect();
  return { noneThrow, noneAwait, enabledThrow, enabledAwait, pausedThrow };
}

async function main(): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const load0 = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  const t0 = Date.now();
  const rate = await pairRuns(self, 'rate');
  // Fresh processes, the variants in rotating order: the trap's cost depends on what V8 has
  // already seen, so variants are not alternated in one process.
  const microRuns: Record<string, number[]> = { none: [], hotpath: [], all: [] };
  const variants = ['none', 'hotpath', 'all'];
  for (let i = 0; i < COLLECTOR_PAIRS; i++) {
    for (let k = 0; k < 3; k++) {
      const v = variants[(i + k) % 3];
      microRuns[v].push((await runChild(self, ['micro', v])).ns);
    }
  }
  const micro = { none: median(microRuns.none), sampled: median(microRuns.hotpath), all: median(microRuns.all) };
  const insp: Record<string, number[]> = {};
  for (let i = 0; i < 3; i++) {
    const r = { ...(await runChild(self, ['inspector', 'x'])), ...(await runChild(self, ['windows', 'x'])) };
    for (const [k, v] of Object.entries(r)) (insp[k] ??= []).push(v);
  }
  const I = Object.fromEntries(Object.entries(insp).map(([k, v]) => [k, median(v)]));
  const load1 = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  const whole = median(rate.whole);
  const steady = median(rate.steady);
  const us = (ns: number): string => (ns / 1000).toFixed(2);
  const fmtR = (r: number): string => `${r.toFixed(4)} (${r >= 1 ? '+' : ''}${((r - 1) * 100).toFixed(2)}%)`;
  writeSection('exceptions', [
    '<!-- exceptions:start (written by bench/exceptions.ts; `npm run bench:collectors`) -->',
    '## Exceptions profile',
    '',
    `${systemLine()}; load average ${load0} at start, ${load1} at end (${((Date.now() - t0) / 60000).toFixed(1)} min).`,
    '',
    `Workload: ${THROWS.toLocaleString('en-US')} x (a fixed piece of work, ${WORK_STEPS.toLocaleString('en-US')} steps of integer arithmetic, then \`throw new TypeError()\` caught at depth ~12): ${Math.round(THROWS / (median(rate.noneCpuMs) / 1000)).toLocaleString('en-US')} throws per second of CPU without the profiler. ` +
    `${COLLECTOR_PAIRS} alternating pairs of fresh processes (none, hotpath = \`createExceptionCollector(settings)\`, 1 in 100 sampled on average; the order flips every pair); each ratio is the median of the paired ratios of process CPU time (all threads) hotpath / none, with its spread (interquartile range; min-max); wall time swings by tens of percent on this shared machine. ` +
    'Each run is read in parts as in the contention section: the start (collector made, the event encoder worker started, 700 ms idle), the first half of the loop and the second half (the steady state); one-time costs in ms of CPU, median of the paired differences (IQR).',
    '',
    '| workload | loop CPU ratio | spread | steady state: second-half CPU ratio | spread | start cost, ms CPU | one-time cost in the loop, ms CPU | sampled errors/s |',
    '|---|---|---|---|---|---|---|---|',
    summaryRow('1,000 throws/s', rate),
    '',
    `Against the 1% target: loop median ${fmtR(whole)}, steady state ${fmtR(steady)}${whole <= 1.01 && steady <= 1.01 ? ' (within it)' : ' (**above it**)'}; read them against the spreads. ` +
    `The per-throw figures below predict the steady state: (${us(micro.sampled)} - ${us(micro.none)}) µs x 1,000 throws a second = ${(((micro.sampled - micro.none) / 1e6) * 100).toFixed(2)}% of a core.`,
    '',
    `CPU time per throw+catch at depth ~12 (hotpath rows: median over ${COLLECTOR_PAIRS} fresh processes per variant, each the median of 7 rounds; inspector rows: median of 3 fresh processes):`,
    '',
    '| mechanism | µs per throw | what it sees |',
    '|---|---|---|',
    `| no profiler | ${us(micro.none)} | |`,
    `| **hotpath: Error constructors proxied, 1 in 100 sampled (default)** | ${us(micro.sampled)} | errors made with the global Error constructors and subclasses defined after start |`,
    `| hotpath, every error sampled (mean 1) | ${us(micro.all)} | (a sampled error: one structured stack capture and an event) |`,
    `| node:inspector, Debugger domain enabled, no pause | ${us(I.enabledThrow)} (no profiler in that process: ${us(I.noneThrow)}) | nothing yet: the price of being able to pause |`,
    `| node:inspector, pause on every exception, resumed at once | ${us(I.pausedThrow)} | every throw, V8's own errors and non-Error values included |`,
    '',
    `An enabled Debugger domain also puts V8's promise machinery on its slow path: one \`await\` of an async function went from ${I.noneAwait.toFixed(0)} ns to ${I.enabledAwait.toFixed(0)} ns. ` +
    `Opening the inspector only for sampled windows instead costs one Debugger.enable/disable per window: ${I.window0.toFixed(2)} ms in a bare process and ${I.window1000.toFixed(1)} ms with 1,000 more scripts loaded (enable reports every script), and a paused throw costs the row above. ` +
    'Hence the default: a Proxy trap per error made (the countdown), a stack capture for 1 in 100, and uncaught exceptions / unhandled rejections counted from `uncaughtExceptionMonitor` and `process.emit`. ' +
    'What it does not see (V8-thrown errors such as `undefined.x` or JSON.parse, Node-internal errors, thrown non-errors, classes defined before start) is listed in src/collect/exceptions-collector.ts.',
    '<!-- exceptions:end -->',
  ]);
}

if (process.argv[2] === 'child') {
  const w = process.argv[3];
  let r: Record<string, number>;
  if (w === 'micro') r = await childMicro(process.argv[4]);
  else if (w === 'inspector') r = await childInspector('throws');
  else if (w === 'windows') r = await childInspector('windows');
  else r = await childRate(process.argv[4]);
  console.log('RESULT ' + JSON.stringify(r));
} else {
  await main();
}
