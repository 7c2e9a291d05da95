// Overhead on the node:http JSON service with the profiler switched on and off in one server
// process, under one continuous autocannon load: CPU per request in alternating windows
// (off, on, off, on, ...), each on-window against the mean of the off-windows on either side.
//
// Why a second method next to overhead-http.ts: there every configuration runs in a fresh
// process, and fresh processes of the same configuration differ by ±5-10% in CPU per request
// (JIT and heap layout luck, the load generator's placement), wider than the effect; in one
// process those differences cancel, so a few percent can be told apart (IQR about ±1.5%).
//   node dist/bench/overhead-http-inplace.js [--quick]   (ROUNDS, PAIRS, WINDOW_MS override)
//   PROFILERS=hotpath,hotpath-core,pprof node dist/bench/overhead-http-inplace.js
//     other configurations (`hotpath-core`: the time profiler alone, for finding where a cost
//     comes from); the table then goes to stdout, and RESULTS.md and results.json are left as
//     they are.
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
// @ts-expect-error autocannon ships no types; the two calls used are declared below.
import autocannonUntyped from 'autocannon';
import { againstNeighbouringOffs, Figures, meanOf, median, quick, ratioCells, result, setting, sleep, systemLine, writeSection } from './lib/common.js';
import { PEERS, startProfiler } from './lib/profilers.js';
import type { ProfilerName, RunningProfiler } from './lib/profilers.js';
import { jsonServer } from './lib/workloads.js';
import { tracedJsonServer } from './lib/traced-server.js';
import { loadNative } from '../src/collect/native.js';

type Autocannon = (opts: Record<string, unknown>) => { stop(): void };
const autocannon = autocannonUntyped as Autocannon;

export const ROUNDS = setting('ROUNDS', 4, 1);
const PAIRS = setting('PAIRS', 20, 3);
const WINDOW_MS = setting('WINDOW_MS', 1200, 700);
/** Before each window: the profiler's start (or stop) and its after-effects settle. */
const SETTLE_MS = 300;
/** Before the first window: the JIT and the heap settle under the load. */
const WARM_MS = setting('WARM_MS', 3000, 1500);
const CONNECTIONS = 10;
const PERIOD_MS = 60_000;
const self = fileURLToPath(import.meta.url);

export interface Window { on: boolean; cpuPerReqUs: number; mainPerReqUs: number }

/** The configurations compared: the peers, or PROFILERS (then nothing is written but stdout). */
const CHOSEN: readonly string[] = process.env.PROFILERS ? process.env.PROFILERS.split(',') : PEERS;

