// OpenTelemetry span context on time samples. When the application has registered a context
// manager with @opentelemetry/api (the SDK's AsyncLocalStorage one), the span of the active
// context is kept in `traceSlot()`, an Int32Array the native signal handler copies into every
// sample (native/src/sampler.h, kTraceInts): trace id, span id, the local root span's id and
// the id of the root span's name. Per-request ids never go through label sets (interned for the
// thread's life and capped): the aggregation worker turns each sample's copy into labels.
//
// No import of @opentelemetry/api: the API keeps its registry on globalThis under
// Symbol.for('opentelemetry.js.api.1'), its context manager at `.context`, and a Context keeps
// its span under Symbol.for('OpenTelemetry Context Key SPAN'). Nothing is loaded or hooked
// until a context manager is registered; the registry is looked at when the thread starts,
// 1 s and 5 s later, and at every period end. The hook runs, and the slot is written, only
// while the time profiler samples the thread (startTraceSamples, stopTraceSamples).
//
// When the slot is written: when a callback starts (an async_hooks `before`: every callback,
// promise reaction and tick starts with one), inside the manager's `with()` (a span made active
// synchronously), and after its `attach()`. There is no `after` hook: with it an await in a span
// cost 100-130 ns more, with `before` alone 12-42 ns (Node 20-26, bench/otel-await.ts; the most
// on 24 and 26, where AsyncLocalStorage needs no promise hooks of its own and hotpath's turn them
// on). So between callbacks the slot still holds the last one's span, and the signal handler
// gives no span to a sample taken outside JavaScript (no JS frames and not in GC; sampler.cc).
// What this misses: the rest of a callback after a nested callback of another context returns
// (AsyncResource.runInAsyncScope called synchronously) carries the nested one's span until the
// next callback starts. A span is encoded once (kept on it: INFO). Only sampled spans are written; an
// unsampled one, or none, writes zeros.
//
// The two buffers: element 0 names the current one; a write fills the other and then flips
// element 0 with Atomics.store, so the handler, which interrupts this same thread, never copies
// a half-written context.
import { createHook } from 'node:async_hooks';
import type { AsyncHook } from 'node:async_hooks';
import { logOnce } from '../common/log.js';
import { setCapped } from '../common/capped-map.js';
import { MAX_RENAMES } from '../common/span-labels.js';
import { TRACE_INTS } from '../transport/time-batch.js';
/** Most distinct root span names a thread keeps; later ones share OVERFLOW_NAME. */
export const MAX_SPAN_NAMES = 1000;
const OVERFLOW_NAME = 'hotpath span names: overflow';

const API_KEY = Symbol.for('opentelemetry.js.api.1');
const SPAN_KEY = Symbol.for('OpenTelemetry Context Key SPAN');
const SAMPLED = 1;

interface SpanContext { traceId: string; spanId: string; traceFlags: number; isRemote?: boolean }
interface Span { spanContext(): SpanContext; name?: string; parentSpanContext?: SpanContext; parentSpanId?: string }
interface Context { getValue(key: symbol): unknown }
interface ContextManager {
  active(): Context;
  with(...args: unknown[]): unknown;
  attach?(context: Context): { dispose(): void } | undefined;
}

const slot = new Int32Array(1 + 2 * TRACE_INTS);
/**
 * What hotpath keeps of a span, on the span object under a symbol key (invisible to string keys,
 * JSON and the SDK). Not WeakMaps: with an entry per span in three of them a request of
 * bench/otel-await.ts's shape (2 spans) took 12.4 µs of CPU instead of 5.0, and the span
 * processor's one alone 6.0 instead of 3.5 without hotpath sampling (short-lived keys in
 * ephemeron tables make every scavenge slower); a property dies with its span.
 */
const INFO = Symbol('hotpath span');
interface SpanInfo {
  /** The local root (hotpath/otel's span processor, or inferred at the first write). */
  root?: Span;
  /** The slot words (encode). */
  words?: Int32Array;
  /** On a root: the name id its samples were given. */
  nameId?: number;
}
const names = new Map<string, number>();
const nameList: string[] = [''];
/** Root span id (hex) -> its final name, for roots renamed after their first sample (updateName). */
const renamed = new Map<string, string>();
let newRenames: { root: string; name: string }[] = [];
let newNames: { id: number; name: string }[] = [];
/** The span written now (undefined: none). */
let current: Span | undefined;
/** The context the last callback started in, and its sampled span (spanOf): a Context never changes. */
let lastContext: Context | undefined;
let lastContextSpan: Span | undefined;
let manager: ContextManager | undefined;
/** The async hook that keeps the slot current: enabled only while the time profiler samples this thread. */
let hook: AsyncHook | undefined;
let sampling = false;

/** The Int32Array the native handler copies (timeInit's traceSlot). */
export function traceSlot(): Int32Array {
  return slot;
}

