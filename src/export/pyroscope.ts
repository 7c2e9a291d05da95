// Grafana Pyroscope ingest: one POST {server}/ingest per profile.
//
//   POST {server}/ingest?name=<service>{k=v,...}&from=<unix s>&until=<unix s>
//        &format=pprof&spyName=nodespy&sampleRate=<hz>
//   Content-Type: multipart/form-data
//     profile             profile.pprof            the gzipped pprof, as is
//     sample_type_config  sample_type_config.json  how to read our sample types
//
// The name carries no kind suffix (no `.cpu`): for pprof the server reads the profile type from
// the pprof sample types (a `wall` sample type makes it a wall profile, `alloc_*`/`inuse_*`
// memory, a `mutex_*` display name mutex) and takes the name as service_name; a suffix would end
// up in the service name. The sample_type_config part gives display names, units and
// aggregation for sample types the server's default table does not know (ours use
// hyphens and nanoseconds), which the pre-1.0 server needs to ingest them at all.
//
// Auth: `Authorization: Bearer <token>` or Basic (user:password, also taken from the URL's user
// info), and `X-Scope-OrgID: <tenant>` for multi-tenant servers.
//
// Pyroscope makes series of string sample labels, so labels of high cardinality are left out
// (`relabel`, the aggregation worker's convert service): `trace_id`, `active_span_id` (one a
// request) and `os thread id`. `span_id` and `span_name` stay: they are its span profiles.

import { HttpExporter, type HttpExporterOptions, type HttpRequestSpec } from './http.js';
import { buildMultipart } from './multipart.js';
import { addSecret } from '../common/log.js';
import { SPAN_LABELS } from '../common/span-labels.js';
import type { ProfileExport, Relabeler } from './types.js';

/** Sample labels Pyroscope must not get: one series per value. */
export const PYROSCOPE_LABEL_RULES = { drop: [SPAN_LABELS.trace, SPAN_LABELS.active, 'os thread id'] };

export interface PyroscopeExporterOptions extends HttpExporterOptions {
  /** Server base URL, e.g. http://pyroscope:4040 (a path prefix is kept). */
  url: string;
  /** Application name: service_name in Pyroscope. */
  service: string;
  tags?: Record<string, string>;
  token?: string;
  basic?: { user: string; password: string };
  tenantId?: string;
  /** sampleRate when a profile does not give one, Hz. */
  sampleRateHz?: number;
  /** Applies PYROSCOPE_LABEL_RULES; without it profiles go as they are. */
  relabel?: Relabeler;
}

interface SampleTypeConfig {
  units?: string;
  'display-name'?: string;
  aggregation?: 'sum' | 'avg';
  cumulative?: boolean;
  sampled?: boolean;
}

/** Our sample types (DESIGN.md), as Pyroscope should read them. */
export const SAMPLE_TYPE_CONFIG: Record<string, SampleTypeConfig> = {
  // time
  samples: { units: 'samples', 'display-name': 'wall_samples', sampled: true },
  wall: { units: 'nanoseconds', 'display-name': 'wall', sampled: true },
  cpu: { units: 'nanoseconds', 'display-name': 'cpu', sampled: true },
  // heap
  alloc_objects: { units: 'objects', 'display-name': 'alloc_objects' },
  alloc_space: { units: 'bytes', 'display-name': 'alloc_space' },
  inuse_objects: { units: 'objects', 'display-name': 'inuse_objects', aggregation: 'avg' },
  inuse_space: { units: 'bytes', 'display-name': 'inuse_space', aggregation: 'avg' },
  // contention
  'lock-acquire': { units: 'lock_samples', 'display-name': 'mutex_count' },
  'lock-acquire-wait': { units: 'lock_nanoseconds', 'display-name': 'mutex_duration' },
  'lock-release': { units: 'lock_samples', 'display-name': 'mutex_release_count' },
  'lock-release-hold': { units: 'lock_nanoseconds', 'display-name': 'mutex_hold_duration' },
  // exceptions
  'exception-samples': { units: 'exceptions', 'display-name': 'exceptions' },
  // event loop
  'event-loop-blocks': { units: 'samples', 'display-name': 'event_loop_blocks' },
  'event-loop-block-time': { units: 'nanoseconds', 'display-name': 'event_loop_block_time' },
};

