// Benchmark: encode a realistic 60 s time profile (4 threads x 6,000 samples, stack depth
// 10-60 drawn from 3,000 distinct frames, 3 sample types, thread labels) to gzipped pprof
// with hotpath's WASM core, pprof-format and protobufjs. Every encoder gets the same input
// (frames + samples as frame indexes) and is timed from that input to gzipped bytes at the
// same gzip level (hotpath: its WASM deflate; the others: pako, the pure-JS gzip a browser
// build would use). Median of RUNS runs after WARMUP, each encoder in a fresh process.
// Writes the "Encode" section of bench/RESULTS.md.
//   npm run build:wasm && npm run build:ts && npm run bench:encode
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { gzip } from 'pako';
import protobuf from 'protobufjs';
import * as PF from 'pprof-format';
import { ProfileBuilder, decodeProfile, DEFAULT_GZIP_LEVEL } from '../src/index.js';
import { Figures } from './lib/common.js';

const RUNS = Number(process.env.RUNS ?? 21);
const WARMUP = Number(process.env.WARMUP ?? 5);
const THREADS = 4;
const SAMPLES_PER_THREAD = 6000;
const N_FRAMES = 3000;
const STACKS_PER_THREAD = 1500;
const LEVEL = DEFAULT_GZIP_LEVEL;

// ---------------------------------------------------------------- input data (seeded)
let seed = 0x9e3779b9;
function rnd(): number {
  // mulberry32
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const irand = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));

interface InFrame { name: string; file: string; line: number }
interface InSample { thread: number; stack: Int32Array; values: [number, number, number] }

const verbs = ['handle', 'parse', 'render', 'resolve', 'emit', 'process', 'read', 'write', 'compute', 'validate'];
const nouns = ['Request', 'Buffer', 'Template', 'Promise', 'Event', 'Query', 'Row', 'Token', 'Chunk', 'Header'];
const frames: InFrame[] = [];
for (let i = 0; i < N_FRAMES; i++) {
  const mod = irand(0, 199);
  frames.push({
    name: `${verbs[i % 10]}${nouns[Math.floor(i / 10) % 10]}${i}`,
    file: mod < 120 ? `/srv/app/node_modules/pkg${mod}/lib/index.js` : `/srv/app/src/module${mod}.js`,
    line: irand(1, 2000),
  });
}

// Per thread, a pool of distinct stacks that share root-side prefixes (as call trees do),
// drawn with a Zipf-like weight: a few hot stacks, a long tail.
const samples: InSample[] = [];
for (let t = 0; t < THREADS; t++) {
  const pool: Int32Array[] = [];
  for (let s = 0; s < STACKS_PER_THREAD; s++) {
    const depth = irand(10, 60);
    const rootFirst: number[] = [];
    if (pool.length > 0 && rnd() < 0.8) {
      const parent = pool[irand(0, pool.length - 1)];
      const keep = irand(0, Math.min(parent.length, depth) - 1);
      for (let k = 0; k < keep; k++) rootFirst.push(parent[parent.length - 1 - k]);
    }
    while (rootFirst.length < depth) rootFirst.push(irand(0, N_FRAMES - 1));
    pool.push(Int32Array.from(rootFirst.reverse())); // leaf first
  }
  for (let i = 0; i < SAMPLES_PER_THREAD; i++) {
    const r = Math.floor(STACKS_PER_THREAD * Math.pow(rnd(), 2.5));
    samples.push({ thread: t, stack: pool[r], values: [1, irand(9_000_000, 11_000_000), irand(0, 10_000_000)] });
  }
}
const threadLabels = (t: number) => [
  { key: 'thread id', num: t },
  { key: 'thread name', str: t === 0 ? 'main' : `worker-${t}` },
  { key: 'os thread id', num: 4000 + t },
];
const sampleTypes = [
  { type: 'samples', unit: 'count' },
  { type: 'wall', unit: 'nanoseconds' },
  { type: 'cpu', unit: 'nanoseconds' },
];
const TIME = 1_700_000_000_000_000_000n;
const DURATION = 60e9;
const PERIOD = 10_000_000;

// ---------------------------------------------------------------- encoders
// One builder for the process, reset() for each profile: how a profiler uses it each period.
let builder: ProfileBuilder | undefined;
function hotpath(): Uint8Array {
  builder ??= new ProfileBuilder({
    sampleTypes, periodType: { type: 'wall', unit: 'nanoseconds' }, period: PERIOD, gzipLevel: LEVEL,
  });
  const b = builder;
  b.reset();
  b.setTimeNanos(TIME);
  b.setDurationNanos(DURATION);
  const loc = new Int32Array(N_FRAMES);
  for (let i = 0; i < N_FRAMES; i++) loc[i] = b.internFrame(frames[i]);
  const sets = new Int32Array(THREADS);
  for (let t = 0; t < THREADS; t++) sets[t] = b.internLabels(threadLabels(t));
  let n = 0;
  for (const s of samples) n += 2 + s.stack.length;
  const records = new Int32Array(n);
  const values = new Float64Array(samples.length * 3);
  let r = 0;
  let v = 0;
  for (const s of samples) {
    records[r++] = sets[s.thread];
    records[r++] = s.stack.length;
    for (let k = 0; k < s.stack.length; k++) records[r++] = loc[s.stack[k]];
    values[v++] = s.values[0];
    values[v++] = s.values[1];
    values[v++] = s.values[2];
  }
  b.addSamples({ records, values, count: samples.length });
  return b.encode();
}

