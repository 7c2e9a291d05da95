// The OTLP exporter against a real HTTP server on 127.0.0.1: its requests, read with protobufjs
// and the opentelemetry-proto schema files of the revision the code names (test/export/
// otlp-proto), hold the same functions, stacks, values and labels as the pprof files of the same
// period; it retries what OTLP/HTTP says to retry (429 with Retry-After, 502, 503, 504, timeouts,
// refused and reset connections), counts each retry, gives up at once on 400 and 500, and counts
// what a partial success says was rejected. The requests are written by the aggregation
// worker's convert service (the real one).
import t from 'tap';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import protobuf from 'protobufjs';
import { ungzip } from 'pako';
import { encodeProfile, start } from '../../dist/src/index.js';
import { OtlpExporter } from '../../dist/src/export/otlp.js';
import { otlpCodec } from '../../dist/src/transport/convert-client.js';
import { resolveSettings } from '../../dist/src/common/settings.js';
import { captureLog } from '../helpers/capture-log.js';
import { ProfileType, pprofFixture, respondAfterBody, startServer } from '../helpers/export-server.js';

const keepAlive = setInterval(() => {}, 1 << 30);
t.teardown(() => clearInterval(keepAlive));

const protoRoot = new protobuf.Root();
protoRoot.resolvePath = (_origin, target) => path.join(path.dirname(new URL(import.meta.url).pathname), 'otlp-proto', target);
await protoRoot.load('opentelemetry/proto/collector/profiles/v1development/profiles_service.proto', { keepCase: true });
const Request = protoRoot.lookupType('opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceRequest');
const Response = protoRoot.lookupType('opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceResponse');

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = any;

/** The request as protobufjs reads it: unset fields filled in, or (`raw`) left out. */
function decodeRequest(body: Buffer, raw = false): Obj {
  return Request.toObject(Request.decode(ungzip(body)), { longs: String, bytes: Array, defaults: !raw, oneofs: true });
}

/** An AnyValue's value, whichever field of the oneof is set. */
const anyValue = (v: Obj): string => String(v[v.value]);

/** "time type" (a profile's start and sample type) -> "stack|attributes" -> summed value, from one OTLP request. */
function otlpSums(req: Obj): Map<string, Map<string, number>> {
  const d = req.dictionary;
  const s = (i: number): string => d.string_table[i];
  const frame = (li: number): string => {
    const loc = d.location_table[li];
    return loc.lines.map((ln: Obj) => {
      const f = d.function_table[ln.function_index];
      return `${s(f.name_strindex)}@${s(f.filename_strindex)}:${ln.line}`;
    }).join('/');
  };
  const attr = (ai: number): string => {
    const a = d.attribute_table[ai];
    return `${s(a.key_strindex)}=${anyValue(a.value)}`;
  };
  const out = new Map<string, Map<string, number>>();
  for (const rp of req.resource_profiles) {
    for (const sp of rp.scope_profiles) {
      for (const p of sp.profiles) {
        const type = `${p.time_unix_nano} ${s(p.sample_type.type_strindex)}`;
        const m = out.get(type) ?? out.set(type, new Map()).get(type)!;
        for (const smp of p.samples) {
          const key = d.stack_table[smp.stack_index].location_indices.map(frame).join(';') + '|' +
            smp.attribute_indices.map(attr).sort().join(',');
          m.set(key, (m.get(key) ?? 0) + Number(smp.values[0]));
        }
      }
    }
  }
  return out;
}

const RENAMED: Record<string, string> = { 'thread id': 'thread.id', 'thread name': 'thread.name' };