/** A Pyroscope label name: letters, digits and _ only, not starting with a digit. */
function labelName(k: string): string {
  const s = k.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[0-9]/.test(s) ? '_' + s : s;
}

/** A label value without the characters that delimit the name syntax. */
function labelValue(v: string): string {
  return v.replace(/[,{}=\s]/g, '_');
}

/** `service{k=v,...}` with keys sorted, or just `service` without tags. */
export function pyroscopeName(service: string, tags: Record<string, string>): string {
  const keys = Object.keys(tags).sort();
  if (keys.length === 0) return service;
  return `${service}{${keys.map((k) => `${labelName(k)}=${labelValue(tags[k])}`).join(',')}}`;
}

export class PyroscopeExporter extends HttpExporter {
  readonly name = 'pyroscope';
  private readonly base: URL;
  private readonly service: string;
  private readonly tags: Record<string, string>;
  private readonly authorization: string | undefined;
  private readonly tenantId: string | undefined;
  private readonly sampleRateHz: number;
  private readonly sampleTypeConfig: string;
  private readonly relabel: Relabeler | undefined;

  constructor(options: PyroscopeExporterOptions) {
    super(options);
    const url = new URL(options.url);
    let basic = options.basic;
    if (!basic && url.username) {
      basic = { user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
    }
    url.username = '';
    url.password = '';
    url.search = '';
    url.hash = '';
    this.base = url;
    this.service = options.service;
    this.tags = { ...(options.tags ?? {}) };
    if (options.token) {
      addSecret(options.token);
      this.authorization = `Bearer ${options.token}`;
    } else if (basic) {
      addSecret(basic.password);
      this.authorization = 'Basic ' + Buffer.from(`${basic.user}:${basic.password}`).toString('base64');
    }
    this.tenantId = options.tenantId;
    this.sampleRateHz = options.sampleRateHz ?? 100;
    this.sampleTypeConfig = JSON.stringify(SAMPLE_TYPE_CONFIG);
    this.relabel = options.relabel;
  }

  override async close(timeoutMs?: number): Promise<void> {
    await super.close(timeoutMs);
    this.relabel?.close();
  }

  protected async buildRequest(profiles: readonly ProfileExport[]): Promise<HttpRequestSpec> {
    const p = profiles[0];
    const bytes = this.relabel ? await this.relabel.relabel(p.bytes, PYROSCOPE_LABEL_RULES) : p.bytes;
    const url = new URL(this.base.toString());
    url.pathname = url.pathname.replace(/\/+$/, '') + '/ingest';
    const from = Math.floor(p.start.getTime() / 1000);
    const until = Math.max(from, Math.ceil(p.end.getTime() / 1000));
    url.searchParams.set('name', pyroscopeName(this.service, { ...this.tags, ...(p.tags ?? {}) }));
    url.searchParams.set('from', String(from));
    url.searchParams.set('until', String(until));
    url.searchParams.set('format', 'pprof');
    url.searchParams.set('spyName', 'nodespy');
    url.searchParams.set('sampleRate', String(Math.max(1, Math.round(p.sampleRateHz ?? this.sampleRateHz))));
    const mp = buildMultipart([
      { name: 'profile', filename: 'profile.pprof', contentType: 'application/octet-stream', data: bytes },
      { name: 'sample_type_config', filename: 'sample_type_config.json', contentType: 'application/json', data: this.sampleTypeConfig },
    ]);
    const headers: Record<string, string> = { 'content-type': mp.contentType, 'user-agent': 'hotpath' };
    if (this.authorization) headers.authorization = this.authorization;
    if (this.tenantId) headers['x-scope-orgid'] = this.tenantId;
    return { url, headers, body: mp.body };
  }
}