function pprofFormat(aggregate: boolean, nativeGzip = false): Uint8Array {
  const st = new PF.StringTable();
  const fns: PF.Function[] = [];
  const locs: PF.Location[] = [];
  for (let i = 0; i < N_FRAMES; i++) {
    const f = frames[i];
    fns.push(new PF.Function({ id: i + 1, name: st.dedup(f.name), filename: st.dedup(f.file) }));
    locs.push(new PF.Location({ id: i + 1, line: [new PF.Line({ functionId: i + 1, line: f.line })] }));
  }
  const labels = Array.from({ length: THREADS }, (_, t) =>
    threadLabels(t).map((l) =>
      new PF.Label(l.str !== undefined ? { key: st.dedup(l.key), str: st.dedup(l.str) } : { key: st.dedup(l.key), num: l.num })));
  const out: PF.Sample[] = [];
  if (aggregate) {
    const byKey = new Map<string, PF.Sample>();
    for (const s of samples) {
      const key = `${s.thread};${s.stack.join(',')}`;
      const e = byKey.get(key);
      if (e) {
        for (let k = 0; k < 3; k++) (e.value as number[])[k] += s.values[k];
      } else {
        const smp = new PF.Sample({ locationId: Array.from(s.stack, (x) => x + 1), value: s.values.slice(), label: labels[s.thread] });
        byKey.set(key, smp);
        out.push(smp);
      }
    }
  } else {
    for (const s of samples) {
      out.push(new PF.Sample({ locationId: Array.from(s.stack, (x) => x + 1), value: s.values, label: labels[s.thread] }));
    }
  }
  const p = new PF.Profile({
    sampleType: sampleTypes.map((t) => new PF.ValueType({ type: st.dedup(t.type), unit: st.dedup(t.unit) })),
    sample: out,
    location: locs,
    function: fns,
    stringTable: st,
    timeNanos: TIME,
    durationNanos: DURATION,
    periodType: new PF.ValueType({ type: st.dedup('wall'), unit: st.dedup('nanoseconds') }),
    period: PERIOD,
  });
  const raw = p.encode();
  return nativeGzip ? zlib.gzipSync(raw, { level: LEVEL }) : gzip(raw, { level: LEVEL });
}

const root = protobuf.loadSync(fileURLToPath(new URL('../../proto/profile.proto', import.meta.url)));
const PBProfile = root.lookupType('perftools.profiles.Profile');
function protobufjs(): Uint8Array {
  const strings = [''];
  const index = new Map<string, number>([['', 0]]);
  const s = (x: string) => {
    let i = index.get(x);
    if (i === undefined) {
      i = strings.length;
      strings.push(x);
      index.set(x, i);
    }
    return i;
  };
  const fn = [];
  const location = [];
  for (let i = 0; i < N_FRAMES; i++) {
    const f = frames[i];
    fn.push({ id: i + 1, name: s(f.name), filename: s(f.file) });
    location.push({ id: i + 1, line: [{ functionId: i + 1, line: f.line }] });
  }
  const labels = Array.from({ length: THREADS }, (_, t) =>
    threadLabels(t).map((l) => (l.str !== undefined ? { key: s(l.key), str: s(l.str) } : { key: s(l.key), num: l.num })));
  const sample = samples.map((x) => ({ locationId: Array.from(x.stack, (k) => k + 1), value: x.values, label: labels[x.thread] }));
  const msg = {
    sampleType: sampleTypes.map((t) => ({ type: s(t.type), unit: s(t.unit) })),
    sample, location, function: fn, stringTable: strings,
    timeNanos: TIME.toString(), durationNanos: DURATION,
    periodType: { type: s('wall'), unit: s('nanoseconds') }, period: PERIOD,
  };
  return gzip(PBProfile.encode(msg).finish(), { level: LEVEL });
}

// ---------------------------------------------------------------- run
// Each encoder runs in its own child process (same seeded input), so one encoder's garbage
// and JIT state do not land in another's timings.
const encoders: [string, () => Uint8Array][] = [
  ['hotpath (WASM core)', hotpath],
  ['pprof-format', () => pprofFormat(false)],
  ['pprof-format + JS aggregation', () => pprofFormat(true)],
  ['protobufjs', protobufjs],
  ['pprof-format + JS aggregation + node:zlib (Node only)', () => pprofFormat(true, true)],
];

