// The heap profile's service in the aggregation worker (src/aggregate/worker-entry.ts): turns
// the heap batches of every profiled thread into the gzipped `heap` pprof, so that no encoding
// runs on the application's threads. Started by the heap
// collector's owner (src/collect/heap-collector.ts).
//
// Inputs: Encode from the owner (its own batch, the period, the other threads to wait for);
// Batch and Bye from the other threads, by postMessageToThread or the data channel. Batches of a
// thread that answers late go into the next period; a pull (peek) uses only the answers to it.
import { Code } from '../transport/protocol.js';
import { BroadcastChannel } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type { Service } from '../transport/aggregation-protocol.js';
import { encodeHeapProfile, newHeapBuilder } from './heap-encode.js';
import { workerFrameMapper } from './frame-mapper.js';
import type { HeapBatch } from '../transport/heap-batch.js';
import { HEAP_DATA_CHANNEL } from '../transport/heap-protocol.js';
import { writeSyncReply } from '../transport/sync-reply.js';
import { periodQueue } from '../transport/period-queue.js';
import { ThreadAnswers } from '../transport/thread-answers.js';
import { listen } from '../transport/service-port.js';
import type { BatchMessage, EncodeMessage, ToEncoder } from '../transport/heap-protocol.js';

export function serve(port: MessagePort, data: unknown): Service {
  const intervalBytes: number = (data as { intervalBytes: number }).intervalBytes;
  const builder = newHeapBuilder(intervalBytes);
  const frameMapper = workerFrameMapper();

  /** Period batches from other threads, not yet in a profile. */
  let pending: { seq: number; batch: HeapBatch }[] = [];
  /** Answers to pulls, by seq. */
  const peeks = new Map<number, HeapBatch[]>();
  const answers = new ThreadAnswers();

  function onBatch(m: BatchMessage): void {
    const id = m.batch.threadId;
    if (m.peek) {
      const list = peeks.get(m.seq);
      if (!list) return; // a pull already answered without this thread
      list.push(m.batch);
    } else {
      pending.push({ seq: m.seq, batch: m.batch });
    }
    answers.answer(id, m.seq);
  }

  async function encode(m: EncodeMessage): Promise<void> {
    if (m.peek) peeks.set(m.seq, []);
    const late = await answers.waitFor(m.seq, m.threads, m.waitMs);
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
    }, frameMapper.map);
    // Forget threads that are gone (bounded memory under thread churn).
    if (!m.peek) {
      answers.forgetGone();
    }
    if (m.sync) writeSyncReply(m.sync, bytes);
    else port.postMessage({ code: Code.Profile, kind: 'heap', seq: m.seq, bytes }, [bytes.buffer as ArrayBuffer]);
  }

  const endPeriod = periodQueue(port, encode);

  const channel = new BroadcastChannel(HEAP_DATA_CHANNEL);

  function onMessage(m: ToEncoder): void {
    switch (m.code) {
      case Code.EndPeriod:
        endPeriod(m);
        break;
      case Code.Batch:
        onBatch(m);
        break;
      case Code.Bye:
        if (m.batch) pending.push({ seq: 0, batch: m.batch }); // into the next profile
        answers.bye(m.threadId);
        break;
      default:
        throw new Error(`hotpath: this should not happen: unknown heap message code ${(m as { code: unknown }).code}`);
    }
  }

  return listen(port, channel, ['heap'], onMessage, onMessage);
}
