// Overhead on a CPU-bound workload: hotpath, @datadog/pprof, Google's pprof and
// `node --cpu-prof`, all at 100 Hz, against no profiler.
// Each configuration runs in a fresh process; ROUNDS rounds, each running every configuration
// once in a rotated order; the figure is the median over rounds of the ratio profiler / none of
// the same round, with the interquartile range and min-max of those ratios beside it.
//   node dist/bench/overhead-cpu.js [--quick]       (ROUNDS, ITER override the defaults)
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  cpuMsSince, Figures, fmtRatio, median, pairedRatios, ratioCells, result, rounds, runNode, setting, systemLine, threadCpuMs,
  threadCpuSince, writeSection,
} from './lib/common.js';
import { cpuProfFlags, startProfiler } from './lib/profilers.js';
import type { ProfilerName } from './lib/profilers.js';
import { chainWork } from './lib/workloads.js';

const ROUNDS = setting('ROUNDS', 10, 3);
/** Calls in the timed part: ~1.8 s here, so ~180 samples at 100 Hz and JIT timing weighs little. */
const ITER = setting('ITER', 1_500_000, 100_000);
/** The default period: no period ends inside a run; their cost is in bench/memory.ts. */
const PERIOD_MS = 60_000;
const CONFIGS = ['none', 'hotpath', 'datadog', 'pprof', 'cpu-prof'];
const self = fileURLToPath(import.meta.url);

async function child(name: ProfilerName): Promise<void> {
  const prof = await startProfiler(name, { periodMs: PERIOD_MS });
  // One period ended before the clock starts, by every profiler alike: hotpath's aggregation
  // worker is then up (its start-up, ~90-130 ms of CPU on its own thread, is a one-time cost; on a
  // loaded host it ran into the timed part: 20 ms of a 2.1 s run, per-thread reading).
  await prof.rotate();
  // Warm-up: code optimised and the profiler's helper threads started before the clock starts.
  const until = performance.now() + 300;
  let i = 0;
  while (performance.now() < until) chainWork(500, (i += 500));
  // Every configuration starts the timed part from a collected heap (see the method).
  (globalThis as { gc?: () => void }).gc?.();
  const c0 = process.cpuUsage();
  const th0 = threadCpuMs();
  const t0 = performance.now();
  const s = chainWork(ITER);
  const wallMs = performance.now() - t0;
  const cpuMs = cpuMsSince(c0);
  const th = threadCpuSince(th0);
  await prof.stop();
  result({ wallMs, cpuMs, s, mainMs: th.main, v8Ms: th.v8, hotpathMs: th.hotpath, otherMs: th.other });
}

interface Run { wallMs: number; cpuMs: number; [k: string]: number }