/** The same sums from a pprof file, read with the reference decoder (proto/profile.proto). */
function pprofSums(bytes: Uint8Array): { timeNanos: string; sums: Map<string, Map<string, number>> } {
  const p = ProfileType.toObject(ProfileType.decode(ungzip(bytes)), { longs: String, defaults: true }) as Obj;
  const s = (i: number | string): string => p.stringTable[Number(i)];
  const fns = new Map(p.function.map((f: Obj) => [String(f.id), f]));
  const locs = new Map(p.location.map((l: Obj) => [String(l.id), l]));
  const frame = (id: string): string => (locs.get(String(id)) as Obj).line.map((ln: Obj) => {
    const f = fns.get(String(ln.functionId)) as Obj;
    return `${s(f.name)}@${s(f.filename)}:${ln.line}`;
  }).join('/');
  const sums = new Map<string, Map<string, number>>();
  p.sampleType.forEach((st: Obj, v: number) => {
    const m = new Map<string, number>();
    for (const smp of p.sample) {
      const val = Number(smp.value[v]);
      if (val === 0) continue;
      const labels = smp.label.map((l: Obj) => `${RENAMED[s(l.key)] ?? s(l.key)}=${Number(l.str) !== 0 ? s(l.str) : String(l.num)}`);
      const key = smp.locationId.map(frame).join(';') + '|' + labels.sort().join(',');
      m.set(key, (m.get(key) ?? 0) + val);
    }
    sums.set(s(st.type), m);
  });
  return { timeNanos: String(p.timeNanos), sums };
}

function spin(ms: number): number {
  const end = Date.now() + ms;
  let x = 0;
  while (Date.now() < end) x += Math.sqrt(x + 1);
  return x;
}

t.test('a profiled period: the OTLP request holds what the pprof files of the period hold', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const outDir = mkdtempSync(path.join(tmpdir(), 'hotpath-otlp-'));
  const env = { ...process.env, OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=test,team=perf%20tools', OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=s3cr%3Dt' };
  const saved = { ...process.env };
  Object.assign(process.env, env);
  t.teardown(() => { process.env = saved; });
  const p = start({ service: 'otlp-test', profiles: 'time,heap', exporter: ['file', 'otlp'], outDir, otlpUrl: server.url, period: '1s' });
  for (let i = 0; i < 25; i++) {
    spin(60);
    await new Promise((r) => setTimeout(r, 20));
  }
  await p.stop();
  t.ok(server.requests.length >= 2, `${server.requests.length} requests`);
  const files = readdirSync(outDir).filter((f) => f.endsWith('.pb.gz'));
  /** "time type" -> sums, over every file the file exporter wrote. */
  const fromFiles = new Map<string, Map<string, number>>();
  for (const f of files) {
    const { timeNanos, sums } = pprofSums(readFileSync(path.join(outDir, f)));
    for (const [type, m] of sums) fromFiles.set(`${timeNanos} ${type}`, m);
  }
  let compared = 0;
  let cpuSamples = 0;
  for (const r of server.requests) {
    t.equal(r.url.pathname, '/v1development/profiles');
    t.equal(r.headers['content-type'], 'application/x-protobuf');
    t.equal(r.headers['content-encoding'], 'gzip');
    t.equal(r.headers['x-api-key'], 's3cr=t', 'OTEL_EXPORTER_OTLP_HEADERS sent, percent-decoded');
    const req = decodeRequest(r.body);
    const d = req.dictionary;
    t.equal(d.string_table[0], '', 'string_table[0] is ""');
    const rawDict = decodeRequest(r.body, true).dictionary;
    for (const table of ['mapping_table', 'location_table', 'function_table', 'attribute_table', 'stack_table']) {
      t.same(rawDict[table][0], {}, `${table}[0] is the zero value`);
    }
    t.same(d.link_table[0], { trace_id: Array(16).fill(0), span_id: Array(8).fill(0) }, 'link_table[0]: 16 and 8 zero bytes');
    t.equal(req.resource_profiles.length, 1);
    const rp = req.resource_profiles[0];
    const res = Object.fromEntries(rp.resource.attributes.map((a: Obj) => [a.key, anyValue(a.value)]));
    t.equal(res['service.name'], 'otlp-test', 'service.name: the service setting');
    t.equal(res['process.pid'], String(process.pid));
    t.equal(res['process.runtime.name'], 'nodejs');
    t.equal(res['deployment.environment'], 'test', 'OTEL_RESOURCE_ATTRIBUTES');
    t.equal(res.team, 'perf tools', 'percent-decoded');
    t.equal(rp.scope_profiles[0].scope.name, 'hotpath');
    const profiles = rp.scope_profiles[0].profiles;
    const got = otlpSums(req);
    const types = [...got.keys()].map((k) => k.split(' ')[1]).sort();
    t.same(types, ['alloc_objects', 'alloc_space', 'cpu', 'inuse_objects', 'inuse_space', 'samples', 'wall'],
      'one Profile per sample type of the period\'s two kinds');
    for (const [key, m] of got) {
      const expected = fromFiles.get(key);
      t.ok(expected, `the file exporter wrote ${key}`);
      if (!expected) continue;
      t.same(Object.fromEntries(m), Object.fromEntries(expected), `${key}: the same stacks, labels and values`);
      compared++;
      if (key.endsWith(' cpu')) cpuSamples += m.size;
    }
    for (const x of profiles) t.equal(x.profile_id.length, 16, 'a 16-byte profile id');
  }
  t.ok(compared >= 14, `${compared} profiles compared (7 sample types a period)`);
  t.ok(cpuSamples > 0, `${cpuSamples} distinct cpu stacks`);
});

