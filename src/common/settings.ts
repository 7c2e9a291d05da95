// One set of settings, three ways to give them: API option > CLI flag > HOTPATH_* environment
// variable > default. Every value is parsed and checked here, once, at start; a bad one throws a
// SettingsError whose one-line message names the setting and where it came from. Nothing
// downstream re-checks options (decide at configuration time, not per call).
//
// Credentials (auth token, basic-auth password, Datadog API key) are registered with the logger
// as soon as they are read and are never echoed in an error message.

import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { addSecret, redact } from './log.js';

export const PROFILE_KINDS = ['time', 'heap', 'contention', 'exceptions', 'eventloop'] as const;
export type ProfileKind = (typeof PROFILE_KINDS)[number];

export const EXPORTER_KINDS = ['file', 'pyroscope', 'datadog', 'otlp'] as const;
/** `none` is accepted in settings and means an empty list. */
export type ExporterKind = (typeof EXPORTER_KINDS)[number];

export interface BasicAuth {
  user: string;
  password: string;
}

export interface AuthSettings {
  /** Bearer token (Pyroscope / Grafana Cloud). */
  token?: string;
  /** HTTP basic auth (Pyroscope behind a proxy, Grafana Cloud: user = instance id). */
  basic?: BasicAuth;
  /** Pyroscope tenant, sent as X-Scope-OrgID. Not a secret. */
  tenantId?: string;
  /** Datadog API key, only needed when sending straight to the intake without an agent. */
  datadogApiKey?: string;
}

export type SettingSource = 'api' | 'cli' | 'env' | 'default';

export interface Settings {
  service: string;
  profiles: ProfileKind[];
  periodMs: number;
  samplingIntervalMs: number;
  heapSamplingIntervalBytes: number;
  /** heap: share of each thread's CPU the reads of V8's samples at GCs may take. */
  heapReadBudget: number;
  outDir: string;
  /** Empty when the exporter is `none`. */
  exporters: ExporterKind[];
  /** Required when `exporters` has `pyroscope`. */
  pyroscopeUrl?: string;
  /** The Datadog agent (or intake) base URL; defaults from DD_TRACE_AGENT_URL / DD_AGENT_HOST. */
  datadogUrl: string;
  /** The OTLP profiles endpoint, path included (OTEL_EXPORTER_OTLP_* when not set). */
  otlpUrl: string;
  /** OTLP request headers (OTEL_EXPORTER_OTLP_PROFILES_HEADERS / _HEADERS); values are secrets. */
  otlpHeaders: Record<string, string>;
  /** The OTLP resource's attributes: OTEL_RESOURCE_ATTRIBUTES, `service.name` always set. */
  otlpResource: Record<string, string>;
  tags: Record<string, string>;
  auth: AuthSettings;
  /** Fraction of one core, e.g. 0.01 for 1%. */
  overheadCap: number;
  /** contention: highest share of lock acquires sampled (a fraction). */
  lockShare: number;
  /** exceptions: mean number of errors between two samples. */
  exceptionSampling: number;
  /** eventloop: a turn longer than this is a block. */
  blockThresholdMs: number;
  exportTimeoutMs: number;
  /** Where each setting's value came from. */
  sources: Record<SettingName, SettingSource>;
  /**
   * Things worth saying that are not errors, e.g. a HOTPATH_* variable that looks like a
   * misspelled setting (`HOTPATH_PERIDO`). Unknown HOTPATH_* names are not errors: other parts of
   * hotpath (and the CLI's preload) have variables of their own.
   */
  warnings: string[];
}

/** Options as the API takes them. Strings are parsed like the CLI and environment forms. */
export interface HotpathOptions {
  service?: string;
  profiles?: string | ProfileKind[];
  period?: number | string;
  samplingInterval?: number | string;
  heapSamplingInterval?: number | string;
  heapReadBudget?: number | string;
  outDir?: string;
  exporter?: string | Array<ExporterKind | 'none'>;
  pyroscopeUrl?: string;
  datadogUrl?: string;
  otlpUrl?: string;
  tags?: string | Record<string, string | number | boolean>;
  authToken?: string;
  basicAuth?: string | BasicAuth;
  tenantId?: string;
  datadogApiKey?: string;
  overheadCap?: number | string;
  exportTimeout?: number | string;
  lockShare?: number | string;
  exceptionSampling?: number | string;
  blockThreshold?: number | string;
}

export type SettingName = keyof HotpathOptions;

