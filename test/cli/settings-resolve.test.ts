// Settings: defaults, precedence API > CLI > HOTPATH_* > default, every parser, and the one-line
// errors (naming setting and source, suggesting misspelled names, never showing a credential).
import t from 'tap';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  resolveSettings, SettingsError, SETTINGS, parseDuration, parseSize, defaultServiceName, publicSettings,
} from '../../dist/src/common/settings.js';
import { logOnce, setLogSink, resetLogOnce } from '../../dist/src/common/log.js';
import { SettingsError as PublicSettingsError } from '../../dist/src/index.js';

const noPkg = mkdtempSync(join(tmpdir(), 'hotpath-settings-'));
const ctx = { cwd: noPkg };

function err(fn: () => unknown): SettingsError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SettingsError) return e;
    throw e;
  }
  throw new Error('expected a SettingsError');
}

t.test('defaults', async (t) => {
  const s = resolveSettings({}, {}, {}, ctx);
  t.equal(s.service, 'node');
  t.same(s.profiles, ['time', 'heap']);
  t.equal(s.periodMs, 60_000);
  t.equal(s.samplingIntervalMs, 10);
  t.equal(s.heapSamplingIntervalBytes, 512 * 1024);
  t.equal(s.outDir, resolve(noPkg, 'profiles'));
  t.same(s.exporters, ['file']);
  t.equal(s.pyroscopeUrl, undefined);
  t.equal(s.datadogUrl, 'http://localhost:8126');
  t.same(s.tags, {});
  t.same(s.auth, {});
  t.equal(s.overheadCap, 0.01);
  t.equal(s.exportTimeoutMs, 10_000);
  t.ok(Object.values(s.sources).every((v) => v === 'default'));
  t.equal(Object.keys(s.sources).length, SETTINGS.length);
});

t.test('service name defaults to the nearest package.json name', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'hotpath-pkg-'));
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: '@acme/billing' }));
  mkdirSync(join(root, 'src', 'deep'), { recursive: true });
  t.equal(defaultServiceName(join(root, 'src', 'deep')), '@acme/billing');
  t.equal(resolveSettings({}, {}, {}, { cwd: join(root, 'src') }).service, '@acme/billing');
  const nameless = mkdtempSync(join(tmpdir(), 'hotpath-pkg-'));
  writeFileSync(join(nameless, 'package.json'), '{}');
  t.equal(defaultServiceName(nameless), 'node');
});

t.test('precedence: API > CLI > env > default, per setting', async (t) => {
  const env = { HOTPATH_PERIOD: '30s', HOTPATH_SERVICE: 'from-env', HOTPATH_SAMPLING_INTERVAL: '20ms', HOTPATH_TAGS: 'a=env' };
  const cli = { period: '45s', service: 'from-cli' };
  const api = { period: 15_000 };
  const s = resolveSettings(api, cli, env, ctx);
  t.equal(s.periodMs, 15_000);
  t.equal(s.sources.period, 'api');
  t.equal(s.service, 'from-cli');
  t.equal(s.sources.service, 'cli');
  t.equal(s.samplingIntervalMs, 20);
  t.equal(s.sources.samplingInterval, 'env');
  t.same(s.tags, { a: 'env' });
  t.equal(s.sources.heapSamplingInterval, 'default');
  // An empty environment variable is as good as unset.
  t.equal(resolveSettings({}, {}, { HOTPATH_PERIOD: '' }, ctx).periodMs, 60_000);
  // undefined API values fall through.
  t.equal(resolveSettings({ period: undefined }, { period: '2s' }, {}, ctx).periodMs, 2000);
});

t.test('CLI flags by flag name, with or without dashes, or by option name', async (t) => {
  const s = resolveSettings({}, {
    '--sampling-interval': '5ms', 'heap-sampling-interval': '1MiB', out: 'out/dir', overheadCap: '0.5%',
  }, {}, ctx);
  t.equal(s.samplingIntervalMs, 5);
  t.equal(s.heapSamplingIntervalBytes, 1024 * 1024);
  t.equal(s.outDir, resolve(noPkg, 'out/dir'));
  t.equal(s.overheadCap, 0.005);
  // A repeated flag: the last wins; repeated --profiles accumulate.
  t.equal(resolveSettings({}, { period: ['1s', '2s'] }, {}, ctx).periodMs, 2000);
  t.same(resolveSettings({}, { profiles: ['time', 'heap,exceptions'] }, {}, ctx).profiles, ['time', 'heap', 'exceptions']);
});

