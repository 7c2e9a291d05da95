// Event-loop delay at period boundaries: a lightly loaded service (a 5 ms timer doing a little
// JSON work) with a real library's code loaded and compiled (TypeScript's parser run once over
// typescript.d.ts, so the isolate holds thousands of compiled functions, as an application
// does), and a profiler ending a period every PERIOD_MS so that boundaries happen often.
// perf_hooks.monitorEventLoopDelay (1 ms resolution) gives p99 and max of the loop's delay.
// Peers restart V8's CpuProfiler every period; starting one walks the compiled code on the
// JavaScript thread, which is where a spike would come from.
//   node dist/bench/loop-delay.js [--quick]       (ROUNDS, RUN_MS, PERIOD_MS override)
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
  Figures, median, pairedRatios, ratioCells, result, root, rounds, runNode, setting, sleep, spread, systemLine, writeSection,
} from './lib/common.js';
import { startProfiler } from './lib/profilers.js';
import type { ProfilerName } from './lib/profilers.js';
import { leaf } from './lib/workloads.js';

const ROUNDS = setting('ROUNDS', 10, 2);
const RUN_MS = setting('RUN_MS', 700, 500);
/** Between the profiler's start and the recording: its helper threads started, the first period under way. */
const SETTLE_MS = setting('SETTLE_MS', 200, 200);
const PERIOD_MS = setting('PERIOD_MS', 100, 100);
const CONFIGS = ['none', 'hotpath', 'datadog', 'pprof'];
const self = fileURLToPath(import.meta.url);

async function child(name: ProfilerName): Promise<void> {
  const require = createRequire(import.meta.url);
  const ts = require('typescript') as { createSourceFile(n: string, t: string, target: number, p: boolean): unknown; ScriptTarget: { Latest: number } };
  ts.createSourceFile('t.d.ts', readFileSync(path.join(root, 'node_modules', 'typescript', 'lib', 'typescript.d.ts'), 'utf8'), ts.ScriptTarget.Latest, true);
  const prof = await startProfiler(name, { periodMs: PERIOD_MS });
  let sink = 0;
  const work = setInterval(() => {
    for (let i = 0; i < 20; i++) sink += leaf(i);
  }, 5);
  await sleep(SETTLE_MS);
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  await sleep(RUN_MS);
  h.disable();
  clearInterval(work);
  const periods = prof.periodic.count;
  await prof.stop();
  result({ p99: h.percentile(99) / 1e6, max: h.max / 1e6, mean: h.mean / 1e6, periods, sink: sink & 1 });
}

interface Run { p99: number; max: number; mean: number; periods: number; [k: string]: number }

async function main(): Promise<void> {
  const system = systemLine();
  const res = await rounds(CONFIGS, ROUNDS, (c) => runNode<Run>(self, ['child', c]), 'loop-delay');
  const ms = (c: string, k: keyof Run): string => {
    const s = spread(res[c].map((r) => r[k]));
    return `${s.median.toFixed(2)} (${s.q1.toFixed(2)}-${s.q3.toFixed(2)}; ${s.min.toFixed(2)}-${s.max.toFixed(2)})`;
  };
  const figs = new Figures('loop-delay', system);
  for (const c of CONFIGS) {
    figs.add(`${c}, p99 delay ms`, res[c].map((r) => r.p99));
    if (c === 'none') continue;
    figs.add(`${c} / none, p99 delay`, pairedRatios(res, c, 'none', 'p99'));
    figs.add(`${c} / none, max delay`, pairedRatios(res, c, 'none', 'max'));
  }
  const rows = CONFIGS.map((c) => `| ${c} | ${ms(c, 'p99')} | ${ms(c, 'max')} | ` +
    (c === 'none' ? '- | - | - | - |' : `${ratioCells(pairedRatios(res, c, 'none', 'p99'))} | ${ratioCells(pairedRatios(res, c, 'none', 'max'))} |`) +
    ` ${median(res[c].map((r) => r.periods))} |`);
  const maxMed = Object.fromEntries(CONFIGS.map((c) => [c, median(res[c].map((r) => r.max))]));
  const behind = ['datadog', 'pprof'].filter((c) => maxMed[c] < maxMed.hotpath);
  const p99Med = Object.fromEntries(CONFIGS.map((c) => [c, median(res[c].map((r) => r.p99))]));
  const behindP99 = ['datadog', 'pprof'].filter((c) => p99Med[c] < p99Med.hotpath);
  writeSection('loop-delay', [
    '## Event-loop delay at period boundaries',
    '',
    system,
    '',
    `Method: ${ROUNDS} rounds, every configuration once per round in a fresh process, order rotated every round (reversed every other round). ` +
      `Each process loads TypeScript and parses typescript.d.ts once (thousands of compiled functions), starts the profiler (100 Hz, a period every ${PERIOD_MS} ms), ` +
      `runs a 5 ms timer doing a little JSON work, waits ${SETTLE_MS} ms, then records \`monitorEventLoopDelay({ resolution: 1 })\` for ${RUN_MS} ms ` +
      `(about ${Math.round(RUN_MS / PERIOD_MS)} period boundaries). Delay columns: median over runs in ms, (interquartile range; min-max). ` +
      'Ratio columns: median of the paired ratios profiler / none from the same round, with IQR; min-max.',
    '',
    '| profiler | p99 delay ms | max delay ms | p99 ratio vs none | spread | max ratio vs none | spread | periods ended by the timer (median) |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    behind.length
      ? `**hotpath is behind ${behind.join(', ')} on the worst delay here** (median max ${maxMed.hotpath.toFixed(2)} ms vs ${behind.map((b) => `${b} ${maxMed[b].toFixed(2)} ms`).join(', ')}).`
      : `hotpath's median worst delay (${maxMed.hotpath.toFixed(2)} ms) is at or below the peers' (datadog ${maxMed.datadog.toFixed(2)} ms, pprof ${maxMed.pprof.toFixed(2)} ms).`,
    behindP99.length
      ? `**hotpath is behind ${behindP99.join(', ')} on p99 delay here** (median ${p99Med.hotpath.toFixed(2)} ms vs ${behindP99.map((b) => `${b} ${p99Med[b].toFixed(2)} ms`).join(', ')}).`
      : `hotpath's median p99 delay (${p99Med.hotpath.toFixed(2)} ms; none ${p99Med.none.toFixed(2)} ms) is at or below the peers' (datadog ${p99Med.datadog.toFixed(2)} ms, pprof ${p99Med.pprof.toFixed(2)} ms).`,
    'On a loaded machine the worst delay also catches the process being descheduled (see the none row), so p99 is the steadier figure.',
    'hotpath keeps one CpuProfiler alive for the life of the thread (eager logging) and ends a period by taking the samples out of it, so a period boundary does not restart the profiler; ' +
      'the aggregation and encoding run in its worker thread. @datadog/pprof restarts its profile every period (the next one started before the old is stopped); ' +
      'Google\'s pprof stops and starts a CpuProfiler, and serializes the profile on the main thread.',
  ]);
  figs.save();
}

if (process.argv[2] === 'child') await child(process.argv[3] as ProfilerName);
else await main();
