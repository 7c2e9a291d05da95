// Messages between the OTLP exporter's owner (src/profiler.ts wires it) and the otlp service of
// the aggregation worker (src/aggregate/otlp.ts), which writes a period's profiles as an
// OpenTelemetry ExportProfilesServiceRequest and reads a collector's answer, so that neither
// protobuf encoding nor its library runs on the application's threads.
import { Code } from './protocol.js';

/** A resource attribute value as OTLP carries it. */
export type ResourceValue = string | number | boolean;

export interface OtlpPeriod {
  /** The period's profiles, gzipped pprof, one per kind. */
  profiles: { kind: string; bytes: Uint8Array }[];
  resource: Record<string, ResourceValue>;
  scope: { name: string; version: string };
}

export interface EncodeRequestMessage {
  code: Code.Convert;
  kind: 'otlp';
  seq: number;
  period: OtlpPeriod;
}

export interface ReadResponseMessage {
  code: Code.Convert;
  kind: 'otlp';
  seq: number;
  /** The body of a 2xx answer: an ExportProfilesServiceResponse. */
  response: Uint8Array;
}

export type ToOtlp = EncodeRequestMessage | ReadResponseMessage;

export interface ConvertedMessage {
  code: Code.Profile;
  kind: 'otlp';
  seq: number;
  /** The gzipped request (answer to an encode). */
  bytes?: Uint8Array;
  /** partial_success (answer to a read). */
  rejected?: number;
  message?: string;
}
