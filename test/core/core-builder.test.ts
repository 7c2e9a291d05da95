// ProfileBuilder: batch API, aggregation, memory bounds, reset, argument errors; checkValid
// rules one by one; merge rules.
import t from 'tap';
import {
  ProfileBuilder, ProfileFormatError, ProfileMergeError, checkValid, decodeProfile, mergeProfiles,
} from '../../dist/src/index.js';
import type { Profile } from '../../dist/src/index.js';

const types = [{ type: 'samples', unit: 'count' }, { type: 'wall', unit: 'nanoseconds' }, { type: 'cpu', unit: 'nanoseconds' }];

t.test('batch API: intern once, then packed records; equal keys are summed', async (t) => {
  const b = await ProfileBuilder.create({ sampleTypes: types });
  const main = b.internFunction({ name: 'main', filename: 'app.js', startLine: 1 });
  const work = b.internFunction({ name: 'work', filename: 'app.js', startLine: 10 });
  t.equal(b.internFunction({ name: 'main', filename: 'app.js', startLine: 1 }), main, 'functions by content');
  const lMain = b.internLocation(main, 2);
  const lWork = b.internLocation(work, 12, 5);
  t.equal(b.internLocation(work, 12, 5), lWork, 'locations by content');
  const inlined = b.internLocationLines([{ functionId: work, line: 11 }, { functionId: main, line: 3 }]);
  const t1 = b.internLabels([{ key: 'thread id', num: 1 }, { key: 'thread name', str: 'worker-1' }]);
  t.equal(b.internLabels([{ key: 'thread id', num: 1 }, { key: 'thread name', str: 'worker-1' }]), t1);
  t.equal(b.internLabels([]), 0);

  // 3 samples: two identical (summed), one with another stack
  const records = new Int32Array([t1, 2, lWork, lMain, t1, 2, lWork, lMain, 0, 1, inlined]);
  const values = new Float64Array([1, 10, 5, 1, 10, 7, 2, 20, 0]);
  b.addSamples({ records, values, count: 3 });
  t.equal(b.sampleCount, 2);
  const p = decodeProfile(b.encode());
  const byDepth = new Map(p.sample.map((s) => [s.locationId.length, s]));
  t.same(byDepth.get(2)!.value, [2, 20, 12]);
  t.same(byDepth.get(2)!.label, [{ key: 'thread id', num: 1 }, { key: 'thread name', str: 'worker-1' }]);
  t.same(byDepth.get(1)!.value, [2, 20, 0]);
  const loc = p.location.find((l) => l.id === byDepth.get(1)!.locationId[0])!;
  t.same(loc.line.map((l) => [p.function.find((f) => f.id === l.functionId)!.name, l.line]), [['work', 11], ['main', 3]]);
  t.same(p.function.map((f) => f.startLine), [1, 10]);
  t.equal(p.mapping.length, 1, 'one default mapping');
  t.ok(p.mapping[0].hasFunctions);
});

t.test('bad batches throw RangeError and add nothing', async (t) => {
  const b = new ProfileBuilder({ sampleTypes: types });
  const l = b.internFrame({ name: 'f', file: 'f.js', line: 1 });
  const ok = { records: new Int32Array([0, 1, l]), values: new Float64Array([1, 1, 1]), count: 1 };
  b.addSamples(ok);
  t.throws(() => b.addSamples({ records: new Int32Array([0, 1, l, 0, 1, l + 1]), values: new Float64Array(6), count: 2 }), {
    name: 'RangeError', message: /unknown location id/,
  });
  t.throws(() => b.addSamples({ records: new Int32Array([0, 1, 0]), values: new Float64Array(3), count: 1 }), /unknown location id/);
  t.throws(() => b.addSamples({ records: new Int32Array([7, 1, l]), values: new Float64Array(3), count: 1 }), /unknown label set/);
  t.throws(() => b.addSamples({ records: new Int32Array([0, 5, l]), values: new Float64Array(3), count: 1 }), /past the end/);
  t.throws(() => b.addSamples({ records: new Int32Array([0, 1, l]), values: new Float64Array(2), count: 1 }), /do not agree/);
  t.throws(() => b.addSample([{ name: 'f', file: 'f.js', line: 1 }], [1, 2]), /2 values for 3 sample types/);
  t.throws(() => b.internLocation(99), /unknown function id/);
  t.throws(() => b.addSampleIds([l, l + 1], [1, 1, 1]), /unknown location id/, 'checked when queued');
  t.throws(() => b.addSampleIds([l], [1, 1, 1], 5), /unknown label set id 5/);
  t.throws(() => new ProfileBuilder({} as never), /sampleTypes/);
  t.throws(() => new ProfileBuilder({ sampleTypes: types, gzipLevel: 11 }), /gzipLevel/);
  const p = decodeProfile(b.encode());
  t.equal(p.sample.length, 1);
  t.same(p.sample[0].value, [1, 1, 1], 'only the good batch is in');
});

