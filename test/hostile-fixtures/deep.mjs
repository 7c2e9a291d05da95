// Recursion 10, 150 and 10,000 frames deep, each ending in 400 ms of CPU, profiled at 1 ms.
// usage: node deep.mjs OUT.pb.gz
import { writeFileSync } from 'node:fs';

const { startTimeProfiler } = await import(new URL('../../dist/src/collect/time-profiler.js', import.meta.url).href);

function spin(ms) {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x += Math.sqrt(x + 1);
  return x;
}
// Three copies, so that each depth's samples can be told apart by name.
function rec10(n) { return n === 0 ? spin(400) : rec10(n - 1) + 1; }
function rec150(n) { return n === 0 ? spin(400) : rec150(n - 1) + 1; }
function rec10000(n) { return n === 0 ? spin(400) : rec10000(n - 1) + 1; }
function run(f, depth) { return f(depth); }

const p = startTimeProfiler({ intervalMicros: 1000, periodMs: 600_000 });
run(rec10, 10);
run(rec150, 150);
run(rec10000, 10_000);
writeFileSync(process.argv[2], await p.flush());
await p.stop();
