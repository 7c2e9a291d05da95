// Messages between the exporters' owner (src/profiler.ts wires them) and the convert service of
// the aggregation worker (src/aggregate/convert.ts), which rewrites finished profiles for a
// backend, so that no decoding, re-encoding or protobuf library runs on the application's
// threads:
//   otlp     a period's profiles as one OpenTelemetry ExportProfilesServiceRequest
//   answer   the partial_success of a collector's answer
//   relabel  one pprof with its sample labels as a backend wants them (LabelRules)
import { Code } from './protocol.js';

/** A resource attribute value as OTLP carries it. */
export type ResourceValue = string | number | boolean;

export interface OtlpPeriod {
  /** The period's profiles, gzipped pprof, one per kind. */
  profiles: { kind: string; bytes: Uint8Array }[];
  resource: Record<string, ResourceValue>;
  scope: { name: string; version: string };
}

export interface OtlpRequestMessage {
  code: Code.Convert;
  kind: 'convert';
  seq: number;
  period: OtlpPeriod;
}

export interface OtlpAnswerMessage {
  code: Code.Convert;
  kind: 'convert';
  seq: number;
  /** The body of a 2xx answer: an ExportProfilesServiceResponse. */
  response: Uint8Array;
}

/** How a backend wants sample labels: keys left out, keys renamed (a hex id written in decimal). */
export interface LabelRules {
  drop?: string[];
  rename?: Record<string, { key: string; decimal?: boolean }>;
}

export interface RelabelMessage {
  code: Code.Convert;
  kind: 'convert';
  seq: number;
  /** Gzipped pprof. */
  profile: Uint8Array;
  rules: LabelRules;
}

export type ToConvert = OtlpRequestMessage | OtlpAnswerMessage | RelabelMessage;

export interface ConvertedMessage {
  code: Code.Profile;
  kind: 'convert';
  seq: number;
  /** The gzipped request or profile (answer to otlp and relabel). */
  bytes?: Uint8Array;
  /** partial_success (answer to answer). */
  rejected?: number;
  message?: string;
}
