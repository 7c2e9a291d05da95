// The Pyroscope ingest and Datadog agent intake contracts, against real HTTP servers on
// 127.0.0.1: every query parameter, header and multipart field, and the pprof parts decoded
// with the reference decoder.
import t from 'tap';
import os from 'node:os';
import { PyroscopeExporter, pyroscopeName, SAMPLE_TYPE_CONFIG } from '../../dist/src/export/pyroscope.js';
import { DatadogExporter, HOTPATH_VERSION } from '../../dist/src/export/datadog.js';
import { createExporter } from '../../dist/src/export/index.js';
import { resolveSettings } from '../../dist/src/common/settings.js';
import { decodePprof, parseMultipart, pprofFixture, startServer } from '../helpers/export-server.js';
import { decodeProfile, encodeProfile } from '../../dist/src/profile/index.js';
import { relabeler } from '../../dist/src/transport/convert-client.js';

const start = new Date('2026-01-25T08:00:00.250Z');
const end = new Date('2026-01-25T08:01:00.750Z');

t.test('pyroscope: POST /ingest with name, times, spy, rate, bearer token and tenant', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const exp = new PyroscopeExporter({
    url: server.url + '/', service: 'billing-api', tags: { env: 'prod', 'k8s.pod': 'web-1' },
    token: 'tok_secret_123', tenantId: 'tenant-42', sampleRateHz: 100,
  });
  const bytes = pprofFixture('time', 'handleRequest');
  await exp.export({ kind: 'time', bytes, start, end, tags: { region: 'eu' } });
  t.same(exp.stats(), { exported: 1, failed: 0, dropped: 0, retries: 0, queued: 0 });
  t.equal(server.requests.length, 1);
  const r = server.requests[0];
  t.equal(r.method, 'POST');
  t.equal(r.url.pathname, '/ingest');
  const q = Object.fromEntries(r.url.searchParams);
  t.same(Object.keys(q).sort(), ['format', 'from', 'name', 'sampleRate', 'spyName', 'until']);
  t.equal(q.name, 'billing-api{env=prod,k8s_pod=web-1,region=eu}', 'no kind suffix; tags sorted, label names sanitised');
  t.equal(q.from, String(Math.floor(start.getTime() / 1000)));
  t.equal(q.until, String(Math.ceil(end.getTime() / 1000)));
  t.equal(q.format, 'pprof');
  t.equal(q.spyName, 'nodespy');
  t.equal(q.sampleRate, '100');
  t.equal(r.headers.authorization, 'Bearer tok_secret_123');
  t.equal(r.headers['x-scope-orgid'], 'tenant-42');
  t.match(r.headers['content-type'], /^multipart\/form-data; boundary=/);
  t.equal(Number(r.headers['content-length']), r.body.length);
  const parts = await parseMultipart(r.headers['content-type']!, r.body);
  t.same(parts.map((p) => p.name), ['profile', 'sample_type_config']);
  const profile = parts[0];
  t.equal(profile.filename, 'profile.pprof');
  t.equal(profile.mimeType, 'application/octet-stream');
  t.ok(Buffer.from(bytes).equals(profile.data), 'the pprof part is the exact bytes given');
  const decoded = decodePprof(profile.data);
  t.same(decoded.sampleTypes, ['samples', 'wall', 'cpu']);
  t.same(decoded.functionNames, ['handleRequest']);
  t.equal(parts[1].filename, 'sample_type_config.json');
  t.equal(parts[1].mimeType, 'application/json');
  const config = JSON.parse(parts[1].data.toString());
  t.same(config, SAMPLE_TYPE_CONFIG);
  for (const st of decoded.sampleTypes) t.ok(config[st], `sample type ${st} is described`);
  t.equal(config['lock-acquire-wait']['display-name'], 'mutex_duration');
});