t.test('durations and sizes', async (t) => {
  t.equal(parseDuration('10ms'), 10);
  t.equal(parseDuration('60s'), 60_000);
  t.equal(parseDuration('1m'), 60_000);
  t.equal(parseDuration('1.5s'), 1500);
  t.equal(parseDuration('250us'), 0.25);
  t.equal(parseDuration('1h'), 3_600_000);
  t.equal(parseDuration(' 42 '), 42);
  t.equal(parseDuration(42), 42);
  t.equal(parseDuration('abc'), undefined);
  t.equal(parseDuration('10 parsecs'), undefined);
  t.equal(parseDuration('-5s'), undefined);
  t.equal(parseSize('512KiB'), 524288);
  t.equal(parseSize('512k'), 524288);
  t.equal(parseSize('1MiB'), 1048576);
  t.equal(parseSize('1mb'), 1_000_000);
  t.equal(parseSize(4096), 4096);
  t.equal(parseSize('4096'), 4096);
  t.equal(parseSize('lots'), undefined);
});

t.test('lists, tags, exporters, auth, overhead cap', async (t) => {
  const s = resolveSettings({}, {}, {
    HOTPATH_PROFILES: 'time, heap,contention,exceptions,EventLoop,time',
    HOTPATH_EXPORTER: 'file,pyroscope,datadog',
    HOTPATH_PYROSCOPE_URL: 'http://pyro:4040/',
    HOTPATH_DATADOG_URL: 'http://agent:8126',
    HOTPATH_TAGS: 'env=prod, region=eu-west-1,team.name=core',
    HOTPATH_BASIC_AUTH: 'user:pa:ss',
    HOTPATH_TENANT_ID: 'org-1',
    HOTPATH_DATADOG_API_KEY: 'ddkey123',
    HOTPATH_OVERHEAD_CAP: '2%',
    HOTPATH_EXPORT_TIMEOUT: '3s',
  }, ctx);
  t.same(s.profiles, ['time', 'heap', 'contention', 'exceptions', 'eventloop']);
  t.same(s.exporters, ['file', 'pyroscope', 'datadog']);
  t.equal(s.pyroscopeUrl, 'http://pyro:4040');
  t.equal(s.datadogUrl, 'http://agent:8126');
  t.same(s.tags, { env: 'prod', region: 'eu-west-1', 'team.name': 'core' });
  t.same(s.auth, { basic: { user: 'user', password: 'pa:ss' }, tenantId: 'org-1', datadogApiKey: 'ddkey123' });
  t.equal(s.overheadCap, 0.02);
  t.equal(s.exportTimeoutMs, 3000);
  t.same(resolveSettings({ exporter: 'none' }, {}, {}, ctx).exporters, []);
  t.same(resolveSettings({ exporter: ['datadog'] }, {}, {}, ctx).exporters, ['datadog']);
  t.same(resolveSettings({ tags: { a: 1, b: true } }, {}, {}, ctx).tags, { a: '1', b: 'true' });
  t.same(resolveSettings({ basicAuth: { user: 'u', password: 'p1234' } }, {}, {}, ctx).auth.basic, { user: 'u', password: 'p1234' });
  t.equal(resolveSettings({ authToken: 'tok-abc' }, {}, {}, ctx).auth.token, 'tok-abc');
  t.equal(resolveSettings({ overheadCap: 0.002 }, {}, {}, ctx).overheadCap, 0.002);
  t.equal(resolveSettings({ overheadCap: '0.2%' }, {}, {}, ctx).overheadCap, 0.002);
  t.equal(resolveSettings({ overheadCap: '0.01' }, {}, {}, ctx).overheadCap, 0.01);
  // The Datadog agent address follows dd-trace's own variables when hotpath's is not set.
  t.equal(resolveSettings({}, {}, { DD_AGENT_HOST: 'dd', DD_TRACE_AGENT_PORT: '9126' }, ctx).datadogUrl, 'http://dd:9126');
  t.equal(resolveSettings({}, {}, { DD_TRACE_AGENT_URL: 'http://x:1/' }, ctx).datadogUrl, 'http://x:1');
});