t.test('memory grows with distinct stacks, not with samples; reset() starts over', async (t) => {
  const b = new ProfileBuilder({ sampleTypes: types });
  const frames = Array.from({ length: 200 }, (_, i) => ({ name: `fn${i}`, file: `m${i % 9}.js`, line: i }));
  const ids = frames.map((f) => b.internFrame(f));
  const sets = [0, 1, 2].map((i) => b.internLabels([{ key: 'thread id', num: i }]));
  // 300 distinct stacks of depth 40, fed 20 times as batches of 3,000 samples
  const stacks = Array.from({ length: 300 }, (_, s) => Array.from({ length: 40 }, (_, k) => ids[(s * 7 + k * 13) % 200]));
  const n = 3000;
  const records = new Int32Array(n * 42);
  const values = new Float64Array(n * 3);
  for (let i = 0; i < n; i++) {
    records.set([sets[i % 3], 40, ...stacks[i % 300]], i * 42);
    values.set([1, 10_000_000, 3_000_000], i * 3);
  }
  b.addSamples({ records, values, count: n });
  b.encode();
  const after1 = b.memoryBytes;
  for (let r = 0; r < 19; r++) b.addSamples({ records, values, count: n });
  b.encode();
  t.equal(b.memoryBytes, after1, `memory after 60,000 samples = after 3,000 (${after1} bytes)`);
  t.equal(b.sampleCount, 300);
  const p = decodeProfile(b.encode());
  t.equal(p.sample.reduce((s, x) => s + x.value[0], 0), 60_000);

  b.reset();
  t.equal(b.sampleCount, 0);
  b.setTimeNanos(5n);
  b.addSample([{ name: 'after', file: 'reset.js', line: 1 }], [1, 2, 3]);
  const q = decodeProfile(b.encode());
  t.equal(q.sample.length, 1);
  t.same(q.function.map((f) => f.name), ['after'], 'no strings or functions from before reset');
  t.same(q.sampleType, types, 'sample types kept');
  t.equal(q.timeNanos, 5n);
  t.ok(b.memoryBytes <= after1, 'reset reuses the same memory');
  for (let r = 0; r < 5; r++) {
    b.reset(); // a new period with the same frames and label sets: same ids
    t.same(frames.map((f) => b.internFrame(f)), ids);
    t.same([0, 1, 2].map((i) => b.internLabels([{ key: 'thread id', num: i }])), sets);
    for (let k = 0; k < 20; k++) b.addSamples({ records, values, count: n });
    b.encode();
  }
  t.ok(b.memoryBytes <= after1, 'repeated periods do not grow memory');
});

t.test('addSample with Frame objects: leaf first, labels, setters', async (t) => {
  const b = new ProfileBuilder({ sampleTypes: types.slice(0, 2), defaultSampleType: 'wall', dropFrames: 'x', keepFrames: 'y' });
  b.setPeriodType({ type: 'wall', unit: 'nanoseconds' });
  b.setPeriod(10_000_000);
  b.setDurationNanos(60e9);
  b.setTimeNanos(1_700_000_000_000_000_001n);
  b.addComment('c1');
  const leaf = { name: 'leaf', file: 'a.js', line: 3, column: 7, startLine: 1 };
  const root = { name: 'root', file: 'b.js', line: 1 };
  for (let i = 0; i < 5000; i++) b.addSample([leaf, root], [1, 10], [{ key: 'thread name', str: 'main' }]);
  const p = decodeProfile(b.encode());
  t.equal(p.sample.length, 1);
  t.same(p.sample[0].value, [5000, 50000]);
  const names = p.sample[0].locationId.map((id) => p.function.find((f) => f.id === p.location.find((l) => l.id === id)!.line[0].functionId)!.name);
  t.same(names, ['leaf', 'root']);
  t.equal(p.location[0].line[0].column, 7);
  t.equal(p.defaultSampleType, 'wall');
  t.equal(p.dropFrames, 'x');
  t.equal(p.keepFrames, 'y');
  t.equal(p.period, 10_000_000);
  t.equal(p.durationNanos, 60e9);
  t.equal(p.timeNanos, 1_700_000_000_000_000_001n);
  t.same(p.comment, ['c1']);
  t.same(b.encodeRaw(), b.encodeRaw(), 'encode is repeatable');
});

