// How a service in the aggregation worker listens, the same for every kind: its owner's port,
// and the data channel plus postMessageToThread for the profiled threads' messages. Stop from
// the owner, or the owner's release closing the port, closes both.
import type { BroadcastChannel, MessagePort } from 'node:worker_threads';
import type { Service } from './aggregation-protocol.js';
import { Code } from './protocol.js';

export function listen<O extends { code: Code }, T>(port: MessagePort, channel: BroadcastChannel,
  fromOwner: (m: O) => void, fromThreads: (m: T) => void): Service {
  port.on('message', (m: O) => {
    if (m.code !== Code.Stop) {
      fromOwner(m);
      return;
    }
    channel.close();
    port.close();
  });
  port.on('close', () => channel.close());
  channel.onmessage = (ev: unknown) => fromThreads((ev as { data: T }).data);
  return { onThreadMessage: (v: unknown) => fromThreads(v as T) };
}