t.test('bad values: one-line errors naming the setting and its source', async (t) => {
  const cases: Array<[string, () => unknown, string | RegExp, string, string]> = [
    ['env duration', () => resolveSettings({}, {}, { HOTPATH_PERIOD: 'abc' }, ctx),
      'hotpath: invalid HOTPATH_PERIOD "abc": expected a duration like 60s', 'period', 'env'],
    ['api duration', () => resolveSettings({ period: 'soon' }, {}, {}, ctx),
      'hotpath: invalid option period "soon": expected a duration like 60s', 'period', 'api'],
    ['cli duration', () => resolveSettings({}, { 'sampling-interval': 'x' }, {}, ctx),
      'hotpath: invalid --sampling-interval "x": expected a duration like 10ms', 'samplingInterval', 'cli'],
    ['period too short', () => resolveSettings({ period: '1ms' }, {}, {}, ctx), /between 100ms and 86400s/, 'period', 'api'],
    ['interval >= period', () => resolveSettings({ period: '1s', samplingInterval: '2s' }, {}, {}, ctx),
      /must be shorter than the period/, 'samplingInterval', 'api'],
    ['size', () => resolveSettings({}, {}, { HOTPATH_HEAP_SAMPLING_INTERVAL: 'big' }, ctx),
      'hotpath: invalid HOTPATH_HEAP_SAMPLING_INTERVAL "big": expected a size like 512KiB', 'heapSamplingInterval', 'env'],
    ['unknown profile', () => resolveSettings({}, {}, { HOTPATH_PROFILES: 'time,hepa' }, ctx),
      /invalid HOTPATH_PROFILES "time,hepa": unknown profile "hepa" \(did you mean "heap"\?\)/, 'profiles', 'env'],
    ['empty profiles', () => resolveSettings({ profiles: [] }, {}, {}, ctx), /invalid option profiles/, 'profiles', 'api'],
    ['unknown exporter', () => resolveSettings({ exporter: 'pyroscop' }, {}, {}, ctx),
      /unknown exporter "pyroscop" \(did you mean "pyroscope"\?\)/, 'exporter', 'api'],
    ['none and file', () => resolveSettings({ exporter: 'none,file' }, {}, {}, ctx), /cannot be combined/, 'exporter', 'api'],
    ['pyroscope without URL', () => resolveSettings({}, {}, { HOTPATH_EXPORTER: 'pyroscope' }, ctx),
      /exporter pyroscope needs a server URL/, 'pyroscopeUrl', 'env'],
    ['bad URL', () => resolveSettings({ pyroscopeUrl: 'ftp://x' }, {}, {}, ctx),
      'hotpath: invalid option pyroscopeUrl "ftp://x": expected an http(s) URL', 'pyroscopeUrl', 'api'],
    ['bad tags', () => resolveSettings({}, {}, { HOTPATH_TAGS: 'a=1,oops' }, ctx), /bad tag "oops"/, 'tags', 'env'],
    ['bad tag name', () => resolveSettings({ tags: { '1x': 'a' } }, {}, {}, ctx), /bad tag name "1x"/, 'tags', 'api'],
    ['bad tag value', () => resolveSettings({ tags: 'a={x}' }, {}, {}, ctx), /bad value for tag "a"/, 'tags', 'api'],
    ['cap too big', () => resolveSettings({ overheadCap: 5 }, {}, {}, ctx), /invalid option overheadCap 5: expected more than 0/, 'overheadCap', 'api'],
    ['cap garbage', () => resolveSettings({}, {}, { HOTPATH_OVERHEAD_CAP: 'one percent' }, ctx),
      'hotpath: invalid HOTPATH_OVERHEAD_CAP "one percent": expected a fraction like 0.01 or a percent like 1%', 'overheadCap', 'env'],
    ['service type', () => resolveSettings({ service: 42 as unknown as string }, {}, {}, ctx), /invalid option service 42/, 'service', 'api'],
    ['token and basic', () => resolveSettings({ authToken: 'tok-1', basicAuth: 'u:p-1' }, {}, {}, ctx), /both set/, 'authToken', 'api'],
  ];
  for (const [name, fn, msg, setting, source] of cases) {
    const e = err(fn);
    if (typeof msg === 'string') t.equal(e.message, msg, name);
    else t.match(e.message, msg, name);
    t.equal(e.setting, setting, `${name}: setting`);
    t.equal(e.source, source, `${name}: source`);
    t.notMatch(e.message, /\n/, `${name}: one line`);
    t.equal(e.name, 'SettingsError');
    t.equal(e.code, 'HOTPATH_SETTINGS');
    t.ok(e instanceof Error);
    t.ok(e instanceof PublicSettingsError, 'the class the package exports');
  }
});

