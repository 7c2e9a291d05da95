// The heap profile's service in the aggregation worker (src/aggregate/worker-entry.ts): turns
// the heap batches of every profiled thread into the gzipped `heap` pprof, so that no encoding
// runs on the application's threads. Started by the heap
// collector's owner (src/collect/heap-collector.ts).
//
// Inputs: Encode from the owner (its own batch, the period, the other threads to wait for);
// Batch and Bye from the other threads, by postMessageToThread or the data channel. Batches of a
// thread that answers late go into the next period; a pull (peek) uses only the answers to it.
import { BroadcastChannel } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type { Service } from '../transport/aggregation-protocol.js';
import { encodeHeapProfile, newHeapBuilder } from './heap-encode.js';
import type { HeapBatch } from '../transport/heap-batch.js';
import { HEAP_DATA_CHANNEL, HeapCode } from '../transport/heap-protocol.js';
import { writeSyncReply } from '../transport/sync-reply.js';
import type { BatchMessage, EncodeMessage, ToEncoder } from '../transport/heap-protocol.js';

export function serve(port: MessagePort, data: unknown): Service {
  const intervalBytes: number = (data as { intervalBytes: number }).intervalBytes;
  const builder = newHeapBuilder(intervalBytes);

  /** Period batches from other threads, not yet in a profile. */
  let pending: { seq: number; batch: HeapBatch }[] = [];
  /** Answers to pulls, by seq. */
  const peeks = new Map<number, HeapBatch[]>();
  /** Highest seq each thread answered. */
  const answered = new Map<number, number>();
  const gone = new Set<number>();
  let waiting: { seq: number; threads: Set<number>; done: () => void } | null = null;
  const queue: EncodeMessage[] = [];

  function onBatch(m: BatchMessage): void {
    const id = m.batch.threadId;
    if (m.peek) {
      const list = peeks.get(m.seq);
      if (!list) return; // a pull already answered without this thread
      list.push(m.batch);
    } else {
      pending.push({ seq: m.seq, batch: m.batch });
    }
    answered.set(id, Math.max(answered.get(id) ?? 0, m.seq));
    if (waiting && m.seq >= waiting.seq) {
      waiting.threads.delete(id);
      if (waiting.threads.size === 0) waiting.done();
    }
  }

  async function encode(m: EncodeMessage): Promise<void> {
    if (m.peek) peeks.set(m.seq, []);
    const threads = new Set<number>();
    for (const id of m.threads) if (!gone.has(id) && (answered.get(id) ?? 0) < m.seq) threads.add(id);
    if (threads.size > 0 && m.waitMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, m.waitMs);
        waiting = { seq: m.seq, threads, done: () => { clearTimeout(timer); resolve(); } };
      });
      waiting = null;
    }
    const late = [...threads].filter((id) => (answered.get(id) ?? 0) < m.seq);
    let batches: HeapBatch[];
    if (m.peek) {
      batches = peeks.get(m.seq) ?? [];
      peeks.delete(m.seq);
    } else {
      batches = pending.filter((p) => p.seq <= m.seq).map((p) => p.batch);
      pending = pending.filter((p) => p.seq > m.seq);
    }
    if (m.batch) batches.unshift(m.batch);
    const comments = [...m.comments];
    if (late.length > 0) {
      comments.push(`hotpath: heap: threads ${late.join(', ')} did not answer in ${m.waitMs} ms` +
        (m.peek ? '' : '; their data goes in the next period'));
    }
    const bytes = encodeHeapProfile(builder, batches, {
      timeNanos: BigInt(m.timeNanos), durationNanos: m.durationNanos, comments,
    });
    // Forget threads that are gone (bounded memory under thread churn).
    if (!m.peek) {
      for (const id of gone) answered.delete(id);
      gone.clear();
    }
    if (m.sync) writeSyncReply(m.sync, bytes);
    else port.postMessage({ code: HeapCode.Encoded, seq: m.seq, bytes }, [bytes.buffer as ArrayBuffer]);
  }

  let running = false;
  async function drain(): Promise<void> {
    if (running) return;
    running = true;
    try {
      while (queue.length > 0) {
        const m = queue.shift()!;
        try {
          await encode(m);
        } catch (e) {
          if (m.sync) writeSyncReply(m.sync, null);
          port.postMessage({ code: HeapCode.Failed, seq: m.seq, message: (e as Error).stack ?? String(e) });
        }
      }
    } finally {
      running = false;
    }
  }

  const channel = new BroadcastChannel(HEAP_DATA_CHANNEL);

  function onMessage(m: ToEncoder): void {
    switch (m.code) {
      case HeapCode.Encode:
        queue.push(m);
        void drain();
        break;
      case HeapCode.Batch:
        onBatch(m);
        break;
      case HeapCode.Bye:
        if (m.batch) pending.push({ seq: 0, batch: m.batch }); // into the next profile
        gone.add(m.threadId);
        if (waiting) {
          waiting.threads.delete(m.threadId);
          if (waiting.threads.size === 0) waiting.done();
        }
        break;
      case HeapCode.Stop:
        channel.close();
        port.close();
        break;
      default:
        throw new Error(`hotpath: this should not happen: unknown heap message code ${(m as { code: unknown }).code}`);
    }
  }

  port.on('message', onMessage);
  channel.onmessage = (ev: unknown) => onMessage((ev as { data: ToEncoder }).data);
  // The owner's release closes the port without a Stop: end the same way.
  port.on('close', () => channel.close());
  return { onThreadMessage: (v: unknown) => onMessage(v as ToEncoder) };
}
