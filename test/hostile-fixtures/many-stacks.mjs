// Many distinct stacks from real sampling: 4 levels of 40 generated functions each, every call
// choosing the next level's function at random (2.56 million possible stacks), profiled at
// 100 us with periods of PERIOD_MS, for PERIODS periods. Prints one JSON line: per profile, its
// file, the aggregator's per-thread sample counts and the process's RSS when it arrived.
// usage: node many-stacks.mjs OUT_DIR PERIOD_MS PERIODS
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import vm from 'node:vm';

const { startTimeProfiler } = await import(new URL('../../dist/src/collect/time-profiler.js', import.meta.url).href);
const [outDir, periodArg, periodsArg] = process.argv.slice(2);
const periodMs = Number(periodArg);
const periods = Number(periodsArg);

const LEVELS = 4;
const WIDTH = 40;
let src = 'const T = [];\n';
for (let level = 0; level < LEVELS; level++) {
  src += `T[${level}] = [];\n`;
  for (let i = 0; i < WIDTH; i++) {
    // The high bits of the generator: its low bits repeat with short periods.
    const body = level === LEVELS - 1
      ? 'let x = 0; for (let k = 0; k < 2000; k++) x += k ^ r; return x;'
      : `r = (Math.imul(r, 1103515245) + 12345) >>> 0; return T[${level + 1}][(r >>> 16) % ${WIDTH}](r);`;
    src += `T[${level}][${i}] = function level${level}_${i}(r) { ${body} };\n`;
  }
}
src += 'T;';
const T = vm.runInThisContext(src, { filename: '/srv/generated/levels.js' });

const results = [];
const p = startTimeProfiler({
  intervalMicros: 100,
  periodMs,
  onProfile: (bytes, meta) => {
    const file = join(outDir, `period${results.length}.pb.gz`);
    writeFileSync(file, bytes);
    results.push({ file, threadSamples: meta.threads.map((t) => t.samples), rss: process.memoryUsage().rss });
  },
});
let r = 1;
// Work in slices, so that the period timer runs.
while (results.length < periods) {
  const end = performance.now() + 50;
  while (performance.now() < end) {
    r = (Math.imul(r, 1103515245) + 12345) >>> 0;
    T[0][(r >>> 16) % WIDTH](r);
  }
  await new Promise((resolve) => setImmediate(resolve));
}
await p.stop();
console.log(JSON.stringify(results.slice(0, periods)));