const start0 = new Date(Date.now() - 1000);
const fast = { baseDelayMs: 5, maxDelayMs: 50 };
const profile = (kind = 'time') => ({ kind, bytes: pprofFixture(kind, 'fn'), start: start0, end: new Date() });

function exporter(t: Tap.Test, url: string, more: object = {}): OtlpExporter {
  const e = new OtlpExporter({ url: `${url}/v1development/profiles`, resource: { 'service.name': 's' }, codec: otlpCodec(), ...fast, ...more });
  t.teardown(() => e.close(100));
  return e;
}

for (const status of [429, 502, 503, 504]) {
  t.test(`${status}: retried and counted`, async (t) => {
    const server = await startServer((req, res, n) => respondAfterBody(req, res, n === 1 ? status : 200));
    t.teardown(() => server.close());
    const e = exporter(t, server.url);
    await e.exportPeriod([profile('time'), profile('heap')]);
    t.equal(server.requests.length, 2);
    t.same(e.stats(), { exported: 2, failed: 0, dropped: 0, retries: 1, queued: 0, rejected: 0 });
  });
}

t.test('429 with Retry-After: waits as told', async (t) => {
  const server = await startServer((req, res, n) => respondAfterBody(req, res, n === 1 ? 429 : 200, n === 1 ? { 'retry-after': '1' } : {}));
  t.teardown(() => server.close());
  const e = exporter(t, server.url);
  await e.exportPeriod([profile()]);
  t.equal(server.requests.length, 2);
  const gap = server.requests[1].at - server.requests[0].at;
  t.ok(gap >= 900, `second attempt ${gap} ms after the first (Retry-After: 1; backoff alone < 50 ms)`);
  t.equal(e.stats().retries, 1);
});

for (const status of [400, 500]) {
  t.test(`${status}: not retried, failed, logged once`, async (t) => {
    const lines = captureLog(t);
    const server = await startServer((req, res) => respondAfterBody(req, res, status));
    t.teardown(() => server.close());
    const e = exporter(t, server.url);
    await e.exportPeriod([profile()]);
    await e.exportPeriod([profile()]);
    t.equal(server.requests.length, 2, 'one request a period');
    t.same(e.stats().failed, 2);
    t.equal(e.stats().retries, 0);
    t.equal(lines.length, 1);
    t.match(lines[0], new RegExp(`otlp export failed: HTTP ${status} from http://127\\.0\\.0\\.1:\\d+/v1development/profiles; not retried`));
  });
}

