// OpenTelemetry profiles over OTLP/HTTP: all profiles of one period in one request.
//
//   POST {endpoint}            (default http://localhost:4318/v1development/profiles)
//   Content-Type: application/x-protobuf, Content-Encoding: gzip
//   body: ExportProfilesServiceRequest (opentelemetry.proto.collector.profiles.v1development)
//
// The request is written off the application's threads: `codec` is the aggregation worker's
// convert service (src/aggregate/convert.ts, wired by src/profiler.ts), which turns the
// period's pprof profiles into the request and reads the collector's answer.
//
// Retries as the OTLP/HTTP specification says: 429, 502, 503 and 504 (with Retry-After when
// the server sends one) and network failures; every other status is final. A 2xx answer may
// carry partial_success (protobuf or JSON, by its content type): the profiles it says were
// rejected are counted (`rejected`) and its message logged once.
import { HttpExporter, type HttpExporterOptions, type HttpRequestSpec, type HttpResult } from './http.js';
import { HOTPATH_VERSION } from './version.js';
import { addSecret } from '../common/log.js';
import type { ExporterStats, ProfileExport } from './types.js';

/** What a period becomes: the profiles, the resource that made them, hotpath as the scope. */
export interface OtlpPeriodInput {
  profiles: { kind: string; bytes: Uint8Array }[];
  resource: Record<string, string | number | boolean>;
  scope: { name: string; version: string };
}

/** Writes requests and reads answers (the aggregation worker's otlp service). */
export interface OtlpCodec {
  encode(period: OtlpPeriodInput): Promise<Uint8Array>;
  readAnswer(body: Uint8Array): Promise<{ rejected: number; message: string }>;
  /** Lets go of the worker's service. */
  close(): void;
}

export interface OtlpExporterOptions extends HttpExporterOptions {
  /** The full endpoint URL, path included. */
  url: string;
  /** Sent with every request (OTEL_EXPORTER_OTLP_HEADERS); values are credentials. */
  headers?: Record<string, string>;
  /** Resource attributes; `service.name` among them. */
  resource: Record<string, string | number | boolean>;
  codec: OtlpCodec;
}

/** partial_success of an answer in OTLP's JSON encoding (camelCase, 64-bit integers as strings). */
function jsonAnswer(body: Buffer): { rejected: number; message: string } {
  if (body.byteLength === 0) return { rejected: 0, message: '' };
  const r = JSON.parse(body.toString('utf8')) as { partialSuccess?: { rejectedProfiles?: string | number; errorMessage?: string } };
  return { rejected: Number(r.partialSuccess?.rejectedProfiles ?? 0) || 0, message: String(r.partialSuccess?.errorMessage ?? '') };
}

/** The statuses OTLP/HTTP says to retry. */
const RETRYABLE = new Set([429, 502, 503, 504]);

export class OtlpExporter extends HttpExporter {
  readonly name = 'otlp';
  private readonly url: URL;
  private readonly headers: Record<string, string>;
  private readonly resource: Record<string, string | number | boolean>;
  private readonly codec: OtlpCodec;
  private rejected = 0;

  constructor(options: OtlpExporterOptions) {
    super(options);
    this.url = new URL(options.url);
    this.headers = { ...(options.headers ?? {}) };
    for (const v of Object.values(this.headers)) addSecret(v);
    this.resource = { ...options.resource };
    this.codec = options.codec;
  }

  /** One job per period: all kinds go in one request, sharing one dictionary. */
  protected override split(profiles: readonly ProfileExport[]): Array<readonly ProfileExport[]> {
    return [profiles];
  }

  protected override retryableStatus(status: number): boolean {
    return RETRYABLE.has(status);
  }

  protected async buildRequest(profiles: readonly ProfileExport[]): Promise<HttpRequestSpec> {
    const body = await this.codec.encode({
      profiles: profiles.map((p) => ({ kind: p.kind, bytes: p.bytes })),
      resource: this.resource,
      scope: { name: 'hotpath', version: HOTPATH_VERSION },
    });
    return {
      url: new URL(this.url.toString()),
      headers: {
        ...this.headers,
        'content-type': 'application/x-protobuf',
        'content-encoding': 'gzip',
        'user-agent': `hotpath/${HOTPATH_VERSION}`,
      },
      body: Buffer.from(body.buffer, body.byteOffset, body.byteLength),
    };
  }

  protected override async delivered(result: HttpResult): Promise<void> {
    const type = String(result.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    let answer: { rejected: number; message: string };
    try {
      if (type === 'application/x-protobuf') answer = await this.codec.readAnswer(result.body);
      else if (type === 'application/json') answer = jsonAnswer(result.body);
      else return; // not an OTLP answer (a proxy's, say): nothing in it to read
    } catch (e) {
      this.noteError('otlp:answer', `otlp export: the collector's answer could not be read: ${(e as Error).message}`);
      return;
    }
    if (answer.rejected > 0 || answer.message !== '') {
      this.rejected += answer.rejected;
      this.noteError('otlp:partial', `otlp export: the collector rejected ${answer.rejected} profile(s)` +
        (answer.message ? `: ${answer.message.replace(/[\r\n]+/g, ' ').slice(0, 200)}` : ''));
    }
  }

  override async close(timeoutMs?: number): Promise<void> {
    await super.close(timeoutMs);
    this.codec.close();
  }

  override stats(): ExporterStats {
    return { ...super.stats(), rejected: this.rejected };
  }
}
