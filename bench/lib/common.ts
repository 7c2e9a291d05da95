// Shared helpers of the benchmark suite (bench/run.ts and the scenario files): fresh child
// processes that print one RESULT line, rounds of configurations in rotating order, medians of
// paired ratios with their spread, the System line, and the sections of bench/RESULTS.md
// (each between `<!-- name:start ... -->` and `<!-- name:end -->`, written by one script).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nativeCandidates } from '../../src/collect/addon-loader.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository root (this file runs from dist/bench/lib). */
export const root = path.resolve(here, '..', '..', '..');
/** BENCH_RESULTS redirects the sections elsewhere (trial runs that must not touch the document). */
export const resultsFile = process.env.BENCH_RESULTS || path.join(root, 'bench', 'RESULTS.md');

/** `--quick` on the command line or BENCH_QUICK=1 in the environment (set by bench/run.ts). */
export const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
/** The machine-readable figures (bench/compare.ts reads them): BENCH_JSON, else results.json
 * (results-quick.json for --quick) beside the results document. Read when called (bench/run.ts sets BENCH_JSON from --json=). */
export function jsonFile(): string {
  return process.env.BENCH_JSON || path.join(path.dirname(resultsFile), quick ? 'results-quick.json' : 'results.json');
}

/** A count from the environment, else the full or the quick default. */
export function setting(name: string, full: number, fast: number): number {
  const v = process.env[name];
  return v !== undefined && v !== '' ? Number(v) : quick ? fast : full;
}

export function median(a: number[]): number {
  if (a.length === 0) return NaN;
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Least-squares slope of y over x (memory growth per period). */
export function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return num / den;
}

/** Quantile by linear interpolation (q in 0..1). */
export function quantile(a: number[], q: number): number {
  if (a.length === 0) return NaN;
  const s = [...a].sort((x, y) => x - y);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** The spread written beside each figure: interquartile range and min-max. */
export interface Spread { median: number; q1: number; q3: number; min: number; max: number; n: number }
export function spread(a: number[]): Spread {
  return { median: median(a), q1: quantile(a, 0.25), q3: quantile(a, 0.75), min: Math.min(...a), max: Math.max(...a), n: a.length };
}

/** One scenario's entry in the results file: every figure written with a spread in its tables. */
export interface ScenarioFigures { system: string; written: string; quick: boolean; figures: Record<string, Spread> }
export interface ResultsJson { suite?: Record<string, unknown>; scenarios: Record<string, ScenarioFigures> }

export function readResultsJson(file = jsonFile()): ResultsJson {
  if (!existsSync(file)) return { scenarios: {} };
  const j = JSON.parse(readFileSync(file, 'utf8')) as ResultsJson;
  return { ...j, scenarios: j.scenarios ?? {} };
}

/**
 * Collects a scenario's figures (name -> spread of the per-round values) and writes them into
 * the results file, replacing that scenario's previous entry (other scenarios are kept, so
 * `--only=` updates a full run's file in place).
 */
export class Figures {
  readonly figures: Record<string, Spread> = {};
  constructor(readonly scenario: string, readonly system: string) {}
  /** Records the values under `name` and returns their spread. */
  add(name: string, values: number[]): Spread {
    const s = spread(values.filter((v) => Number.isFinite(v)));
    this.figures[name] = s;
    return s;
  }
  save(): void {
    const j = readResultsJson();
    j.scenarios[this.scenario] = { system: this.system, written: new Date().toISOString(), quick, figures: this.figures };
    writeFileSync(jsonFile(), JSON.stringify(j, null, 1) + '\n');
  }
}

/** A ratio as `1.0123 (+1.23%)`. */
export function fmtRatio(r: number): string {
  if (!Number.isFinite(r)) return 'n/a';
  return `${r.toFixed(4)} (${r >= 1 ? '+' : ''}${((r - 1) * 100).toFixed(2)}%)`;
}

/** `q1-q3; min-max` of a ratio. */
export function fmtSpread(s: Spread, digits = 3): string {
  if (!Number.isFinite(s.median)) return 'n/a';
  return `${s.q1.toFixed(digits)}-${s.q3.toFixed(digits)}; ${s.min.toFixed(digits)}-${s.max.toFixed(digits)}`;
}

export function loadAverage(): string {
  return os.loadavg().map((x) => x.toFixed(2)).join(' ');
}

/** The System line: CPU, cores, Node, OS, date and the load average (1, 5, 15 min) now. */
export function systemLine(): string {
  const cpuModel = (os.cpus()[0]?.model ?? 'unknown CPU').replace(/\s+/g, ' ').trim();
  return `System: ${cpuModel}, ${os.cpus().length} cores (shared with other jobs), Node ${process.version}, ` +
    `${os.type()} ${os.release()}, ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}, load average at start ${loadAverage()}`;
}

export interface ChildOptions {
  /** Node flags before the script. */
  flags?: string[];
  env?: Record<string, string>;
  /** Called with each stdout line while the child runs (e.g. `READY <port>`). */
  onLine?: (line: string, child: ReturnType<typeof spawn>) => void;
  timeoutMs?: number;
  /** The node binary (default: this one). */
  node?: string;
}

/**
 * The Node majors a benchmark can run on here: this Node, and the other supported majors whose
 * binaries scripts/node-major.sh has cached (scripts/build-native.sh fetches them).
 */
export function cachedNodes(): { major: string; bin: string }[] {
  const cache = process.env.HOTPATH_NODE_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'hotpath', 'node');
  const out = [{ major: process.versions.node.split('.')[0]!, bin: process.execPath }];
  for (const m of ['22', '24', '26']) {
    const bin = path.join(cache, `node-${m}-${process.arch}`, 'bin', 'node');
    if (m !== out[0]!.major && existsSync(bin)) out.push({ major: m, bin });
  }
  return out;
}

