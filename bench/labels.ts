// What labels that follow `await` cost: an await-heavy workload (100 concurrent "requests" of 20
// awaits between small bursts), with each request under withLabels against the same without,
// no profiler in either (the labels' own cost). Fresh process per run, ROUNDS rounds in rotated
// order; figures are medians of the paired ratios labels / none.
//   node dist/bench/labels.js [--quick]        (ROUNDS, BATCHES override the defaults)
import { fileURLToPath } from 'node:url';
import { cpuMsSince, Figures, median, ratioCells, result, rounds, runNode, setting, systemLine, writeSection } from './lib/common.js';
import { leaf } from './lib/workloads.js';

const ROUNDS = setting('ROUNDS', 10, 3);
/** Batches of 100 concurrent requests in the timed part. */
const BATCHES = setting('BATCHES', 1000, 300);
const AWAITS = 20;
const CONFIGS = ['none', 'labels'];
const self = fileURLToPath(import.meta.url);

async function child(labelled: boolean): Promise<void> {
  // withLabels turns on the async_hooks before/after pair that keeps the label slot current.
  const { withLabels } = await import('../src/collect/labels.js');
  const request = async (i: number): Promise<number> => {
    let h = 0;
    for (let k = 0; k < AWAITS; k++) {
      h = (h + leaf(i + k)) | 0;
      await Promise.resolve();
    }
    return h;
  };
  const batch = async (): Promise<void> => {
    const ps: Promise<number>[] = [];
    for (let i = 0; i < 100; i++) ps.push(labelled ? withLabels({ route: i % 2 ? '/users' : '/orders' }, () => request(i)) : request(i));
    await Promise.all(ps);
  };
  for (let i = 0; i < 20; i++) await batch(); // warm-up
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < BATCHES; i++) await batch();
  result({ wallMs: performance.now() - t0, cpuMs: cpuMsSince(c0), awaits: BATCHES * 100 * AWAITS });
}

interface Run { wallMs: number; cpuMs: number; awaits: number }

async function main(): Promise<void> {
  const system = systemLine();
  const res = await rounds(CONFIGS, ROUNDS, (c) => runNode<Run>(self, ['child', c]), 'labels');
  const figs = new Figures('labels', system);
  const cpu = res.labels.map((r, i) => r.cpuMs / res.none[i].cpuMs);
  figs.add('labels / none, process CPU', cpu);
  const ns = figs.add('labels - none, CPU ns per await', res.labels.map((r, i) => ((r.cpuMs - res.none[i].cpuMs) * 1e6) / r.awaits));
  writeSection('labels', [
    '## Labels that follow `await`: their cost',
    '',
    system,
    '',
    `Method: ${ROUNDS} rounds, each configuration once per round in a fresh process (order rotated every round, reversed every other round). ` +
      `Workload: ${BATCHES} batches of 100 concurrent requests, each awaiting ${AWAITS} times between small bursts of JSON and arithmetic (bench/lib/workloads.ts \`leaf\`), after 20 batches of warm-up; ` +
      '`labels` runs every request under `withLabels({ route })`, `none` the same without; no profiler in either, so this is what labels alone cost.',
    '',
    '| measure | median | spread (IQR; min-max) |',
    '|---|---|---|',
    `| process CPU, labels / none | ${ratioCells(cpu)} |`,
    `| extra CPU per await | ${ns.median.toFixed(0)} ns | ${ns.q1.toFixed(0)}-${ns.q3.toFixed(0)}; ${ns.min.toFixed(0)}-${ns.max.toFixed(0)} ns |`,
    '',
    `Median none run: ${median(res.none.map((r) => r.cpuMs)).toFixed(0)} ms of CPU for ${(BATCHES * 100 * AWAITS).toLocaleString('en-US')} awaits. ` +
      'Where it goes: src/collect/labels.ts keeps the label set in an AsyncLocalStorage and, once any label is set, an async_hooks before/after pair writes the current set\'s id into the slot the SIGPROF hook reads, at every continuation. ' +
      'A program that never calls withLabels/setLabels does not install the hook and pays nothing; a handler that awaits a few times per request pays a few of these per request.',
  ]);
  figs.save();
}

if (process.argv[2] === 'child') await child(process.argv[3] === 'labels');
else await main();