async function main(): Promise<void> {
  const system = systemLine();
  const res = await rounds(CONFIGS, ROUNDS, async (c) => {
    if (c !== 'cpu-prof') return runNode<Run>(self, ['child', c], { flags: ['--expose-gc'] });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hotpath-bench-cpuprof-'));
    try {
      const r = await runNode<Run>(self, ['child', 'none'], { flags: [...cpuProfFlags(dir), '--expose-gc'] });
      const f = readdirSync(dir)[0];
      return { ...r, profileBytes: f ? statSync(path.join(dir, f)).size : 0 };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 'overhead-cpu');
  const rows: string[] = [];
  const threadRows: string[] = [];
  const cpuMed: Record<string, number> = {};
  const figs = new Figures('overhead-cpu', system);
  for (const c of CONFIGS.slice(1)) {
    const wall = pairedRatios(res, c, 'none', 'wallMs');
    const cpu = pairedRatios(res, c, 'none', 'cpuMs');
    figs.add(`${c} / none, wall time`, wall);
    cpuMed[c] = figs.add(`${c} / none, process CPU`, cpu).median;
    rows.push(`| ${c} | ${ratioCells(wall)} | ${ratioCells(cpu)} |`);
    // Where the CPU goes: the JavaScript thread (paired against none), and the profiler's own
    // threads as a share of one core over the timed part (no pairing needed: none has them).
    const main = figs.add(`${c} / none, main-thread CPU`, pairedRatios(res, c, 'none', 'mainMs'));
    const v8 = figs.add(`${c}, V8 profiler thread, % of a core`, res[c].map((r) => (100 * r.v8Ms) / r.wallMs));
    const own = figs.add(`${c}, hotpath threads, % of a core`, res[c].map((r) => (100 * r.hotpathMs) / r.wallMs));
    const other = figs.add(`${c} - none, other threads, % of a core`, res[c].map((r, i) => (100 * r.otherMs) / r.wallMs - (100 * res.none[i].otherMs) / res.none[i].wallMs));
    threadRows.push(`| ${c} | ${fmtRatio(main.median)} (IQR ${main.q1.toFixed(3)}-${main.q3.toFixed(3)}) | ${v8.median.toFixed(2)}% | ${own.median.toFixed(2)}% | ${other.median.toFixed(2)}% |`);
  }
  const behind = Object.entries(cpuMed).filter(([c, m]) => c !== 'hotpath' && m < cpuMed.hotpath).map(([c]) => c);
  writeSection('overhead-cpu', [
    '## Overhead: CPU-bound workload, 100 Hz, hotpath vs peers',
    '',
    system,
    '',
    `Method: ${ROUNDS} rounds; in each round every configuration runs once in a fresh process, in an order rotated every round ` +
      '(and reversed every other round). Each figure is the median over rounds of the paired ratio configuration / none from the same round; ' +
      'the spread column gives the interquartile range, then min-max, of those ratios. ' +
      `Workload: ${ITER.toLocaleString('en-US')} calls down a 24-deep chain of 33 small functions with a JSON and arithmetic leaf ` +
      `(bench/lib/workloads.ts), after a 300 ms warm-up and a full GC (\`gc()\`, in every configuration alike). hotpath, @datadog/pprof and Google's pprof sample at 100 Hz with the default ${PERIOD_MS / 1000} s period, ` +
      'so this is the steady-state cost of sampling; what each period end costs is measured in the memory section (CPU per period end); `node --cpu-prof --cpu-prof-interval 10000` writes one profile at exit (not in the timed part). ' +
      'Process CPU counts every thread (the profilers\' own threads included).',
    '',
    '| profiler | wall time ratio (median) | wall spread (IQR; min-max) | process CPU ratio (median) | CPU spread (IQR; min-max) |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    `Median none run: ${median(res.none.map((r) => r.wallMs)).toFixed(0)} ms wall, ${median(res.none.map((r) => r.cpuMs)).toFixed(0)} ms CPU. ` +
      (behind.length
        ? `**hotpath is behind ${behind.join(', ')} on process CPU here** (median ${fmtRatio(cpuMed.hotpath)} vs ${behind.map((b) => `${b} ${fmtRatio(cpuMed[b])}`).join(', ')}); read it against the spread.`
        : 'hotpath\'s median CPU ratio is the lowest of the in-process profilers in this run; read it against the spread.'),
    '',
    'Where the CPU goes, per thread (/proc/self/task/*/schedstat over the timed part): the JavaScript thread\'s CPU against none in the same round ' +
      '(the sampling signal\'s handler and V8\'s stack walk run there, and V8\'s profiling mode makes calls into C++ dearer); ' +
      'V8\'s profiler thread (`v8:ProfEvntProc`: it sends each sampling signal and symbolizes the stack; one per isolate in each peer; hotpath has none), ' +
      'hotpath\'s own threads (`hotpath-sampler`, which drains the sampling rings and symbolizes; `hotpath-aggr`, idle between period ends) and the other threads against none, each as a share of one core (medians).',
    '',
    '| profiler | main-thread CPU ratio | V8 profiler thread | hotpath threads | other threads vs none |',
    '|---|---|---|---|---|',
    ...threadRows,
  ]);
  figs.save();
}

if (process.argv[2] === 'child') await child(process.argv[3] as ProfilerName);
else await main();