t.test('a server that never answers: each attempt times out, retried, failed', async (t) => {
  const server = await startServer(() => {}, { readBody: false });
  t.teardown(() => server.close());
  const e = exporter(t, server.url, { timeoutMs: 200, maxRetries: 2 });
  await e.exportPeriod([profile()]);
  t.same(e.stats(), { exported: 0, failed: 1, dropped: 0, retries: 2, queued: 0, rejected: 0, lastError: e.stats().lastError });
  t.match(e.stats().lastError, /timed out after 200 ms/);
});

t.test('connection refused: retried, then failed', async (t) => {
  const server = await startServer();
  const url = server.url;
  await server.close();
  const e = exporter(t, url, { maxRetries: 2 });
  await e.exportPeriod([profile()]);
  t.equal(e.stats().failed, 1);
  t.equal(e.stats().retries, 2);
  t.match(e.stats().lastError, /ECONNREFUSED/);
});

t.test('a reset mid-upload: retried and delivered', async (t) => {
  const server = await startServer((req, res, n) => {
    if (n === 1) req.socket.destroy();
    else respondAfterBody(req, res, 200);
  }, { readBody: false });
  t.teardown(() => server.close());
  const e = exporter(t, server.url);
  await e.exportPeriod([profile()]);
  t.same(e.stats(), { exported: 1, failed: 0, dropped: 0, retries: 1, queued: 0, rejected: 0 });
});

t.test('partial_success: delivered, the rejected profiles counted, its message logged once', async (t) => {
  const lines = captureLog(t);
  const answer = Buffer.from(Response.encode(Response.fromObject({ partial_success: { rejected_profiles: 2, error_message: 'unknown sample type' } })).finish());
  const server = await startServer((req, res) => req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/x-protobuf' });
    res.end(answer);
  }));
  t.teardown(() => server.close());
  const e = exporter(t, server.url);
  await e.exportPeriod([profile('time')]);
  await e.exportPeriod([profile('time')]);
  const s = e.stats();
  t.equal(s.exported, 2);
  t.equal(s.rejected, 4, 'two a request');
  t.equal(lines.length, 1);
  t.match(lines[0], /otlp export: the collector rejected 2 profile\(s\): unknown sample type/);
});