t.test('pyroscope: one upload per profile kind; basic auth from the URL; profile sampleRate wins', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const exp = new PyroscopeExporter({ url: `http://grafana-user:pa55-w0rd@127.0.0.1:${server.port}/prefix`, service: 'svc' });
  await exp.exportPeriod([
    { kind: 'time', bytes: pprofFixture('time'), start, end, sampleRateHz: 97 },
    { kind: 'heap', bytes: pprofFixture('heap'), start, end },
  ]);
  t.equal(server.requests.length, 2);
  t.equal(exp.stats().exported, 2);
  for (const r of server.requests) {
    t.equal(r.url.pathname, '/prefix/ingest');
    t.equal(r.url.searchParams.get('name'), 'svc');
    t.equal(r.headers.authorization, 'Basic ' + Buffer.from('grafana-user:pa55-w0rd').toString('base64'));
    t.equal(r.headers['x-scope-orgid'], undefined);
  }
  t.equal(server.requests[0].url.searchParams.get('sampleRate'), '97');
  t.equal(server.requests[1].url.searchParams.get('sampleRate'), '100');
  const kinds = [];
  for (const r of server.requests) {
    const parts = await parseMultipart(r.headers['content-type']!, r.body);
    kinds.push(decodePprof(parts.find((p) => p.name === 'profile')!.data).sampleTypes[0]);
  }
  t.same(kinds, ['samples', 'alloc_objects']);
  t.equal(pyroscopeName('a.b', {}), 'a.b');
  t.equal(pyroscopeName('a', { '9x': 'v,w{}' }), 'a{_9x=v_w__}');
});

t.test('datadog: one request per period, event.json and one part per profile', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const exp = new DatadogExporter({ url: server.url, service: 'billing-api', tags: { env: 'prod', version: '1.2.3' } });
  const time = pprofFixture('time', 'wallFn');
  const heap = pprofFixture('heap', 'heapFn');
  const lock = pprofFixture('contention', 'lockFn');
  const heapStart = new Date(start.getTime() + 1000);
  await exp.exportPeriod([
    { kind: 'time', bytes: time, start, end },
    { kind: 'heap', bytes: heap, start: heapStart, end },
    { kind: 'contention', bytes: lock, start, end },
  ]);
  t.same(exp.stats(), { exported: 3, failed: 0, dropped: 0, retries: 0, queued: 0 });
  t.equal(server.requests.length, 1, 'all kinds of a period in one request');
  const r = server.requests[0];
  t.equal(r.method, 'POST');
  t.equal(r.url.pathname, '/profiling/v1/input');
  t.equal(r.url.search, '');
  t.equal(r.headers['dd-evp-origin'], 'hotpath');
  t.equal(r.headers['dd-evp-origin-version'], HOTPATH_VERSION);
  t.equal(r.headers['dd-api-key'], undefined, 'no API key through the agent');
  t.match(r.headers['content-type'], /^multipart\/form-data; boundary=/);
  const parts = await parseMultipart(r.headers['content-type']!, r.body);
  t.same(parts.map((p) => p.name), ['event', 'wall.pprof', 'space.pprof', 'contention.pprof']);
  const ev = parts[0];
  t.equal(ev.filename, 'event.json');
  t.equal(ev.mimeType, 'application/json');
  const event = JSON.parse(ev.data.toString());
  t.same(event.attachments, ['wall.pprof', 'space.pprof', 'contention.pprof']);
  t.equal(event.start, start.toISOString(), 'earliest start of the period');
  t.equal(event.end, end.toISOString());
  t.equal(event.family, 'node');
  t.equal(event.version, '4');
  const tags = event.tags_profiler.split(',');
  for (const tag of [
    'service:billing-api', `host:${os.hostname()}`, 'runtime:nodejs', 'language:javascript', 'format:pprof',
    `runtime_version:${process.version}`, `process_id:${process.pid}`, `profiler_version:hotpath-${HOTPATH_VERSION}`,
    `runtime_arch:${process.arch}`, `runtime_os:${process.platform}`, 'env:prod', 'version:1.2.3',
  ]) t.ok(tags.includes(tag), `tags_profiler has ${tag}`);
  t.equal(event.info.application.service, 'billing-api');
  t.equal(event.info.application.env, 'prod');
  t.equal(event.info.application.version, '1.2.3');
  t.equal(event.info.runtime.engine, 'nodejs');
  t.equal(event.info.runtime.version, process.version.slice(1));
  t.equal(event.info.platform.hostname, os.hostname());
  t.equal(event.info.profiler.version, HOTPATH_VERSION);
  const byName = Object.fromEntries(parts.slice(1).map((p) => [p.name, p]));
  for (const [name, bytes, first, fn] of [
    ['wall.pprof', time, 'samples', 'wallFn'], ['space.pprof', heap, 'alloc_objects', 'heapFn'],
    ['contention.pprof', lock, 'lock-acquire', 'lockFn'],
  ] as const) {
    const p = byName[name];
    t.equal(p.filename, name);
    t.equal(p.mimeType, 'application/octet-stream');
    t.ok(Buffer.from(bytes).equals(p.data), `${name} carries the exact bytes`);
    const d = decodePprof(p.data);
    t.equal(d.sampleTypes[0], first);
    t.same(d.functionNames, [fn]);
  }
});