const only = process.argv.find((a) => a.startsWith('--encoder='))?.slice('--encoder='.length);
if (only !== undefined) {
  const [name, f] = encoders[Number(only)];
  // Sanity: the output decodes to the input's totals.
  const totals = [0, 0, 0];
  for (const s of samples) for (let k = 0; k < 3; k++) totals[k] += s.values[k];
  const p = decodeProfile(f());
  const got = [0, 0, 0];
  for (const s of p.sample) for (let k = 0; k < 3; k++) got[k] += s.value[k];
  if (got.join() !== totals.join()) throw new Error(`${name}: totals ${got} != ${totals}`);
  const times: number[] = [];
  const cpuTimes: number[] = [];
  let size = 0;
  for (let round = 0; round < WARMUP + RUNS; round++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const out = f();
    const dt = performance.now() - t0;
    const c = process.cpuUsage(c0);
    if (round >= WARMUP) {
      times.push(dt);
      cpuTimes.push((c.user + c.system) / 1000);
    }
    size = out.length;
  }
  process.stdout.write(JSON.stringify({ name, times, cpuTimes, size, samples: p.sample.length }));
  process.exit(0);
}

const load = os.loadavg()[0].toFixed(1);
const distinct = new Set(samples.map((s) => `${s.thread};${s.stack.join(',')}`)).size;
const times = new Map<string, number[]>();
const cpuTimes = new Map<string, number[]>();
const sizes = new Map<string, number>();
const self = fileURLToPath(import.meta.url);
encoders.forEach(([name], i) => {
  const r = JSON.parse(execFileSync(process.execPath, [self, `--encoder=${i}`], { encoding: 'utf8', maxBuffer: 1 << 24 }));
  times.set(name, r.times);
  cpuTimes.set(name, r.cpuTimes);
  sizes.set(name, r.size);
  console.error(`${name}: done`);
});
const median = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const hp = median(times.get(encoders[0][0])!);
const hpCpu = median(cpuTimes.get(encoders[0][0])!);
const hpSize = sizes.get(encoders[0][0])!;
const rows = encoders.map(([name]) => {
  const m = median(times.get(name)!);
  const c = median(cpuTimes.get(name)!);
  const sz = sizes.get(name)!;
  return `| ${name} | ${m.toFixed(1)} | ${(m / hp).toFixed(2)}x | ${c.toFixed(1)} | ${(c / hpCpu).toFixed(2)}x | ${sz.toLocaleString('en-US')} | ${(sz / hpSize).toFixed(2)} |`;
});
const cpu = os.cpus();
const system = `System: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)} (load average at start ${load})`;
const section = [
  '<!-- encode:start (written by bench/encode.ts; `npm run bench:encode`) -->',
  '## Encode: samples to gzipped pprof',
  '',
  system,
  '',
  `Input: ${THREADS} threads x ${SAMPLES_PER_THREAD.toLocaleString('en-US')} samples (${distinct.toLocaleString('en-US')} distinct stack+thread keys), ` +
    `depth 10-60 from ${N_FRAMES.toLocaleString('en-US')} distinct frames, 3 sample types, 3 thread labels. ` +
    `Each encoder is timed from the same frames and samples to gzipped bytes, gzip level ${LEVEL} for all (hotpath: its own WASM deflate; the others: pako, the pure-JS gzip that also runs in browsers; last row: Node's native zlib), ` +
    `median of ${RUNS} runs after ${WARMUP} warm-up runs, each encoder in its own process. ` +
    'CPU ms is the process\'s user + system time per run (all threads, GC included), steadier than wall time on a shared machine.',
  '',
  '| encoder | median wall ms | wall vs hotpath | median CPU ms | CPU vs hotpath | gzipped bytes | size vs hotpath |',
  '|---|---|---|---|---|---|---|',
  ...rows,
  '',
  'hotpath reuses one ProfileBuilder (reset() per profile, as a profiler does each period), interns frames and label sets, hands all samples over as one packed batch, sums equal ' +
    '(stack, labels) keys in WASM and writes pprof there; pprof-format and protobufjs get one Sample per input ' +
    'sample (the "+ JS aggregation" row sums equal keys first with a Map, as hotpath does).',
  '<!-- encode:end -->',
].join('\n');

// BENCH_RESULTS: trial runs of the suite write elsewhere (bench/lib/common.ts).
const resultsPath = process.env.BENCH_RESULTS || fileURLToPath(new URL('../../bench/RESULTS.md', import.meta.url));
let doc = existsSync(resultsPath) ? readFileSync(resultsPath, 'utf8') : '# Benchmark results\n';
const re = /<!-- encode:start[\s\S]*?<!-- encode:end -->/;
doc = re.test(doc) ? doc.replace(re, section) : `${doc.trimEnd()}\n\n${section}\n`;
writeFileSync(resultsPath, doc);
console.log(section);
// Machine-readable: each encoder's wall and CPU ms per encode over its runs (bench/compare.ts).
const figs = new Figures('encode', system);
for (const [name] of encoders) {
  figs.add(`${name}, wall ms per encode`, times.get(name)!);
  figs.add(`${name}, CPU ms per encode`, cpuTimes.get(name)!);
}
figs.save();
