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
  cpuMsSince, Figures, fmtRatio, median, pairedRatios, ratioCells, result, rounds, runNode, setting, systemLine, writeSection,
} from './lib/common.js';
import { cpuProfFlags, startProfiler } from './lib/profilers.js';
import type { ProfilerName } from './lib/profilers.js';
import { chainWork } from './lib/workloads.js';

const ROUNDS = setting('ROUNDS', 10, 3);
const ITER = setting('ITER', 300_000, 100_000);
/** The default period: no period ends inside a run; their cost is in bench/memory.ts. */
const PERIOD_MS = 60_000;
const CONFIGS = ['none', 'hotpath', 'datadog', 'pprof', 'cpu-prof'];
const self = fileURLToPath(import.meta.url);

async function child(name: ProfilerName): Promise<void> {
  const prof = await startProfiler(name, { periodMs: PERIOD_MS });
  // Warm-up: code optimised and the profiler's helper threads started before the clock starts.
  const until = performance.now() + 300;
  let i = 0;
  while (performance.now() < until) chainWork(500, (i += 500));
  // Every configuration starts the timed part from a collected heap (see the method).
  (globalThis as { gc?: () => void }).gc?.();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const s = chainWork(ITER);
  const wallMs = performance.now() - t0;
  const cpuMs = cpuMsSince(c0);
  await prof.stop();
  result({ wallMs, cpuMs, s });
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
  const cpuMed: Record<string, number> = {};
  const figs = new Figures('overhead-cpu', system);
  for (const c of CONFIGS.slice(1)) {
    const wall = pairedRatios(res, c, 'none', 'wallMs');
    const cpu = pairedRatios(res, c, 'none', 'cpuMs');
    figs.add(`${c} / none, wall time`, wall);
    cpuMed[c] = figs.add(`${c} / none, process CPU`, cpu).median;
    rows.push(`| ${c} | ${ratioCells(wall)} | ${ratioCells(cpu)} |`);
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
  ]);
  figs.save();
}

if (process.argv[2] === 'child') await child(process.argv[3] as ProfilerName);
else await main();