export interface SettingSpec {
  /** API option name. */
  option: SettingName;
  /** CLI flag, without the leading dashes. */
  flag: string;
  env: string;
  /** What the value looks like, for messages and --help. */
  expected: string;
  description: string;
  /** Shown in --help; undefined when there is no default. */
  defaultText?: string;
  secret?: boolean;
}

/**
 * The defaults of the numeric settings: resolveSettings applies them, and a collector started
 * outside start() (a pull of /debug/pprof/heap, tests) takes them from here, never its own.
 */
export const DEFAULTS = {
  periodMs: 60_000,
  samplingIntervalMs: 10,
  heapSamplingIntervalBytes: 512 * 1024,
  heapReadBudget: 0.002,
  overheadCap: 0.01,
  lockShare: 0.01,
  exceptionSampling: 100,
  blockThresholdMs: 50,
  exportTimeoutMs: 10_000,
} as const;

/** The table the CLI builds its flags and help from, and the README its list. */
export const SETTINGS: readonly SettingSpec[] = [
  { option: 'service', flag: 'service', env: 'HOTPATH_SERVICE', expected: 'a service name',
    description: 'service name in file names, tags and backends', defaultText: "package.json name, else 'node'" },
  { option: 'profiles', flag: 'profiles', env: 'HOTPATH_PROFILES', expected: `a list of ${PROFILE_KINDS.join(', ')}`,
    description: 'profiles to collect', defaultText: 'time,heap' },
  { option: 'period', flag: 'period', env: 'HOTPATH_PERIOD', expected: 'a duration like 60s',
    description: 'length of one profile period', defaultText: '60s' },
  { option: 'samplingInterval', flag: 'sampling-interval', env: 'HOTPATH_SAMPLING_INTERVAL', expected: 'a duration like 10ms',
    description: 'time between two stack samples', defaultText: '10ms' },
  { option: 'heapSamplingInterval', flag: 'heap-sampling-interval', env: 'HOTPATH_HEAP_SAMPLING_INTERVAL',
    expected: 'a size like 512KiB', description: 'average bytes allocated between two heap samples', defaultText: '512KiB' },
  { option: 'heapReadBudget', flag: 'heap-read-budget', env: 'HOTPATH_HEAP_READ_BUDGET', expected: 'a fraction like 0.002 or a percent like 0.2%',
    description: "heap: share of each thread's CPU spent reading V8's samples at GCs (more reads, less variance in allocations)", defaultText: '0.2%' },
  { option: 'outDir', flag: 'out', env: 'HOTPATH_OUT', expected: 'a directory',
    description: 'directory of the file exporter', defaultText: './profiles' },
  { option: 'exporter', flag: 'exporter', env: 'HOTPATH_EXPORTER', expected: 'a list of file, pyroscope, datadog, otlp or none',
    description: 'where profiles go (several allowed)', defaultText: 'file' },
  { option: 'pyroscopeUrl', flag: 'pyroscope-url', env: 'HOTPATH_PYROSCOPE_URL', expected: 'an http(s) URL',
    description: 'Grafana Pyroscope server (POST {url}/ingest)' },
  { option: 'datadogUrl', flag: 'datadog-url', env: 'HOTPATH_DATADOG_URL', expected: 'an http(s) URL',
    description: 'Datadog agent (POST {url}/profiling/v1/input)', defaultText: 'http://localhost:8126' },
  { option: 'otlpUrl', flag: 'otlp-url', env: 'HOTPATH_OTLP_URL', expected: 'an http(s) URL',
    description: 'OpenTelemetry Collector, OTLP/HTTP (POST {url}/v1development/profiles)',
    defaultText: 'OTEL_EXPORTER_OTLP_PROFILES_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT, else http://localhost:4318' },
  { option: 'tags', flag: 'tags', env: 'HOTPATH_TAGS', expected: 'tags like k=v,k=v',
    description: 'tags added to every exported profile' },
  { option: 'authToken', flag: 'auth-token', env: 'HOTPATH_AUTH_TOKEN', expected: 'a token',
    description: 'bearer token for Pyroscope', secret: true },
  { option: 'basicAuth', flag: 'basic-auth', env: 'HOTPATH_BASIC_AUTH', expected: 'user:password',
    description: 'basic auth for Pyroscope', secret: true },
  { option: 'tenantId', flag: 'tenant-id', env: 'HOTPATH_TENANT_ID', expected: 'a tenant (org) id',
    description: 'Pyroscope tenant, sent as X-Scope-OrgID' },
  { option: 'datadogApiKey', flag: 'datadog-api-key', env: 'HOTPATH_DATADOG_API_KEY', expected: 'an API key',
    description: 'Datadog API key (agentless intake only)', secret: true },
  { option: 'overheadCap', flag: 'overhead-cap', env: 'HOTPATH_OVERHEAD_CAP', expected: 'a fraction like 0.01 or a percent like 1%',
    description: "cap on the profiler's own CPU, as a share of one core", defaultText: '1%' },
  { option: 'lockShare', flag: 'lock-share', env: 'HOTPATH_LOCK_SHARE', expected: 'a fraction like 0.01 or a percent like 1%',
    description: 'contention: highest share of lock acquires sampled', defaultText: '1%' },
  { option: 'exceptionSampling', flag: 'exception-sampling', env: 'HOTPATH_EXCEPTION_SAMPLING', expected: 'a whole number of at least 1',
    description: 'exceptions: one error sampled in this many, on average', defaultText: '100' },
  { option: 'blockThreshold', flag: 'block-threshold', env: 'HOTPATH_BLOCK_THRESHOLD', expected: 'a duration like 50ms',
    description: 'eventloop: a turn longer than this is a block', defaultText: '50ms' },
  { option: 'exportTimeout', flag: 'export-timeout', env: 'HOTPATH_EXPORT_TIMEOUT', expected: 'a duration like 10s',
    description: 'timeout of one upload attempt', defaultText: '10s' },
];

