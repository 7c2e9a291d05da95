// The heap profile on worker threads.
//
//   startHeapThread(options?): HeapThread | null
//     Call on a worker thread that should appear in the heap profile (the profiler's
//     startThread does it). Starts V8's sampling heap profiler on this thread and answers the
//     owner's period ends (Flush on the control channel) with this thread's batch, sent straight
//     to the heap service of the aggregation worker (postMessageToThread; a copy through the
//     data channel where that does not exist). Returns null (after one warning) without the addon. HeapThread.stop()
//     sends the last batch and stops. For a worker that is terminated, the addon's cleanup hook
//     keeps its last period for the owner (heapTakeLeft) and stops V8's profiler safely.
import { Code } from '../transport/protocol.js';
import { BroadcastChannel, isMainThread, threadId as currentThreadId } from 'node:worker_threads';
import * as wt from 'node:worker_threads';
import { loadNative } from './native.js';
import { logOnce } from '../common/log.js';
import { batchTransferList } from '../transport/heap-batch.js';
import type { HeapBatch } from '../transport/heap-batch.js';
import { DEFAULTS } from '../common/settings.js';
import { HeapSampler, resolveSamplerOptions } from './heap-sampler.js';
import type { HeapSamplerOptions } from './heap-sampler.js';
import { HEAP_CONTROL_CHANNEL, HEAP_DATA_CHANNEL } from '../transport/heap-protocol.js';
import type { BatchMessage, ByeMessage, FlushMessage } from '../transport/heap-protocol.js';
import { toService } from '../transport/aggregation-host.js';

export interface HeapThreadOptions extends HeapSamplerOptions {
  /** The profiler's period; without period ends from an owner the thread rotates by itself. */
  periodMs?: number;
}

export interface HeapThread {
  stop(): void;
}

let current: HeapThread | null = null;

type ToThread = (id: number, v: unknown, transfer?: ArrayBuffer[]) => Promise<void>;
const toThread = (wt as { postMessageToThread?: ToThread }).postMessageToThread;

function post(encoder: number, msg: BatchMessage | ByeMessage, batch: HeapBatch | undefined): void {
  if (toThread && encoder >= 0) {
    toThread(encoder, toService('heap', msg), batch ? batchTransferList(batch) : []).catch((e: Error) => {
      logOnce('heap-thread-send', `heap profiler on thread ${currentThreadId} could not send its data: ${e.message}`);
    });
    return;
  }
  const data = new BroadcastChannel(HEAP_DATA_CHANNEL);
  try {
    data.postMessage(msg); // a copy: no transfer through a BroadcastChannel
  } finally {
    data.close();
  }
}

export function startHeapThread(options: HeapThreadOptions = {}): HeapThread | null {
  const opts = resolveSamplerOptions(options);
  const periodMs = options.periodMs ?? DEFAULTS.periodMs;  // checked by the settings
  if (current) return current;
  if (isMainThread) throw new Error('hotpath: startHeapThread is for worker threads; the main thread runs the heap collector');
  const addon = loadNative();
  if (!addon) return null;
  const sampler = new HeapSampler(addon, opts);
  const control = new BroadcastChannel(HEAP_CONTROL_CHANNEL);
  (control as unknown as { unref(): void }).unref();
  let encoder = -1;
  let lastSeq = 0;
  let lastFlush = Date.now();
  const answer = (seq: number, peek: boolean): void => {
    try {
      const batch = sampler.rotate(!peek);
      if (batch) post(encoder, { code: Code.Batch, kind: 'heap', seq, peek, batch }, batch);
    } catch (e) {
      logOnce('heap-thread-rotate', `heap profiler on thread ${currentThreadId} failed: ${(e as Error).message}`);
    }
  };
  control.onmessage = (ev: unknown) => {
    const m = (ev as { data: FlushMessage }).data;
    if (m.code !== Code.Flush) return;
    encoder = m.encoder;
    if (!m.peek) {
      lastSeq = m.seq;
      lastFlush = Date.now();
    }
    answer(m.seq, m.peek);
  };
  // No owner announcing period ends (none started, or it stopped): end periods anyway, so what
  // this thread keeps never grows past about two periods.
  const selfTimer = setInterval(() => {
    if (Date.now() - lastFlush < 1.5 * periodMs) return;
    lastFlush = Date.now();
    if (encoder >= 0) answer(lastSeq + 1, false);
    else sampler.rotate(true);
  }, periodMs);
  selfTimer.unref();
  current = {
    stop: () => {
      if (current === null) return;
      current = null;
      clearInterval(selfTimer);
      control.onmessage = () => {};
      control.close();
      const batch = sampler.stop();
      post(encoder, { code: Code.Bye, kind: 'heap', threadId: currentThreadId, batch }, batch);
    },
  };
  return current;
}
