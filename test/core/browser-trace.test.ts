// fromSelfProfilingTrace on hand-made traces, in Node (the same module the page runs): stacks,
// wall time between samples, idle samples, markers, and traces that are not traces.
import t from 'tap';
import { fromSelfProfilingTrace, resolveTrace } from '../../dist/src/browser.js';
import { decodeProfile } from '../../dist/src/index.js';
import { topTable } from '../../dist/src/report/top.js';
import { referenceDecode } from '../fixtures/reference.js';
import { selfProfilingTraceToProfile } from '../../dist/src/convert/self-profiling.js';
import { hotpath } from '../helpers/cli.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// main (app.js) calls work (app.js) which calls leaf (lib.js); one sample has no stack.
const trace = {
  resources: ['https://example.test/app.js', 'https://example.test/lib.js'],
  frames: [
    { name: 'main', resourceId: 0, line: 1, column: 1 },
    { name: 'work', resourceId: 0, line: 10, column: 3 },
    { name: 'leaf', resourceId: 1, line: 5, column: 7 },
    { name: '' },
  ],
  stacks: [{ frameId: 0 }, { frameId: 1, parentId: 0 }, { frameId: 2, parentId: 1 }, { frameId: 3, parentId: 0 }],
  samples: [
    { timestamp: 100, stackId: 2, marker: 'script' },
    { timestamp: 110, stackId: 2, marker: 'script' },
    { timestamp: 125, stackId: 1 },
    { timestamp: 130 },
    { timestamp: 140, stackId: 3 },
  ],
};

t.test('stacks leaf first, wall time until the next sample, idle kept', async (t) => {
  const r = resolveTrace(trace, { sampleInterval: 10 });
  t.same(r.samples.map((s) => s.frames.map((f) => f.name)), [['leaf', 'work', 'main'], ['leaf', 'work', 'main'], ['work', 'main'], ['(idle)'], ['(anonymous)', 'main']]);
  t.same(r.samples.map((s) => s.wallNanos / 1e6), [10, 15, 5, 10, 10], 'the last sample gets the interval');
  t.same(r.samples[0].frames[0], { name: 'leaf', file: 'https://example.test/lib.js', line: 5, column: 7 });
  t.equal(r.durationNanos, 50e6);
  t.equal(resolveTrace(trace, { idle: false }).samples.length, 4, 'idle: false drops stackless samples');
});

t.test('encoded: gzipped pprof that protobufjs and our decoder read alike', async (t) => {
  const bytes = await fromSelfProfilingTrace(trace, { sampleInterval: 10, timeOrigin: 1_700_000_000_000, labels: { tab: 'a' } });
  const ref = referenceDecode(bytes);
  t.same(ref.sampleTypes.map((s) => s.type), ['samples', 'wall']);
  const leaf = ref.samples.find((s) => s.names[0] === 'leaf')!;
  t.same(leaf.values, [2, 25e6], 'equal stacks and labels summed');
  t.same(leaf.labels, { tab: 'a', marker: 'script' });
  const p = decodeProfile(bytes);
  t.equal(p.timeNanos, 1_700_000_000_100_000_000n, 'timeOrigin + first timestamp');
  t.equal(p.period, 10e6);
  t.same(p.periodType, { type: 'wall', unit: 'nanoseconds' });
  const top = topTable(p, 'wall');
  t.same(top.rows.map((r) => [r.name, r.flat / 1e6, r.cum / 1e6]), [
    ['leaf', 25, 25],
    ['(anonymous)', 10, 10],
    ['(idle)', 10, 10],
    ['work', 5, 30],
    ['main', 0, 40],
  ]);
});

t.test('a trace saved as JSON converts on the command line too', async (t) => {
  const model = selfProfilingTraceToProfile(JSON.parse(JSON.stringify(trace)), { sampleInterval: 10 });
  const viaWasm = decodeProfile(await fromSelfProfilingTrace(trace, { sampleInterval: 10 }));
  const rows = (p: any) => topTable(p, 'wall').rows.map((r) => [r.name, r.flat, r.cum]);
  t.same(rows(model), rows(viaWasm), 'the same table as the browser path');
  const file = join(mkdtempSync(join(tmpdir(), 'hotpath-trace-')), 'trace.json');
  writeFileSync(file, JSON.stringify(trace));
  const r = hotpath(['convert', file, '--to', 'collapsed', '--sample-type', 'samples']);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, '(idle) 1\nmain;(anonymous) 1\nmain;work 1\nmain;work;leaf 2\n');
});

t.test('not a trace: a clear error', async (t) => {
  const cases: [unknown, RegExp][] = [
    [null, /expected an object/],
    [{ frames: [], stacks: [], samples: [] }, /no "resources" array/],
    [{ ...trace, samples: [{ timestamp: 'x' }] }, /samples\[0\] has no numeric timestamp/],
    [{ ...trace, samples: [{ timestamp: 1, stackId: 9 }] }, /refers to stack 9, but there are 4 stacks/],
    [{ ...trace, stacks: [{ frameId: 8 }] , samples: [{ timestamp: 1, stackId: 0 }] }, /refers to frame 8/],
    [{ ...trace, stacks: [{ frameId: 0, parentId: 1 }, { frameId: 1, parentId: 0 }], samples: [{ timestamp: 1, stackId: 0 }] }, /its own ancestor/],
  ];
  for (const [input, message] of cases) await t.rejects(fromSelfProfilingTrace(input), { name: 'TraceFormatError', message });
  t.same(resolveTrace({ resources: [], frames: [], stacks: [], samples: [] }).samples, [], 'an empty trace is fine');
});

t.test('hostile traces: a too-deep stack is refused quickly, a non-string marker is left out', async (t) => {
  const n = 6000;
  const stacks = Array.from({ length: n }, (_, i) => (i === 0 ? { frameId: 0 } : { frameId: 0, parentId: i - 1 }));
  const t0 = performance.now();
  await t.rejects(fromSelfProfilingTrace({ resources: [], frames: [{ name: 'f' }], stacks, samples: [{ timestamp: 0, stackId: n - 1 }] }),
    { name: 'TraceFormatError', message: /more than 512 frames deep/ });
  t.ok(performance.now() - t0 < 2000, `refused in ${(performance.now() - t0).toFixed(0)} ms`);
  const bytes = await fromSelfProfilingTrace({
    resources: [], frames: [{ name: 'f' }], stacks: [{ frameId: 0 }],
    samples: [{ timestamp: 0, stackId: 0, marker: 5 as unknown as string }, { timestamp: 10, stackId: 0, marker: 'gc' }],
  });
  const p = decodeProfile(bytes);
  const markers = p.sample.map((s) => s.label.find((l) => l.key === 'marker')?.str ?? null);
  t.same(markers.sort(), ['gc', null], 'the string marker is kept, the number is left out');
});
