// The application-thread side of the event profiles (contention, exceptions, event-loop blocks):
// capture a stack as V8 call sites, and record events into one period's bounded tables. Nothing
// here aggregates or encodes: frames and stacks are interned to small integers (so a period's
// memory is bounded by distinct stacks, not by events), written into the thread's arena
// (src/transport/event-arena.ts, shared memory that outlives a worker ended by terminate()),
// and `take()` hands the period over as typed arrays (src/transport/event-batch.ts) for the
// events service of the aggregation worker.
//
// Bounds: at most `maxEvents` events, `maxFrames` distinct frames and `maxStacks` stacks (the
// (parent, frame) nodes of the period's call tree) per period and thread; past them events are dropped and counted, and the
// count is said in the profile's comments.
import { EVENT_INTS, FRAME_INTS } from '../transport/event-batch.js';
import type { EventBatch, EventKind } from '../transport/event-batch.js';
import { EventArena, Slot, arenaBatchOf } from '../transport/event-arena.js';
import type { ArenaLimits } from '../transport/event-arena.js';
import { TRACE_INTS } from '../transport/time-batch.js';
import { activeTrace, renamedRoot, spanName } from './trace-context.js';
import { rootSpanId } from '../common/span-labels.js';

/** The subset of V8's CallSite that is read. */
export interface CallSiteLike {
  getFunctionName(): string | null;
  getMethodName(): string | null;
  getTypeName(): string | null;
  getFileName(): string | null | undefined;
  getLineNumber(): number | null;
  getColumnNumber(): number | null;
  isConstructor(): boolean;
}

// The original Error, kept before anything (the exception collector) replaces the global.
const OriginalError = Error;
const rawPrepare = (_e: unknown, sites: CallSiteLike[]): CallSiteLike[] => sites;
const noSites: CallSiteLike[] = [];

/** Deepest stack captured (V8's default is 10; profiles want more, at a bounded cost). */
export const MAX_DEPTH = 64;

/**
 * The call sites of the caller of `skip` (leaf first). A structured capture: V8 gathers the
 * frames and nothing is formatted. The application's own Error.prepareStackTrace and
 * Error.stackTraceLimit are put back before returning, whatever happens.
 *
 * Cost (Node 20, bench/contention.ts): 5-15 µs at depth 10-30; callers sample before calling.
 */
export function captureSites(skip: Function): CallSiteLike[] {
  const holder: { stack?: unknown } = {};
  return readRaw(holder, () => OriginalError.captureStackTrace(holder, skip));
}

/**
 * Structured call sites of a capture done earlier with `OriginalError.captureStackTrace(holder)`
 * whose `stack` was never read (it is formatted, through prepareStackTrace, at the first read).
 */
export function sitesOfHolder(holder: { stack?: unknown }): CallSiteLike[] {
  return readRaw(holder);
}

/** Reads `holder.stack` (after `capture`, at MAX_DEPTH) with our prepareStackTrace, then puts the application's back. */
function readRaw(holder: { stack?: unknown }, capture?: () => void): CallSiteLike[] {
  const E = OriginalError as unknown as { prepareStackTrace?: unknown; stackTraceLimit: number };
  const hadPrepare = Object.prototype.hasOwnProperty.call(E, 'prepareStackTrace');
  const savedPrepare = E.prepareStackTrace;
  const savedLimit = E.stackTraceLimit;
  try {
    E.prepareStackTrace = rawPrepare;
    if (capture) {
      E.stackTraceLimit = MAX_DEPTH;
      capture();
    }
    // Read now: the call sites are handed to prepareStackTrace at the first read.
    const s = holder.stack;
    return Array.isArray(s) ? (s as CallSiteLike[]) : noSites;
  } catch {
    return noSites;
  } finally {
    if (hadPrepare) E.prepareStackTrace = savedPrepare;
    else delete E.prepareStackTrace;
    E.stackTraceLimit = savedLimit;
  }
}

