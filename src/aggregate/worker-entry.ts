// The aggregation worker: the one thread of the process where profiles are built and encoded
// (DESIGN.md), so that nothing heavy runs on the application's threads and one V8 isolate, not
// one per kind, holds the WASM builders. Each kind's owner attaches a service over a
// MessagePort of its own (src/transport/aggregation-host.ts):
//   time    src/aggregate/time.ts    (the time and event-loop blocks profiles)
//   events  src/aggregate/events.ts  (contention, exceptions)
//   heap    src/aggregate/heap.ts
//   convert src/aggregate/convert.ts (the exporters' rewrites: OTLP, labels a backend must not get)
// Profiled threads that send data with postMessageToThread wrap it as { service, message }; the
// one 'workerMessage' listener here hands it on (held until the service has loaded).
import { parentPort } from 'node:worker_threads';
import { nameThisThread } from '../common/own-thread.js';
import type { ServeFunction, Service, ServiceName, ThreadEnvelope, ToHost } from '../transport/aggregation-protocol.js';

nameThisThread('hotpath-aggr');
if (!parentPort) throw new Error('hotpath: the aggregation worker must run as a worker thread');
const host = parentPort;

const MODULES: Record<ServiceName, string> = {
  time: './time.js',
  events: './events.js',
  heap: './heap.js',
  convert: './convert.js',
};

const services = new Map<ServiceName, Service>();
/** Thread messages for services still loading. */
const early = new Map<ServiceName, unknown[]>();

async function attach(name: ServiceName, port: import('node:worker_threads').MessagePort, data: unknown): Promise<void> {
  if (!early.has(name)) early.set(name, []);
  const mod = (await import(MODULES[name])) as { serve: ServeFunction };
  const service = mod.serve(port, data);
  services.set(name, service);
  port.on('close', () => {
    if (services.get(name) === service) services.delete(name);
  });
  for (const m of early.get(name) ?? []) service.onThreadMessage(m);
  early.delete(name);
}

host.on('message', (m: ToHost) => {
  if (m.code === 'attach') {
    attach(m.service, m.port, m.data).catch((e: Error) => {
      // The owner waits on the port: tell it there, in its service's failure shape.
      m.port.postMessage({ code: 'service-failed', message: `the ${m.service} service could not start: ${e.message}` });
    });
  } else if (m.code === 'stop') {
    host.close();
  }
});

process.on('workerMessage', (v: unknown) => {
  const env = v as ThreadEnvelope | null;
  if (!env || typeof env !== 'object' || !(env.service in MODULES)) return;
  const s = services.get(env.service);
  if (s) s.onThreadMessage(env.message);
  else (early.get(env.service) ?? early.set(env.service, []).get(env.service)!).push(env.message);
});
