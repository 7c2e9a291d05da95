// The owner's side of one service of the aggregation worker, the same for every kind: requests
// by period seq, each answered by Profile (resolved) or Error (rejected); a service that fails
// or could not start fails every open request and the ones after; the port holds the event loop
// open only while a request is open (a profiler never keeps a program alive).
import { attachService } from './aggregation-host.js';
import type { ServiceHandle } from './aggregation-host.js';
import { isServiceFailed } from './aggregation-protocol.js';
import type { ServiceFailedMessage, ServiceName } from './aggregation-protocol.js';
import { Code } from './protocol.js';
import { logOnce } from '../common/log.js';

/** What a service answers a request with. */
export interface ServiceAnswer {
  code: Code.Profile | Code.Error;
  kind: string;
  seq: number;
  /** Error only. */
  message?: string;
}

interface Pending<P> {
  resolve(m: P): void;
  reject(e: Error): void;
}

export class ServiceClient<P extends ServiceAnswer & { code: Code.Profile }> {
  private readonly service: ServiceHandle;
  private readonly pending = new Map<number, Pending<P>>();
  private failure: Error | null = null;

  constructor(private readonly name: ServiceName, data: unknown) {
    this.service = attachService(name, data);
    this.service.port.on('message', (m: ServiceAnswer | ServiceFailedMessage) => {
      if (isServiceFailed(m)) {
        logOnce(`service-${name}`, m.message);
        this.fail(new Error(m.message));
      } else {
        this.answer(m);
      }
    });
    this.service.onFailure((e) => {
      logOnce(`service-${name}`, `the ${name} service of the aggregation worker failed: ${e.message}`);
      this.fail(e);
    });
    // Listening for 'message' refs the port again: unref after the listener is on.
    this.service.port.unref();
  }

  /** The aggregation worker's threadId (threads address it with postMessageToThread). */
  get threadId(): number {
    return this.service.threadId;
  }

  /** The error that ended the service, or null while it runs. */
  get failed(): Error | null {
    return this.failure;
  }

  /** Sends the request of period `seq`; resolves with its Profile answer. */
  request(seq: number, message: unknown, transfer: readonly ArrayBuffer[] = []): Promise<P> {
    if (this.failure) return Promise.reject(this.failure);
    this.service.port.ref();
    this.service.port.postMessage(message, transfer as ArrayBuffer[]);
    return new Promise((resolve, reject) => this.pending.set(seq, { resolve, reject }));
  }

  /** Sends a message that has no answer (batches, labels, requests answered in shared memory). */
  post(message: unknown, transfer: readonly ArrayBuffer[] = []): void {
    this.service.port.postMessage(message, transfer as ArrayBuffer[]);
  }

  /** Sends `stop` and lets go of the worker (it ends when no service is attached). */
  release(stop: unknown): void {
    this.service.port.postMessage(stop);
    this.service.release();
  }

  private answer(m: ServiceAnswer): void {
    const p = this.pending.get(m.seq);
    if (m.code === Code.Profile) {
      if (!p) return;
      this.pending.delete(m.seq);
      p.resolve(m as P);
    } else if (m.code === Code.Error) {
      logOnce(`encode-${m.kind}`, `the ${m.kind} profile could not be encoded: ${m.message ?? ''}`);
      if (p) {
        this.pending.delete(m.seq);
        p.reject(new Error(m.message));
      }
    } else {
      this.fail(new Error(`hotpath: this should not happen: unknown message ${String((m as { code: unknown }).code)} from the ${this.name} service`));
    }
    if (this.pending.size === 0) this.service.port.unref();
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
    this.service.port.unref();
  }
}
