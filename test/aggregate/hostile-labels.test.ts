// Labels are length- and count-limited (src/collect/labels.ts): a long key or value is cut, keys past
// MAX_LABELS in one context are dropped, and label sets past a character budget share one
// overflow set; each is said once on stderr, and nothing throws into the application.
import t from 'tap';
import v8 from 'node:v8';
import vm from 'node:vm';
import { decodeProfile } from '../../dist/src/index.js';
import {
  MAX_LABELS, MAX_LABEL_CHARS, MAX_LABEL_KEY_CHARS, MAX_LABEL_SETS, MAX_LABEL_VALUE_CHARS,
  getLabels, setLabels, takeNewLabelSets, withLabels,
} from '../../dist/src/collect/labels.js';
import { setLogSink } from '../../dist/src/common/log.js';
import { startTimeProfiler } from '../../dist/src/collect/time-profiler.js';

const logged: string[] = [];
setLogSink((line) => logged.push(line));
t.teardown(() => setLogSink(undefined));

t.test('a long key or value is cut to the limit, ends in …, and is said once', async (t) => {
  logged.length = 0;
  const long = 'v'.repeat(100_000);
  const key = 'k'.repeat(1000);
  for (let i = 0; i < 3; i++) {
    const got = withLabels({ route: long, [key]: 'x', n: 12345 }, () => getLabels());
    t.equal((got.route as string).length, MAX_LABEL_VALUE_CHARS, `value cut to ${MAX_LABEL_VALUE_CHARS} characters`);
    t.ok((got.route as string).endsWith('…'), 'marked');
    const keys = Object.keys(got).filter((k) => k.startsWith('k'));
    t.same(keys.map((k) => k.length), [MAX_LABEL_KEY_CHARS], `key cut to ${MAX_LABEL_KEY_CHARS} characters`);
    t.equal(got.n, 12345, 'numbers untouched');
  }
  t.equal(logged.length, 2, 'one line for the value, one for the key, over three calls');
  for (const l of logged) t.notOk(l.includes('\n') || l.length > 300, `one short line: ${l}`);
  t.match(logged.join('\n'), /label "route" has a value of 100000 characters, over the limit of 256: cut/);
});

t.test(`at most ${MAX_LABELS} labels per context, inherited ones first`, async (t) => {
  logged.length = 0;
  const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`key${i}`, i]));
  const flat = withLabels(many, () => getLabels());
  t.same(Object.keys(flat), Array.from({ length: MAX_LABELS }, (_, i) => `key${i}`), 'the first 16 keys kept');
  const outer = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`outer${i}`, 'o']));
  const inner = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`inner${i}`, 'i']));
  const nested = withLabels(outer, () => withLabels(inner, () => getLabels()));
  t.equal(Object.keys(nested).length, MAX_LABELS);
  t.equal(Object.keys(nested).filter((k) => k.startsWith('outer')).length, 10, 'all inherited labels kept');
  const full = withLabels(many, () => withLabels({ key3: 'changed', another: 1 }, () => getLabels()));
  t.equal(full.key3, 'changed', 'a full context can still change a label it has');
  t.notOk('another' in full, 'but not add one');
  t.equal(logged.length, 1, 'said once');
  t.match(logged[0], /more than 16 labels in one context: label "key16" and any further ones dropped/);
  await new Promise<void>((resolve) => {
    setLabels(many);
    t.equal(Object.keys(getLabels()).length, MAX_LABELS, 'setLabels too');
    resolve();
  });
});

t.test('the time profile carries the cut values', async (t) => {
  const p = startTimeProfiler({ intervalMicros: 1000, periodMs: 600_000 });
  t.ok(p, 'profiler started');
  const value = 'u'.repeat(50_000);
  withLabels({ user: value }, () => {
    const end = performance.now() + 300;
    let x = 0;
    while (performance.now() < end) x += Math.sqrt(x + 1);
    return x;
  });
  const prof = decodeProfile(await p!.flush());
  await p!.stop();
  const labelled = prof.sample.filter((s) => s.label.some((l) => l.key === 'user'));
  const n = labelled.reduce((a, s) => a + s.value[0], 0);
  t.ok(n >= 20, `${n} samples carry the label`);
  const values = new Set(labelled.flatMap((s) => s.label.filter((l) => l.key === 'user').map((l) => l.str)));
  t.same([...values].map((v) => v!.length), [MAX_LABEL_VALUE_CHARS], 'with the value cut');
});

t.test('label sets past the character budget share the overflow set; memory stays bounded', async (t) => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  takeNewLabelSets();
  gc();
  const before = process.memoryUsage().heapUsed;
  logged.length = 0;
  // 16 labels of 256 characters, each set distinct: ~4,300 characters a set.
  const tries = MAX_LABEL_SETS;
  const ids = new Set<string>();
  for (let i = 0; i < tries; i++) {
    const labels: Record<string, string> = {};
    for (let k = 0; k < MAX_LABELS; k++) labels[`k${k}`] = `${i}:${k}:`.padEnd(MAX_LABEL_VALUE_CHARS, 'x');
    ids.add(JSON.stringify(withLabels(labels, () => getLabels())));
  }
  const made = takeNewLabelSets();
  gc();
  const grown = process.memoryUsage().heapUsed - before;
  const perSet = 16 * (3 + MAX_LABEL_VALUE_CHARS + 2);
  t.ok(made.length <= Math.ceil(MAX_LABEL_CHARS / perSet) + 2, `${made.length} sets made of ${tries} distinct ones (budget ${MAX_LABEL_CHARS} characters)`);
  t.ok(made.some((s) => s.labels['hotpath label sets'] === 'overflow'), 'the overflow set was made');
  t.ok(ids.has(JSON.stringify({ 'hotpath label sets': 'overflow' })), 'later contexts carry it');
  t.ok(grown < 64 * 2 ** 20, `heap grew ${(grown / 2 ** 20).toFixed(1)} MiB for ${tries} sets of 16 x 256 characters`);
  t.equal(logged.filter((l) => l.includes('distinct label sets')).length, 1, 'said once');
});
