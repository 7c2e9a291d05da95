// Round trips: profiles built by the WASM core, read back by protobufjs (the reference
// decoder) and by our own decoder; decode -> encode -> decode.
import t from 'tap';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { ungzip } from 'pako';
import { fileURLToPath } from 'node:url';
import { ProfileBuilder, decodeProfile, encodeProfile } from '../../dist/src/index.js';
import type { Frame, Label, Profile } from '../../dist/src/index.js';

const root = protobuf.loadSync(fileURLToPath(new URL('../../proto/profile.proto', import.meta.url)));
const PB = root.lookupType('perftools.profiles.Profile');

interface Spec {
  sampleTypes: { type: string; unit: string }[];
  samples: { frames: Frame[]; values: number[]; labels: Label[] }[];
  comments: string[];
  period: number;
  timeNanos: bigint;
}

// Canonical form: map from (stack by function name/file/lines, labels) to summed values.
type Canon = Map<string, number[]>;
function add(c: Canon, key: string, values: number[]): void {
  const v = c.get(key);
  if (v) values.forEach((x, i) => (v[i] += x));
  else c.set(key, [...values]);
}
const labelKey = (l: Label) =>
  l.str !== undefined ? ['s', l.key, l.str] : ['n', l.key, l.num ?? 0, l.numUnit ?? ''];
const sorted = (c: Canon) => [...c.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

function canonSpec(s: Spec): Canon {
  const c: Canon = new Map();
  for (const x of s.samples) {
    const stack = x.frames.map((f) => [f.name, f.file, f.line, f.column ?? 0, f.startLine ?? 0]);
    add(c, JSON.stringify([stack, x.labels.map(labelKey)]), x.values);
  }
  return c;
}

function canonModel(p: Profile): Canon {
  const fns = new Map(p.function.map((f) => [f.id, f]));
  const locs = new Map(p.location.map((l) => [l.id, l]));
  const c: Canon = new Map();
  for (const s of p.sample) {
    const stack = s.locationId.map((id) => {
      const ln = locs.get(id)!.line[0];
      const f = fns.get(ln.functionId)!;
      return [f.name, f.filename, ln.line, ln.column, f.startLine];
    });
    add(c, JSON.stringify([stack, s.label.map(labelKey)]), s.value);
  }
  return c;
}

/** protobufjs' decoding, resolved through the string table, in the same canonical form. */
function canonProtobufjs(bytes: Uint8Array) {
  const o = PB.toObject(PB.decode(ungzip(bytes)), { longs: Number, defaults: true, arrays: true }) as any;
  const s = (i: number) => {
    if (!(i >= 0 && i < o.stringTable.length)) throw new Error(`string ${i} out of range`);
    return o.stringTable[i] as string;
  };
  const fns = new Map<number, any>(o.function.map((f: any) => [f.id, f]));
  const locs = new Map<number, any>(o.location.map((l: any) => [l.id, l]));
  const c: Canon = new Map();
  for (const smp of o.sample) {
    const stack = smp.locationId.map((id: number) => {
      const ln = locs.get(id).line[0];
      const f = fns.get(ln.functionId);
      return [s(f.name), s(f.filename), ln.line, ln.column, f.startLine];
    });
    const labels = smp.label.map((l: any) =>
      l.str !== 0 ? ['s', s(l.key), s(l.str)] : ['n', s(l.key), l.num, l.numUnit ? s(l.numUnit) : '']);
    add(c, JSON.stringify([stack, labels]), smp.value);
  }
  const exact = PB.toObject(PB.decode(ungzip(bytes)), { longs: String }) as any;
  return {
    canon: c,
    stringTable0: o.stringTable[0],
    sampleTypes: o.sampleType.map((v: any) => ({ type: s(v.type), unit: s(v.unit) })),
    comments: o.comment.map(s),
    period: o.period,
    timeNanos: exact.timeNanos ?? '0',
  };
}

// ---------------------------------------------------------------- generators
const text = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('main', 'handle', 'λ', '🔥 hot', 'Ünïcødé', 'a/b.js', '<anonymous>', '(idle)') },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }) },
);
const frame: fc.Arbitrary<Frame> = fc.record(
  {
    name: text,
    file: fc.oneof(text, fc.constant('')),
    line: fc.nat({ max: 100000 }),
    column: fc.nat({ max: 300 }),
    startLine: fc.nat({ max: 100 }),
  },
  { requiredKeys: ['name', 'file', 'line'] },
);
const label: fc.Arbitrary<Label> = fc.oneof(
  fc.record({ key: fc.constantFrom('thread id', 'thread name', 'span', 'ü'), str: text }),
  fc.record({ key: fc.constantFrom('thread id', 'bytes', 'lock'), num: fc.integer({ min: -1e9, max: 1e12 }) }),
  fc.record({
    key: fc.constantFrom('bytes', 'duration'),
    num: fc.integer({ min: 1, max: 1e12 }),
    numUnit: fc.constantFrom('bytes', 'nanoseconds', 'µs'),
  }),
);
const spec: fc.Arbitrary<Spec> = fc
  .record({
    sampleTypes: fc.array(fc.record({ type: text, unit: text }), { minLength: 1, maxLength: 4 }),
    pool: fc.array(frame, { minLength: 1, maxLength: 30 }),
    stacks: fc.array(
      fc.oneof(
        { weight: 6, arbitrary: fc.array(fc.nat(), { minLength: 1, maxLength: 20 }) },
        { weight: 2, arbitrary: fc.array(fc.nat(), { minLength: 1, maxLength: 1 }) },
        { weight: 1, arbitrary: fc.array(fc.nat(), { minLength: 500, maxLength: 500 }) },
      ),
      { maxLength: 25 },
    ),
    labels: fc.array(fc.array(label, { maxLength: 3 }), { minLength: 1, maxLength: 4 }),
    values: fc.array(fc.integer({ min: -1e9, max: 1e12 }), { minLength: 4, maxLength: 4 }),
    repeat: fc.array(fc.nat({ max: 3 }), { minLength: 25, maxLength: 25 }),
    comments: fc.array(text, { maxLength: 3 }),
    period: fc.nat({ max: 1e9 }),
    timeNanos: fc.bigInt({ min: 0n, max: (1n << 62n) }),
  })
  .map((r) => {
    const samples: Spec['samples'] = [];
    r.stacks.forEach((st, i) => {
      const frames = st.map((k) => r.pool[k % r.pool.length]);
      const values = r.sampleTypes.map((_, k) => r.values[(i + k) % 4] + k);
      const labels = r.labels[i % r.labels.length];
      for (let n = 0; n <= r.repeat[i]; n++) samples.push({ frames, values, labels });
    });
    return { sampleTypes: r.sampleTypes, samples, comments: r.comments, period: r.period, timeNanos: r.timeNanos };
  });

