// Recursion 10,000 frames deep (test/fixtures/hostile/deep.mjs): V8's CpuProfiler keeps only
// the innermost 255 raw frames of a stack, hotpath keeps MAX_STACK_FRAMES of what V8 gave and
// ends a cut stack in `<N+ frames omitted>`. Checked against recursions of 10 and 150 frames
// from the same call site, whose true depth is known: there N is exact.
import t from 'tap';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeProfile } from '../../dist/src/index.js';
import { MAX_STACK_FRAMES } from '../../dist/src/aggregate/stack-batch.js';
import { requireGo } from '../helpers/system-tools.js';

requireGo();

const FIXTURE = fileURLToPath(new URL('../fixtures/hostile/deep.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'hotpath-deep-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const out = join(dir, 'deep.pb.gz');
// tap preloads its own hooks through NODE_OPTIONS: the profiled program runs without them.
const r = spawnSync('env', ['-u', 'NODE_OPTIONS', process.execPath, FIXTURE, out], { encoding: 'utf8', timeout: 120_000 });
const bytes = readFileSync(out);
const profile = decodeProfile(bytes);
const fnById = new Map(profile.function.map((f) => [f.id, f]));
const locById = new Map(profile.location.map((l) => [l.id, l]));
const stacks = profile.sample.map((s) => ({
  names: s.locationId.map((id) => fnById.get(locById.get(id)!.line[0].functionId)!.name),
  samples: s.value[0],
}));
const MARKER = /^<(\d+)\+ frames omitted>$/;

/** Samples in the bottom of recursion `fn` (in spin or below it). */
const bottom = (fn: string) => stacks.filter((s) => s.names.includes('spin') && s.names.includes(fn));
const count = (ss: typeof stacks) => ss.reduce((a, s) => a + s.samples, 0);

t.equal(r.status, 0, `fixture ran (${r.stderr.trim()})`);

t.test('a shallow stack is kept whole', async (t) => {
  const ss = bottom('rec10');
  t.ok(count(ss) >= 30, `${count(ss)} samples in rec10`);
  for (const s of ss) {
    t.equal(s.names.filter((n) => n === 'rec10').length, 11, 'rec10(10) .. rec10(0): 11 frames');
    t.notOk(s.names.some((n) => MARKER.test(n)), 'no omitted-frames frame');
  }
});

t.test('150 frames: cut to the limit, N exact against the true depth', async (t) => {
  // Frames below the outermost rec* frame (run, the module, the loader): the same for every
  // depth, read from the whole rec10 stacks.
  const shallow = bottom('rec10');
  const below = new Set(shallow.map((s) => s.names.length - 1 - s.names.lastIndexOf('rec10')));
  t.equal(below.size, 1, `frames below the recursion: ${[...below]}`);
  const ss = bottom('rec150');
  t.ok(count(ss) >= 30, `${count(ss)} samples in rec150`);
  for (const s of ss) {
    t.equal(s.names.length, MAX_STACK_FRAMES, `kept ${s.names.length} frames`);
    const m = MARKER.exec(s.names[s.names.length - 1]);
    t.ok(m, `ends in ${s.names[s.names.length - 1]}`);
    const aboveRecursion = s.names.indexOf('rec150');
    const trueDepth = aboveRecursion + 151 + [...below][0];
    t.equal(Number(m![1]), trueDepth - (MAX_STACK_FRAMES - 1), `N = true depth ${trueDepth} - ${MAX_STACK_FRAMES - 1} kept`);
  }
});

t.test('10,000 frames: V8 keeps ~255, hotpath keeps the limit and says how many it dropped', async (t) => {
  const ss = stacks.filter((s) => s.names.includes('rec10000'));
  t.ok(count(ss) >= 30, `${count(ss)} samples in rec10000`);
  const v8Depths = new Set<number>();
  for (const s of ss) {
    if (s.names.length < MAX_STACK_FRAMES) continue; // on the way down
    t.equal(s.names.length, MAX_STACK_FRAMES, 'kept frames');
    const m = MARKER.exec(s.names[s.names.length - 1]);
    t.ok(m, 'ends in the omitted-frames frame');
    t.notOk(s.names.includes('run'), 'the recursion\'s caller is beyond what V8 kept');
    v8Depths.add(Number(m![1]) + MAX_STACK_FRAMES - 1);
  }
  const depths = [...v8Depths].sort((a, b) => a - b);
  // V8's TickSample holds 255 raw frames; hotpath's sampler shows the JS ones it can name
  // (entry and exit frames, and code moved mid-sample, are left out: 199-256 on Node 24 in a
  // clean-clone CI run, where the CpuProfiler's inlined frames gave 200-300).
  t.ok(depths[0] >= 150 && depths[depths.length - 1] <= 300, `V8 gave ${depths.join(', ')} frames (of 10,000)`);
  t.ok(bytes.length < 64 * 1024, `profile ${bytes.length} bytes`);
  t.ok(profile.location.length < 500, `${profile.location.length} locations`);
});

t.test('go tool pprof reads it and shows the omitted-frames frame', async (t) => {
  const traces = execFileSync('go', ['tool', 'pprof', '-traces', out], {
    encoding: 'utf8', timeout: 60_000, env: { ...process.env, HOME: dir, PPROF_TMPDIR: dir },
  });
  t.match(traces, /<\d+\+ frames omitted>/);
  t.match(traces, /rec10000/);
});
