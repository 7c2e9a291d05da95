// Where hotpath's RSS goes: a small CPU-bound program (a slice of work every 20 ms) measured
// alone and with each part of what hotpath adds, one part more per configuration, alternating
// over ROUNDS rounds; RSS after PART_SECONDS. The parts: a bare worker thread (the aggregation
// worker's floor), the first WebAssembly builder in it (V8's WASM engine and one instance),
// hotpath's module graph on the main thread, then hotpath itself (preloaded with
// --import hotpath/register, 2 s periods written to files) with one kind at a time and with
// the default and all kinds.
//   node dist/bench/memory-parts.js      ROUNDS (5), PART_SECONDS (12) override the defaults
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Figures, quick, result, root, rounds, runNode, setting, systemLine, writeSection } from './lib/common.js';

const ROUNDS = setting('ROUNDS', 5, 1);
const SECONDS = setting('PART_SECONDS', 12, 4);
const self = fileURLToPath(import.meta.url);
const register = path.join(root, 'dist', 'src', 'register.js');
const builderUrl = new URL('../src/profile/builder.js', import.meta.url).href;

/** Configuration -> what it adds over the one before (for the table) and how it runs. */
const CONFIGS: { name: string; adds: string; profiles?: string }[] = [
  { name: 'alone', adds: 'the program alone' },
  { name: 'worker', adds: 'a bare worker thread' },
  { name: 'wasm', adds: 'the first WASM builder in that worker' },
  { name: 'modules', adds: "hotpath's main-thread modules (import of hotpath/profiler, nothing started)" },
  { name: 'time', adds: 'hotpath, time', profiles: 'time' },
  { name: 'heap', adds: 'hotpath, heap', profiles: 'heap' },
  { name: 'events', adds: 'hotpath, contention and exceptions', profiles: 'contention,exceptions' },
  { name: 'default', adds: 'hotpath, default kinds (time,heap)', profiles: 'time,heap' },
  { name: 'all', adds: 'hotpath, all five kinds', profiles: 'time,heap,contention,exceptions,eventloop' },
];

async function child(config: string): Promise<void> {
  if (config === 'worker') new Worker('setInterval(() => {}, 1000)', { eval: true }).unref();
  if (config === 'wasm') {
    const src = `import(${JSON.stringify(builderUrl)}).then((m) => m.ProfileBuilder.create({ sampleTypes: [{ type: 's', unit: 'count' }] })).then(() => setInterval(() => {}, 1000))`;
    new Worker(src, { eval: true }).unref();
  }
  if (config === 'modules') await import('../src/profiler.js');
  const work = (): number => {
    let s = 0;
    for (let i = 0; i < 2e6; i++) s += Math.sqrt(i);
    return s;
  };
  const timer = setInterval(work, 20);
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  clearInterval(timer);
  result({ rssMb: process.memoryUsage().rss / 1048576 });
}

async function main(): Promise<void> {
  const system = systemLine();
  const out = mkdtempSync(path.join(tmpdir(), 'hotpath-memory-parts-'));
  const res = await rounds(CONFIGS.map((c) => c.name), ROUNDS, (name) => {
    const c = CONFIGS.find((x) => x.name === name)!;
    return runNode<{ rssMb: number }>(self, ['child', name], {
      flags: c.profiles ? ['--import', register] : [],
      env: c.profiles ? { HOTPATH_PROFILES: c.profiles, HOTPATH_PERIOD: '2s', HOTPATH_OUT: out, HOTPATH_SERVICE: 'parts' } : {},
      timeoutMs: (SECONDS + 60) * 1000,
    });
  }, 'memory-parts');
  rmSync(out, { recursive: true, force: true });
  const fig = new Figures('memory-parts', system);
  const alone = fig.add('alone MB', res.alone!.map((r) => r.rssMb)).median;
  const rows = CONFIGS.map((c) => {
    const s = fig.add(`${c.name} MB`, res[c.name]!.map((r) => r.rssMb));
    return `| ${c.adds} | ${s.median.toFixed(1)} | ${c.name === 'alone' ? '' : `+${(s.median - alone).toFixed(1)}`} | ${s.min.toFixed(1)}-${s.max.toFixed(1)} |`;
  });
  fig.save();
  writeSection('memory-parts', [
    '## Where the RSS goes (bench/memory-parts.ts)',
    '',
    `A small CPU-bound program (a slice of work every 20 ms), RSS after ${SECONDS} s, ${ROUNDS} alternating rounds. The rows up to the modules are the parts hotpath is made of, measured apart; the others are hotpath preloaded with the kinds named, 2 s periods to files.`,
    '',
    '| configuration | RSS, MB (median) | over the program alone | range |',
    '|---|---|---|---|',
    ...rows,
    '',
    `${system}${quick ? ' (quick run)' : ''}.`,
  ]);
}

if (process.argv[2] === 'child') await child(process.argv[3]!);
else await main();
