// V8 .cpuprofile → pprof model → collapsed stacks and speedscope, on a hand-made profile whose
// every number was worked out by hand (test/fixtures/small.*).
import t from 'tap';
import { readFileSync } from 'node:fs';
import { cpuProfileToProfile } from '../../dist/src/convert/cpuprofile.js';
import { heapProfileToProfile } from '../../dist/src/convert/heapprofile.js';
import { profileToCollapsed } from '../../dist/src/convert/collapsed.js';
import { profileToSpeedscope } from '../../dist/src/convert/speedscope.js';
import { topTable } from '../../dist/src/report/top.js';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
const small = JSON.parse(fixture('small.cpuprofile'));

t.test('the hand-made cpuprofile becomes samples/count and wall/nanoseconds per stack', async (t) => {
  const p = cpuProfileToProfile(small);
  t.same(p.sampleType, [
    { type: 'samples', unit: 'count' },
    { type: 'wall', unit: 'nanoseconds' },
  ]);
  t.equal(p.durationNanos, 11_100_000, 'endTime - startTime');
  t.equal(p.period, 1_000_000, 'median tick interval');
  t.same(p.periodType, { type: 'wall', unit: 'nanoseconds' });
  // 5 distinct leaf nodes were hit; ticks of one node are summed.
  t.equal(p.sample.length, 5);
  const totals = p.sample.reduce((a, s) => [a[0] + s.value[0], a[1] + s.value[1]], [0, 0]);
  t.same(totals, [10, 11_000_000], 'every tick counted; wall runs to endTime');
  const fn = p.function.find((f) => f.name === 'parse')!;
  t.equal(fn.filename, 'file:///app/app.js');
  t.equal(fn.startLine, 10, 'line numbers become 1-based');
  t.notOk(p.function.some((f) => f.name === '(root)'), '(root) is not a frame');
  t.ok(p.function.some((f) => f.name === '(garbage collector)'), 'V8 pseudo-frames are kept');
});

t.test('collapsed stacks match the hand-checked fixtures', async (t) => {
  const p = cpuProfileToProfile(small);
  t.equal(profileToCollapsed(p, { sampleType: 'samples' }), fixture('small.samples.folded'));
  t.equal(profileToCollapsed(p), fixture('small.wall.folded'), 'default type is the last (wall), as pprof picks it');
  const withFiles = profileToCollapsed(p, { sampleType: 'samples', fileNames: true });
  t.match(withFiles, /^main \(file:\/\/\/app\/app\.js:1\);parse \(file:\/\/\/app\/app\.js:10\) 1$/m);
  t.throws(() => profileToCollapsed(p, { sampleType: 'cpu' }), /no sample type "cpu"/);
});

t.test('flat/cum of the converted profile are the ones worked out by hand', async (t) => {
  const top = topTable(cpuProfileToProfile(small), 'samples');
  const row = (name: string) => top.rows.find((r) => r.name === name)!;
  t.same([row('tokenize; semi').flat, row('tokenize; semi').cum], [4, 4]);
  t.same([row('parse').flat, row('parse').cum], [1, 5]);
  t.same([row('main').flat, row('main').cum], [0, 7]);
  t.same([row('render').flat, row('render').cum], [2, 2]);
});

t.test('speedscope: one sampled profile per type, root-first stacks, frames shared', async (t) => {
  const s = profileToSpeedscope(cpuProfileToProfile(small), { name: 'small.cpuprofile' });
  t.equal(s.$schema, 'https://www.speedscope.app/file-format-schema.json');
  t.equal(s.profiles.length, 2);
  const [samples, wall] = s.profiles;
  t.equal(samples.unit, 'none');
  t.equal(wall.unit, 'nanoseconds');
  t.equal(samples.endValue, 10);
  t.equal(wall.endValue, 11_000_000);
  t.equal(s.activeProfileIndex, 1, 'wall first, as pprof would show it');
  for (const prof of s.profiles) {
    t.equal(prof.type, 'sampled');
    t.equal(prof.samples.length, prof.weights.length);
    for (const stack of prof.samples) for (const i of stack) t.ok(i >= 0 && i < s.shared.frames.length);
  }
  const names = (stack: number[]) => stack.map((i) => s.shared.frames[i].name).join(';');
  const heaviest = samples.samples[samples.weights.indexOf(Math.max(...samples.weights))];
  t.equal(names(heaviest), 'main;parse;tokenize; semi', 'root first; speedscope takes names as they are');
  t.same(s.shared.frames.find((f) => f.name === 'render'), { name: 'render', file: 'file:///app/ui.js', line: 5 });
  t.same(JSON.parse(JSON.stringify(s)), s, 'plain JSON');
});

t.test('a cpuprofile without samples falls back to hitCount', async (t) => {
  const { samples: _s, timeDeltas: _d, ...rest } = small;
  const p = cpuProfileToProfile(rest);
  const top = topTable(p, 'samples');
  t.equal(top.total, 10);
  t.equal(top.rows[0].name, 'tokenize; semi');
  t.equal(topTable(p, 'wall').total, 11_100_000, 'duration spread over the hits');
});

t.test('heapprofile: inuse_space from selfSize, inuse_objects from the samples', async (t) => {
  const p = heapProfileToProfile(JSON.parse(fixture('small.heapprofile')));
  t.same(p.sampleType.map((x) => x.type), ['inuse_objects', 'inuse_space']);
  t.equal(profileToCollapsed(p, { sampleType: 'inuse_space' }), fixture('small.inuse_space.folded'));
  t.equal(profileToCollapsed(p, { sampleType: 'inuse_objects' }), '(V8 API) 1\nmain 1\nmain;makeBuffer 2\n');
  const { samples: _x, ...noSamples } = JSON.parse(fixture('small.heapprofile'));
  const q = heapProfileToProfile(noSamples);
  t.same(q.sampleType.map((x) => x.type), ['inuse_space'], 'no samples: space only');
  t.equal(topTable(q).total, 1024 + 1048576 + 2048);
});

t.test('malformed V8 profiles fail with a message that names the problem', async (t) => {
  const cases: [unknown, RegExp][] = [
    [[], /expected a JSON object/],
    [{ nodes: 3 }, /no "nodes" array/],
    [{ nodes: [], startTime: 0, endTime: 1 }, /no nodes/],
    [{ ...small, startTime: 'x' }, /startTime/],
    [{ ...small, nodes: [{ id: 1 }] }, /nodes\[0\] has no "callFrame"/],
    [{ ...small, timeDeltas: [1] }, /10 samples but 1 timeDeltas/],
    [{ ...small, samples: [99, 4, 3, 5, 4, 6, 7, 7, 5, 4] }, /samples\[0\] names unknown node 99/],
    [{ ...small, nodes: small.nodes.map((n: any) => (n.id === 2 ? { ...n, children: [3, 5, 42] } : n)) }, /unknown child 42/],
    [{ ...small, nodes: small.nodes.map((n: any) => (n.id === 4 ? { ...n, children: [2] } : n)) }, /two parents/],
  ];
  for (const [input, message] of cases) t.throws(() => cpuProfileToProfile(input), { name: 'ConvertError', message });
  t.throws(() => heapProfileToProfile({ head: { callFrame: { functionName: 'x' } } }), /head has no numeric selfSize/);
  t.throws(() => heapProfileToProfile({ head: { callFrame: { functionName: '(root)' }, selfSize: 0, children: [7] } }), /node 0 of its parent at depth 1 is not a node object/);
});
