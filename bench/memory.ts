// Profiler memory over many periods: PERIODS periods, each a fixed slice of the CPU-bound
// workload then a period end (hotpath: flush(); peers: stop-and-restart plus encode, as their
// period timers do), 100 Hz. Every 10 periods: gc() and a memory reading. Least-squares slopes
// over windows of periods say whether memory grows with the number of periods.
// The peers run fewer periods (PEER_PERIODS): each of their period ends costs 12-15 ms of CPU and
// ~15-35 ms of wall, so 500 of them in each of 10 rounds would take over four minutes alone.
//   node dist/bench/memory.js [--quick]       (ROUNDS, PERIODS, PEER_PERIODS, WORK override the defaults)
import { fileURLToPath } from 'node:url';
import { Figures, quick, result, rounds, runNode, setting, slope, spread, systemLine, writeSection } from './lib/common.js';
import { startProfiler } from './lib/profilers.js';
import type { ProfilerName } from './lib/profilers.js';
import { chainWork } from './lib/workloads.js';

const ROUNDS = setting('ROUNDS', 10, 2);
const PERIODS = setting('PERIODS', 500, 150);
const PEER_PERIODS = setting('PEER_PERIODS', 100, 50);
const WORK = setting('WORK', 1000, 500);
/** Periods of a configuration's runs. */
const periodsOf = (c: string): number => (c === 'none' || c === 'hotpath' ? PERIODS : PEER_PERIODS);
/** Readings (gc() and memoryUsage) every this many periods. */
const EVERY = quick ? 5 : 10;
/** Every configuration's slope over the same window (the peers' run); none and hotpath also
 * over their long run. Each starts after the first fifth (the first periods fill caches and pools). */
const SHORT = { from: Math.floor(PEER_PERIODS / 5), to: PEER_PERIODS };
const LONG = { from: Math.min(100, Math.floor(PERIODS / 5)), to: PERIODS };
/** CPU and wall per period are counted from this period on (first encodes, code compiled). */
const CPU_FROM = 10;
const CONFIGS = ['none', 'hotpath', 'datadog', 'pprof'];
const self = fileURLToPath(import.meta.url);

interface Reading { period: number; rss: number; heapUsed: number; external: number }

