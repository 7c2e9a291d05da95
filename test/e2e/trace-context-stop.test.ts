// The trace-context slot follows the active OpenTelemetry span only while the time profiler
// samples the thread: after stop() its async hook no longer runs (the slot stays empty across
// awaits in a span, and the application pays no hook), and a new start follows spans again.
import t from 'tap';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { startTimeProfiler } from '../../dist/src/collect/time-profiler.js';
import { traceSlot } from '../../dist/src/collect/trace-context.js';
import { TRACE_INTS } from '../../dist/src/transport/time-batch.js';

/** The span id in the slot's current buffer, as 16 hex digits (zeros: none). */
function slotSpanId(): string {
  const slot = traceSlot();
  const at = 1 + (slot[0]! & 1) * TRACE_INTS;
  return [slot[at + 4]!, slot[at + 5]!].map((w) => (w >>> 0).toString(16).padStart(8, '0')).join('');
}

trace.setGlobalTracerProvider(new BasicTracerProvider({}));
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const tracer = trace.getTracer('trace-context-stop');

/** The slot's span id after an await inside a new span, and that span's id. */
async function afterAwaitInSpan(): Promise<{ slot: string; span: string }> {
  return tracer.startActiveSpan('request', async (span) => {
    await new Promise((r) => setImmediate(r));
    const slot = slotSpanId();
    span.end();
    return { slot, span: span.spanContext().spanId };
  });
}

t.test('the slot follows spans while sampling, and not after stop()', async (t) => {
  const first = startTimeProfiler({ intervalMicros: 10000, periodMs: 600000 });
  t.ok(first, 'the time profiler started');
  const on = await afterAwaitInSpan();
  t.equal(on.slot, on.span, 'sampling: the slot holds the span after an await');
  await first!.stop();
  t.equal(slotSpanId(), '0'.repeat(16), 'stop() empties the slot');
  const off = await afterAwaitInSpan();
  t.equal(off.slot, '0'.repeat(16), 'stopped: no hook writes the span after an await');
  const again = startTimeProfiler({ intervalMicros: 10000, periodMs: 600000 });
  const on2 = await afterAwaitInSpan();
  t.equal(on2.slot, on2.span, 'started again: the slot follows the span');
  await again!.stop();
});
