// Overhead on a node:http JSON service under autocannon load from a second process (this
// one): throughput, p99 latency and server CPU per request, for hotpath, @datadog/pprof and
// Google's pprof at 100 Hz against no profiler. Rounds of fresh processes in rotated order;
// medians of paired ratios with their spread.
//   node dist/bench/overhead-http.js [--quick]       (ROUNDS, WARMUP_MS, DURATION_MS override the defaults)
import { fileURLToPath } from 'node:url';
import {
  cpuMsSince, Figures, fmtRatio, median, pairedRatios, ratioCells, result, rounds, runNode, setting, spread, systemLine, writeSection,
} from './lib/common.js';
import { startProfiler } from './lib/profilers.js';
import type { ProfilerName } from './lib/profilers.js';
import { loadFor } from './lib/load.js';
import type { LoadResult } from './lib/load.js';
import { jsonServer } from './lib/workloads.js';
import { loadNative } from '../src/collect/native.js';

const ROUNDS = setting('ROUNDS', 10, 2);
const WARMUP_MS = setting('WARMUP_MS', 300, 300);
const DURATION_MS = setting('DURATION_MS', 1200, 700);
const CONNECTIONS = 10;
/** The default period: no period ends inside a run; their cost is in bench/memory.ts. */
const PERIOD_MS = 60_000;
const CONFIGS = ['none', 'hotpath', 'datadog', 'pprof'];
const self = fileURLToPath(import.meta.url);

async function child(name: ProfilerName): Promise<void> {
  const prof = await startProfiler(name, { periodMs: PERIOD_MS });
  // One period ended before serving, by every profiler alike: hotpath's aggregation worker is
  // then up, so its one-time start-up (~90-130 ms of CPU on its own thread) does not spill past
  // the 0.3 s warm-up into the measured load on these 2 shared cores (steady state is measured).
  await prof.rotate();
  let requests = 0;
  const server = jsonServer(() => requests++);
  server.listen(0, '127.0.0.1', () => process.stdout.write(`READY ${(server.address() as { port: number }).port}\n`));
  // The parent writes `mark` after its warm-up load: CPU and requests count from there.
  // The main thread's own CPU clock (hotpath's addon, loaded in every configuration, passive
  // unless started) splits the cost between the JavaScript thread and the helper threads.
  const addon = loadNative();
  let c0 = process.cpuUsage();
  let m0 = addon?.threadCpuNs() ?? 0;
  let r0 = 0;
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (d: string) => {
    if (d.includes('mark')) {
      c0 = process.cpuUsage();
      m0 = addon?.threadCpuNs() ?? 0;
      r0 = requests;
    }
  });
  process.stdin.on('end', async () => {
    const cpuMs = cpuMsSince(c0);
    const mainMs = addon ? (addon.threadCpuNs() - m0) / 1e6 : NaN;
    const n = requests - r0;
    server.close();
    await prof.stop();
    result({ cpuMs, mainMs, requests: n });
    process.exit(0);
  });
}

interface Run { rps: number; p99: number; cpuPerReqUs: number; mainPerReqUs: number; otherPerReqUs: number; [k: string]: number }

async function runOnce(c: string): Promise<Run> {
  let load: LoadResult | undefined;
  const r = await runNode<{ cpuMs: number; mainMs: number; requests: number }>(self, ['child', c], {
    onLine: (line, p) => {
      const m = /^READY (\d+)/.exec(line);
      if (!m) return;
      const url = `http://127.0.0.1:${m[1]}/items`;
      (async () => {
        await loadFor(url, WARMUP_MS, CONNECTIONS); // warm-up
        p.stdin!.write('mark\n');
        load = await loadFor(url, DURATION_MS, CONNECTIONS);
        p.stdin!.end();
      })().catch((e) => {
        process.stderr.write(`autocannon: ${String(e)}\n`);
        p.kill();
      });
    },
  });
  return {
    rps: load!.rps, p99: load!.p99, cpuPerReqUs: (r.cpuMs * 1000) / r.requests,
    mainPerReqUs: (r.mainMs * 1000) / r.requests, otherPerReqUs: ((r.cpuMs - r.mainMs) * 1000) / r.requests,
  };
}

