// `hotpath/otel`: the span processor that ties OpenTelemetry traces to hotpath's profiles.
//
//   import { ProfileSpanProcessor } from 'hotpath/otel';
//   new NodeTracerProvider({ spanProcessors: [new ProfileSpanProcessor(), ...] });
//
// On every local root span (no parent, or a parent from another process) it sets the attribute
// `pyroscope.profile.id` to the span's id: the `span_id` label the time samples of that request
// carry (Grafana's span profiles link a trace to its profile with it). It also tells the time
// profiler each span's true local root, which it otherwise infers from the span active when a
// span is first seen (src/collect/trace-context.ts), and, when a root span ends, its final name
// (HTTP instrumentations rename it once the route is known). No import of @opentelemetry/api: the
// processor is written to the SpanProcessor interface.
import { spanEnded, spanStarted } from './collect/trace-context.js';

/** The attribute Grafana Pyroscope links a root span to its profile samples with. */
export const PROFILE_ID_ATTRIBUTE = 'pyroscope.profile.id';

interface EndedSpan {
  readonly name?: string;
  spanContext(): { spanId: string; traceId: string; traceFlags: number; isRemote?: boolean };
}

interface StartedSpan extends EndedSpan {
  setAttribute(key: string, value: string): unknown;
}

export class ProfileSpanProcessor {
  onStart(span: StartedSpan, parentContext: { getValue(key: symbol): unknown } | undefined): void {
    if (spanStarted(span, parentContext) === span) span.setAttribute(PROFILE_ID_ATTRIBUTE, span.spanContext().spanId);
  }

  /** A root span renamed after its first sample (updateName) gets its final name on the samples. */
  onEnd(span: EndedSpan): void {
    spanEnded(span);
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
