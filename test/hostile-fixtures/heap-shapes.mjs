// Allocations in a function with a 100 KB name (eval code) and in new Function code, under the
// heap profiler; writes the heap profile.
// usage: node --no-turbo-inlining heap-shapes.mjs OUT.pb.gz
import { writeFileSync } from 'node:fs';

const { startHeapCollector } = await import(new URL('../../dist/src/collect/heap-collector.js', import.meta.url).href);

const ALLOC = 'const a = []; for (let i = 0; i < 200; i++) a.push(new Array(62).fill(i)); return a.length;';
const longName = eval(`(function ${'H'.repeat(100_000)}() { ${ALLOC} })`);
const generated = new Function(ALLOC);
function burn(ms, f) {
  const end = performance.now() + ms;
  while (performance.now() < end) f();
}

const collector = startHeapCollector({});
// Interleaved: alloc_* are read in a sample of GC intervals, each must see both. 3 s, about a
// dozen reads: in 1 s a clean CI run read only 4 intervals (7 samples) and the long name got
// none of the alloc_space.
burn(3000, () => longName() + generated());
const period = { timeNanos: BigInt(Date.now()) * 1_000_000n, durationNanos: 1e9 };
writeFileSync(process.argv[2], await collector.endPeriod(period, []));
await collector.stop(period, []);
