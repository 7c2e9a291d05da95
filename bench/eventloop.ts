// Cost of the event-loop blocks profile, in rounds of fresh processes (none; time = the time
// profile alone; time+eventloop = both kinds, sharing one time profiler; eventloop = the blocks
// profile alone, which runs the time profiler's sampling without writing the time profile):
//   callbacks: 40,000 short callbacks (50 µs of work each, setImmediate chain), no block: every
//              turn goes through the addon's uv_prepare hook (one clock read) and the first JS
//              call after it (one more).
//   block:     three synchronous blocks of a fixed amount of work (~200 ms each), CPU time of
//              the blocks: what a block costs more while profiled.
// The blocks profile is made in the aggregation worker from the time samples, so its own cost
// is the ratio time+eventloop / time.
// Writes the "Event-loop blocks" section of bench/RESULTS.md.
//   npm run build:ts && node dist/bench/eventloop.js        (PAIRS=10 by default)
import { fileURLToPath } from 'node:url';
import { cpuMsSince, median, pairedRatios, ratioCells, result, rounds, runNode, setting, sleep, systemLine, writeSection } from './lib/common.js';

const CALLBACKS = 40_000;
const BLOCK_WORK = Number(process.env.BLOCK_WORK ?? 80_000_000);
const ROUNDS = setting('PAIRS', 10, 3);
const CONFIGS = ['none', 'time', 'time+eventloop', 'eventloop'];

function spin(us: number): void {
  const end = performance.now() + us / 1000;
  while (performance.now() < end);
}

function work(n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.sqrt(i) * (i & 7);
  return s;
}

interface Collector { stop(p: unknown, c: string[]): Promise<unknown> }

async function child(workload: string, config: string): Promise<Record<string, number>> {
  const collectors: Collector[] = [];
  if (config !== 'none') {
    const { resolveSettings } = await import('../src/common/settings.js');
    const { createTimeCollector } = await import('../src/collect/time-collector.js');
    const { createEventLoopCollector } = await import('../src/collect/eventloop-collector.js');
    const settings = resolveSettings({ profiles: config.replace('+', ',') }, {}, {});
    if (settings.profiles.includes('time')) collectors.push(createTimeCollector(settings) as Collector);
    if (settings.profiles.includes('eventloop')) collectors.push(createEventLoopCollector(settings) as Collector);
  }
  // The aggregation worker's start-up (a V8 isolate, WASM compilation) is a one-time cost: let
  // it finish first, in every configuration alike.
  await sleep(700);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let blockMs = 0;
  if (workload === 'callbacks') {
    await new Promise<void>((resolve) => {
      let left = CALLBACKS;
      const step = (): void => {
        spin(50);
        if (--left > 0) setImmediate(step);
        else resolve();
      };
      setImmediate(step);
    });
  } else {
    for (let i = 0; i < 3; i++) {
      await sleep(100);
      const b0 = process.cpuUsage();
      work(BLOCK_WORK);
      blockMs += cpuMsSince(b0);
    }
  }
  const wallMs = performance.now() - t0;
  const cpuMs = cpuMsSince(cpu0);
  const period = { timeNanos: 0n, durationNanos: 0 };
  await Promise.all(collectors.map((c) => c.stop(period, [])));
  return { wallMs, cpuMs, blockMs };
}

async function main(): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const run = (workload: string) => rounds(CONFIGS, ROUNDS, (config) => runNode(self, ['child', workload, config]), `eventloop ${workload}`);
  const callbacks = await run('callbacks');
  const block = await run('block');
  const rowsOf = (name: string, measure: string, res: Record<string, Record<string, number>[]>, key: string): string[] => [
    `| ${name} | ${measure} | time / none | ${ratioCells(pairedRatios(res, 'time', 'none', key))} |`,
    `| | | time+eventloop / none | ${ratioCells(pairedRatios(res, 'time+eventloop', 'none', key))} |`,
    `| | | **time+eventloop / time** (the blocks profile's own cost) | ${ratioCells(pairedRatios(res, 'time+eventloop', 'time', key))} |`,
    `| | | eventloop alone / none | ${ratioCells(pairedRatios(res, 'eventloop', 'none', key))} |`,
  ];
  writeSection('eventloop', [
    '## Event-loop blocks profile',
    '',
    systemLine(),
    '',
    `Method: ${ROUNDS} rounds; in each round every configuration runs once in a fresh process, in an order rotated every round (reversed every other round); ` +
    'ratios are paired within a round; cells: median ratio, then (interquartile range; min-max). Configurations: none; `time` (the time profile alone, 100 Hz); ' +
    '`time+eventloop` (both kinds on one shared time profiler, 50 ms threshold); `eventloop` (the blocks profile alone: the time profiler samples, only the blocks profile is written). ' +
    `Medians of none: callbacks ${median(callbacks.none.map((r) => r.cpuMs)).toFixed(0)} ms CPU, blocks ${median(block.none.map((r) => r.blockMs)).toFixed(0)} ms CPU.`,
    '',
    '| workload | measure | ratio | median | (IQR; min-max) |',
    '|---|---|---|---|---|',
    ...rowsOf(`${CALLBACKS.toLocaleString('en-US')} short callbacks (50 µs each), no block`, 'process CPU (all threads)', callbacks, 'cpuMs'),
    ...rowsOf('three synchronous blocks of fixed work (~200 ms each)', 'CPU time of the blocks (all threads)', block, 'blockMs'),
    '',
    'How it works, and why it costs so little: the addon\'s uv_prepare hook ends each loop turn (one clock read; a record only for a turn busy past the threshold), the first call into JS after it ends the turn\'s wait for I/O (one more clock read), ' +
    'and each SIGPROF record already written for the time profile carries the turn\'s number (4 bytes). The aggregation worker gives each block\'s time to the samples of its turn. ' +
    'Nothing runs on the profiled threads during a block, no thread is paused, no inspector is attached (the earlier design, which paused the main thread through the inspector, made blocks 11% slower and corrupted the time profile\'s attribution).',
  ]);
}

if (process.argv[2] === 'child') {
  result(await child(process.argv[3], process.argv[4]));
} else {
  await main();
}
