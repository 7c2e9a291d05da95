// A service's side of the period ends, the same for every kind: one at a time, in the order
// they came, each after the service is ready; a period that throws is answered with Error
// (and its waiting owner, if it blocks on a shared-memory reply, is released).
import type { MessagePort } from 'node:worker_threads';
import { Code } from './protocol.js';
import { failSyncReply } from './sync-reply.js';

export interface PeriodRequest {
  seq: number;
  kind: string;
  sync?: SharedArrayBuffer;
}

/** Returns the function that queues a period end; `run` encodes it and posts its answer. */
export function periodQueue<M extends PeriodRequest>(port: MessagePort, run: (m: M) => Promise<void>,
  ready: Promise<unknown> = Promise.resolve()): (m: M) => void {
  let chain: Promise<unknown> = Promise.resolve();
  return (m) => {
    // Each one waits for `ready`: when it failed, every period is answered with its error.
    chain = chain.then(() => ready).then(() => run(m)).catch((e: unknown) => {
      if (m.sync) failSyncReply(m.sync);
      port.postMessage({ code: Code.Error, kind: m.kind, seq: m.seq, message: (e as Error).stack ?? String(e) });
    });
  };
}