/** Root span names first seen since the last call (the aggregation worker learns each once). */
export function takeNewSpanNames(): { id: number; name: string }[] {
  const out = newNames;
  newNames = [];
  return out;
}

/** Root spans renamed since the last call: their final names (the time aggregator applies them). */
export function takeSpanRenames(): { root: string; name: string }[] {
  const out = newRenames;
  newRenames = [];
  return out;
}

/** The final name of a root span (hex id) renamed after its first sample, if it was. */
export function renamedRoot(rootSpanId: string): string | undefined {
  return renamed.get(rootSpanId);
}

/** What hotpath kept on a span, if anything (nothing, from a proxy that throws). */
function keptOf(span: Span): SpanInfo | undefined {
  try {
    return (span as unknown as Record<symbol, SpanInfo | undefined>)[INFO];
  } catch {
    return undefined;
  }
}

/** What hotpath keeps on a span, made on first use; on a span that takes no property (frozen), a throwaway. */
function keep(span: Span): SpanInfo {
  let info = keptOf(span);
  if (info === undefined) {
    info = {};
    try {
      (span as unknown as Record<symbol, SpanInfo>)[INFO] = info;
    } catch {
      // Frozen or a proxy that refuses: nothing kept; its words are encoded again at each write.
    }
  }
  return info;
}

/**
 * A span ended (hotpath/otel's span processor): a root span renamed since its first sample
 * (HTTP instrumentations name the route when it is resolved) gets its final name on the samples.
 * Never throws.
 */
export function spanEnded(span: Span): void {
  try {
    const id = keptOf(span)?.nameId;
    const name = span.name;
    if (id === undefined || name === undefined || nameList[id] === name) return;
    const root = span.spanContext().spanId;
    setCapped(renamed, root, name, MAX_RENAMES);
    newRenames.push({ root, name });
  } catch (e) {
    unreadable(e);
  }
}

/** The sampled span of a context, or undefined; never throws (see write). */
function spanOf(ctx: Context | undefined): Span | undefined {
  try {
    const span = ctx?.getValue(SPAN_KEY) as Span | undefined;
    return span !== undefined && (span.spanContext().traceFlags & SAMPLED) === SAMPLED ? span : undefined;
  } catch (e) {
    unreadable(e);
    return undefined;
  }
}

/**
 * A span's local root as hotpath/otel's span processor saw it start (its true parent): the span
 * itself when the parent is absent or remote, else the parent's root. Returns the root.
 */
export function spanStarted(span: Span, parentContext: Context | undefined): Span {
  let root = span;
  try {
    const parent = parentContext?.getValue(SPAN_KEY) as Span | undefined;
    if (parent !== undefined && parent.spanContext().isRemote !== true) root = keptOf(parent)?.root ?? parent;
  } catch (e) {
    unreadable(e);  // a parent that cannot be read: the span is taken for a root
  }
  keep(span).root = root;
  return root;
}

/**
 * The local root, when no span processor said it: the span itself when its parent is remote or
 * absent; else the root of the span active when it was first seen, if that span is its parent.
 */
function rootOf(span: Span, active: Span | undefined): Span {
  let root = keptOf(span)?.root;
  if (root !== undefined) return root;
  // SDK 2.x keeps the parent's context (isRemote only set when it came from another process),
  // 1.x its id.
  const parent = span.parentSpanContext;
  const parentId = parent !== undefined ? (parent.isRemote === true ? undefined : parent.spanId) : span.parentSpanId;
  root = active !== undefined && parentId !== undefined && active.spanContext().spanId === parentId ? rootOf(active, undefined) : span;
  keep(span).root = root;
  return root;
}

function nameId(name: string): number {
  let id = names.get(name);
  if (id === undefined) {
    if (names.size >= MAX_SPAN_NAMES) return nameId(OVERFLOW_NAME);
    id = names.size + 1;
    names.set(name, id);
    nameList.push(name);
    newNames.push({ id, name });
  }
  return id;
}

/**
 * Hex digits [from, from + 8) as one 32-bit word, read by char code: a span is encoded when it
 * first becomes active, on the request's path, and slice + parseInt took 2.4x as long (47 vs 20
 * ns a word). A non-hex digit gives a wrong id, never a throw.
 */
function word(hex: string, from: number): number {
  let v = 0;
  for (let i = from; i < from + 8; i++) {
    const c = hex.charCodeAt(i);
    v = (v << 4) | ((c <= 57 ? c - 48 : (c | 32) - 87) & 15);
  }
  return v;
}

