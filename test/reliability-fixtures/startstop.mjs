// The profiler started and stopped N times in one process, with every kind, each run doing a
// little work. Prints memory, threads and open files after warm-up and at each quarter.
// Run with --expose-gc.
import { start } from '../../dist/src/index.js';
import { procStats } from './proc-stats.mjs';

const total = Number(process.argv[2] ?? 100);
const kinds = process.env.KINDS ?? 'time,heap,contention,exceptions,eventloop';
const stats = [];
let profiles = 0;
let timeProfiles = 0;

function startStopWork() {
  const end = performance.now() + 3;
  let x = 0;
  while (performance.now() < end) x += JSON.stringify({ x }).length;
  try {
    throw new TypeError('start-stop exception');
  } catch {}
  return x;
}

const warm = Math.max(10, total / 10);
for (let i = 1; i <= total; i++) {
  const p = start({ exporter: 'none', profiles: kinds, period: '60s', onProfile: (x) => {
    profiles++;
    if (x.kind === 'time') timeProfiles++;
  } });
  startStopWork();
  await p.stop();
  if (i === warm || i % (total / 4) === 0) stats.push(await procStats(`after ${i}`));
}
console.log('RESULT ' + JSON.stringify({ total, profiles, timeProfiles, stats }));
