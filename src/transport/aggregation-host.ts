// The owners' side of the one aggregation worker (src/aggregate/worker-entry.ts): started by
// the first kind that needs it, ended when the last one releases it.
//
//   attachService(name, data): ServiceHandle
//     port      the service's own MessagePort (unref'd: ref() it while waiting for a reply)
//     threadId  the worker's threadId, for postMessageToThread from profiled threads (wrap the
//               message with toService())
//     onFailure(cb)  called once if the worker fails or exits
//     release()      closes the port; the last release ends the worker
import { MessageChannel, Worker } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type { ServiceName, ThreadEnvelope, ToHost } from './aggregation-protocol.js';

export interface ServiceHandle {
  readonly port: MessagePort;
  readonly threadId: number;
  onFailure(cb: (e: Error) => void): void;
  release(): void;
}

interface Host {
  worker: Worker;
  refs: number;
  failed: Error | null;
  failures: Set<(e: Error) => void>;
}

let current: Host | null = null;

function startHost(): Host {
  const worker = new Worker(new URL('../aggregate/worker-entry.js', import.meta.url), {
    workerData: { hotpathInternal: true },
    // None of the program's flags: inherited, `--input-type=module -e` made Node read this
    // worker's file as that input type and fail; passed on explicitly, per-process V8 flags
    // (--no-turbo-inlining) are refused. The worker needs none of them.
    execArgv: [],
    name: 'hotpath-aggregator',
  } as ConstructorParameters<typeof Worker>[1]);
  const h: Host = { worker, refs: 0, failed: null, failures: new Set() };
  const fail = (e: Error): void => {
    if (h.failed) return;
    h.failed = e;
    if (current === h) current = null;
    for (const cb of h.failures) cb(e);
    h.failures.clear();
  };
  worker.on('error', (e) => fail(e));
  worker.on('exit', () => fail(new Error('hotpath: the aggregation worker exited')));
  worker.unref();
  return h;
}

export function attachService(service: ServiceName, data: unknown): ServiceHandle {
  const h = (current ??= startHost());
  h.refs++;
  const { port1, port2 } = new MessageChannel();
  h.worker.postMessage({ code: 'attach', service, port: port2, data } satisfies ToHost, [port2]);
  port1.unref();
  let released = false;
  const mine = new Set<(e: Error) => void>();
  return {
    port: port1,
    threadId: h.worker.threadId,
    onFailure(cb) {
      if (h.failed) {
        queueMicrotask(() => cb(h.failed!));
      } else {
        mine.add(cb);
        h.failures.add(cb);
      }
    },
    release() {
      if (released) return;
      released = true;
      // A released service hears nothing more, not even the worker's end.
      for (const cb of mine) h.failures.delete(cb);
      port1.close();
      if (--h.refs > 0) return;
      if (current === h) current = null;
      h.worker.postMessage({ code: 'stop' } satisfies ToHost);
    },
  };
}

/** A message for `service` in the aggregation worker, for postMessageToThread. */
export function toService(service: ServiceName, message: unknown): ThreadEnvelope {
  return { service, message };
}