t.test('settings: where the endpoint, headers and resource come from', async (t) => {
  const base = { HOTPATH_EXPORTER: 'otlp' };
  t.equal(resolveSettings({}, {}, base).otlpUrl, 'http://localhost:4318/v1development/profiles', 'default');
  t.equal(resolveSettings({}, {}, { ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://col:4318/' }).otlpUrl,
    'http://col:4318/v1development/profiles', 'OTEL_EXPORTER_OTLP_ENDPOINT plus the signal path');
  t.equal(resolveSettings({}, {}, { ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://col:4318', OTEL_EXPORTER_OTLP_PROFILES_ENDPOINT: 'http://p:9/x' }).otlpUrl,
    'http://p:9/x', 'the signal endpoint as given, first');
  t.equal(resolveSettings({}, { 'otlp-url': 'http://cli:1' }, { ...base, OTEL_EXPORTER_OTLP_PROFILES_ENDPOINT: 'http://p:9/x' }).otlpUrl,
    'http://cli:1/v1development/profiles', '--otlp-url over the environment');
  const s = resolveSettings({}, {}, { ...base, OTEL_SERVICE_NAME: 'svc', OTEL_RESOURCE_ATTRIBUTES: 'service.name=other,a=b', OTEL_EXPORTER_OTLP_PROFILES_HEADERS: 'k=v', OTEL_EXPORTER_OTLP_HEADERS: 'no=used' });
  t.same(s.otlpResource, { 'service.name': 'svc', a: 'b' }, 'OTEL_SERVICE_NAME over the resource attribute');
  t.same(s.otlpHeaders, { k: 'v' }, 'the signal headers first');
  t.equal(resolveSettings({ service: 'mine' }, {}, { ...base, OTEL_SERVICE_NAME: 'svc' }).otlpResource['service.name'], 'mine', "hotpath's own service setting first");
  t.throws(() => resolveSettings({}, {}, { ...base, OTEL_EXPORTER_OTLP_HEADERS: 'api-key=%zz' }),
    { message: 'hotpath: invalid OTEL_EXPORTER_OTLP_HEADERS: expected key=value pairs separated by commas, values percent-encoded (bad entry "api-key=[redacted]")' });
  t.throws(() => resolveSettings({}, {}, { ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://x' }), { message: /invalid OTEL_EXPORTER_OTLP_ENDPOINT "ftp:\/\/x": expected an http\(s\) URL/ });
  t.doesNotThrow(() => resolveSettings({}, {}, { HOTPATH_EXPORTER: 'file', OTEL_EXPORTER_OTLP_HEADERS: 'api-key=%zz' }),
    'OpenTelemetry variables are not read without the otlp exporter');
});

t.test('span context: a sample\'s trace and active span are its link; span_id and span_name stay attributes', async (t) => {
  const codec = otlpCodec();
  t.teardown(() => codec.close());
  const spanLabels = (active: string) => [{ key: 'thread id', str: '0' }, { key: 'span_id', str: '00000000000000aa' },
    { key: 'span_name', str: 'GET /a' }, { key: 'trace_id', str: '0123456789abcdef0123456789abcdef' }, { key: 'active_span_id', str: active }];
  const bytes = encodeProfile({
    sampleType: [{ type: 'cpu', unit: 'nanoseconds' }],
    sample: [
      { locationId: [1], value: [5], label: spanLabels('00000000000000aa') },
      { locationId: [1], value: [7], label: spanLabels('00000000000000bb') },
      { locationId: [1], value: [9], label: [{ key: 'thread id', str: '0' }] },
    ],
    mapping: [], location: [{ id: 1, mappingId: 0, address: 0, line: [{ functionId: 1, line: 3, column: 0 }], isFolded: false }],
    function: [{ id: 1, name: 'handler', systemName: 'handler', filename: '/app.js', startLine: 0 }],
    dropFrames: '', keepFrames: '', timeNanos: 1_700_000_000_000_000_000n, durationNanos: 1e9,
    periodType: { type: 'cpu', unit: 'nanoseconds' }, period: 1e7, comment: [], defaultSampleType: '',
  });
  const body = await codec.encode({ profiles: [{ kind: 'time', bytes }], resource: { 'service.name': 's' }, scope: { name: 'hotpath', version: '0' } });
  const req = decodeRequest(Buffer.from(body));
  const d = req.dictionary;
  const hex = (b: number[]): string => Buffer.from(b).toString('hex');
  t.same(d.link_table.map((l: Obj) => [hex(l.trace_id), hex(l.span_id)]), [
    ['00000000000000000000000000000000', '0000000000000000'],
    ['0123456789abcdef0123456789abcdef', '00000000000000aa'],
    ['0123456789abcdef0123456789abcdef', '00000000000000bb'],
  ], 'the zero link, then one per (trace, active span)');
  const samples = req.resource_profiles[0].scope_profiles[0].profiles[0].samples;
  t.same(samples.map((s: Obj) => [Number(s.values[0]), s.link_index]), [[5, 1], [7, 2], [9, 0]]);
  const keys = (s: Obj): string[] => s.attribute_indices.map((i: number) => d.string_table[d.attribute_table[i].key_strindex]).sort();
  t.same(keys(samples[0]), ['span_id', 'span_name', 'thread.id'], 'trace_id and active_span_id are in the link, not attributes');
  t.same(keys(samples[2]), ['thread.id']);
});
