// One thread's current period of events (contention, exceptions), kept in a SharedArrayBuffer
// as it is recorded (src/collect/event-recorder.ts writes it). A live thread hands its period
// off itself (an EventBatch, src/transport/event-batch.ts); the arena is there for the thread
// that cannot: a worker ended by terminate() runs no JS again, but the owner holds its arena
// (sent with the thread's Hello), the addon marks it ended (native/src/thread_end.cc), and the
// events service reads what it had recorded with arenaBatch().
//
// Layout: HEADER_INTS Int32 slots (counts written after the records they count, so an arena
// left in the middle of a record reads as the records before it), then the tables at fixed
// offsets sized by the limits: string ends, frames, stacks (parent, frame), events, trace
// contexts (one per event at most), values, string bytes (UTF-8). A recorder starts with a small arena and moves to one twice as big
// when a table fills, up to its limits (the allocator zero-fills, so every byte costs RSS).
import type { EventBatch, EventKind } from './event-batch.js';
import { EVENT_INTS, FRAME_INTS } from './event-batch.js';
import { TRACE_INTS } from './time-batch.js';

export const enum Slot {
  /** 1 once the thread's environment has ended (set by the addon). */
  Ended = 0,
  Strings,
  StringBytes,
  Frames,
  Stacks,
  Events,
  Dropped,
  NValues,
  MaxStrings,
  MaxStringBytes,
  MaxFrames,
  MaxStacks,
  MaxEvents,
  Traces,
}

const HEADER_INTS = 16;

export interface ArenaLimits {
  /** Events per period. */
  maxEvents: number;
  /** Distinct frames per period. */
  maxFrames: number;
  /** Stacks (parent, frame) of a period: the nodes of its call tree. */
  maxStacks: number;
}

/** Typed views of an arena's tables. */
export class EventArena {
  readonly header: Int32Array;
  /** Per string: the end of its bytes (its start is the previous string's end). */
  readonly stringEnds: Int32Array;
  readonly frames: Int32Array;
  readonly stacks: Int32Array;
  readonly events: Int32Array;
  readonly traces: Int32Array;
  readonly values: Float64Array;
  readonly bytes: Uint8Array;

  /** A new, empty arena. */
  static create(nValues: number, limits: ArenaLimits): EventArena {
    const maxStrings = 2 * limits.maxFrames + limits.maxEvents + 1;
    // Room for strings of 32 bytes on average (a name, a file path); past it the arena grows or drops frames, counted.
    const maxStringBytes = 32 * maxStrings;
    const ints = HEADER_INTS + maxStrings + FRAME_INTS * limits.maxFrames + 2 * limits.maxStacks + (EVENT_INTS + TRACE_INTS) * limits.maxEvents;
    const intBytes = Math.ceil(ints / 2) * 8;
    const buffer = new SharedArrayBuffer(intBytes + 8 * nValues * limits.maxEvents + maxStringBytes);
    const h = new Int32Array(buffer, 0, HEADER_INTS);
    h[Slot.NValues] = nValues;
    h[Slot.MaxStrings] = maxStrings;
    h[Slot.MaxStringBytes] = maxStringBytes;
    h[Slot.MaxFrames] = limits.maxFrames;
    h[Slot.MaxStacks] = limits.maxStacks;
    h[Slot.MaxEvents] = limits.maxEvents;
    const arena = new EventArena(buffer);
    arena.clear();
    return arena;
  }

  /** Views of an arena made by create() (on this thread or another). */
  constructor(readonly buffer: SharedArrayBuffer) {
    const h = new Int32Array(buffer, 0, HEADER_INTS);
    this.header = h;
    let at = HEADER_INTS * 4;
    const ints = (n: number): Int32Array => {
      const v = new Int32Array(buffer, at, n);
      at += n * 4;
      return v;
    };
    this.stringEnds = ints(h[Slot.MaxStrings]!);
    this.frames = ints(FRAME_INTS * h[Slot.MaxFrames]!);
    this.stacks = ints(2 * h[Slot.MaxStacks]!);
    this.events = ints(EVENT_INTS * h[Slot.MaxEvents]!);
    this.traces = ints(TRACE_INTS * h[Slot.MaxEvents]!);
    at = Math.ceil(at / 8) * 8;
    this.values = new Float64Array(buffer, at, h[Slot.NValues]! * h[Slot.MaxEvents]!);
    at += this.values.byteLength;
    this.bytes = new Uint8Array(buffer, at, h[Slot.MaxStringBytes]!);
  }

