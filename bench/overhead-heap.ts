// Overhead of heap profiling on an allocation-heavy workload, hotpath vs @datadog/pprof and
// Google's pprof, all at a 512 KiB mean sampling interval and 64 frames, against no profiler.
//   hotpath  start({ profiles: 'heap', exporter: 'none' }) (live heap plus allocations from its
//            GC-interval reads; the default 60 s period, so no period end in the timed part)
//   datadog  heap.start(524288, 64); the profile taken after the timed part (heap.profile + encode)
//   pprof    heap.start(524288, 64); the same
// Rounds of fresh processes in rotated order; medians of paired ratios with their spread.
//   node dist/bench/overhead-heap.js [--quick]       (ROUNDS, STEPS override the defaults)
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import {
  cpuMsSince, Figures, fmtRatio, median, pairedRatios, ratioCells, result, rounds, runNode, setting, systemLine, writeSection,
} from './lib/common.js';

const ROUNDS = setting('ROUNDS', 10, 2);
const STEPS = setting('STEPS', 40_000, 15_000);
const INTERVAL = 512 * 1024;
const CONFIGS = ['none', 'hotpath', 'datadog', 'pprof'];
const self = fileURLToPath(import.meta.url);
const require = createRequire(import.meta.url);

interface Item { id: number; name: string; tags: string[]; nested: { at: number; list: number[] } }
const recent = new Map<number, Item>();
let sink = 0;
/** Objects, arrays, strings and JSON; a Map keeps the last 20,000 items alive (a live heap). */
function step(i: number): void {
  const batch: Item[] = [];
  for (let k = 0; k < 16; k++) {
    const n = i * 16 + k;
    batch.push({ id: n, name: `item-${n}`, tags: ['a' + (n & 7), 'b' + (n & 15)], nested: { at: n, list: [n, n + 1, n + 2] } });
  }
  const s = JSON.stringify(batch.map((x) => ({ id: x.id, label: x.name.toUpperCase() })));
  sink += (JSON.parse(s) as unknown[]).length;
  recent.set(i, batch[0]);
  if (recent.size > 20000) recent.delete(i - 20000);
}

async function child(name: string): Promise<void> {
  let take: () => Promise<number> = async () => 0;
  if (name === 'hotpath') {
    const { start } = await import('../src/profiler.js');
    let bytes = 0;
    const p = start({ profiles: 'heap', exporter: 'none', heapSamplingInterval: INTERVAL, overheadCap: 1, onProfile: (e) => { bytes += e.bytes.length; } });
    if (p.kinds.length === 0) throw new Error('hotpath did not start');
    take = async () => {
      await p.stop();
      return bytes;
    };
  } else if (name === 'datadog' || name === 'pprof') {
    const m = require(name === 'datadog' ? '@datadog/pprof' : 'pprof') as {
      heap: { start(i: number, d: number): void; profile(): unknown; stop(): void }; encode(p: unknown): Promise<Uint8Array>;
    };
    m.heap.start(INTERVAL, 64);
    take = async () => {
      const b = await m.encode(m.heap.profile());
      m.heap.stop();
      return b.length;
    };
  }
  for (let i = 0; i < 2000; i++) step(i); // warm-up
  await new Promise((r) => setTimeout(r, 300)); // helper threads started
  // Every configuration starts the timed part from a collected heap: what module loading left
  // (the peers load more JavaScript than none) otherwise decides whether a full GC falls inside
  // the short timed part or not.
  (globalThis as { gc?: () => void }).gc?.();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < STEPS; i++) step(i);
  const wallMs = performance.now() - t0;
  const cpuMs = cpuMsSince(c0);
  const profileBytes = await take();
  result({ wallMs, cpuMs, profileBytes, sink: sink & 1 });
}

interface Run { wallMs: number; cpuMs: number; profileBytes: number; [k: string]: number }

async function main(): Promise<void> {
  const system = systemLine();
  const res = await rounds(CONFIGS, ROUNDS, (c) => runNode<Run>(self, ['child', c], { flags: ['--expose-gc'] }), 'overhead-heap');
  const cpuMed: Record<string, number> = {};
  const figs = new Figures('overhead-heap', system);
  const rows = CONFIGS.slice(1).map((c) => {
    const cpu = pairedRatios(res, c, 'none', 'cpuMs');
    cpuMed[c] = figs.add(`${c} / none, process CPU`, cpu).median;
    figs.add(`${c} / none, wall time`, pairedRatios(res, c, 'none', 'wallMs'));
    return `| ${c} | ${ratioCells(pairedRatios(res, c, 'none', 'wallMs'))} | ${ratioCells(cpu)} | ${median(res[c].map((r) => r.profileBytes)).toFixed(0)} |`;
  });
  const behind = ['datadog', 'pprof'].filter((c) => cpuMed[c] < cpuMed.hotpath);
  writeSection('overhead-heap', [
    '## Overhead: heap profile on an allocation-heavy workload, hotpath vs peers',
    '',
    system,
    '',
    `Method: ${ROUNDS} rounds; in each round every configuration runs once in a fresh process, order rotated every round (reversed every other round); ` +
      'figures are medians of the paired ratios configuration / none from the same round, spread = interquartile range, then min-max. ' +
      `Workload: ${STEPS.toLocaleString('en-US')} steps of 16 objects, strings and a JSON round trip, with a Map holding the last 20,000 items (a live heap), after a warm-up, a 300 ms pause and a full GC (\`gc()\`, in every configuration alike, so that what module loading left on the heap does not decide whether a full collection falls inside the short timed part). ` +
      'All three sample at a 512 KiB mean interval with 64 frames. hotpath: `start({ profiles: \'heap\' })` with the default 60 s period (live heap plus allocations from its GC-interval reads, adaptive within its budget); ' +
      'the peers keep V8\'s sampling heap profiler on (live heap only) and their profile is taken after the timed part; profile bytes = that one gzipped profile (hotpath: the profile written at stop).',
    '',
    '| profiler | wall time ratio | spread | process CPU ratio | spread | profile bytes (median) |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    `Median none run: ${median(res.none.map((r) => r.wallMs)).toFixed(0)} ms wall, ${median(res.none.map((r) => r.cpuMs)).toFixed(0)} ms CPU. ` +
      (behind.length
        ? `**hotpath is behind ${behind.join(', ')} on process CPU here** (median ${fmtRatio(cpuMed.hotpath)} vs ${behind.map((b) => `${b} ${fmtRatio(cpuMed[b])}`).join(', ')}): it also records allocations (alloc_objects/alloc_space), which the peers' live-only heap profiles on Node 20 do not.`
        : 'hotpath\'s median CPU ratio is at or below the peers\' here, while also recording allocations, which their live-only heap profiles on Node 20 do not.'),
  ]);
  figs.save();
}

if (process.argv[2] === 'child') await child(process.argv[3]);
else await main();