/** Runs `node [flags] script ...args` in a fresh process and returns its `RESULT {json}` line. */
export function runNode<T = Record<string, number>>(script: string, args: string[], opts: ChildOptions = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const p = spawn(opts.node ?? process.execPath, [...(opts.flags ?? []), script, ...args], {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, ...opts.env },
    });
    let out = '';
    let seen = 0;
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`${path.basename(script)} ${args.join(' ')}: timed out`));
    }, opts.timeoutMs ?? 120_000);
    p.stdout!.setEncoding('utf8');
    p.stdout!.on('data', (d: string) => {
      out += d;
      if (!opts.onLine) return;
      const lines = out.split('\n');
      for (; seen < lines.length - 1; seen++) opts.onLine(lines[seen], p);
    });
    if (!opts.onLine) p.stdin!.end();
    p.on('exit', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || !line) reject(new Error(`${path.basename(script)} ${args.join(' ')} exited ${code ?? signal}: ${out.slice(-2000)}`));
      else resolve(JSON.parse(line.slice(7)) as T);
    });
  });
}

/** Prints the child's result line. */
export function result(r: unknown): void {
  process.stdout.write(`RESULT ${JSON.stringify(r)}\n`);
}

/**
 * Rounds of configurations: in round i every configuration runs once, each in a fresh
 * process, in an order rotated by i and reversed every other round, so that drifts in machine
 * load fall on every configuration alike. Returns the results per configuration, by round.
 * `concurrency` > 1 keeps that many runs going at once (jobs in round order): only for
 * scenarios whose figures are not times (profile contents, bytes), where it saves wall time.
 */