const BY_OPTION = new Map(SETTINGS.map((s) => [s.option, s]));
const BY_FLAG = new Map(SETTINGS.map((s) => [s.flag, s]));

/** A bad setting. `message` is one line, names the setting and its source, and holds no secret. */
export class SettingsError extends Error {
  readonly code = 'HOTPATH_SETTINGS';
  readonly setting: string;
  readonly source: SettingSource | 'api' | 'cli';
  constructor(message: string, setting: string, source: SettingSource) {
    super(redact(message));
    this.name = 'SettingsError';
    this.setting = setting;
    this.source = source;
  }
}

interface Raw {
  value: unknown;
  source: SettingSource;
  /** How the user spelled it: `option period`, `--period`, `HOTPATH_PERIOD`. */
  label: string;
}

export type CliFlags = Record<string, string | number | boolean | string[] | undefined>;

export interface ResolveContext {
  /** Where to look for package.json for the default service name. */
  cwd?: string;
}

/**
 * Resolves every setting with precedence API > CLI > environment > default, and validates it.
 * `cliFlags` keys are flag names (`sampling-interval`, with or without leading dashes) or API
 * option names. Throws SettingsError on the first bad value.
 */
export function resolveSettings(
  apiOptions: HotpathOptions | undefined = {},
  cliFlags: CliFlags | undefined = {},
  env: NodeJS.ProcessEnv = process.env,
  context: ResolveContext = {},
): Settings {
  const api = checkApiKeys(apiOptions ?? {});
  const cli = checkCliKeys(cliFlags ?? {});

  // Credentials first, so no later message can carry them.
  for (const spec of SETTINGS) {
    if (!spec.secret) continue;
    for (const v of [api.get(spec.option), cli.get(spec.option), env[spec.env]]) {
      if (typeof v === 'string') {
        addSecret(v);
        const colon = v.indexOf(':');
        if (spec.option === 'basicAuth' && colon >= 0) addSecret(v.slice(colon + 1));
      } else if (v && typeof v === 'object' && 'password' in v) {
        addSecret(String((v as BasicAuth).password));
      }
    }
  }

  const sources = {} as Record<SettingName, SettingSource>;
  const pick = (option: SettingName): Raw | undefined => {
    const spec = BY_OPTION.get(option)!;
    let raw: Raw | undefined;
    if (api.has(option) && api.get(option) !== undefined) {
      raw = { value: api.get(option), source: 'api', label: `option ${option}` };
    } else if (cli.has(option) && cli.get(option) !== undefined) {
      raw = { value: cli.get(option), source: 'cli', label: `--${spec.flag}` };
    } else if (env[spec.env] !== undefined && env[spec.env] !== '') {
      raw = { value: env[spec.env], source: 'env', label: spec.env };
    }
    sources[option] = raw?.source ?? 'default';
    return raw;
  };

  const service = parseService(pick('service'), context);
  const profiles = parseProfiles(pick('profiles'));
  const periodMs = parseDurationSetting(pick('period'), 'period', DEFAULTS.periodMs, 100, 24 * 3600_000);
  const samplingIntervalMs = parseDurationSetting(pick('samplingInterval'), 'samplingInterval', DEFAULTS.samplingIntervalMs, 0.1, 10_000);
  const heapSamplingIntervalBytes = parseSizeSetting(pick('heapSamplingInterval'), DEFAULTS.heapSamplingIntervalBytes);
  const heapReadBudget = parseShare(pick('heapReadBudget'), 'heapReadBudget', DEFAULTS.heapReadBudget, 'every GC interval read');
  const outDir = parseOutDir(pick('outDir'), context);
  const exporters = parseExporters(pick('exporter'));
  const pyroscopeUrl = parseUrlSetting(pick('pyroscopeUrl'), 'pyroscopeUrl');
  const datadogUrl = parseUrlSetting(pick('datadogUrl'), 'datadogUrl') ?? defaultDatadogUrl(env);
  const otlpBase = parseUrlSetting(pick('otlpUrl'), 'otlpUrl');
  // OpenTelemetry's variables are read only for the otlp exporter: a bad one elsewhere is not ours.
  const otlp = exporters.includes('otlp');
  const otlpUrl = otlpBase !== undefined ? otlpBase + OTLP_PROFILES_PATH : otlp ? otlpUrlFromEnv(env) : DEFAULT_OTLP_URL;
  const otlpHeaders = otlp ? parseOtelList(env, ['OTEL_EXPORTER_OTLP_PROFILES_HEADERS', 'OTEL_EXPORTER_OTLP_HEADERS'], true) : {};
  const otlpResource = otlp ? parseOtelList(env, ['OTEL_RESOURCE_ATTRIBUTES'], false) : {};
  // OpenTelemetry's own precedence (OTEL_SERVICE_NAME over the resource's), under hotpath's setting.
  otlpResource['service.name'] = sources.service !== 'default' ? service
    : env.OTEL_SERVICE_NAME || otlpResource['service.name'] || service;
  const tags = parseTags(pick('tags'));
  const token = parseSecretString(pick('authToken'), 'authToken');
  const basic = parseBasicAuth(pick('basicAuth'));
  const tenantId = parsePlainString(pick('tenantId'));
  const datadogApiKey = parseSecretString(pick('datadogApiKey'), 'datadogApiKey');
  const overheadCap = parseShare(pick('overheadCap'), 'overheadCap', DEFAULTS.overheadCap, '100% of a core');
  const lockShare = parseShare(pick('lockShare'), 'lockShare', DEFAULTS.lockShare, 'every acquire');
  const exceptionSampling = parseWhole(pick('exceptionSampling'), 'exceptionSampling', DEFAULTS.exceptionSampling, 1, 1_000_000);
  const blockThresholdMs = parseDurationSetting(pick('blockThreshold'), 'blockThreshold', DEFAULTS.blockThresholdMs, 1, 600_000);
  const exportTimeoutMs = parseDurationSetting(pick('exportTimeout'), 'exportTimeout', DEFAULTS.exportTimeoutMs, 1, 600_000);

  if (samplingIntervalMs >= periodMs) {
    const src = sources.samplingInterval !== 'default' ? sources.samplingInterval : sources.period;
    throw new SettingsError(
      `hotpath: invalid sampling interval ${fmtMs(samplingIntervalMs)}: it must be shorter than the period (${fmtMs(periodMs)})`,
      'samplingInterval', src);
  }
  if (exporters.includes('pyroscope') && !pyroscopeUrl) {
    throw new SettingsError(
      'hotpath: exporter pyroscope needs a server URL: set option pyroscopeUrl, --pyroscope-url or HOTPATH_PYROSCOPE_URL',
      'pyroscopeUrl', sources.exporter);
  }
  if (token !== undefined && basic !== undefined) {
    throw new SettingsError(
      'hotpath: auth token and basic auth are both set: give one of them',
      'authToken', sources.authToken);
  }

  const auth: AuthSettings = {};
  if (token !== undefined) auth.token = token;
  if (basic !== undefined) auth.basic = basic;
  if (tenantId !== undefined) auth.tenantId = tenantId;
  if (datadogApiKey !== undefined) auth.datadogApiKey = datadogApiKey;

  const warnings: string[] = [];
  const known = SETTINGS.map((x) => x.env);
  for (const name of Object.keys(env)) {
    if (!name.startsWith('HOTPATH_') || known.includes(name)) continue;
    const near = nearest(name, known);
    if (near && editDistance(name, near) <= 2) warnings.push(`hotpath: ${name} is not a setting (did you mean ${near}?); it was ignored`);
  }

  const settings: Settings = {
    service, profiles, periodMs, samplingIntervalMs, heapSamplingIntervalBytes, heapReadBudget, outDir, exporters,
    datadogUrl, otlpUrl, otlpHeaders, otlpResource, tags, auth, overheadCap, lockShare, exceptionSampling, blockThresholdMs, exportTimeoutMs, sources, warnings,
  };
  if (pyroscopeUrl !== undefined) settings.pyroscopeUrl = pyroscopeUrl;
  return settings;
}