  count(slot: Slot): number {
    return this.header[slot]!;
  }

  limits(): ArenaLimits {
    return { maxEvents: this.count(Slot.MaxEvents), maxFrames: this.count(Slot.MaxFrames), maxStacks: this.count(Slot.MaxStacks) };
  }

  /** Copies the period recorded so far into `to`, an empty arena at least as big. */
  copyTo(to: EventArena): void {
    const n = (slot: Slot): number => this.count(slot);
    to.stringEnds.set(this.stringEnds.subarray(0, n(Slot.Strings)));
    to.bytes.set(this.bytes.subarray(0, n(Slot.StringBytes)));
    to.frames.set(this.frames.subarray(0, FRAME_INTS * n(Slot.Frames)));
    to.stacks.set(this.stacks.subarray(0, 2 * n(Slot.Stacks)));
    to.events.set(this.events.subarray(0, EVENT_INTS * n(Slot.Events)));
    to.traces.set(this.traces.subarray(0, TRACE_INTS * n(Slot.Traces)));
    to.values.set(this.values.subarray(0, n(Slot.NValues) * n(Slot.Events)));
    for (const slot of [Slot.Strings, Slot.StringBytes, Slot.Frames, Slot.Stacks, Slot.Events, Slot.Traces, Slot.Dropped]) to.header[slot] = n(slot);
  }

  /** Empties the arena for the next period: string 0 is ''. */
  clear(): void {
    const h = this.header;
    h[Slot.Events] = 0;
    this.stringEnds[0] = 0;
    h[Slot.Strings] = 1;
    h[Slot.StringBytes] = 0;
    h[Slot.Frames] = 0;
    h[Slot.Stacks] = 0;
    h[Slot.Traces] = 0;
    h[Slot.Dropped] = 0;
  }

  /** True once the addon has marked the thread that writes this arena as ended. */
  ended(): boolean {
    return Atomics.load(this.header, Slot.Ended) === 1;
  }
}

/** Who wrote an arena: the thread labels of its batch. */
export interface ArenaThread {
  kind: EventKind;
  threadId: number;
  threadName: string;
  osThreadId: number;
}

/** The period an ended thread had recorded, as the batch it would have sent (copies: the arena can be dropped after). */
export function arenaBatch(arena: EventArena, thread: ArenaThread): EventBatch {
  const nStrings = arena.count(Slot.Strings);
  const bytes = arena.bytes.slice(0, arena.count(Slot.StringBytes));
  const decoder = new TextDecoder();
  const strings: string[] = new Array(nStrings);
  let start = 0;
  for (let i = 0; i < nStrings; i++) {
    const end = arena.stringEnds[i]!;
    strings[i] = decoder.decode(bytes.subarray(start, end));
    start = end;
  }
  return arenaBatchOf(arena, strings, thread);
}

/** A batch of the arena's tables (copied) with its strings, known already or decoded. */
export function arenaBatchOf(arena: EventArena, strings: string[], thread: ArenaThread): EventBatch {
  const nValues = arena.count(Slot.NValues);
  const nEvents = arena.count(Slot.Events);
  return {
    ...thread,
    strings,
    frames: arena.frames.slice(0, FRAME_INTS * arena.count(Slot.Frames)),
    stacks: arena.stacks.slice(0, 2 * arena.count(Slot.Stacks)),
    events: arena.events.slice(0, EVENT_INTS * nEvents),
    traces: arena.traces.slice(0, TRACE_INTS * arena.count(Slot.Traces)),
    values: arena.values.slice(0, nValues * nEvents),
    nValues,
    dropped: arena.count(Slot.Dropped),
    notes: [],
  };
}