async function main(): Promise<void> {
  const system = systemLine();
  const res = await rounds(CONFIGS, ROUNDS, (c) => runOnce(c), 'overhead-http');
  const rows: string[] = [];
  const cpuMed: Record<string, number> = {};
  const figs = new Figures('overhead-http', system);
  for (const c of CONFIGS.slice(1)) {
    const cpu = pairedRatios(res, c, 'none', 'cpuPerReqUs');
    cpuMed[c] = figs.add(`${c} / none, server CPU per request`, cpu).median;
    figs.add(`${c} / none, throughput`, pairedRatios(res, c, 'none', 'rps'));
    figs.add(`${c} / none, p99 latency`, pairedRatios(res, c, 'none', 'p99'));
    const abs = (k: keyof Run, d: number): string => median(res[c].map((r) => r[k])).toFixed(d);
    rows.push(`| ${c} | ${abs('rps', 0)} | ${ratioCells(pairedRatios(res, c, 'none', 'rps'))} | ${abs('p99', 0)} | ${ratioCells(pairedRatios(res, c, 'none', 'p99'))} | ` +
      `${abs('cpuPerReqUs', 1)} | ${ratioCells(cpu)} |`);
  }
  // Where the CPU goes: extra µs per request on the main thread and on the other threads.
  const split = CONFIGS.slice(1).map((c) => {
    const main = figs.add(`${c} - none, main-thread µs per request`, res[c].map((r, i) => r.mainPerReqUs - res.none[i].mainPerReqUs));
    const other = figs.add(`${c} - none, other threads µs per request`, res[c].map((r, i) => r.otherPerReqUs - res.none[i].otherPerReqUs));
    return `| ${c} | ${main.median.toFixed(2)} (${main.q1.toFixed(2)} to ${main.q3.toFixed(2)}) | ${other.median.toFixed(2)} (${other.q1.toFixed(2)} to ${other.q3.toFixed(2)}) |`;
  });
  const behind = Object.entries(cpuMed).filter(([c, m]) => c !== 'hotpath' && m < cpuMed.hotpath).map(([c]) => c);
  writeSection('overhead-http', [
    '## Overhead: node:http JSON service under load, 100 Hz, hotpath vs peers',
    '',
    system,
    '',
    `Method: ${ROUNDS} rounds; in each round every configuration serves in a fresh process, in an order rotated every round (reversed every other round); ` +
      `the load comes from autocannon in the benchmark process (${CONNECTIONS} connections, ${WARMUP_MS / 1000} s warm-up, then ${DURATION_MS / 1000} s measured; throughput = completed requests / elapsed time). ` +
      'Each figure is the median over rounds of the paired ratio configuration / none from the same round; spread = interquartile range, then min-max, of those ratios. ' +
      `Server CPU is the server process's user + system time (all its threads) per request during the measured load. Every profiler samples at 100 Hz with the default ${PERIOD_MS / 1000} s period: the steady-state cost; each period end's cost is in the memory section. ` +
      'The load generator shares the 2 cores with the server, so throughput and p99 swing more than CPU per request: read the CPU column first. autocannon reports p99 in whole milliseconds, so p99 ratios move in coarse steps.',
    '',
    '| profiler | req/s (median) | throughput ratio | spread | p99 ms (median) | p99 latency ratio | spread | server CPU µs/request (median) | CPU per request ratio | spread |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    'Where the extra CPU goes, µs per request more than none in the same round (median, IQR): on the main (JavaScript) thread, read from its own CPU clock, and on all other threads (profiler threads, libuv, V8 helpers):',
    '',
    '| profiler | main thread, µs/request | other threads, µs/request |',
    '|---|---|---|',
    ...split,
    '',
    `Median none run: ${median(res.none.map((r) => r.rps)).toFixed(0)} req/s, p99 ${median(res.none.map((r) => r.p99)).toFixed(0)} ms, ` +
      `${median(res.none.map((r) => r.cpuPerReqUs)).toFixed(1)} µs of server CPU per request. ` +
      (behind.length
        ? `**hotpath is behind ${behind.join(', ')} on CPU per request** (median ${fmtRatio(cpuMed.hotpath)} vs ${behind.map((b) => `${b} ${fmtRatio(cpuMed[b])}`).join(', ')}).`
        : 'hotpath has the lowest median CPU-per-request ratio of the three here; read it against the spread.'),
  ]);
  figs.save();
}

if (process.argv[2] === 'child') await child(process.argv[3] as ProfilerName);
else await main();