function build(s: Spec): Uint8Array {
  const b = new ProfileBuilder({
    sampleTypes: s.sampleTypes,
    periodType: s.sampleTypes[0],
    period: s.period,
    timeNanos: s.timeNanos,
  });
  for (const x of s.samples) b.addSample(x.frames, x.values, x.labels);
  for (const c of s.comments) b.addComment(c);
  return b.encode();
}

const empty: Spec = { sampleTypes: [{ type: 'samples', unit: 'count' }], samples: [], comments: [], period: 0, timeNanos: 0n };

t.test('WASM-encoded profiles read back by protobufjs: same samples after summing duplicates', async (t) => {
  let runs = 0;
  const seen = { empty: 0, depth1: 0, depth500: 0, numUnit: 0, nonAscii: 0, types3: 0 };
  fc.assert(
    fc.property(spec, (s) => {
      const bytes = build(s);
      const ref = canonProtobufjs(bytes);
      runs++;
      if (s.samples.length === 0) seen.empty++;
      if (s.samples.some((x) => x.frames.length === 1)) seen.depth1++;
      if (s.samples.some((x) => x.frames.length === 500)) seen.depth500++;
      if (s.samples.some((x) => x.labels.some((l) => l.numUnit))) seen.numUnit++;
      if (s.samples.some((x) => x.frames.some((f) => /[^\x00-\x7f]/.test(f.name)))) seen.nonAscii++;
      if (s.sampleTypes.length >= 3) seen.types3++;
      return (
        ref.stringTable0 === '' &&
        JSON.stringify(sorted(ref.canon)) === JSON.stringify(sorted(canonSpec(s))) &&
        JSON.stringify(ref.sampleTypes) === JSON.stringify(s.sampleTypes) &&
        JSON.stringify(ref.comments) === JSON.stringify(s.comments) &&
        ref.period === s.period &&
        BigInt(ref.timeNanos) === BigInt.asIntN(64, s.timeNanos)
      );
    }),
    { numRuns: 220, examples: [[empty]] },
  );
  t.ok(runs >= 200, `${runs} generated profiles`);
  for (const [k, n] of Object.entries(seen)) t.ok(n > 0, `${n} profiles with ${k}`);
});