function base(): Profile {
  return {
    sampleType: [{ type: 'samples', unit: 'count' }],
    sample: [{ locationId: [1], value: [1], label: [] }],
    mapping: [{ id: 1, memoryStart: 0, memoryLimit: 0, fileOffset: 0, filename: '', buildId: '', hasFunctions: true, hasFilenames: false, hasLineNumbers: false, hasInlineFrames: false }],
    location: [{ id: 1, mappingId: 1, address: 0, line: [{ functionId: 1, line: 1, column: 0 }], isFolded: false }],
    function: [{ id: 1, name: 'f', systemName: '', filename: '', startLine: 0 }],
    dropFrames: '', keepFrames: '', timeNanos: 0n, durationNanos: 0,
    periodType: { type: '', unit: '' }, period: 0, comment: [], defaultSampleType: '',
  };
}

t.test('checkValid: one broken rule per case', async (t) => {
  t.doesNotThrow(() => checkValid(base()));
  const cases: [string, (p: Profile) => void, RegExp][] = [
    ['no sample types', (p) => (p.sampleType = []), /samples but no sample types/],
    ['too few values', (p) => (p.sample[0].value = []), /sample 0 has 0 values for 1 sample types/],
    ['unknown location', (p) => (p.sample[0].locationId = [2]), /unknown location id 2/],
    ['zero location id', (p) => (p.location[0].id = 0), /location has id 0/],
    ['duplicate location', (p) => p.location.push({ ...p.location[0] }), /location id 1 is not unique/],
    ['zero function id', (p) => (p.function[0].id = 0), /function has id 0/],
    ['duplicate function', (p) => p.function.push({ ...p.function[0] }), /function id 1 is not unique/],
    ['unknown function', (p) => (p.location[0].line[0].functionId = 3), /unknown function id 3/],
    ['zero mapping id', (p) => (p.mapping[0].id = 0), /mapping has id 0/],
    ['duplicate mapping', (p) => p.mapping.push({ ...p.mapping[0] }), /mapping id 1 is not unique/],
    ['unknown mapping', (p) => (p.location[0].mappingId = 4), /unknown mapping id 4/],
  ];
  for (const [name, breakIt, msg] of cases) {
    const p = base();
    breakIt(p);
    t.throws(() => checkValid(p), { name: 'ProfileFormatError', message: msg }, name);
  }
  t.ok(new ProfileFormatError('x') instanceof Error);
});

t.test('merge rules', async (t) => {
  const a = base();
  a.timeNanos = 300n;
  a.durationNanos = 10;
  a.period = 5;
  a.comment = ['x', 'y'];
  a.periodType = { type: 'cpu', unit: 'nanoseconds' };
  const b = base();
  b.timeNanos = 100n;
  b.durationNanos = 20;
  b.period = 9;
  b.comment = ['y', 'z'];
  b.defaultSampleType = 'samples';
  // same content under other ids: keyed by content
  b.function[0].id = 7;
  b.location[0].id = 3;
  b.location[0].line[0].functionId = 7;
  b.sample[0].locationId = [3];
  const c = base();
  c.timeNanos = 0n;
  c.sample[0].label = [{ key: 'k', str: 'v' }];
  const m = mergeProfiles([a, b, c]);
  t.equal(m.timeNanos, 100n, 'earliest non-zero time');
  t.equal(m.durationNanos, 30, 'summed duration');
  t.equal(m.period, 9, 'largest period');
  t.same(m.comment, ['x', 'y', 'z'], 'comments deduplicated');
  t.equal(m.defaultSampleType, 'samples');
  t.same(m.periodType, { type: 'cpu', unit: 'nanoseconds' });
  t.equal(m.function.length, 1);
  t.equal(m.location.length, 1);
  t.equal(m.sample.length, 2, 'unlabelled samples summed, labelled one apart');
  t.same(m.sample.map((s) => s.value[0]).sort(), [1, 2]);

  const d = base();
  d.sampleType = [{ type: 'samples', unit: 'bytes' }];
  t.throws(() => mergeProfiles([a, d]), { name: 'ProfileMergeError', message: /different sample types/ });
  const e = base();
  e.periodType = { type: 'wall', unit: 'nanoseconds' };
  t.throws(() => mergeProfiles([a, e]), /different period types/);
  t.throws(() => mergeProfiles([]), ProfileMergeError);
  t.same(mergeProfiles([a]).sample, a.sample.map((s) => ({ ...s })));
});
