// Datadog agent intake: all profiles of one period in one request.
//
//   POST {agent}/profiling/v1/input
//   DD-EVP-ORIGIN: hotpath, DD-EVP-ORIGIN-VERSION: <version>, DD-API-KEY only if given
//   Content-Type: multipart/form-data
//     event       event.json (application/json)
//       { attachments: ["wall.pprof", ...], start, end (ISO 8601), family: "node", version: "4",
//         tags_profiler: "service:..,host:..,runtime:nodejs,language:javascript,...",
//         info: { application, platform, profiler, runtime } }
//     wall.pprof  the time profile       (application/octet-stream, gzipped pprof)
//     space.pprof the heap profile
//     <kind>.pprof for the others (contention, exceptions, eventloop)
//
// The same fields the Node tracer sends (family node, version 4, the language/runtime/
// process_id/profiler_version/format tags), so the backend files them as a Node profile. A URL
// with a path (e.g. an agentless intake .../api/v2/profile) is used as given.
//
// Span context as dd-trace-js writes it for code hotspots and endpoints (`relabel`, the
// aggregation worker's convert service): `local root span id` and `span id` as decimal
// strings, `trace endpoint` the root span's name; hotpath's own span labels are left out.

import os from 'node:os';
import { HOTPATH_VERSION } from './version.js';
import { HttpExporter, type HttpExporterOptions, type HttpRequestSpec } from './http.js';
import { buildMultipart, type Part } from './multipart.js';
import { addSecret } from '../common/log.js';
import { SPAN_LABELS } from '../common/span-labels.js';
import type { ProfileExport, Relabeler } from './types.js';

/** hotpath's span labels (src/aggregate/stack-batch.ts) as dd-trace-js names them. */
export const DATADOG_LABEL_RULES = {
  drop: [SPAN_LABELS.trace],
  rename: {
    [SPAN_LABELS.root]: { key: 'local root span id', decimal: true },
    [SPAN_LABELS.active]: { key: 'span id', decimal: true },
    [SPAN_LABELS.name]: { key: 'trace endpoint' },
  },
};

export interface DatadogExporterOptions extends HttpExporterOptions {
  /** Agent base URL, e.g. http://localhost:8126. */
  url: string;
  service: string;
  tags?: Record<string, string>;
  /** Only for agentless intake; the agent adds its own. */
  apiKey?: string;
  /** Defaults to os.hostname(). */
  hostname?: string;
  /** Applies DATADOG_LABEL_RULES; without it profiles go as they are. */
  relabel?: Relabeler;
}

export { HOTPATH_VERSION };

/** The attachment name for a profile kind: Datadog's names where it has one. */
export function attachmentName(kind: string): string {
  if (kind === 'time') return 'wall.pprof';
  if (kind === 'heap') return 'space.pprof';
  return `${kind.replace(/[^A-Za-z0-9_-]/g, '_')}.pprof`;
}

const startTime = new Date(Date.now() - process.uptime() * 1000).toISOString();

export class DatadogExporter extends HttpExporter {
  readonly name = 'datadog';
  private readonly url: URL;
  private readonly service: string;
  private readonly tags: Record<string, string>;
  private readonly apiKey: string | undefined;
  private readonly hostname: string;
  private readonly relabel: Relabeler | undefined;

  constructor(options: DatadogExporterOptions) {
    super(options);
    const url = new URL(options.url);
    if (url.pathname === '' || url.pathname === '/') url.pathname = '/profiling/v1/input';
    this.url = url;
    this.service = options.service;
    this.tags = { ...(options.tags ?? {}) };
    this.apiKey = options.apiKey;
    if (this.apiKey) addSecret(this.apiKey);
    this.hostname = options.hostname ?? os.hostname();
    this.relabel = options.relabel;
  }

  override async close(timeoutMs?: number): Promise<void> {
    await super.close(timeoutMs);
    this.relabel?.close();
  }

  /** One job per period: all kinds go in one request. */
  protected override split(profiles: readonly ProfileExport[]): Array<readonly ProfileExport[]> {
    return [profiles];
  }

  /** The event.json object for a set of profiles (exposed for tests and `hotpath` tools). */
  eventFor(profiles: readonly ProfileExport[], attachments: string[]): Record<string, unknown> {
    const start = new Date(Math.min(...profiles.map((p) => p.start.getTime())));
    const end = new Date(Math.max(...profiles.map((p) => p.end.getTime())));
    const tags: Record<string, string> = {};
    for (const p of profiles) Object.assign(tags, p.tags ?? {});
    Object.assign(tags, this.tags);
    const profilerTags = [
      `service:${this.service}`,
      `host:${this.hostname}`,
      'language:javascript',
      'runtime:nodejs',
      `runtime_arch:${process.arch}`,
      `runtime_os:${process.platform}`,
      `runtime_version:${process.version}`,
      `process_id:${process.pid}`,
      `profiler_version:hotpath-${HOTPATH_VERSION}`,
      'format:pprof',
      ...Object.entries(tags)
        .filter(([k]) => k !== 'service' && k !== 'host')
        .map(([k, v]) => `${k}:${v}`),
    ];
    return {
      attachments,
      start: start.toISOString(),
      end: end.toISOString(),
      family: 'node',
      version: '4',
      tags_profiler: profilerTags.join(','),
      info: {
        application: {
          service: this.service,
          start_time: startTime,
          ...(tags.env ? { env: tags.env } : {}),
          ...(tags.version ? { version: tags.version } : {}),
        },
        platform: {
          hostname: this.hostname,
          kernel_name: os.type(),
          kernel_release: os.release(),
          kernel_version: os.version(),
        },
        profiler: { name: 'hotpath', version: HOTPATH_VERSION },
        runtime: {
          engine: 'nodejs',
          version: process.version.slice(1),
          available_processors: os.availableParallelism?.() ?? os.cpus().length,
        },
      },
    };
  }

  protected async buildRequest(profiles: readonly ProfileExport[]): Promise<HttpRequestSpec> {
    const parts: Part[] = [];
    const names: string[] = [];
    for (const p of profiles) {
      const data = this.relabel ? await this.relabel.relabel(p.bytes, DATADOG_LABEL_RULES) : p.bytes;
      let name = attachmentName(p.kind);
      // Two profiles of one kind in a period should not happen; never send two parts of one name.
      for (let i = 2; names.includes(name); i++) name = attachmentName(`${p.kind}_${i}`);
      names.push(name);
      parts.push({ name, filename: name, contentType: 'application/octet-stream', data });
    }
    const event = JSON.stringify(this.eventFor(profiles, names));
    const mp = buildMultipart([
      { name: 'event', filename: 'event.json', contentType: 'application/json', data: event },
      ...parts,
    ]);
    const headers: Record<string, string> = {
      'content-type': mp.contentType,
      'user-agent': `hotpath/${HOTPATH_VERSION}`,
      'dd-evp-origin': 'hotpath',
      'dd-evp-origin-version': HOTPATH_VERSION,
    };
    if (this.apiKey) headers['dd-api-key'] = this.apiKey;
    return { url: new URL(this.url.toString()), headers, body: mp.body };
  }
}
