// OpenTelemetry span context on time samples, against a workload that measures its own truth
// (test/fixtures/time/otel-spans.mjs: an HTTP service under the OpenTelemetry SDK, each piece
// of a request's work timed on its thread's CPU clock under the root span trace.getActiveSpan()
// names). Two runs pooled. Judged:
// - per route, the CPU of the samples carrying that route's root span ids (span_id) is its
//   measured CPU within ±15% (the samples also hold the handler's own glue, a few %);
// - at least 95% of the CPU sampled in a route's work function carries its own request's span;
// - CPU outside requests, and in a route whose spans are not sampled, carries no span, nor
//   does the wall time sampled outside JavaScript (the loop's wait between requests);
// - each span_id's trace_id and span_name are its root span's, as the SDK finished it (the beta
//   route's root spans are renamed just before they end, with updateName); a
//   child span's samples carry the root's span_id;
// - hotpath/otel's span processor gives each root span (only) the attribute
//   pyroscope.profile.id, equal to the span_id its samples carry (checked on the finished spans
//   of an in-memory exporter).
import t from 'tap';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = path.join(here, '..', 'fixtures', 'time', 'otel-spans.mjs');

interface Run {
  truth: Record<string, Record<string, number>>;
  outside: number;
  wrongSpan: number;
  requests: number;
  cpuBySpan: Record<string, Record<string, number>>;
  traceOf: Record<string, { traceId?: string; spanName?: string }>;
  rootOfActive: Record<string, string>;
  finished: { name: string; spanId: string; traceId: string; parent: string | null; profileId: string | null }[];
  outsideJs: { wall: number; withSpan: number };
}

function run(): Run {
  const out = execFileSync(process.execPath, [fixture], { encoding: 'utf8', timeout: 120_000 });
  const line = out.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`no RESULT line from the fixture:\n${out}`);
  return JSON.parse(line.slice(7)) as Run;
}

const runs = [run(), run()];
const WORK: Record<string, string> = { alpha: 'burnAlpha', beta: 'burnBeta', unsampled: 'burnUnsampled' };

t.test('the workload saw the spans it made active', async (t) => {
  for (const r of runs) {
    t.equal(r.wrongSpan, 0, 'trace.getActiveSpan() named each piece\'s span');
    t.ok(r.requests >= 60, `${r.requests} requests`);
  }
});

t.test('per route: CPU of samples with its root spans = its measured CPU (±15%)', async (t) => {
  for (const route of ['alpha', 'beta']) {
    let truth = 0;
    let sampled = 0;
    for (const r of runs) {
      const ids = new Set(Object.keys(r.truth[route]!));
      truth += Object.values(r.truth[route]!).reduce((a, b) => a + b, 0);
      for (const bySpan of Object.values(r.cpuBySpan)) {
        for (const [id, cpu] of Object.entries(bySpan)) if (ids.has(id)) sampled += cpu;
      }
    }
    const ratio = sampled / truth;
    t.ok(truth > 2e8, `${route}: ${(truth / 1e6).toFixed(0)} ms measured`);
    t.ok(ratio >= 0.85 && ratio <= 1.15, `${route}: ${(sampled / 1e6).toFixed(0)} ms in samples with its spans, ${(truth / 1e6).toFixed(0)} ms measured (x${ratio.toFixed(3)})`);
  }
});

t.test("at least 95% of a route's work carries its own request's span", async (t) => {
  for (const route of ['alpha', 'beta']) {
    let own = 0;
    let all = 0;
    for (const r of runs) {
      const ids = new Set(Object.keys(r.truth[route]!));
      for (const [id, cpu] of Object.entries(r.cpuBySpan[WORK[route]!] ?? {})) {
        all += cpu;
        if (ids.has(id)) own += cpu;
      }
    }
    t.ok(all > 1e8, `${route}: ${(all / 1e6).toFixed(0)} ms sampled in ${WORK[route]}`);
    t.ok(own / all >= 0.95, `${route}: ${((own / all) * 100).toFixed(1)}% of it with its own span`);
  }
});

t.test('no span outside requests, none for unsampled spans', async (t) => {
  for (const r of runs) {
    for (const fn of ['burnOutside', 'burnUnsampled']) {
      const bySpan = r.cpuBySpan[fn] ?? {};
      const total = Object.values(bySpan).reduce((a, b) => a + b, 0);
      t.ok(total > 2e7, `${fn}: ${(total / 1e6).toFixed(0)} ms sampled`);
      t.same(Object.keys(bySpan), ['(none)'], `${fn}: no sample carries a span`);
    }
    // Between callbacks the slot still holds the last one's span: the handler must not copy it.
    t.ok(r.outsideJs.wall > 5e8, `${(r.outsideJs.wall / 1e6).toFixed(0)} ms of wall time sampled outside JavaScript`);
    t.equal(r.outsideJs.withSpan, 0, 'none of it carries a span');
  }
});

t.test("trace_id and span_name are the root span's; child spans carry the root's span_id", async (t) => {
  for (const r of runs) {
    const roots = new Map(r.finished.filter((s) => s.parent === null).map((s) => [s.spanId, s]));
    const children = r.finished.filter((s) => s.parent !== null);
    t.ok(children.length > 0 && children.every((c) => roots.has(c.parent!)), `${children.length} child spans, each under a root`);
    const seen = Object.entries(r.traceOf);
    t.ok(seen.length > 50, `${seen.length} root spans in the samples`);
    const bad = seen.filter(([id, x]) => roots.get(id)?.traceId !== x.traceId || roots.get(id)?.name !== x.spanName);
    t.same(bad, [], 'every span_id is a root span with its trace_id and name');
    const childIds = new Set(children.map((c) => c.spanId));
    t.notOk(seen.some(([id]) => childIds.has(id)), 'no sample carries a child span as span_id');
    t.ok([...roots.values()].every((s) => s.profileId === s.spanId), 'hotpath/otel: every root span\'s pyroscope.profile.id is its span id');
    t.ok(children.every((s) => s.profileId === null), 'and no child span has one');
    t.ok(seen.every(([id]) => roots.get(id)?.profileId === id), 'every span_id the samples carry is a root span\'s pyroscope.profile.id');
    const parentOf = new Map(children.map((c) => [c.spanId, c.parent!]));
    const active = Object.entries(r.rootOfActive);
    t.ok(active.some(([id]) => parentOf.has(id)), 'child spans appear as active_span_id');
    t.same(active.filter(([id, root]) => (parentOf.get(id) ?? id) !== root), [], 'each active_span_id is its root or a child of its root');
  }
});