t.test('datadog: API key header for agentless intake, URL path kept', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const exp = new DatadogExporter({ url: server.url + '/api/v2/profile', service: 's', apiKey: 'dd_key_abcdef', hostname: 'box-1' });
  await exp.export({ kind: 'time', bytes: pprofFixture('time'), start, end });
  const r = server.requests[0];
  t.equal(r.url.pathname, '/api/v2/profile');
  t.equal(r.headers['dd-api-key'], 'dd_key_abcdef');
  const parts = await parseMultipart(r.headers['content-type']!, r.body);
  const event = JSON.parse(parts[0].data.toString());
  t.ok(event.tags_profiler.split(',').includes('host:box-1'));
  t.same(event.attachments, ['wall.pprof']);
});

t.test('exporters from settings: file + pyroscope + datadog fan out', async (t) => {
  const pyro = await startServer();
  const dd = await startServer();
  t.teardown(() => Promise.all([pyro.close(), dd.close()]));
  const { mkdtempSync, readdirSync } = await import('node:fs');
  const dir = mkdtempSync(`${os.tmpdir()}/hotpath-fanout-`);
  const settings = resolveSettings({
    service: 'fan', exporter: 'file,pyroscope,datadog', pyroscopeUrl: pyro.url, datadogUrl: dd.url,
    outDir: dir, tags: 'env=test', authToken: 'tok-fan-out', samplingInterval: '20ms',
  }, {}, {});
  const exp = createExporter(settings);
  t.equal(exp.name, 'file+pyroscope+datadog');
  await exp.exportPeriod([
    { kind: 'time', bytes: pprofFixture('time'), start, end },
    { kind: 'heap', bytes: pprofFixture('heap'), start, end },
  ]);
  t.equal(pyro.requests.length, 2);
  t.equal(pyro.requests[0].url.searchParams.get('sampleRate'), '50');
  t.equal(pyro.requests[0].headers.authorization, 'Bearer tok-fan-out');
  t.equal(pyro.requests[0].url.searchParams.get('name'), 'fan{env=test}');
  t.equal(dd.requests.length, 1);
  t.same(readdirSync(dir).filter((f) => f.endsWith('.pb.gz')).length, 2);
  t.same(exp.stats(), { exported: 6, failed: 0, dropped: 0, retries: 0, queued: 0 });
  t.same(Object.keys(exp.statsByExporter()), ['file', 'pyroscope', 'datadog']);
  await exp.close();
});

t.test('self-report: stats since the last profile, as a comment line', async (t) => {
  const { diffStats, exportComment } = await import('../../dist/src/export/index.js');
  const before = { exported: 2, failed: 1, dropped: 0, retries: 3, queued: 1, lastError: 'old' };
  const after = { exported: 5, failed: 2, dropped: 4, retries: 7, queued: 0, lastError: 'HTTP 503 from http://h/ingest' };
  const d = diffStats(before, after);
  t.same(d, { exported: 3, failed: 1, dropped: 4, retries: 4, queued: 0, lastError: 'HTTP 503 from http://h/ingest' });
  t.equal(exportComment(d), 'hotpath: export since last profile: 3 exported, 1 failed, 4 dropped, 4 retries, 0 queued; last error: HTTP 503 from http://h/ingest');
  t.equal(diffStats(after, after).lastError, undefined, 'an old error is not repeated');
});

