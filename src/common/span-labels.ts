// The sample labels hotpath's time profile gives a sample taken in an OpenTelemetry span
// (src/aggregate/stack-batch.ts writes them; the exporters translate them per backend).
export const SPAN_LABELS = {
  /** The local root span's id, 16 hex digits (Pyroscope's span profiles). */
  root: 'span_id',
  /** The local root span's name. */
  name: 'span_name',
  /** The trace id, 32 hex digits. */
  trace: 'trace_id',
  /** The span active at the sample, 16 hex digits. */
  active: 'active_span_id',
} as const;