/** Captures the structured stack of the caller of `skip` into a holder, formatted never (or later). */
export function captureHolder(skip: Function): { stack?: unknown } {
  const holder: { stack?: unknown } = {};
  try {
    OriginalError.captureStackTrace(holder, skip);
  } catch {
    // nothing: an empty holder names the lock "(unknown)"
  }
  return holder;
}

/** Function name the way V8 prints it in stack traces, short. */
export function siteName(s: CallSiteLike): string {
  let fn: string | null = null;
  try {
    fn = s.getFunctionName();
    if (!fn) {
      const method = s.getMethodName();
      if (method) {
        const type = s.getTypeName();
        fn = type ? `${type}.${method}` : method;
      }
    }
    if (fn && s.isConstructor() && !fn.startsWith('new ')) fn = 'new ' + fn;
  } catch {
    // a call site of a frame being torn down: keep what we have
  }
  return fn || '(anonymous)';
}

export function siteFile(s: CallSiteLike): string {
  try {
    return s.getFileName() ?? '';
  } catch {
    return '';
  }
}

/** `file:line` of a call site, for lock names. */
export function siteWhere(s: CallSiteLike): string {
  return `${siteFile(s) || '<anonymous>'}:${s.getLineNumber() ?? 0}`;
}

export type RecorderLimits = Partial<ArenaLimits>;

/** A recorder's first arena has this share of its limits, and doubles as it fills. */
const INITIAL_SHARE = 256;

export const DEFAULT_LIMITS: ArenaLimits = {
  maxEvents: 20_000,
  maxFrames: 20_000,
  maxStacks: 200_000,
};

/** What endStack() and stackOfSites() return besides a stack id: a stack without frames ... */
export const EMPTY_STACK = -1;
/** ... the stack table is full (the event is dropped) ... */
export const NO_ROOM = -2;
/** ... or no call site was left after the filter. */
export const ALL_FILTERED = -3;

/** Frames per stack key: keys of (parent, frame) are (parent + 1) * FRAME_KEYS + frame. */
const FRAME_KEYS = 2 ** 21;

/**
 * One period's events of one kind on one thread, written into the thread's arena as they come
 * (src/transport/event-arena.ts), so that a worker ended by terminate() leaves them readable.
 * The maps that intern strings, frames and stacks stay in this thread's JS heap.
 */
export class Recorder {
  arena: EventArena;
  /** Called with the new and the old arena when the arena grew (the owner must learn of it). */
  onGrow: ((arena: EventArena, previous: EventArena) => void) | null = null;
  private readonly limits: ArenaLimits;
  private readonly encoder = new TextEncoder();
  private strings: string[] = [''];
  private stringIds = new Map<string, number>([['', 0]]);
  private frameIds = new Map<string, number>();
  private stackIds = new Map<number, number>();
  /** A span's encoded context (one array per span, trace-context.ts) -> 1 + its index in the arena's traces. */
  private traceIds = new Map<Int32Array, number>();
  private scratch: number[] = [];
  notes: string[] = [];

  constructor(readonly kind: EventKind, readonly nValues: number, limits: RecorderLimits = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    this.limits.maxFrames = Math.min(this.limits.maxFrames, FRAME_KEYS);
    const start = (n: number): number => Math.min(n, Math.max(16, Math.ceil(n / INITIAL_SHARE)));
    this.arena = EventArena.create(nValues, { maxEvents: start(this.limits.maxEvents), maxFrames: start(this.limits.maxFrames), maxStacks: start(this.limits.maxStacks) });
  }

  /** Moves to an arena twice as big (up to the limits); false when it is at the limits already. */
  private grow(): boolean {
    const now = this.arena.limits();
    const next = {
      maxEvents: Math.min(this.limits.maxEvents, 2 * now.maxEvents),
      maxFrames: Math.min(this.limits.maxFrames, 2 * now.maxFrames),
      maxStacks: Math.min(this.limits.maxStacks, 2 * now.maxStacks),
    };
    if (next.maxEvents === now.maxEvents && next.maxFrames === now.maxFrames && next.maxStacks === now.maxStacks) return false;
    const previous = this.arena;
    const arena = EventArena.create(this.nValues, next);
    previous.copyTo(arena);
    this.arena = arena;
    this.onGrow?.(arena, previous);
    return true;
  }