t.test('our decoder agrees with protobufjs, and decode -> encode -> decode is stable', async (t) => {
  let runs = 0;
  fc.assert(
    fc.property(spec, (s) => {
      const bytes = build(s);
      const p1 = decodeProfile(bytes);
      const p2 = decodeProfile(encodeProfile(p1));
      const p3 = decodeProfile(encodeProfile(p2, { gzip: false }));
      const c1 = JSON.stringify(sorted(canonModel(p1)));
      runs++;
      return (
        c1 === JSON.stringify(sorted(canonSpec(s))) &&
        c1 === JSON.stringify(sorted(canonModel(p2))) &&
        JSON.stringify(p2, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)) ===
          JSON.stringify(p3, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)) &&
        p1.comment.join('\n') === s.comments.join('\n') &&
        p2.timeNanos === p1.timeNanos && p2.period === p1.period
      );
    }),
    { numRuns: 200, examples: [[empty]] },
  );
  t.ok(runs >= 200, `${runs} generated profiles`);
});

t.test('every header field survives a round trip', async (t) => {
  const p: Profile = {
    sampleType: [{ type: 'alloc_space', unit: 'bytes' }, { type: 'inuse_space', unit: 'bytes' }],
    sample: [{ locationId: [2, 1], value: [10, -3], label: [{ key: 'k', str: 'v' }, { key: 'n', num: -7, numUnit: 'bytes' }] }],
    mapping: [{ id: 5, memoryStart: 4096, memoryLimit: 8192, fileOffset: 16, filename: '/bin/node', buildId: 'abc', hasFunctions: true, hasFilenames: false, hasLineNumbers: true, hasInlineFrames: true }],
    location: [
      { id: 1, mappingId: 5, address: 4100, line: [{ functionId: 9, line: 3, column: 4 }], isFolded: false },
      { id: 2, mappingId: 0, address: 0, line: [{ functionId: 9, line: 7, column: 0 }, { functionId: 8, line: 40, column: 2 }], isFolded: true },
    ],
    function: [
      { id: 9, name: 'inner', systemName: 'inner_sys', filename: 'a.js', startLine: 1 },
      { id: 8, name: 'outer', systemName: '', filename: 'b.js', startLine: 30 },
    ],
    dropFrames: 'node:internal.*',
    keepFrames: 'app.*',
    timeNanos: 1_700_000_000_123_456_789n,
    durationNanos: 60_000_000_000,
    periodType: { type: 'space', unit: 'bytes' },
    period: 524288,
    comment: ['first', 'second'],
    defaultSampleType: 'inuse_space',
    docUrl: 'https://example.com/doc',
  };
  const q = decodeProfile(encodeProfile(p));
  const renumbered = {
    ...p,
    mapping: [{ ...p.mapping[0], id: 1 }],
    location: [
      { ...p.location[0], id: 1, mappingId: 1, line: [{ functionId: 1, line: 3, column: 4 }] },
      { ...p.location[1], id: 2, line: [{ functionId: 1, line: 7, column: 0 }, { functionId: 2, line: 40, column: 2 }] },
    ],
    function: [{ ...p.function[0], id: 1 }, { ...p.function[1], id: 2 }],
  };
  t.same(q, renumbered);
  // protobufjs sees the same header
  const o = PB.toObject(PB.decode(ungzip(encodeProfile(p))), { longs: String, defaults: true }) as any;
  const s = (i: number) => o.stringTable[i];
  t.equal(o.timeNanos, '1700000000123456789');
  t.equal(s(o.dropFrames), 'node:internal.*');
  t.equal(s(o.keepFrames), 'app.*');
  t.equal(s(o.defaultSampleType), 'inuse_space');
  t.equal(s(o.docUrl), 'https://example.com/doc');
  t.same(o.comment.map((c: string) => s(Number(c))), ['first', 'second']);
  t.equal(o.location[1].isFolded, true);
  t.equal(o.mapping[0].hasInlineFrames, true);
});