async function child(config: string): Promise<void> {
  const name = config as ProfilerName;
  let requests = 0;
  // TRACED=1 (bench/otel-spans.ts): the same service under the OpenTelemetry SDK.
  const server = (process.env.TRACED === '1' ? tracedJsonServer : jsonServer)(() => requests++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  process.stdout.write(`READY ${(server.address() as { port: number }).port}\n`);
  await new Promise((r) => process.stdin.once('data', r));  // the load has started
  // The main thread's CPU clock, from hotpath's addon (passive until a profile starts).
  const addon = loadNative();
  await sleep(WARM_MS);
  const windows: Window[] = [];
  for (let i = 0; i < 2 * PAIRS; i++) {
    const on = i % 2 === 1;
    const prof: RunningProfiler | null = on ? await startProfiler(name, { periodMs: PERIOD_MS }) : null;
    // One period ended before the window, by every profiler alike: hotpath's aggregation worker
    // is then up, so its one-time start-up (~90-130 ms of CPU) is not counted as a cost per request.
    await prof?.rotate();
    await sleep(SETTLE_MS);
    const c0 = process.cpuUsage();
    const m0 = addon?.threadCpuNs() ?? 0;
    const r0 = requests;
    await sleep(WINDOW_MS);
    const c = process.cpuUsage(c0);
    const n = requests - r0;
    windows.push({ on, cpuPerReqUs: (c.user + c.system) / n, mainPerReqUs: addon ? (addon.threadCpuNs() - m0) / 1000 / n : NaN });
    await prof?.stop();
  }
  server.close();
  result({ windows });
  process.exit(0);
}

/** One server process of configuration `name` (a profiler), its windows; `env` adds to this process's environment. */
export function runOnce(name: string, env: NodeJS.ProcessEnv = {}): Promise<Window[]> {
  return new Promise((resolve, reject) => {
    // The child reads the same settings (environment, --quick) as this process.
    const p = spawn(process.execPath, [self, 'child', name, ...(quick ? ['--quick'] : [])], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    let out = '';
    let load: { stop(): void } | null = null;
    const timer = setTimeout(() => p.kill('SIGKILL'), WARM_MS + 2 * PAIRS * (SETTLE_MS + WINDOW_MS) + 60_000);
    p.stdout.setEncoding('utf8');
    p.stdout.on('data', (d: string) => {
      out += d;
      const ready = /READY (\d+)/.exec(out);
      if (ready && !load) {
        load = autocannon({ url: `http://127.0.0.1:${ready[1]}/items`, connections: CONNECTIONS, duration: 3600 });
        p.stdin.write('go\n');
      }
    });
    p.on('exit', (code) => {
      clearTimeout(timer);
      load?.stop();
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || !line) reject(new Error(`overhead-http-inplace ${name} exited ${code}: ${out.slice(-1000)}`));
      else resolve((JSON.parse(line.slice(7)) as { windows: Window[] }).windows);
    });
  });
}

/** Each on-window's value over the mean of the off-windows on either side of it. */
export function onOffRatios(ws: Window[], key: 'cpuPerReqUs' | 'mainPerReqUs', diff = false): number[] {
  return againstNeighbouringOffs(ws, (on, offs) => {
    const off = meanOf(offs, (w) => w[key]);
    return diff ? on[key] - off : on[key] / off;
  });
}

async function main(): Promise<void> {
  const system = systemLine();
  const figs = new Figures('overhead-http-inplace', system);
  const byPeer: Record<string, Window[][]> = Object.fromEntries(CHOSEN.map((p) => [p, []]));
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? [...CHOSEN] : [...CHOSEN].reverse();
    for (const peer of order) {
      byPeer[peer].push(await runOnce(peer));
      process.stderr.write(`overhead-http-inplace ${peer} round ${r + 1}/${ROUNDS} done\n`);
    }
  }
  const rows: string[] = [];
  const med: Record<string, number> = {};
  for (const peer of CHOSEN) {
    const ratios = byPeer[peer].flatMap((ws) => onOffRatios(ws, 'cpuPerReqUs'));
    const mainDiff = byPeer[peer].flatMap((ws) => onOffRatios(ws, 'mainPerReqUs', true));
    const offCpu = byPeer[peer].flatMap((ws) => ws.filter((w) => !w.on).map((w) => w.cpuPerReqUs));
    const s = figs.add(`${peer} on / off, server CPU per request (same process)`, ratios);
    const m = figs.add(`${peer} on - off, main-thread µs per request (same process)`, mainDiff);
    med[peer] = s.median;
    rows.push(`| ${peer} | ${median(offCpu).toFixed(1)} | ${ratioCells(ratios)} | ` +
      `${m.median.toFixed(2)} (${m.q1.toFixed(2)} to ${m.q3.toFixed(2)}) | ${ratios.length} |`);
  }
  const best = Object.entries(med).sort((a, b) => a[1] - b[1])[0][0];
  if (process.env.PROFILERS) {
    process.stdout.write(['| profiler | CPU µs/request off | on / off | spread (IQR; min-max) | main thread, extra µs/request | windows |', '|---|---|---|---|---|---|', ...rows].join('\n') + '\n');
    return;
  }
  writeSection('overhead-http-inplace', [
    '## Overhead: node:http JSON service, profiler switched on and off in one process',
    '',
    system,
    '',
    `Method: one server process per profiler and round (${ROUNDS} rounds, order reversed every other round) under one continuous autocannon load (${CONNECTIONS} connections) from the benchmark process; ` +
      `after ${WARM_MS / 1000} s of warm-up the profiler is started and stopped in place, ${PAIRS} times: windows off, on, off, on, ... of ${WINDOW_MS / 1000} s each, measured from ${SETTLE_MS} ms after the start (and a first period ended at once, so that hotpath\'s aggregation worker has started) or the stop. ` +
      'Each on-window\'s server CPU per request (all threads) is divided by the mean of the off-windows on either side; the table gives the median of those ratios, their interquartile range and min-max, ' +
      'and the main (JavaScript) thread\'s extra µs per request (its own CPU clock). Every profiler samples at 100 Hz with a 60 s period. ' +
      'Fresh processes of one configuration differ by ±5-10% in CPU per request (overhead-http above); within one process those differences cancel.',
    '',
    '| profiler | CPU µs/request off (median) | on / off CPU per request (median) | spread (IQR; min-max) | main thread, extra µs/request (median, IQR) | windows |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    `Lowest median here: ${best}. What the main-thread figure is: the peers run V8's CpuProfiler, whose life puts the isolate in its profiling mode, where every call from JavaScript into C++ ` +
      '(a request of this service makes many) goes through a thunk that records the callback (bench native-calls), and whose thread sends each sampling signal; ' +
      'hotpath samples with per-thread timers and its own signal handler (the handler\'s stack walk runs on the main thread; symbolization on its drain thread).',
  ]);
  figs.save();
}

if (process.argv[2] === 'child') await child(process.argv[3]);
else if (process.argv[1] === self) await main();
