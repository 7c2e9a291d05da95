// The Datadog agent intake, fed by a real profiled run under the OpenTelemetry SDK: the samples
// taken in spans reach the intake with the labels dd-trace-js writes for code hotspots and
// endpoints (`local root span id` and `span id` in decimal, `trace endpoint` the root span's
// name), and none of hotpath's own span labels.
import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { start } from '../../dist/src/index.js';
import { ProfileSpanProcessor } from '../../dist/src/otel.js';
import { decodeProfile } from '../../dist/src/profile/index.js';
import { parseMultipart, startServer } from '../helpers/export-server.js';

const decimal = (hex: string): string => BigInt(`0x${hex}`).toString(10);

t.test('datadog: a traced run\'s time and exception samples in spans carry dd-trace-js\'s span labels', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const p = start({ service: 'dd-spans', profiles: 'time,exceptions', exporter: 'datadog', datadogUrl: server.url, period: '1s', exceptionSampling: 1 });
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new ProfileSpanProcessor()] }));
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const tracer = trace.getTracer('dd-spans');
  const roots = new Set<string>();
  const active = new Set<string>();
  function burnInSpan(ms: number): number {
    const end = performance.now() + ms;
    let x = 0;
    while (performance.now() < end) x += Math.sqrt(x + 1);
    return x;
  }
  class RequestError extends Error {}
  for (let i = 0; i < 30; i++) {
    await tracer.startActiveSpan('GET /orders', async (root) => {
      roots.add(root.spanContext().spanId);
      active.add(root.spanContext().spanId);
      burnInSpan(15);
      await sleep(1);
      await tracer.startActiveSpan('db', async (child) => {
        active.add(child.spanContext().spanId);
        burnInSpan(10);
        try { throw new RequestError('in a span'); } catch { /* counted by the profile */ }
        child.end();
      });
      root.end();
    });
  }
  await p.stop();
  const decimalRoots = new Set([...roots].map(decimal));
  const decimalActive = new Set([...active].map(decimal));
  let inSpans = 0;
  let labelled = 0;
  let errors = 0;
  let errorsRight = 0;
  let hotpathLabels = 0;
  for (const r of server.requests) {
    const parts = await parseMultipart(r.headers['content-type']!, r.body);
    for (const part of parts) {
      if (!part.name.endsWith('.pprof')) continue;
      const prof = decodeProfile(part.data);
      const names = new Map(prof.function.map((f) => [f.id, f.name]));
      const fnOf = new Map(prof.location.map((l) => [l.id, names.get(l.line[0]!.functionId)]));
      for (const s of prof.sample) {
        const labels = Object.fromEntries(s.label.map((l) => [l.key, l.str]));
        if ('span_id' in labels || 'trace_id' in labels || 'active_span_id' in labels || 'span_name' in labels) hotpathLabels++;
        const right = decimalRoots.has(labels['local root span id']!) && decimalActive.has(labels['span id']!) && labels['trace endpoint'] === 'GET /orders';
        if (part.name === 'wall.pprof' && s.locationId.some((id) => fnOf.get(id) === 'burnInSpan')) {
          inSpans += s.value[1]!;
          if (right) labelled += s.value[1]!;
        }
        if (part.name === 'exceptions.pprof' && labels['exception type'] === 'RequestError') {
          errors += s.value[0]!;
          if (right) errorsRight += s.value[0]!;
        }
      }
    }
  }
  t.ok(inSpans > 0, `${(inSpans / 1e6).toFixed(0)} ms of wall time sampled in burnInSpan`);
  t.ok(labelled >= 0.95 * inSpans, `${((100 * labelled) / inSpans).toFixed(1)}% of it with its span (at least 95%)`);
  t.equal(errors, 30, 'all 30 errors');
  t.equal(errorsRight, 30, 'each with its span');
  t.equal(hotpathLabels, 0, 'no sample with hotpath\'s own span labels (span_id, span_name, trace_id, active_span_id)');
});