  /** True when table `used` has room for one more entry, growing the arena if it must. */
  private room(used: Slot, max: Slot): boolean {
    return this.arena.count(used) < this.arena.count(max) || this.grow();
  }

  get size(): number {
    return this.arena.count(Slot.Events);
  }

  /** Events dropped this period because a table was full. */
  get dropped(): number {
    return this.arena.count(Slot.Dropped);
  }

  /** True when one more event fits (callers skip capturing a stack otherwise). */
  hasRoom(): boolean {
    return this.size < this.limits.maxEvents;
  }

  /** Id of a string, or -1 when the string table is full. */
  string(s: string): number {
    let id = this.stringIds.get(s);
    if (id !== undefined) return id;
    for (;;) {
      id = this.putString(s);
      if (id >= 0 || !this.grow()) break;
    }
    if (id >= 0) {
      this.strings.push(s);
      this.stringIds.set(s, id);
    }
    return id;
  }

  private putString(s: string): number {
    const a = this.arena;
    const h = a.header;
    const id = h[Slot.Strings]!;
    if (id >= h[Slot.MaxStrings]!) return -1;
    const used = h[Slot.StringBytes]!;
    const r = this.encoder.encodeInto(s, a.bytes.subarray(used));
    if (r.read < s.length) return -1;
    a.stringEnds[id] = used + r.written;
    h[Slot.StringBytes] = used + r.written;
    h[Slot.Strings] = id + 1;
    return id;
  }

  /** Id of a frame (line and column 1-based), or -1 when the frame table is full. */
  frame(name: string, file: string, line: number, column: number): number {
    const key = `${name}\u0000${file}\u0000${line}\u0000${column}`;
    let id = this.frameIds.get(key);
    if (id !== undefined) return id;
    if (!this.room(Slot.Frames, Slot.MaxFrames)) return -1;
    const nameId = this.string(name);
    const fileId = this.string(file);
    if (nameId < 0 || fileId < 0) return -1;
    const a = this.arena; // after the strings: they may have grown it
    id = a.count(Slot.Frames);
    const at = id * FRAME_INTS;
    a.frames[at] = nameId;
    a.frames[at + 1] = fileId;
    a.frames[at + 2] = line;
    a.frames[at + 3] = column;
    a.header[Slot.Frames] = id + 1;
    this.frameIds.set(key, id);
    return id;
  }

  /** Starts a stack; push frames leaf first with pushFrame, then endStack(). */
  beginStack(): void {
    this.scratch.length = 0;
  }

  pushFrame(name: string, file: string, line: number, column: number): void {
    const id = this.frame(name, file, line, column);
    if (id >= 0) this.scratch.push(id);
  }

  /** Id of the stack pushed since beginStack(): its leaf's (parent, frame) node, EMPTY_STACK or NO_ROOM. */
  endStack(): number {
    const ids = this.scratch;
    let stack = EMPTY_STACK;
    for (let i = ids.length - 1; i >= 0; i--) {
      stack = this.node(stack, ids[i]!);
      if (stack < 0) return NO_ROOM;
    }
    return stack;
  }

  /** The stack of `frame` called from `parent` (-1: the root), or -1 when the stack table is full. */
  private node(parent: number, frame: number): number {
    const key = (parent + 1) * FRAME_KEYS + frame;
    let id = this.stackIds.get(key);
    if (id !== undefined) return id;
    if (!this.room(Slot.Stacks, Slot.MaxStacks)) return -1;
    const a = this.arena;
    id = a.count(Slot.Stacks);
    a.stacks[id * 2] = parent;
    a.stacks[id * 2 + 1] = frame;
    a.header[Slot.Stacks] = id + 1;
    this.stackIds.set(key, id);
    return id;
  }

