// Two copies of hotpath in one process, as when another package brings its own: argv[2] is the
// first copy's dist/src/index.js, argv[3] the second's. The first starts the profiler; the
// second's start() must join it, and labels set through either copy must reach its samples.
// Prints RESULT {same, profiles: [{labels: {value: [samples, wall, cpu]}}], truth: {a, b}
// (the main thread's CPU ns of each labelled spin), samplers: number of hotpath-sampler threads}.
import { readdirSync, readFileSync } from 'node:fs';

const first = await import(process.argv[2]);
const second = await import(process.argv[3]);
const addon = (await import(new URL('collect/native.js', `file://${process.argv[2]}`).href)).loadNative();
const profiles = [];
const p1 = first.start({ profiles: ['time'], exporter: 'none', samplingInterval: '2ms', onProfile: (p) => profiles.push(p) });
const p2 = second.start({ profiles: ['time'], exporter: 'none' });
const current = second.current() === p1;

/** Spins `ms`; returns the main thread's CPU ns it took (its own clock). */
function spin(ms) {
  const c0 = addon.threadCpuNs();
  const end = Date.now() + ms;
  let x = 0;
  while (Date.now() < end) x += Math.sqrt(x + 1);
  return { ns: addon.threadCpuNs() - c0, x };
}
const a = first.withLabels({ copy: 'first' }, () => spin(600));
const b = second.withLabels({ copy: 'second' }, () => spin(600));
const samplers = readdirSync('/proc/self/task').filter((t) => readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim() === 'hotpath-sampler').length;
await p1.stop();
const out = profiles.filter((p) => p.kind === 'time').map((p) => {
  const d = first.decodeProfile(p.bytes);
  const labels = {};
  for (const s of d.sample) {
    const v = s.label.find((l) => l.key === 'copy')?.str ?? '(none)';
    labels[v] ??= [0, 0, 0];
    for (let i = 0; i < 3; i++) labels[v][i] += s.value[i];
  }
  return { labels };
});
process.stdout.write('RESULT ' + JSON.stringify({ same: p1 === p2, current, profiles: out, truth: { first: a.ns, second: b.ns }, samplers }) + '\n');
