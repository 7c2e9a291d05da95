// Cost of the event-loop blocks profile, in alternating pairs of fresh processes (none,
// hotpath = createEventLoopCollector(settings): 50 ms threshold, heartbeat every 10 ms):
//   callbacks: 40,000 short callbacks (50 µs of work each, setImmediate chain) and no block:
//              what the heartbeat and the idle watchdog cost (process CPU, all threads).
//   block:     three synchronous blocks of a fixed amount of work (~200 ms each): how much
//              CPU a block costs more while the watchdog samples its stack through the
//              inspector (attach, Debugger.enable, a pause every 10 ms, detach).
// Writes the "Event-loop blocks" section of bench/RESULTS.md.
//   npm run build:ts && node dist/bench/eventloop.js        (PAIRS=7 by default)
import { fileURLToPath } from 'node:url';
import { PAIRS, pairs, row, settingsFor, settle, spin, systemLine, writeSection } from './contention.js';

const CALLBACKS = 40_000;
const BLOCK_WORK = Number(process.env.BLOCK_WORK ?? 80_000_000);

function work(n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.sqrt(i) * (i & 7);
  return s;
}

async function child(workload: string, variant: string): Promise<Record<string, number>> {
  let collector = null as { stop(p: unknown, c: string[]): Promise<unknown> } | null;
  if (variant !== 'none') {
    const { createEventLoopCollector } = await import('../src/eventloop/collector.js');
    const settings = (await settingsFor('eventloop')) as Parameters<typeof createEventLoopCollector>[0];
    collector = createEventLoopCollector(settings) as never;
  }
  await settle();
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
    // Three blocks of the same fixed work (~200 ms here), timed in process CPU (the
    // watchdog's own CPU during the block included): wall time swings on a shared machine.
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const b0 = process.cpuUsage();
      work(BLOCK_WORK);
      const b = process.cpuUsage(b0);
      blockMs += (b.user + b.system) / 1000;
    }
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await collector?.stop({ timeNanos: 0n, durationNanos: 0 }, []);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000, blockMs };
}

async function main(): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const callbacks = await pairs(self, 'callbacks', 'cpuMs');
  const block = await pairs(self, 'block', 'blockMs');
  writeSection('eventloop', [
    '<!-- eventloop:start (written by bench/eventloop.ts; `npm run bench:collectors`) -->',
    '## Event-loop blocks profile',
    '',
    systemLine(),
    '',
    `${PAIRS} alternating pairs of fresh processes (none, hotpath = \`createEventLoopCollector(settings)\`: 50 ms threshold, heartbeat every 10 ms, a stack every 10 ms during a block); median of the paired ratios hotpath / none.`,
    '',
    '| workload | measure | median ratio (hotpath / none) | min | max |',
    '|---|---|---|---|---|',
    row(`${CALLBACKS.toLocaleString('en-US')} short callbacks (50 µs each), no block`, 'process CPU (all threads)', callbacks),
    row('three synchronous blocks of fixed work (~200 ms each)', 'CPU time of the blocks (all threads)', block),
    '',
    'Between blocks the profile costs a 10 ms timer on the main thread (two Atomics stores, and a read of the thread\'s CPU clock when the addon is built) and a poll every 25 ms (half the threshold) on the watchdog thread. ' +
    'During a block the watchdog attaches an inspector session to the main thread, enables the Debugger domain (about 35 µs per loaded script, on the main thread: a big application pays milliseconds at the start of each block), ' +
    'and pauses the main thread every 10 ms for its call frames (0.3 ms + ~0.1 ms per frame); it detaches as soon as the loop turns again, because an enabled Debugger slows every `await` (bench/RESULTS.md, Exceptions profile). ' +
    'So a block is made somewhat longer by being profiled, and a program without blocks pays almost nothing.',
    '<!-- eventloop:end -->',
  ]);
}

if (process.argv[2] === 'child') {
  console.log('RESULT ' + JSON.stringify(await child(process.argv[3], process.argv[4])));
} else {
  await main();
}