/** The slot words of a span: trace id (4), span id (2), its local root's span id (2), the root's name id. */
function encode(span: Span, active: Span | undefined): Int32Array {
  let e = keptOf(span)?.words;
  if (e !== undefined) return e;
  const c = span.spanContext();
  const root = rootOf(span, active);
  const rootName = nameId(root.name ?? '');
  keep(root).nameId = rootName;
  e = new Int32Array(TRACE_INTS);
  // A child span shares its root's trace id: copied from the root's words when it has them.
  const rootWords = root === span ? undefined : keptOf(root)?.words;
  if (rootWords !== undefined) {
    e.set(rootWords.subarray(0, 4), 0);
    e[6] = rootWords[4]!;
    e[7] = rootWords[5]!;
  } else {
    const r = root.spanContext().spanId;
    for (let k = 0; k < 4; k++) e[k] = word(c.traceId, 8 * k);
    e[6] = word(r, 0);
    e[7] = word(r, 8);
  }
  e[4] = word(c.spanId, 0);
  e[5] = word(c.spanId, 8);
  e[8] = rootName;
  keep(span).words = e;
  return e;
}

function writeSpan(span: Span | undefined): void {
  if (span === current) return;
  const next = 1 - (slot[0]! & 1);
  const at = 1 + next * TRACE_INTS;
  if (span === undefined) slot.fill(0, at, at + TRACE_INTS);
  else slot.set(encode(span, current), at);
  Atomics.store(slot, 0, next);
  current = span;
}

/**
 * Writes the slot, never throwing: this runs in async hooks (where a throw ends the process) and
 * inside the application's with(). A span or context manager that throws (not the SDK's) leaves
 * the samples without a span, said once.
 */
function write(span: Span | undefined): void {
  try {
    writeSpan(span);
  } catch (e) {
    unreadable(e);
    writeSpan(undefined);
  }
}

function unreadable(e: unknown): void {
  logOnce('trace-context', `the active OpenTelemetry span could not be read (${(e as Error)?.message}): its samples carry no span (said once)`);
}

function activeContext(): Context | undefined {
  try {
    return manager!.active();
  } catch (e) {
    unreadable(e);
    return undefined;
  }
}

/** Writes the active context's span (after attach() and its dispose(), and when sampling starts). */
function sync(): void {
  if (sampling) write(spanOf(activeContext()));
}

/**
 * A callback starts: most start in the context the last one had (the awaits of one request),
 * whose span is not read again; write() does nothing when the slot holds it already.
 */
function callbackStarts(): void {
  const ctx = activeContext();
  if (ctx === undefined || ctx !== lastContext) {
    lastContext = ctx;
    lastContextSpan = spanOf(ctx);
  }
  write(lastContextSpan);
}

function install(m: ContextManager): void {
  manager = m;
  const originalWith = m.with;
  m.with = function withSpan(this: unknown, ctx: unknown, ...rest: unknown[]): unknown {
    if (!sampling) return originalWith.call(this, ctx, ...rest);
    const prev = current;
    write(spanOf(ctx as Context));
    try {
      return originalWith.call(this, ctx, ...rest);
    } finally {
      write(prev);
    }
  };
  const originalAttach = m.attach;
  if (typeof originalAttach === 'function') {
    m.attach = function attachSpan(this: unknown, ctx: Context) {
      const token = originalAttach.call(this, ctx);
      sync();
      if (token && typeof token.dispose === 'function') {
        const dispose = token.dispose;
        token.dispose = function disposeSpan(this: unknown) {
          dispose.call(this);
          sync();
        };
      }
      return token;
    };
  }
  hook = createHook({ before: callbackStarts });
  if (sampling) {
    hook.enable();
    sync();
  }
}

/** Hooks the registered context manager once there is one; cheap to call again. */
export function watchTraceContext(): void {
  if (manager !== undefined) return;
  const registry = (globalThis as Record<symbol, { context?: ContextManager } | undefined>)[API_KEY];
  const m = registry?.context;
  if (m && typeof m.active === 'function' && typeof m.with === 'function') install(m);
}

let watching = false;

/**
 * The time profiler starts sampling this thread: the slot follows the active span from now on.
 * Looks for a context manager now, 1 s and 5 s from now (timers that keep nothing alive; once
 * per thread).
 */
export function startTraceSamples(): void {
  sampling = true;
  if (hook !== undefined) {
    hook.enable();
    sync();
  }
  watchTraceContext();
  if (watching) return;
  watching = true;
  for (const ms of [1000, 5000]) setTimeout(watchTraceContext, ms).unref();
}

/** The time profiler stopped on this thread: no hook runs and no slot is written until it starts again. */
export function stopTraceSamples(): void {
  sampling = false;
  hook?.disable();
  write(undefined);
}

/**
 * The sampled span active now, as the slot holds it (TRACE_INTS words, the last the id of the
 * root span's name: spanName()), or undefined; for the events recorded in JS (contention,
 * exceptions). Asks the context manager itself, hooking it first if it is new. Never throws.
 */
export function activeTrace(): Int32Array | undefined {
  watchTraceContext();
  if (manager === undefined) return undefined;
  try {
    const span = spanOf(manager.active());
    return span === undefined ? undefined : encode(span, current);
  } catch (e) {
    unreadable(e);
    return undefined;
  }
}

/** A root span name by the id activeTrace() gave it. */
export function spanName(id: number): string {
  return nameList[id] ?? '';
}
