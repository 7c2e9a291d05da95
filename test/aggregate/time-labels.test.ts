// Labels across await: handlers of two kinds, many in flight, each awaiting between CPU bursts;
// at least 95% of each kind's CPU samples carry its label.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

t.test('labels follow await (withLabels and setLabels)', async (tt) => {
  const out = execFileSync(process.execPath, [path.join(here, '..', 'fixtures', 'time', 'labels.mjs')], { encoding: 'utf8', timeout: 60000 });
  const r = JSON.parse(out.split('\n').find((l) => l.startsWith('RESULT '))!.slice(7)) as {
    counts: Record<string, Record<string, number>>;
  };
  for (const kind of ['users', 'orders']) {
    const c = r.counts[kind] ?? {};
    const all = Object.values(c).reduce((a, b) => a + b, 0);
    tt.ok(all > 100, `${kind}: ${all} cpu samples in its bursts`);
    tt.ok((c[kind] ?? 0) >= 0.95 * all, `${kind}: ${c[kind] ?? 0} of ${all} carry route=${kind} (>= 95%)`);
  }
});

t.test('label API validates its arguments', async (tt) => {
  const { withLabels, setLabels, getLabels } = await import('../../dist/src/collect/labels.js');
  tt.throws(() => withLabels({ a: {} as unknown as string }, () => 0), /label "a" must be a string or a number/);
  tt.throws(() => setLabels(null as unknown as Record<string, string>), /labels must be an object/);
  tt.equal(withLabels({ a: 'x' }, () => withLabels({ b: 2 }, () => JSON.stringify(getLabels()))), '{"a":"x","b":2}');
  tt.same(getLabels(), {});
});
