// The application-thread side of the event profiles (contention, exceptions, event-loop blocks):
// capture a stack as V8 call sites, and record events into one period's bounded buffers. Nothing
// here aggregates or encodes: frames and stacks are interned to small integers (so a period's
// memory is bounded by distinct stacks, not by events), and `take()` hands the period over as
// typed arrays (src/transport/event-batch.ts) for the events service of the aggregation worker.
//
// Bounds: at most `maxEvents` events, `maxFrames` distinct frames and `maxStackInts` frame slots
// of distinct stacks per period and thread; past them events are dropped and counted, and the
// count is said in the profile's comments.
import type { EventBatch, EventKind } from '../transport/event-batch.js';

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

export interface RecorderLimits {
  maxEvents?: number;
  maxFrames?: number;
  maxStackInts?: number;
}

export const DEFAULT_LIMITS: Required<RecorderLimits> = {
  maxEvents: 20_000,
  maxFrames: 20_000,
  maxStackInts: 200_000,
};

/** One period's events of one kind on one thread. */
export class Recorder {
  private readonly maxEvents: number;
  private readonly maxFrames: number;
  private readonly maxStackInts: number;
  private strings: string[] = [''];
  private stringIds = new Map<string, number>([['', 0]]);
  private frameIds = new Map<string, number>();
  private frames: number[] = [];
  private stackIds = new Map<string, number>();
  private stackFrames: number[] = [];
  private stackIndex: number[] = [];
  private events: number[] = [];
  private values: number[] = [];
  private nEvents = 0;
  private scratch: number[] = [];
  dropped = 0;
  notes: string[] = [];

  constructor(readonly kind: EventKind, readonly nValues: number, limits: RecorderLimits = {}) {
    this.maxEvents = limits.maxEvents ?? DEFAULT_LIMITS.maxEvents;
    this.maxFrames = limits.maxFrames ?? DEFAULT_LIMITS.maxFrames;
    this.maxStackInts = limits.maxStackInts ?? DEFAULT_LIMITS.maxStackInts;
  }

  get size(): number {
    return this.nEvents;
  }

  /** True when one more event fits (callers skip capturing a stack otherwise). */
  hasRoom(): boolean {
    return this.nEvents < this.maxEvents;
  }

  string(s: string): number {
    let id = this.stringIds.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(s);
      this.stringIds.set(s, id);
    }
    return id;
  }

  /** Id of a frame (line and column 1-based), or -1 when the frame table is full. */
  frame(name: string, file: string, line: number, column: number): number {
    const key = `${name}\u0000${file}\u0000${line}\u0000${column}`;
    let id = this.frameIds.get(key);
    if (id === undefined) {
      if (this.frameIds.size >= this.maxFrames) return -1;
      id = this.frameIds.size;
      this.frameIds.set(key, id);
      this.frames.push(this.string(name), this.string(file), line, column);
    }
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

  /** Id of the stack pushed since beginStack(), or -1 when the stack table is full. */
  endStack(): number {
    const ids = this.scratch;
    const key = ids.join(',');
    let id = this.stackIds.get(key);
    if (id === undefined) {
      if (this.stackFrames.length + ids.length > this.maxStackInts) return -1;
      id = this.stackIndex.length / 2;
      this.stackIds.set(key, id);
      this.stackIndex.push(this.stackFrames.length, ids.length);
      for (let i = 0; i < ids.length; i++) this.stackFrames.push(ids[i]);
    }
    return id;
  }

  /**
   * Stack id of call sites (leaf first), skipping the first `from` and every site whose file
   * `internal` says is a library's own (async-mutex's files, say). Returns -2 when no site is
   * left after filtering, -1 when the tables are full.
   */
  stackOfSites(sites: readonly CallSiteLike[], from = 0, internal?: (file: string) => boolean): number {
    this.beginStack();
    for (let i = from; i < sites.length; i++) {
      const s = sites[i];
      const file = siteFile(s);
      if (internal !== undefined && internal(file)) continue;
      this.pushFrame(siteName(s), file, s.getLineNumber() ?? 0, s.getColumnNumber() ?? 0);
    }
    if (this.scratch.length === 0 && internal !== undefined) return -2;
    return this.endStack();
  }

  /** Records one event; values beyond nValues are ignored. False (and counted) when it was dropped. */
  add(stackId: number, label: string, v0: number, v1 = 0, v2 = 0, v3 = 0): boolean {
    if (stackId < 0 || this.nEvents >= this.maxEvents) {
      this.dropped++;
      return false;
    }
    this.events.push(stackId, label === '' ? 0 : this.string(label));
    const n = this.nValues;
    this.values.push(v0);
    if (n > 1) this.values.push(v1);
    if (n > 2) this.values.push(v2);
    if (n > 3) this.values.push(v3);
    this.nEvents++;
    return true;
  }

  /** Counts an event that could not be recorded (no room, or nothing to record it with). */
  drop(n = 1): void {
    this.dropped += n;
  }

  /** The period's batch; the recorder starts empty again. */
  take(threadId: number, threadName: string, osThreadId: number): EventBatch {
    const b: EventBatch = {
      kind: this.kind,
      threadId,
      threadName,
      osThreadId,
      strings: this.strings,
      frames: Int32Array.from(this.frames),
      stackFrames: Int32Array.from(this.stackFrames),
      stackIndex: Int32Array.from(this.stackIndex),
      events: Int32Array.from(this.events),
      values: Float64Array.from(this.values),
      nValues: this.nValues,
      dropped: this.dropped,
      notes: this.notes,
    };
    this.strings = [''];
    this.stringIds = new Map([['', 0]]);
    this.frameIds = new Map();
    this.frames = [];
    this.stackIds = new Map();
    this.stackFrames = [];
    this.stackIndex = [];
    this.events = [];
    this.values = [];
    this.nEvents = 0;
    this.dropped = 0;
    this.notes = [];
    return b;
  }
}
