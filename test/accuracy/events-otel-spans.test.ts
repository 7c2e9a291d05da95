// OpenTelemetry span context on contention and exception samples, against a workload that
// records what each root span made (test/fixtures/contention/otel-spans.mjs: concurrent
// requests under the OpenTelemetry SDK, every error and every lock acquire sampled). Judged,
// exactly (nothing here is statistical):
// - each root span's errors and lock acquires are the samples carrying its span_id, with its
//   root span's final name as span_name (updateName after the events included) and a trace_id;
// - an error made in a child span carries the root's span_id and the child's active_span_id;
// - errors made outside any span, and everything in spans that are not sampled, carry none.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const fixture = fileURLToPath(new URL('../fixtures/contention/otel-spans.mjs', import.meta.url));

interface Sample { labels: Record<string, string | number>; value: number[] }
interface Truth { route: string; errors: number; childErrors: number; childSpanIds: string[]; locks: number }
interface Run {
  truth: Record<string, Truth>;
  outside: number;
  lockProfile: { samples: Sample[] };
  errorProfile: { samples: Sample[] };
}

const out = execFileSync(process.execPath, [fixture], { encoding: 'utf8', timeout: 120_000 });
const line = out.split('\n').find((l) => l.startsWith('RESULT '));
if (!line) throw new Error(`no RESULT line from the fixture:\n${out}`);
const r = JSON.parse(line.slice(7)) as Run;
const roots = Object.entries(r.truth);
const ROUTE_ERROR: Record<string, string> = { alpha: 'AlphaError', beta: 'BetaError' };
/** The root spans' final names: beta's are renamed just before they end (updateName). */
const ROOT_NAME: Record<string, string> = { alpha: 'GET /alpha', beta: 'GET /beta/:id' };

/** Sums value[0] of the samples `pick` keeps, by their span_id. */
function countBySpan(samples: Sample[], pick: (s: Sample) => boolean): Map<string, number> {
  const by = new Map<string, number>();
  for (const s of samples) {
    if (!pick(s)) continue;
    const id = String(s.labels.span_id ?? '(none)');
    by.set(id, (by.get(id) ?? 0) + s.value[0]!);
  }
  return by;
}

t.test('the workload ran its requests', async (t) => {
  t.ok(roots.length >= 100, `${roots.length} sampled root spans`);
  t.ok(r.outside > 0, `${r.outside} errors outside any span`);
});

t.test('exceptions: each root span\'s errors carry its span_id, span_name and trace_id', async (t) => {
  for (const route of ['alpha', 'beta']) {
    const got = countBySpan(r.errorProfile.samples, (s) => s.labels['exception type'] === ROUTE_ERROR[route]);
    const mine = roots.filter(([, v]) => v.route === route);
    const right = mine.filter(([id, v]) => got.get(id) === v.errors).length;
    t.equal(right, mine.length, `${route}: ${right} of ${mine.length} root spans have their own errors, exactly`);
    t.equal(got.get('(none)') ?? 0, 0, `${route}: no error without a span`);
  }
  const labelled = r.errorProfile.samples.filter((s) => s.labels.span_id !== undefined);
  const consistent = labelled.filter((s) => {
    const root = r.truth[String(s.labels.span_id)];
    return root !== undefined && s.labels.span_name === ROOT_NAME[root.route] && /^[0-9a-f]{32}$/.test(String(s.labels.trace_id));
  });
  t.equal(consistent.length, labelled.length, `${consistent.length} of ${labelled.length} span samples: their root's final span_name, a trace_id`);
});

t.test('exceptions: an error in a child span carries the root\'s span_id and the child as the active span', async (t) => {
  const child = r.errorProfile.samples.filter((s) => s.labels['exception type'] === 'ChildError' && s.labels.span_id !== undefined);
  const right = child.filter((s) => r.truth[String(s.labels.span_id)]?.childSpanIds.includes(String(s.labels.active_span_id)));
  const expected = roots.reduce((n, [, v]) => n + v.childErrors, 0);
  t.equal(child.reduce((n, s) => n + s.value[0]!, 0), expected, `${expected} child errors in sampled spans`);
  t.equal(right.length, child.length, 'each with its own root and child');
});

t.test('no span outside requests or for unsampled spans', async (t) => {
  for (const type of ['OutsideError', 'UnsampledError']) {
    const got = countBySpan(r.errorProfile.samples, (s) => s.labels['exception type'] === type);
    t.equal([...got.keys()].join(), '(none)', `${type}: ${got.get('(none)')} errors, none with a span`);
  }
  t.equal(countBySpan(r.errorProfile.samples, (s) => s.labels['exception type'] === 'OutsideError').get('(none)'), r.outside, 'every error outside a span was counted');
});

t.test('contention: each root span\'s lock acquires carry its span_id', async (t) => {
  const got = countBySpan(r.lockProfile.samples, () => true);
  const right = roots.filter(([id, v]) => got.get(id) === v.locks).length;
  t.equal(right, roots.length, `${right} of ${roots.length} root spans have their own acquires, exactly`);
  // The unsampled route's acquires: one per request, 40 rounds.
  t.equal(got.get('(none)'), 40, 'the unsampled spans\' acquires carry none');
});
