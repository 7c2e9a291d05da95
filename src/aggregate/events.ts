// The event profiles' service in the aggregation worker (src/aggregate/worker-entry.ts): turns the raw events of the contention, exception
// and event-loop profiles into gzipped pprof, so that no aggregation or encoding runs on the
// application's threads. One per process, started by the first event collector
// (src/collect/event-client.ts), shared by the three kinds; it owns one WASM ProfileBuilder per
// kind, reset after each period.
//
// Inputs: Encode from the owner (its own batch and the period), and on the data channel the
// Hello / ThreadBatch / Bye of collectors on other threads (worker threads), which it gathers
// until the period's Encode arrives (waiting up to `waitMs` for threads that have not answered).
// A synchronous Encode (the last period at process.exit) is answered through a
// SharedArrayBuffer the owner blocks on, without waiting for other threads.
import { Code } from '../transport/protocol.js';
import { BroadcastChannel } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type { Service } from '../transport/aggregation-protocol.js';
import { ProfileBuilder } from '../profile/builder.js';
import { batchFrame, threadLabels } from './stack-batch.js';
import type { ExpandedFrame, ExpandedLabel } from './stack-batch.js';
import { StackCap, stackLocations } from './stack-cap.js';
import { workerFrameMapper } from './frame-mapper.js';
import { FRAME_INTS, EVENT_INTS, KIND_SPECS } from '../transport/event-batch.js';
import { TRACE_INTS } from '../transport/time-batch.js';
import { spanLabels } from '../common/span-labels.js';
import type { EventBatch, EventKind } from '../transport/event-batch.js';
import { EVENTS_DATA_CHANNEL } from '../transport/event-protocol.js';
import { EventArena, arenaBatch } from '../transport/event-arena.js';
import { writeSyncReply } from '../transport/sync-reply.js';
import { periodQueue } from '../transport/period-queue.js';
import { listen } from '../transport/service-port.js';
import type { EncodeMessage, OnDataChannel, ToEncoder } from '../transport/event-protocol.js';