/**
 * The settings with credentials replaced by `[redacted]`, for printing (`hotpath run` prints
 * where profiles go) and for a profile comment.
 */
export function publicSettings(s: Settings): Omit<Settings, 'auth'> & { auth: Record<string, string> } {
  const auth: Record<string, string> = {};
  if (s.auth.token !== undefined) auth.token = '[redacted]';
  if (s.auth.basic !== undefined) auth.basic = `${s.auth.basic.user}:[redacted]`;
  if (s.auth.tenantId !== undefined) auth.tenantId = s.auth.tenantId;
  if (s.auth.datadogApiKey !== undefined) auth.datadogApiKey = '[redacted]';
  const out = { ...s, auth, sources: { ...s.sources }, warnings: [...s.warnings] };
  if (out.pyroscopeUrl) out.pyroscopeUrl = redact(out.pyroscopeUrl);
  out.datadogUrl = redact(out.datadogUrl);
  out.otlpUrl = redact(out.otlpUrl);
  out.otlpHeaders = Object.fromEntries(Object.keys(out.otlpHeaders).map((k) => [k, '[redacted]']));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Keys

function checkApiKeys(options: object): Map<SettingName, unknown> {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new SettingsError('hotpath: options must be an object', 'options', 'api');
  }
  const out = new Map<SettingName, unknown>();
  for (const [key, value] of Object.entries(options)) {
    if (!BY_OPTION.has(key as SettingName)) {
      const near = nearest(key, [...BY_OPTION.keys()]);
      throw new SettingsError(
        `hotpath: unknown option "${key}"${near ? ` (misspelled option? did you mean "${near}"?)` : ''}`,
        key, 'api');
    }
    out.set(key as SettingName, value);
  }
  return out;
}