t.test('unknown options and flags suggest the nearest name', async (t) => {
  let e = err(() => resolveSettings({ perod: '10s' } as never, {}, {}, ctx));
  t.equal(e.message, 'hotpath: unknown option "perod" (misspelled option? did you mean "period"?)');
  t.equal(e.source, 'api');
  e = err(() => resolveSettings({ samplingIntervall: 5 } as never, {}, {}, ctx));
  t.match(e.message, /did you mean "samplingInterval"/);
  e = err(() => resolveSettings({ zzzzzzzzzz: 1 } as never, {}, {}, ctx));
  t.equal(e.message, 'hotpath: unknown option "zzzzzzzzzz"');
  e = err(() => resolveSettings({}, { 'sampling-intervl': '5ms' }, {}, ctx));
  t.equal(e.message, 'hotpath: unknown flag --sampling-intervl (did you mean --sampling-interval?)');
  t.equal(e.source, 'cli');
  e = err(() => resolveSettings([] as never, {}, {}, ctx));
  t.equal(e.message, 'hotpath: options must be an object');
});

t.test('credentials never appear in errors or logs', async (t) => {
  const secret = 'S3cr3t-Pa55word';
  const token = 'tok_live_ABCDEFG';
  const apiKey = 'dd-api-key-0123456789';
  const msgs: string[] = [];
  for (const fn of [
    () => resolveSettings({ authToken: `${token} with space` }, {}, {}, ctx),
    () => resolveSettings({}, {}, { HOTPATH_BASIC_AUTH: secret }, ctx), // no colon: invalid
    () => resolveSettings({}, { 'datadog-api-key': `${apiKey}\nx` }, {}, ctx),
    () => resolveSettings({ authToken: token, basicAuth: `user:${secret}` }, {}, {}, ctx),
    () => resolveSettings({ pyroscopeUrl: `http://user:${secret}@host:4040`, period: 'bad' }, {}, {}, ctx),
  ]) {
    msgs.push(err(fn).message);
  }
  for (const m of msgs) {
    t.notMatch(m, secret);
    t.notMatch(m, token);
    t.notMatch(m, apiKey);
  }
  t.match(msgs[0], /invalid option authToken \[redacted\]/);
  t.match(msgs[1], /invalid HOTPATH_BASIC_AUTH \[redacted\]: expected user:password/);
  // Logged lines are scrubbed too, in plain and base64 form and in URLs.
  const lines: string[] = [];
  setLogSink((l) => lines.push(l));
  resetLogOnce();
  resolveSettings({ basicAuth: `user:${secret}` }, {}, {}, ctx);
  logOnce('k1', `upload to http://user:${secret}@host failed, auth ${Buffer.from(`user:${secret}`).toString('base64')}`);
  logOnce('k1', 'again');
  setLogSink(undefined);
  t.equal(lines.length, 1);
  t.notMatch(lines[0], secret);
  t.notMatch(lines[0], Buffer.from(`user:${secret}`).toString('base64'));
  t.match(lines[0], /^hotpath: upload to http:\/\/\[redacted\]@host failed/);
});

t.test('the settings table is complete and consistent', async (t) => {
  const envs = new Set(SETTINGS.map((s) => s.env));
  const flags = new Set(SETTINGS.map((s) => s.flag));
  t.equal(envs.size, SETTINGS.length);
  t.equal(flags.size, SETTINGS.length);
  for (const s of SETTINGS) t.match(s.env, /^HOTPATH_[A-Z_]+$/);
});

t.test('near-miss HOTPATH_* variables are warnings; publicSettings hides credentials', async (t) => {
  const s = resolveSettings({}, {}, { HOTPATH_PERIDO: '5s', HOTPATH_INTERNAL_FD: '3', HOTPATH_PERIOD: '2s' }, ctx);
  t.same(s.warnings, ['hotpath: HOTPATH_PERIDO is not a setting (did you mean HOTPATH_PERIOD?); it was ignored']);
  const withAuth = resolveSettings({
    basicAuth: 'grafana:pw-123456', datadogApiKey: 'ddk-123456', tenantId: 't1',
    pyroscopeUrl: 'http://u:pw-in-url-99@pyro:4040', exporter: 'pyroscope',
  }, {}, {}, ctx);
  const shown = JSON.stringify(publicSettings(withAuth));
  t.notMatch(shown, /pw-123456|ddk-123456|pw-in-url-99/);
  t.match(shown, /"basic":"grafana:\[redacted\]"/);
  t.match(shown, /"tenantId":"t1"/);
  t.equal(withAuth.auth.basic!.password, 'pw-123456', 'the real settings keep the value');
});
