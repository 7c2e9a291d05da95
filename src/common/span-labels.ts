// The sample labels hotpath's time profile gives a sample taken in an OpenTelemetry span
// (src/aggregate/stack-batch.ts and events.ts write them; the exporters translate them per backend).
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

/** Most renamed root spans (updateName) a thread, and its table in the aggregator, remember. */
export const MAX_RENAMES = 10_000;

/**
 * The labels of one span context: `ids` from `at` holds the trace id (4 words), the active
 * span's id (2) and the local root span's id (2), as the trace slot has them
 * (src/collect/trace-context.ts); `rootName` is the root span's name ('' when unknown).
 */
export function spanLabels(ids: ArrayLike<number>, at: number, rootName: string | undefined): { key: string; str: string }[] {
  const out: { key: string; str: string }[] = [{ key: SPAN_LABELS.root, str: rootSpanId(ids, at) }];
  if (rootName) out.push({ key: SPAN_LABELS.name, str: rootName });
  out.push({ key: SPAN_LABELS.trace, str: hexWords(ids, at, 4) }, { key: SPAN_LABELS.active, str: hexWords(ids, at + 4, 2) });
  return out;
}

/** The local root span's id (16 hex digits) of the span context at `at` (see spanLabels). */
export function rootSpanId(ids: ArrayLike<number>, at: number): string {
  return hexWords(ids, at + 6, 2);
}

function hexWords(ids: ArrayLike<number>, at: number, n: number): string {
  let s = '';
  for (let k = 0; k < n; k++) s += (ids[at + k]! >>> 0).toString(16).padStart(8, '0');
  return s;
}
