// How a service in the aggregation worker listens, the same for every kind: its owner's port,
// and the data channel plus postMessageToThread for the profiled threads' messages. Stop from
// the owner, or the owner's release closing the port, closes both. Every message names its
// kind: one of another kind is a bug when the owner sends it (it fails loudly) and is not for
// this service when a thread does (it is left alone). A service only its owner talks to (the
// exporters' convert service) has no channel.
import type { BroadcastChannel, MessagePort } from 'node:worker_threads';
import type { Service } from './aggregation-protocol.js';
import { Code } from './protocol.js';

export function listen<O extends { code: Code; kind: string }, T extends { kind: string }>(port: MessagePort, channel: BroadcastChannel | null,
  kinds: readonly string[], fromOwner: (m: O) => void, fromThreads: (m: T) => void = () => {}): Service {
  port.on('message', (m: O) => {
    if (!kinds.includes(m.kind)) {
      throw new Error(`hotpath: this should not happen: a message of kind ${String(m.kind)} (code ${m.code}) reached the service of ${kinds.join(', ')}`);
    }
    if (m.code !== Code.Stop) {
      fromOwner(m);
      return;
    }
    channel?.close();
    port.close();
  });
  port.on('close', () => channel?.close());
  const fromThread = (m: T): void => {
    if (m !== null && typeof m === 'object' && kinds.includes(m.kind)) fromThreads(m);
  };
  if (channel) channel.onmessage = (ev: unknown) => fromThread((ev as { data: T }).data);
  return { onThreadMessage: (v: unknown) => fromThread(v as T) };
}