const thread = [{ key: 'thread id', str: '3' }, { key: 'thread name', str: 'w' }, { key: 'os thread id', str: '4242' }];
const span = (root: string, trace: string, active = root) => [
  { key: 'span_id', str: root }, { key: 'span_name', str: 'GET /a' }, { key: 'trace_id', str: trace }, { key: 'active_span_id', str: active },
];
/** A time profile with hotpath's span labels: two requests of one root span, one sample outside. */
function spanProfile(): Uint8Array {
  return encodeProfile({
    sampleType: [{ type: 'samples', unit: 'count' }, { type: 'wall', unit: 'nanoseconds' }],
    sample: [
      { locationId: [1], value: [1, 10], label: [...thread, ...span('00000000000000aa', '1'.repeat(32))] },
      { locationId: [1], value: [2, 20], label: [...thread, ...span('00000000000000aa', '2'.repeat(32), '00000000000000bb')] },
      { locationId: [1], value: [4, 40], label: thread },
    ],
    mapping: [], location: [{ id: 1, mappingId: 0, address: 0, line: [{ functionId: 1, line: 3, column: 0 }], isFolded: false }],
    function: [{ id: 1, name: 'handler', systemName: 'handler', filename: '/app.js', startLine: 0 }],
    dropFrames: '', keepFrames: '', timeNanos: 1_700_000_000_000_000_000n, durationNanos: 1e9,
    periodType: { type: 'wall', unit: 'nanoseconds' }, period: 1e7, comment: [], defaultSampleType: '',
  });
}

t.test('pyroscope: trace_id, active_span_id and os thread id are left out (one series a value); span labels stay', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const bytes = spanProfile();
  const exp = new PyroscopeExporter({ url: server.url, service: 's', relabel: relabeler() });
  t.teardown(() => exp.close(100));
  await exp.export({ kind: 'time', bytes, start: new Date(), end: new Date() });
  const parts = await parseMultipart(server.requests[0]!.headers['content-type']!, server.requests[0]!.body);
  const sent = decodeProfile(parts.find((p) => p.name === 'profile')!.data);
  const labels = sent.sample.map((s) => Object.fromEntries(s.label.map((l) => [l.key, l.str])));
  t.same(labels.map((l) => Object.keys(l).sort()), [
    ['span_id', 'span_name', 'thread id', 'thread name'], ['thread id', 'thread name'],
  ], 'no trace_id, active_span_id or os thread id');
  t.same(sent.sample.map((s) => s.value), [[3, 30], [4, 40]], 'the two requests of one root span summed');
  t.equal(labels[0]!.span_id, '00000000000000aa');
});

t.test('datadog: span labels as dd-trace-js writes them (decimal ids, trace endpoint)', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const exp = new DatadogExporter({ url: server.url, service: 's', relabel: relabeler() });
  t.teardown(() => exp.close(100));
  await exp.exportPeriod([{ kind: 'time', bytes: spanProfile(), start: new Date(), end: new Date() }]);
  const parts = await parseMultipart(server.requests[0]!.headers['content-type']!, server.requests[0]!.body);
  const sent = decodeProfile(parts.find((p) => p.name === 'wall.pprof')!.data);
  const labels = sent.sample.map((s) => Object.fromEntries(s.label.map((l) => [l.key, l.str])));
  t.same(labels, [
    { 'thread id': '3', 'thread name': 'w', 'os thread id': '4242', 'local root span id': '170', 'trace endpoint': 'GET /a', 'span id': '170' },
    { 'thread id': '3', 'thread name': 'w', 'os thread id': '4242', 'local root span id': '170', 'trace endpoint': 'GET /a', 'span id': '187' },
    { 'thread id': '3', 'thread name': 'w', 'os thread id': '4242' },
  ], 'local root span id and span id in decimal (0xaa = 170, 0xbb = 187), no trace_id');
});