  /**
   * Stack id of call sites (leaf first), skipping the first `from` and every site whose file
   * `internal` says is a library's own (async-mutex's files, say). Returns ALL_FILTERED when no
   * site is left after filtering, NO_ROOM when the tables are full.
   */
  stackOfSites(sites: readonly CallSiteLike[], from = 0, internal?: (file: string) => boolean): number {
    this.beginStack();
    for (let i = from; i < sites.length; i++) {
      const s = sites[i];
      const file = siteFile(s);
      if (internal !== undefined && internal(file)) continue;
      this.pushFrame(siteName(s), file, s.getLineNumber() ?? 0, s.getColumnNumber() ?? 0);
    }
    if (this.scratch.length === 0 && internal !== undefined) return ALL_FILTERED;
    return this.endStack();
  }

  /** Records one event on a stack id (or EMPTY_STACK); values beyond nValues are ignored. False (and counted) when it was dropped. */
  add(stackId: number, label: string, v0: number, v1 = 0, v2 = 0, v3 = 0): boolean {
    if (stackId < EMPTY_STACK || !this.room(Slot.Events, Slot.MaxEvents)) {
      this.drop();
      return false;
    }
    const labelId = label === '' ? 0 : this.string(label);
    if (labelId < 0) {
      this.drop();
      return false;
    }
    const trace = this.trace();
    const a = this.arena;
    const e = this.size;
    a.events[e * EVENT_INTS] = stackId;
    a.events[e * EVENT_INTS + 1] = labelId;
    a.events[e * EVENT_INTS + 2] = trace;
    const n = this.nValues;
    const at = e * n;
    a.values[at] = v0;
    if (n > 1) a.values[at + 1] = v1;
    if (n > 2) a.values[at + 2] = v2;
    if (n > 3) a.values[at + 3] = v3;
    a.header[Slot.Events] = e + 1;
    return true;
  }

  /**
   * The active span's context for the next event: 0 for none, else 1 + its index in the arena's
   * traces (one per distinct context and period; the table has a row per event, so an event
   * that fits has room for its context).
   */
  private trace(): number {
    const words = activeTrace();
    if (words === undefined) return 0;
    let id = this.traceIds.get(words);
    if (id !== undefined) return id;
    const nameId = this.string(spanName(words[TRACE_INTS - 1]!));
    const a = this.arena; // after the string: it may have grown it
    const at = a.count(Slot.Traces);
    a.traces.set(words.subarray(0, TRACE_INTS - 1), at * TRACE_INTS);
    a.traces[at * TRACE_INTS + TRACE_INTS - 1] = Math.max(0, nameId);
    a.header[Slot.Traces] = at + 1;
    id = at + 1;
    this.traceIds.set(words, id);
    return id;
  }

  /** Root spans renamed since their events were recorded (updateName) get their final names. */
  private renameRoots(): void {
    for (let i = 0; i < this.arena.count(Slot.Traces); i++) {
      const name = renamedRoot(rootSpanId(this.arena.traces, i * TRACE_INTS));
      const id = name === undefined ? -1 : this.string(name);
      if (id >= 0) this.arena.traces[i * TRACE_INTS + TRACE_INTS - 1] = id;
    }
  }

  /** Counts an event that could not be recorded (no room, or nothing to record it with). */
  drop(n = 1): void {
    this.arena.header[Slot.Dropped] += n;
  }

  /** The period's batch; the recorder starts empty again. */
  take(threadId: number, threadName: string, osThreadId: number): EventBatch {
    this.renameRoots();
    const b = arenaBatchOf(this.arena, this.strings, { kind: this.kind, threadId, threadName, osThreadId });
    b.notes = this.notes;
    // Cleared after the copy: a thread ended in between leaves its events in the arena.
    this.arena.clear();
    this.strings = [''];
    this.stringIds = new Map([['', 0]]);
    this.frameIds = new Map();
    this.stackIds = new Map();
    this.traceIds = new Map();
    this.notes = [];
    return b;
  }
}