async function child(name: ProfilerName, periods: number): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc!;
  const prof = await startProfiler(name, { periodMs: 3_600_000, timer: false });
  const readings: Reading[] = [];
  let bytes = 0;
  let t0 = performance.now();
  let c0 = process.cpuUsage();
  let gcMs = 0;
  for (let p = 1; p <= periods; p++) {
    chainWork(WORK, p * WORK);
    bytes += (await prof.rotate())?.length ?? 0;
    if (p === CPU_FROM) {
      t0 = performance.now();
      c0 = process.cpuUsage();
      gcMs = 0;
    }
    if (p % EVERY === 0) {
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
  result({ readings, ms, cpuMs, bytes, periods });
}

interface Run { readings: Reading[]; ms: number; cpuMs: number; bytes: number; periods: number }

let rssNote = (): string => '';

async function main(): Promise<void> {
  const system = systemLine();
  const res = await rounds(CONFIGS, ROUNDS, (c) => runNode<Run>(self, ['child', c, String(periodsOf(c))], { flags: ['--expose-gc'] }), 'memory');
  const slopeOf = (r: Run, k: 'rss' | 'heapUsed' | 'external', w: { from: number; to: number }): number =>
    slope(r.readings.filter((p) => p.period >= w.from && p.period <= w.to).map((p) => ({ x: p.period, y: p[k] })));
  /** Per period from CPU_FROM on. */
  const perPeriod = (r: Run, k: 'cpuMs' | 'ms'): number => r[k] / (r.periods - CPU_FROM);
  const figs = new Figures('memory', system);
  const mb = (n: number): string => (n / 1e6).toFixed(1);
  const cell = (x: { median: number; q1: number; q3: number }, d = 0): string => `${x.median.toFixed(d)} (${x.q1.toFixed(d)} to ${x.q3.toFixed(d)})`;
  const at = (r: Run, period: number): Reading => r.readings.find((p) => p.period >= period) ?? r.readings[r.readings.length - 1];
  const win = (w: { from: number; to: number }): string => `${w.from}-${w.to}`;
  const rows = CONFIGS.map((c) => {
    const rs = res[c];
    const slopes = (['heapUsed', 'external', 'rss'] as const).map((k) =>
      cell(figs.add(`${c}, ${k} slope periods ${win(SHORT)}, bytes/period`, rs.map((r) => slopeOf(r, k, SHORT)))));
    return `| ${c} | ${periodsOf(c)} | ${mb(spread(rs.map((r) => at(r, SHORT.from).rss)).median)} / ${mb(spread(rs.map((r) => at(r, SHORT.to).rss)).median)} | ` +
      `${slopes.join(' | ')} | ${spread(rs.map((r) => perPeriod(r, 'ms'))).median.toFixed(1)} | ` +
      (c === 'none' ? '- |' : `${cell(figs.add(`${c} - none, CPU ms per period end`, rs.map((r, i) => perPeriod(r, 'cpuMs') - perPeriod(res.none[i], 'cpuMs'))), 2)} |`);
  });
  const longRows = ['none', 'hotpath'].map((c) => {
    const rs = res[c];
    const slopes = (['heapUsed', 'external', 'rss'] as const).map((k) =>
      cell(figs.add(`${c}, ${k} slope periods ${win(LONG)}, bytes/period`, rs.map((r) => slopeOf(r, k, LONG)))));
    return `| ${c} | ${mb(spread(rs.map((r) => at(r, LONG.from).rss)).median)} / ${mb(spread(rs.map((r) => at(r, LONG.to).rss)).median)} | ${slopes.join(' | ')} |`;
  });
  const level = (c: string): number => spread(res[c].map((r) => at(r, SHORT.to).rss)).median;
  const higher = CONFIGS.filter((c) => c !== 'hotpath' && c !== 'none' && level(c) < level('hotpath'));
  rssNote = () => higher.length
    ? `**hotpath's RSS level is higher than ${higher.join(', ')}'s** (${mb(level('hotpath'))} MB at period ${SHORT.to} vs ${higher.map((c) => `${mb(level(c))} MB`).join(', ')}; none ${mb(level('none'))} MB): its aggregation worker is a second V8 isolate with the WASM core's memory. The slope, not the level, is what grows with uptime.`
    : '';
  writeSection('memory', [
    `## Profiler memory over ${PERIODS} periods (peers ${PEER_PERIODS})`,
    '',
    system,
    '',
    `Method: ${ROUNDS} rounds; in each round every configuration runs once in a fresh process started with --expose-gc, in an order rotated every round (reversed every other round). ` +
      `none and hotpath run ${PERIODS} periods, the peers ${PEER_PERIODS} (each of their period ends costs 10-30 times hotpath's, so ${PERIODS} of them in every round would not fit the suite's ten minutes); ` +
      `a period is ${WORK.toLocaleString('en-US')} calls of the CPU-bound chain workload then a period end at 100 Hz ` +
      '(hotpath: `flush()`, the same path as its period timer; @datadog/pprof: `time.stop(true)` + `encode`; Google\'s pprof: stop, start, `encode`). ' +
      `gc() then \`process.memoryUsage()\` every ${EVERY} periods; slope = least-squares bytes per period over a window of periods: periods ${win(SHORT)} for every configuration (the first table, like for like), and ${win(LONG)} for none and hotpath (the second). ` +
      'Cells: median over rounds (interquartile range). ' +
      'A slope near 0 (compared with `none`) means memory does not grow with the number of periods. ' +
      `CPU per period end = process CPU per period (all threads, from period ${CPU_FROM} on, gc() calls excluded) minus the same for none in the same round: what one period end costs (it includes 100 Hz sampling during the period's few ms of work). ` +
      'Overhead at a period of P seconds is about the steady-state cost (overhead sections) plus this / P.',
    '',
    `| profiler | periods run | RSS MB at period ${SHORT.from} / ${SHORT.to} (median) | heapUsed slope, periods ${win(SHORT)}, bytes/period | external slope | RSS slope | wall ms per period (median) | CPU ms per period end, all threads (vs none) |`,
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `The long run, periods ${win(LONG)}:`,
    '',
    `| profiler | RSS MB at period ${LONG.from} / ${LONG.to} (median) | heapUsed slope, bytes/period | external slope | RSS slope |`,
    '|---|---|---|---|---|',
    ...longRows,
    '',
    'Slopes over the first hundred periods still include caches filling (code, interned strings, the peers\' JavaScript serializers): read the short window to compare profilers, the long one for growth with uptime.',
    rssNote(),
    'RSS moves in pages and allocator arenas, so its slope is noisy at this length; heapUsed after gc() is the steady figure for JavaScript-side growth, external for Buffers and WASM/ArrayBuffers.',
  ]);
  figs.save();
}

if (process.argv[2] === 'child') await child(process.argv[3] as ProfilerName, Number(process.argv[4]));
else await main();