export async function rounds<R>(configs: string[], n: number, run: (config: string, round: number) => Promise<R>,
  label = '', concurrency = 1): Promise<Record<string, R[]>> {
  const out: Record<string, R[]> = Object.fromEntries(configs.map((c) => [c, []]));
  const jobs: { c: string; i: number }[] = [];
  for (let i = 0; i < n; i++) {
    let order = configs.map((_, k) => configs[(k + i) % configs.length]);
    if (i % 2 === 1) order = order.reverse();
    for (const c of order) jobs.push({ c, i });
  }
  const left = new Array<number>(n).fill(configs.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < jobs.length) {
      const { c, i } = jobs[next++];
      try {
        out[c][i] = await run(c, i);
      } catch (e) {
        // Once more after the addon is back: other builds in the same tree rebuild it under us.
        process.stderr.write(`${label} ${c}: ${String((e as Error).message).slice(0, 300)}; retrying once\n`);
        await waitForAddon();
        out[c][i] = await run(c, i);
      }
      if (--left[i] === 0) process.stderr.write(`${label} round ${i + 1}/${n} done (load ${os.loadavg()[0].toFixed(2)})\n`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
  return out;
}

/** Paired ratios config/base of `key` by round. */
export function pairedRatios<R extends Record<string, number>>(res: Record<string, R[]>, config: string, base: string,
  key: keyof R): number[] {
  return res[config].map((r, i) => r[key] / res[base][i][key]);
}

/** A table row: name, measure, median ratio, spread, and optional notes. */
export function ratioCells(ratios: number[]): string {
  const s = spread(ratios);
  return `${fmtRatio(s.median)} | ${fmtSpread(s)}`;
}

/** Replaces (or appends) the section between `<!-- key:start` and `<!-- key:end -->`. */
export function writeSection(key: string, lines: string[]): void {
  const section = [`<!-- ${key}:start (written by bench/${key}.ts; \`npm run bench\`) -->`, ...lines, `<!-- ${key}:end -->`].join('\n');
  let doc = existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8') : '# Benchmark results\n';
  const re = new RegExp(`<!-- ${key}:start[\\s\\S]*?<!-- ${key}:end -->`);
  doc = re.test(doc) ? doc.replace(re, () => section) : doc.trimEnd() + '\n\n' + section + '\n';
  writeFileSync(resultsFile, doc);
  process.stdout.write(section + '\n');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * For in-place on/off benchmarks whose windows alternate off, on, off, ...: `judge` of each
 * on-window against the off-windows on either side of it (one at the end of the list).
 */
export function againstNeighbouringOffs<W>(ws: W[], judge: (on: W, offs: W[]) => number): number[] {
  const out: number[] = [];
  for (let i = 1; i < ws.length; i += 2) out.push(judge(ws[i], [ws[i - 1], ws[i + 1]].filter((w) => w !== undefined)));
  return out;
}

/** The mean of `f` over `xs`. */
export function meanOf<T>(xs: T[], f: (x: T) => number): number {
  return xs.reduce((a, x) => a + f(x), 0) / xs.length;
}

/** CPU ms of this process (all threads) since `c0`. */
export function cpuMsSince(c0: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

/**
 * CPU ms of this process's threads by role, from /proc/self/task/<tid>/schedstat (ns on CPU):
 * `main` (the JavaScript thread), `v8` (V8's CPU-profiler threads, `v8:ProfEvntProc`, which
 * send the sampling signals and symbolize stacks), `hotpath` (threads named `hotpath-…`) and
 * `other` (libuv, V8's platform workers, ...). Take two readings around a window and subtract;
 * a thread that ends in between takes its time with it. Linux only (zeros elsewhere).
 */
export interface ThreadCpu { main: number; v8: number; hotpath: number; other: number }
export function threadCpuMs(): ThreadCpu {
  const r: ThreadCpu = { main: 0, v8: 0, hotpath: 0, other: 0 };
  let tids: string[] = [];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return r;
  }
  for (const tid of tids) {
    try {
      const ms = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
      const comm = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
      const role: keyof ThreadCpu = tid === String(process.pid) ? 'main' : comm.startsWith('v8:Prof') ? 'v8' : comm.startsWith('hotpath-') ? 'hotpath' : 'other';
      r[role] += ms;
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return r;
}

/** b - a, by role. */
export function threadCpuSince(a: ThreadCpu): ThreadCpu {
  const b = threadCpuMs();
  return { main: b.main - a.main, v8: b.v8 - a.v8, hotpath: b.hotpath - a.hotpath, other: b.other - a.other };
}

/** Waits (up to 3 minutes) until hotpath's native addon is on disk: a rebuild removes it for a while. */
export async function waitForAddon(): Promise<boolean> {
  const files = nativeCandidates();
  for (let i = 0; i < 180; i++) {
    if (files.some((f) => existsSync(f))) {
      if (i > 0) await sleep(3000); // let the build finish writing
      return true;
    }
    if (i === 0) process.stderr.write('waiting for the native addon (being rebuilt?)\n');
    await sleep(1000);
  }
  return false;
}
