// Calls from JavaScript into C++: what a profiler adds to each one. A loop of
// util.types.isPromise (a Node binding: one JS -> C++ API call, ~18 ns bare) timed under each
// profiler at 100 Hz, in rounds of fresh processes (alternating order). V8's CpuProfiler puts
// the isolate in its profiling mode, where every such call goes through a recording thunk;
// hotpath's own sampler does not (RESEARCH.md, "Sampling without V8's CpuProfiler").
//   node dist/bench/native-calls.js [--quick]     (ROUNDS, CALLS override)
import { fileURLToPath } from 'node:url';
import { types } from 'node:util';
import { Figures, median, ratioCells, result, rounds, runNode, setting, systemLine, waitForAddon, writeSection } from './lib/common.js';
import { startProfiler } from './lib/profilers.js';
import type { ProfilerName } from './lib/profilers.js';

const ROUNDS = setting('ROUNDS', 10, 2);
const CALLS = setting('CALLS', 20_000_000, 2_000_000);
const CONFIGS = ['none', 'hotpath', 'datadog', 'pprof'];
const self = fileURLToPath(import.meta.url);

async function child(name: ProfilerName): Promise<void> {
  const prof = await startProfiler(name, { periodMs: 60_000 });
  await prof.rotate();  // every profiler past its start-up
  const values = [1, {}, Promise.resolve(), 'x'];
  let n = 0;
  for (let i = 0; i < 1_000_000; i++) if (types.isPromise(values[i & 3])) n++;  // warm-up (optimized)
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) if (types.isPromise(values[i & 3])) n++;
  const ns = Number(process.hrtime.bigint() - t0) / CALLS;
  await prof.stop();
  result({ ns, n });
}

async function main(): Promise<void> {
  await waitForAddon();
  const system = systemLine();
  const figs = new Figures('native-calls', system);
  const res = await rounds(CONFIGS, ROUNDS, (c) => runNode<{ ns: number }>(self, ['child', c]), 'native-calls');
  const base = res.none.map((r) => r.ns);
  const rows: string[] = [`| none | ${median(base).toFixed(2)} | - |`];
  for (const c of CONFIGS.slice(1)) {
    const ratios = res[c].map((r, i) => r.ns / res.none[i].ns);
    figs.add(`${c} / none, ns per JS -> C++ call`, ratios);
    rows.push(`| ${c} | ${median(res[c].map((r) => r.ns)).toFixed(2)} | ${ratioCells(ratios)} |`);
  }
  writeSection('native-calls', [
    '## Calls from JavaScript into C++ (util.types.isPromise)',
    '',
    system,
    '',
    `Method: ${CALLS.toLocaleString('en')} calls of util.types.isPromise in an optimized loop, timed by hrtime, each profiler at 100 Hz started (and one period ended) before the loop; ` +
      `${ROUNDS} rounds of fresh processes in alternating order; paired ratios against none in the same round.`,
    '',
    '| profiler | ns per call (median) | against none (median) | spread (IQR; min-max) |',
    '|---|---|---|---|',
    ...rows,
    '',
    'The peers run V8\'s CpuProfiler, which puts the isolate in its profiling mode: every call from JavaScript into a C++ API callback then goes through a thunk that records it. ' +
      'hotpath samples with its own timers and signal handler and leaves that mode off.',
  ]);
  figs.save();
}

if (process.argv[2] === 'child') await child(process.argv[3] as ProfilerName);
else await main();