export function serve(port: MessagePort, _data: unknown): Service {
  const frameMapper = workerFrameMapper();

  const builders = new Map<EventKind, Promise<ProfileBuilder>>();
  function builderFor(kind: EventKind): Promise<ProfileBuilder> {
    let b = builders.get(kind);
    if (!b) {
      const spec = KIND_SPECS[kind];
      b = ProfileBuilder.create({ sampleTypes: spec.sampleTypes, defaultSampleType: spec.defaultSampleType });
      builders.set(kind, b);
    }
    return b;
  }

  /** Threads that said Bye (their last batch is in `pending`): do not wait for them. */
  const gone = new Set<number>();
  /** Batches received from other threads, not yet in a profile. */
  const pending = new Map<EventKind, { seq: number; threadId: number; batch: EventBatch }[]>();
  const waiters = new Set<() => void>();
  /** Threads that missed a period's wait: not waited for again until they send a batch. */
  const silent = new Set<number>();

  function pendingList(kind: EventKind): { seq: number; threadId: number; batch: EventBatch }[] {
    let l = pending.get(kind);
    if (!l) {
      l = [];
      pending.set(kind, l);
    }
    return l;
  }

  function onData(m: OnDataChannel): void {
    switch (m.code) {
      case Code.Batch:
        pendingList(m.kind).push({ seq: m.seq, threadId: m.batch.threadId, batch: m.batch });
        silent.delete(m.batch.threadId);
        break;
      case Code.Bye:
        gone.add(m.threadId);
        if (gone.size > 10000) gone.clear();
        if (m.batch) pendingList(m.kind).push({ seq: Infinity, threadId: m.threadId, batch: m.batch });
        break;
      default:
        return; // Flush and other control traffic is not for the encoder
    }
    for (const w of [...waiters]) w();
  }

  function missing(kind: EventKind, seq: number, threads: number[]): number[] {
    const have = new Set(pendingList(kind).filter((p) => p.seq >= seq).map((p) => p.threadId));
    return threads.filter((id) => !have.has(id) && !gone.has(id) && !silent.has(id));
  }

  function waitForThreads(kind: EventKind, seq: number, threads: number[], ms: number): Promise<number[]> {
    const missing_ = (): number[] => missing(kind, seq, threads);
    if (ms <= 0 || missing_().length === 0) return Promise.resolve(missing_());
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
        resolve(missing_());
      };
      const check = (): void => {
        if (missing_().length === 0) done();
      };
      const timer = setTimeout(done, ms);
      waiters.add(check);
    });
  }

  function addBatch(cap: StackCap, batch: EventBatch, labelKey: string): number {
    const strings = batch.strings;
    const thread = threadLabels(batch.threadId, batch.threadName, batch.osThreadId);
    const frames = new Array<ExpandedFrame>(batch.frames.length / FRAME_INTS);
    for (let f = 0; f < frames.length; f++) {
      const at = f * FRAME_INTS;
      const line = batch.frames[at + 2]!;
      const frame = batchFrame(strings[batch.frames[at]!], strings[batch.frames[at + 1]!], line, batch.frames[at + 3]!, line > 0);
      frames[f] = frame.file === '' ? frame : frameMapper.map(frame);
    }
    const stackOf = stackLocations(cap, frames, batch.stacks);
    const idsOf = (stack: number): number[] => (stack < 0 ? [] : stackOf(stack));
    // Label lists by (kind label, trace context): (nTraces + 1) * labelId + trace.
    const labelSets = new Map<number, ExpandedLabel[]>();
    const nEvents = batch.events.length / EVENT_INTS;
    const nTraces = batch.traces.length / TRACE_INTS;
    const values = new Array<number>(batch.nValues);
    for (let e = 0; e < nEvents; e++) {
      const labelId = batch.events[e * EVENT_INTS + 1]!;
      const trace = batch.events[e * EVENT_INTS + 2]!;
      const inTrace = trace > 0 && trace <= nTraces;
      const key = (nTraces + 1) * labelId + (inTrace ? trace : 0);
      let labels = labelSets.get(key);
      if (!labels) {
        labels = labelKey !== '' && labelId !== 0 ? [...thread, { key: labelKey, str: strings[labelId] }] : thread;
        if (inTrace) {
          const at = (trace - 1) * TRACE_INTS;
          labels = labels.concat(spanLabels(batch.traces, at, strings[batch.traces[at + TRACE_INTS - 1]!]));
        }
        labelSets.set(key, labels);
      }
      for (let v = 0; v < batch.nValues; v++) values[v] = Math.round(batch.values[e * batch.nValues + v]!);
      cap.addIds(idsOf(batch.events[e * EVENT_INTS]!), values, labels);
    }
    return nEvents;
  }

  async function encode(m: EncodeMessage): Promise<Uint8Array | null> {
    const spec = KIND_SPECS[m.kind];
    const b = await builderFor(m.kind);
    const late = m.sync ? [] : await waitForThreads(m.kind, m.seq, m.threads, m.waitMs);
    // A thread that did not answer is not waited for again until it sends something: a worker
    // terminated without its Bye would otherwise cost every later period the whole wait, and
    // with periods shorter than the wait the encodes would fall behind without end.
    for (const id of late) silent.add(id);
    if (silent.size > 10000) silent.clear();
    const list = pendingList(m.kind);
    const batches = [m.batch, ...list.map((p) => p.batch)];
    list.length = 0;
    const endedNotes: string[] = [];
    for (const e of m.ended) {
      const batch = arenaBatch(new EventArena(e.arena), e);
      if (batch.events.length === 0 && batch.dropped === 0) continue;
      batches.push(batch);
      endedNotes.push(`hotpath: ${m.kind}: thread ${e.threadId} (${e.threadName}) ended without handing off its period (terminate()); the events it had recorded are read from its arena`);
    }
    b.reset();
    let events = 0;
    let dropped = 0;
    const notes: string[] = [...m.comments];
    const cap = new StackCap(b);
    for (const batch of batches) {
      events += addBatch(cap, batch, spec.labelKey);
      dropped += batch.dropped;
      const who = `thread ${batch.threadId} (${batch.threadName})`;
      if (batch.dropped > 0) notes.push(`hotpath: ${m.kind}: ${who}: ${batch.dropped} events dropped (the period's buffers were full)`);
      for (const n of batch.notes) notes.push(`hotpath: ${m.kind}: ${who}: ${n}`);
    }
    notes.push(...endedNotes);
    if (late.length > 0) notes.push(`hotpath: ${m.kind}: threads ${late.join(', ')} did not answer in ${m.waitMs} ms; their events go in the next period`);
    // Nothing happened (notes about sampling alone are not worth a profile).
    const capNotes = cap.endPeriod();
    if (events === 0 && dropped === 0 && late.length === 0) return null;
    for (const c of [...notes, ...capNotes]) b.addComment(c);
    if (m.periodType) b.setPeriodType(m.periodType);
    if (m.period !== undefined) b.setPeriod(m.period);
    b.setTimeNanos(BigInt(m.timeNanos));
    b.setDurationNanos(m.durationNanos);
    const bytes = b.encode();
    b.reset();
    return bytes;
  }

  const endPeriod = periodQueue(port, async (m: EncodeMessage) => {
    const bytes = await encode(m);
    if (m.sync) writeSyncReply(m.sync, bytes);
    else if (bytes) port.postMessage({ code: Code.Profile, seq: m.seq, kind: m.kind, bytes }, [bytes.buffer as ArrayBuffer]);
    else port.postMessage({ code: Code.Profile, seq: m.seq, kind: m.kind, bytes: null });
  });

  function onMessage(m: ToEncoder): void {
    if (m.code !== Code.EndPeriod) {
      throw new Error(`hotpath: this should not happen: unknown event encoder message ${(m as { code: unknown }).code}`);
    }
    endPeriod(m);
  }

  // Warm the builders up front: a synchronous last period at exit cannot wait for compilation.
  for (const kind of Object.keys(KIND_SPECS) as EventKind[]) void builderFor(kind);
  return listen(port, new BroadcastChannel(EVENTS_DATA_CHANNEL), ['contention', 'exceptions', 'events'], onMessage, onData);
}
