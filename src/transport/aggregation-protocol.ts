// What the owners of the profile kinds and the one aggregation worker (src/aggregate/
// worker-entry.ts) say to each other on the worker's own port, and how profiled threads
// address a service there with postMessageToThread.
import type { MessagePort } from 'node:worker_threads';

/** The services the aggregation worker hosts, each on a MessagePort of its own. */
export type ServiceName = 'time' | 'events' | 'heap' | 'convert';

export interface AttachMessage {
  code: 'attach';
  service: ServiceName;
  port: MessagePort;
  data: unknown;
}

export interface StopHostMessage {
  code: 'stop';
}

export type ToHost = AttachMessage | StopHostMessage;

/** A message a profiled thread sends to a service with postMessageToThread. */
export interface ThreadEnvelope {
  service: ServiceName;
  message: unknown;
}

/** What a service module gives the host: where thread messages for it go. */
export interface Service {
  onThreadMessage(message: unknown): void;
}

/** A service module's entry point. */
export type ServeFunction = (port: MessagePort, data: unknown) => Service;

/** Sent on a service's port when the service could not start in the worker. */
export interface ServiceFailedMessage {
  code: 'service-failed';
  message: string;
}

export function isServiceFailed(m: unknown): m is ServiceFailedMessage {
  return typeof m === 'object' && m !== null && (m as { code?: unknown }).code === 'service-failed';
}
