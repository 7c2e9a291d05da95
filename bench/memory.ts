// Profiler memory over many periods: PERIODS periods, each a fixed slice of the CPU-bound
// workload then a period end (hotpath: flush(); peers: stop-and-restart plus encode, as their
// period timers do), 100 Hz. Every 25 periods: gc() and a memory reading. The least-squares
// slope from period 100 on says whether memory grows with the number of periods.
//   node dist/bench/memory.js [--quick]       (ROUNDS, PERIODS, WORK override the defaults)
import { fileURLToPath } from 'node:url';
import { result, rounds, runNode, setting, slope, spread, systemLine, writeSection } from './lib/common.js';
import { startProfiler } from './lib/profilers.js';
import type { ProfilerName } from './lib/profilers.js';
import { chainWork } from './lib/workloads.js';

const ROUNDS = setting('ROUNDS', 2, 1);
const PERIODS = setting('PERIODS', 500, 150);
const WORK = setting('WORK', 1000, 500);
/** Readings from this period on make the slope (the first periods fill caches and pools). */
const FROM = Math.min(100, Math.floor(PERIODS / 3));
const CONFIGS = ['none', 'hotpath', 'datadog', 'pprof'];
const self = fileURLToPath(import.meta.url);

interface Reading { period: number; rss: number; heapUsed: number; external: number }

async function child(name: ProfilerName): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc!;
  const prof = await startProfiler(name, { periodMs: 3_600_000, timer: false });
  const readings: Reading[] = [];
  let bytes = 0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let gcMs = 0;
  for (let p = 1; p <= PERIODS; p++) {
    chainWork(WORK, p * WORK);
    bytes += (await prof.rotate())?.length ?? 0;
    if (p % 25 === 0) {
      const g0 = process.cpuUsage();
      gc();
      const g = process.cpuUsage(g0);
      gcMs += (g.user + g.system) / 1000;
      const m = process.memoryUsage();
      readings.push({ period: p, rss: m.rss, heapUsed: m.heapUsed, external: m.external });
    }
  }
  const ms = performance.now() - t0;
  const cu = process.cpuUsage(c0);
  const cpuMs = (cu.user + cu.system) / 1000 - gcMs;
  await prof.stop();
  result({ readings, ms, cpuMs, bytes });
}

interface Run { readings: Reading[]; ms: number; cpuMs: number; bytes: number }

let rssNote = (): string => '';

async function main(): Promise<void> {
  const system = systemLine();
  const res = await rounds(CONFIGS, ROUNDS, (c) => runNode<Run>(self, ['child', c], { flags: ['--expose-gc'] }), 'memory');
  const slopeOf = (r: Run, k: 'rss' | 'heapUsed' | 'external'): number =>
    slope(r.readings.filter((p) => p.period >= FROM).map((p) => ({ x: p.period, y: p[k] })));
  const mb = (n: number): string => (n / 1e6).toFixed(1);
  const cell = (xs: number[]): string => {
    const s = spread(xs);
    return xs.length > 1 ? `${s.median.toFixed(0)} (${s.min.toFixed(0)} to ${s.max.toFixed(0)})` : s.median.toFixed(0);
  };
  const rows = CONFIGS.map((c) => {
    const rs = res[c];
    const at = (r: Run, period: number): Reading => r.readings.find((p) => p.period >= period) ?? r.readings[r.readings.length - 1];
    return `| ${c} | ${rs.map((r) => `${mb(at(r, FROM).rss)} / ${mb(r.readings[r.readings.length - 1].rss)}`).join(', ')} | ` +
      `${cell(rs.map((r) => slopeOf(r, 'rss')))} | ${cell(rs.map((r) => slopeOf(r, 'heapUsed')))} | ${cell(rs.map((r) => slopeOf(r, 'external')))} | ` +
      `${spread(rs.map((r) => r.ms / PERIODS)).median.toFixed(1)} | ` +
      (c === 'none' ? '- |' : `${spread(rs.map((r, i) => (r.cpuMs - res.none[i].cpuMs) / PERIODS)).median.toFixed(2)} |`);
  });
  const level = (c: string): number => spread(res[c].map((r) => r.readings[r.readings.length - 1].rss)).median;
  const higher = CONFIGS.filter((c) => c !== 'hotpath' && c !== 'none' && level(c) < level('hotpath'));
  rssNote = () => higher.length
    ? `**hotpath's RSS level is higher than ${higher.join(', ')}'s** (${mb(level('hotpath'))} MB at the end vs ${higher.map((c) => `${mb(level(c))} MB`).join(', ')}; none ${mb(level('none'))} MB): its aggregation worker is a second V8 isolate with the WASM core's memory. The slope, not the level, is what grows with uptime.`
    : '';
  writeSection('memory', [
    `## Profiler memory over ${PERIODS} periods`,
    '',
    system,
    '',
    `Method: ${ROUNDS} run(s) of each configuration, each a fresh process started with --expose-gc, configurations in a rotated order. ` +
      `${PERIODS} periods, each ${WORK.toLocaleString('en-US')} calls of the CPU-bound chain workload then a period end at 100 Hz ` +
      '(hotpath: `flush()`, the same path as its period timer; @datadog/pprof: `time.stop(true)` + `encode`; Google\'s pprof: stop, start, `encode`). ' +
      `gc() then \`process.memoryUsage()\` every 25 periods; slope = least-squares bytes per period from period ${FROM} on (median over runs, then min to max). ` +
      'A slope near 0 (compared with `none`) means memory does not grow with the number of periods. ' +
      'CPU per period end = (process CPU of the loop, all threads, gc() calls excluded - the same for none in the same round) / periods: what one period end costs (it includes 100 Hz sampling during the period\'s few ms of work). ' +
      'Overhead at a period of P seconds is about the steady-state cost (overhead sections) plus this / P.',
    '',
    `| profiler | RSS MB at period ${FROM} / at end, per run | RSS slope, bytes/period | heapUsed slope, bytes/period | external slope, bytes/period | wall ms per period (median) | CPU ms per period end, all threads (vs none, median) |`,
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    rssNote(),
    'RSS moves in pages and allocator arenas, so its slope is noisy at this length; heapUsed after gc() is the steady figure for JavaScript-side growth, external for Buffers and WASM/ArrayBuffers.',
  ]);
}

if (process.argv[2] === 'child') await child(process.argv[3] as ProfilerName);
else await main();
