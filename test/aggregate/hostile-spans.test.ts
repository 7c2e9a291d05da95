// A span whose spanContext() throws, in a context the registered OpenTelemetry context manager
// makes active: hotpath reads it in async hooks (where a throw would end the process) and inside
// the manager's with(). The program's calls and awaits go on as without hotpath, the samples
// carry no span, and it is said once.
import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { startTimeProfiler } from '../../dist/src/collect/time-profiler.js';
import { decodeProfile } from '../../dist/src/profile/index.js';
import { captureLog } from '../helpers/capture-log.js';
import { ProfileSpanProcessor, PROFILE_ID_ATTRIBUTE } from '../../dist/src/otel.js';

t.test('a span that throws: the program runs on, samples carry no span, said once', async (t) => {
  const lines = captureLog(t);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const profiler = startTimeProfiler({ intervalMicros: 1000, periodMs: 600_000 })!;
  const hostile = { spanContext(): never { throw new Error('no context here'); } };
  const ctx = ROOT_CONTEXT.setValue(Symbol.for('OpenTelemetry Context Key SPAN'), hostile);
  let rounds = 0;
  const result = await context.with(ctx, async () => {
    for (let i = 0; i < 20; i++) {
      const end = performance.now() + 5;
      while (performance.now() < end) rounds++;
      await sleep(1);
    }
    return 'done';
  });
  t.equal(result, 'done', "with() returned the callback's result");
  const p = decodeProfile(await profiler.flush());
  await profiler.stop();
  t.ok(p.sample.length > 0 && rounds > 0, `${p.sample.length} samples`);
  t.notOk(p.sample.some((s) => s.label.some((l) => l.key === 'span_id')), 'no sample carries a span');
  const said = lines.filter((l) => l.includes('OpenTelemetry span could not be read'));
  t.equal(said.length, 1, 'said once');
  t.match(said[0], /no context here/);
});

t.test('the span processor, given a parent span that throws: the span is taken for a root, nothing thrown', async (t) => {
  const lines = captureLog(t);
  const hostile = { spanContext(): never { throw new Error('no parent here'); } };
  const parentContext = ROOT_CONTEXT.setValue(Symbol.for('OpenTelemetry Context Key SPAN'), hostile);
  const attributes: Record<string, string> = {};
  const span = {
    spanContext: () => ({ spanId: '00000000000000aa', traceId: '0000000000000000000000000000000b', traceFlags: 1 }),
    setAttribute: (key: string, value: string) => { attributes[key] = value; },
  };
  t.doesNotThrow(() => new ProfileSpanProcessor().onStart(span, parentContext), 'onStart returned');
  t.equal(attributes[PROFILE_ID_ATTRIBUTE], '00000000000000aa', 'the span got its profile id, as a root');
  t.ok(lines.some((l) => l.includes('OpenTelemetry span could not be read') && l.includes('no parent here')), 'said');
});