function checkCliKeys(flags: CliFlags): Map<SettingName, unknown> {
  const out = new Map<SettingName, unknown>();
  for (const [rawKey, value] of Object.entries(flags)) {
    if (value === undefined) continue;
    const key = rawKey.replace(/^-+/, '');
    const spec = BY_FLAG.get(key) ?? BY_OPTION.get(key as SettingName);
    if (!spec) {
      const near = nearest(key, [...BY_FLAG.keys()]);
      throw new SettingsError(
        `hotpath: unknown flag --${key}${near ? ` (did you mean --${near}?)` : ''}`, key, 'cli');
    }
    // A flag given twice arrives as an array: the last one wins, as in most CLIs.
    out.set(spec.option, Array.isArray(value) && spec.option !== 'profiles' && spec.option !== 'exporter'
      ? value[value.length - 1] : value);
  }
  return out;
}

/** The closest name by edit distance (case-insensitive), if it is close enough to be a typo. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const w = word.toLowerCase();
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase());
    if (d < bestD) { bestD = d; best = c; }
  }
  const limit = Math.max(2, Math.floor(word.length / 3));
  return bestD <= limit ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
    }
    prev = cur;
  }
  return prev[b.length];
}

// ---------------------------------------------------------------------------------------------
// Values

function invalid(raw: Raw, option: SettingName, expected: string, why?: string): SettingsError {
  const spec = BY_OPTION.get(option)!;
  const shown = spec.secret ? '[redacted]' : showValue(raw.value);
  return new SettingsError(
    `hotpath: invalid ${raw.label} ${shown}: ${why ?? `expected ${expected}`}`, option, raw.source);
}

function showValue(v: unknown): string {
  let s: string;
  try {
    s = typeof v === 'string' ? JSON.stringify(v) : typeof v === 'object' ? JSON.stringify(v) ?? String(v) : String(v);
  } catch {
    s = String(v);
  }
  s = s.replace(/[\r\n]+/g, ' ');
  return s.length > 80 ? s.slice(0, 77) + '..."' : s;
}

function parseService(raw: Raw | undefined, context: ResolveContext): string {
  if (!raw) return defaultServiceName(context.cwd ?? process.cwd());
  const expected = 'a service name';
  if (typeof raw.value !== 'string') throw invalid(raw, 'service', expected);
  const v = raw.value.trim();
  if (v === '' || v.length > 200 || /[\u0000-\u001f{}]/.test(v)) {
    throw invalid(raw, 'service', expected, 'expected a non-empty name of at most 200 characters without control characters or braces');
  }
  return v;
}

/** The `name` of the nearest package.json from `cwd` upwards, else 'node'. */
export function defaultServiceName(cwd: string): string {
  let dir = resolve(cwd);
  for (let i = 0; i < 64; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (typeof pkg.name === 'string' && pkg.name.trim() !== '') return pkg.name.trim();
      return 'node';
    } catch {
      // no package.json here (or unreadable): go up
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return 'node';
}

function listOf(raw: Raw): string[] | undefined {
  if (typeof raw.value === 'string') return raw.value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (Array.isArray(raw.value) && raw.value.every((x) => typeof x === 'string')) {
    return (raw.value as string[]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '');
  }
  return undefined;
}

function parseProfiles(raw: Raw | undefined): ProfileKind[] {
  if (!raw) return ['time', 'heap'];
  const expected = `a list of ${PROFILE_KINDS.join(', ')}`;
  const items = listOf(raw);
  if (!items || items.length === 0) throw invalid(raw, 'profiles', expected);
  const out: ProfileKind[] = [];
  for (const item of items) {
    const k = item.toLowerCase();
    if (!(PROFILE_KINDS as readonly string[]).includes(k)) {
      const near = nearest(k, PROFILE_KINDS);
      throw invalid(raw, 'profiles', expected,
        `unknown profile "${item}"${near ? ` (did you mean "${near}"?)` : ''}; expected ${expected}`);
    }
    if (!out.includes(k as ProfileKind)) out.push(k as ProfileKind);
  }
  return out;
}

function parseExporters(raw: Raw | undefined): ExporterKind[] {
  if (!raw) return ['file'];
  const expected = 'a list of file, pyroscope, datadog, otlp or none';
  const items = listOf(raw);
  if (!items || items.length === 0) throw invalid(raw, 'exporter', expected);
  const out: ExporterKind[] = [];
  let none = false;
  for (const item of items) {
    const k = item.toLowerCase();
    if (k === 'none') { none = true; continue; }
    if (!(EXPORTER_KINDS as readonly string[]).includes(k)) {
      const near = nearest(k, [...EXPORTER_KINDS, 'none']);
      throw invalid(raw, 'exporter', expected,
        `unknown exporter "${item}"${near ? ` (did you mean "${near}"?)` : ''}; expected ${expected}`);
    }
    if (!out.includes(k as ExporterKind)) out.push(k as ExporterKind);
  }
  if (none && out.length > 0) throw invalid(raw, 'exporter', expected, '"none" cannot be combined with other exporters');
  return out;
}

const DURATION_UNITS: Record<string, number> = { us: 0.001, µs: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses "10ms", "60s", "1m", "1.5s", "250us", "1h"; a number or a bare numeric string is milliseconds. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(us|µs|ms|s|m|h)?\s*$/i.exec(value);
  if (!m) return undefined;
  const unit = (m[2] ?? 'ms').toLowerCase();
  return Number(m[1]) * DURATION_UNITS[unit];
}

function fmtMs(ms: number): string {
  if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

function parseDurationSetting(raw: Raw | undefined, option: SettingName, dflt: number, min: number, max: number): number {
  if (!raw) return dflt;
  const expected = BY_OPTION.get(option)!.expected;
  const ms = parseDuration(raw.value);
  if (ms === undefined) throw invalid(raw, option, expected);
  if (ms < min || ms > max) throw invalid(raw, option, expected, `expected a duration between ${fmtMs(min)} and ${fmtMs(max)}`);
  return ms;
}

const SIZE_UNITS: Record<string, number> = {
  '': 1, b: 1, k: 1024, kb: 1000, kib: 1024, m: 1024 ** 2, mb: 1000 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1000 ** 3, gib: 1024 ** 3,
};

/** Parses "512KiB", "1MiB", "64k", "1000kb"; a number or a bare numeric string is bytes. */
export function parseSize(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  if (!m) return undefined;
  const mult = SIZE_UNITS[m[2].toLowerCase()];
  if (mult === undefined) return undefined;
  return Math.round(Number(m[1]) * mult);
}

function parseSizeSetting(raw: Raw | undefined, dflt: number): number {
  if (!raw) return dflt;
  const expected = BY_OPTION.get('heapSamplingInterval')!.expected;
  const n = parseSize(raw.value);
  if (n === undefined || !Number.isInteger(n)) throw invalid(raw, 'heapSamplingInterval', expected);
  if (n < 1 || n > 2 ** 30) throw invalid(raw, 'heapSamplingInterval', expected, 'expected a size between 1 byte and 1GiB');
  return n;
}

function parseOutDir(raw: Raw | undefined, context: ResolveContext): string {
  const base = context.cwd ?? process.cwd();
  if (!raw) return resolve(base, 'profiles');
  if (typeof raw.value !== 'string' || raw.value.trim() === '' || raw.value.includes('\0')) {
    throw invalid(raw, 'outDir', 'a directory');
  }
  return resolve(base, raw.value);
}

function parseUrlSetting(raw: Raw | undefined, option: SettingName): string | undefined {
  if (!raw) return undefined;
  const expected = 'an http(s) URL';
  if (typeof raw.value !== 'string') throw invalid(raw, option, expected);
  let url: URL;
  try {
    url = new URL(raw.value.trim());
  } catch {
    throw invalid(raw, option, expected);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(raw, option, expected);
  // user:password in the URL is a credential: keep it out of every message.
  if (url.password) addSecret(decodeURIComponent(url.password));
  if (url.username) addSecret(decodeURIComponent(url.username));
  return url.toString().replace(/\/+$/, '');
}

function defaultDatadogUrl(env: NodeJS.ProcessEnv): string {
  // The same variables dd-trace uses, so a host already set up for Datadog needs nothing more.
  const traceUrl = env.DD_TRACE_AGENT_URL;
  if (traceUrl && /^https?:\/\//.test(traceUrl)) return traceUrl.replace(/\/+$/, '');
  const host = env.DD_AGENT_HOST || 'localhost';
  const port = env.DD_TRACE_AGENT_PORT || '8126';
  return `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
}

/** Where OTLP/HTTP puts the profiles signal under a base URL. */
export const OTLP_PROFILES_PATH = '/v1development/profiles';
const DEFAULT_OTLP_URL = 'http://localhost:4318' + OTLP_PROFILES_PATH;

/** OpenTelemetry's variables: the signal's endpoint as given, else the base URL plus the path. */
function otlpUrlFromEnv(env: NodeJS.ProcessEnv): string {
  const fromEnv = (name: string): string | undefined =>
    env[name] ? parseUrlSetting({ value: env[name], source: 'env', label: name }, 'otlpUrl') : undefined;
  const signal = fromEnv('OTEL_EXPORTER_OTLP_PROFILES_ENDPOINT');
  if (signal !== undefined) return signal;
  const base = fromEnv('OTEL_EXPORTER_OTLP_ENDPOINT');
  return base !== undefined ? base + OTLP_PROFILES_PATH : DEFAULT_OTLP_URL;
}

/**
 * OpenTelemetry's `key=value,key=value` lists (headers, resource attributes), values
 * percent-decoded; the first variable of `names` that is set. Header values are credentials.
 */
function parseOtelList(env: NodeJS.ProcessEnv, names: readonly string[], secret: boolean): Record<string, string> {
  const name = names.find((n) => env[n] !== undefined && env[n] !== '');
  const out: Record<string, string> = {};
  if (name === undefined) return out;
  for (const item of env[name]!.split(',')) {
    if (item.trim() === '') continue;
    const eq = item.indexOf('=');
    let value: string | undefined;
    try {
      value = eq > 0 ? decodeURIComponent(item.slice(eq + 1).trim()) : undefined;
    } catch {
      value = undefined;
    }
    if (value === undefined) {
      if (secret) addSecret(item.slice(eq + 1).trim());
      const shown = secret ? `"${item.slice(0, Math.max(0, eq)).trim()}=[redacted]"` : JSON.stringify(item.trim());
      throw new SettingsError(`hotpath: invalid ${name}: expected key=value pairs separated by commas, values percent-encoded (bad entry ${shown})`,
        'otlpUrl', 'env');
    }
    if (secret) addSecret(value);
    out[item.slice(0, eq).trim()] = value;
  }
  return out;
}

const TAG_KEY = /^[A-Za-z_][A-Za-z0-9_.\-/]*$/;

function parseTags(raw: Raw | undefined): Record<string, string> {
  if (!raw) return {};
  const expected = 'tags like k=v,k=v';
  const out: Record<string, string> = {};
  let pairs: Array<[string, string]>;
  if (typeof raw.value === 'string') {
    pairs = [];
    for (const item of raw.value.split(',')) {
      if (item.trim() === '') continue;
      const eq = item.indexOf('=');
      if (eq <= 0) throw invalid(raw, 'tags', expected, `expected tags like k=v,k=v (bad tag "${item.trim()}")`);
      pairs.push([item.slice(0, eq).trim(), item.slice(eq + 1).trim()]);
    }
  } else if (raw.value && typeof raw.value === 'object' && !Array.isArray(raw.value)) {
    pairs = [];
    for (const [k, v] of Object.entries(raw.value)) {
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
        throw invalid(raw, 'tags', expected, `tag "${k}" must be a string, number or boolean`);
      }
      pairs.push([k, String(v)]);
    }
  } else {
    throw invalid(raw, 'tags', expected);
  }
  for (const [k, v] of pairs) {
    if (!TAG_KEY.test(k) || k.length > 100) {
      throw invalid(raw, 'tags', expected, `bad tag name "${k}": expected letters, digits, _ . - / and a letter or _ first`);
    }
    if (v === '' || v.length > 200 || /[,{}\u0000-\u001f]/.test(v)) {
      throw invalid(raw, 'tags', expected, `bad value for tag "${k}": expected 1-200 characters without , { } or control characters`);
    }
    out[k] = v;
  }
  return out;
}

function parseSecretString(raw: Raw | undefined, option: SettingName): string | undefined {
  if (!raw) return undefined;
  if (typeof raw.value !== 'string' || raw.value.trim() === '' || /[\s\u0000-\u001f]/.test(raw.value.trim())) {
    throw invalid(raw, option, 'a token', 'expected a non-empty value without spaces or control characters');
  }
  return raw.value.trim();
}

function parseBasicAuth(raw: Raw | undefined): BasicAuth | undefined {
  if (!raw) return undefined;
  const expected = 'user:password';
  let user: unknown;
  let password: unknown;
  if (typeof raw.value === 'string') {
    const colon = raw.value.indexOf(':');
    if (colon <= 0) throw invalid(raw, 'basicAuth', expected);
    user = raw.value.slice(0, colon);
    password = raw.value.slice(colon + 1);
  } else if (raw.value && typeof raw.value === 'object') {
    user = (raw.value as BasicAuth).user;
    password = (raw.value as BasicAuth).password;
  }
  if (typeof user !== 'string' || typeof password !== 'string' || user === '' || /[\r\n]/.test(user + password)) {
    throw invalid(raw, 'basicAuth', expected, 'expected user:password (or { user, password })');
  }
  addSecret(password);
  return { user, password };
}

function parsePlainString(raw: Raw | undefined): string | undefined {
  if (!raw) return undefined;
  if (typeof raw.value !== 'string' || raw.value.trim() === '' || /[\u0000-\u001f]/.test(raw.value)) {
    throw invalid(raw, 'tenantId', 'a tenant (org) id');
  }
  return raw.value.trim();
}

/** A share: a fraction like 0.01 or a percent like 1%, more than 0 and at most 1 (`whole`). */
function parseShare(raw: Raw | undefined, option: SettingName, dflt: number, whole: string): number {
  if (!raw) return dflt;
  const expected = BY_OPTION.get(option)!.expected;
  let share: number | undefined;
  if (typeof raw.value === 'number') {
    share = raw.value;
  } else if (typeof raw.value === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(%?)\s*$/.exec(raw.value);
    if (m) share = m[2] === '%' ? Number(m[1]) / 100 : Number(m[1]);
  }
  if (share === undefined || !Number.isFinite(share)) throw invalid(raw, option, expected);
  if (share <= 0 || share > 1) {
    throw invalid(raw, option, expected, `expected more than 0 and at most 1 (${whole}): a fraction like 0.01 or a percent like 1%`);
  }
  return share;
}

function parseWhole(raw: Raw | undefined, option: SettingName, dflt: number, min: number, max: number): number {
  if (!raw) return dflt;
  const n = typeof raw.value === 'number' ? raw.value : typeof raw.value === 'string' && /^\s*\d+\s*$/.test(raw.value) ? Number(raw.value) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw invalid(raw, option, `${BY_OPTION.get(option)!.expected} (at most ${max})`);
  return n;
}
