// Shared by the reliability tests: run a profiled program as a user would (without tap's
// NODE_OPTIONS preload), asynchronously so that servers in the test process keep answering,
// and read what it reported.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('./', import.meta.url));

export interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `args` (argv[0] is the program) with tap's preload removed; kills it after timeoutMs. */
export function run(args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 120_000): Promise<Ran> {
  const fullEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete fullEnv.NODE_OPTIONS;
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete fullEnv[k];
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn('env', ['-u', 'NODE_OPTIONS', ...args], { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

/**
 * run(), again (up to 10 times, 3 s apart) while the addon is missing: another engineer's
 * `npm run build:native` removes it for a few seconds.
 */
export async function runProfiled(args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 120_000): Promise<Ran> {
  for (let attempt = 0; ; attempt++) {
    const ran = await run(args, env, timeoutMs);
    if (!/native addon unavailable/.test(ran.stderr) || attempt >= 10) return ran;
    await new Promise((r) => setTimeout(r, 3000));
  }
}

/** The JSON after `RESULT ` in a fixture's output. */
export function result<T>(ran: Ran): T {
  const line = ran.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`no RESULT line (exit ${ran.code} ${ran.signal}): ${ran.stderr.slice(-2000)}`);
  return JSON.parse(line.slice('RESULT '.length)) as T;
}

/** What export-app.mjs prints. */
export interface AppResult {
  opsPerSec: number;
  cpuUsPerOp: number;
  p99Ms: number;
  maxMs: number;
  heapUsed: number;
  heapAt: number[];
  madeDuringRun: number;
  beforeFlush: number;
  made: number;
  kinds: string[];
  comments: string[][];
  secretInProfile: boolean;
  /** Profiles whose decompressed bytes hold the self-report text (the credential check reads them). */
  readableProfiles: number;
}

/** An exporter's final tally line (said at stop when anything was lost), as numbers. */
export function finalTally(stderr: string, exporter: string): { exported: number; failed: number; dropped: number } | undefined {
  const m = new RegExp(`hotpath: ${exporter} exporter stopped: (\\d+) profile\\(s\\) exported, (\\d+) failed, (\\d+) dropped in all`).exec(stderr);
  return m ? { exported: Number(m[1]), failed: Number(m[2]), dropped: Number(m[3]) } : undefined;
}

/** Sums of the export self-report lines over a run's profiles (one line per period, read from its first profile). */
export function exportTotals(r: AppResult): { exported: number; failed: number; dropped: number; retries: number; lastQueued: number; lines: string[] } {
  const sum = { exported: 0, failed: 0, dropped: 0, retries: 0, lastQueued: 0, lines: [] as string[] };
  // Every profile of a period carries the same line: count each period once (its first profile).
  const seen = new Set<number>();
  r.comments.forEach((c, i) => {
    const line = c.find((l) => l.startsWith('hotpath: export since last profile:'));
    if (!line) return;
    const m = /(\d+) exported, (\d+) failed, (\d+) dropped, (\d+) retries, (\d+) queued/.exec(line);
    if (!m) return;
    // Profiles of one period are consecutive and share a line; a new period starts with a time profile.
    if (r.kinds[i] !== 'time' && seen.has(i - 1)) return;
    seen.add(i);
    sum.exported += Number(m[1]);
    sum.failed += Number(m[2]);
    sum.dropped += Number(m[3]);
    sum.retries += Number(m[4]);
    sum.lastQueued = Number(m[5]);
    sum.lines.push(line);
  });
  return sum;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The lines of stderr that hotpath wrote. */
export function hotpathLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('hotpath:'));
}

/** One faulty run against the healthy runs around it. */
export interface PairVerdict {
  /** Fault throughput over the healthy runs' median. */
  ops: number;
  /** Fault process CPU per operation over the healthy runs' median. */
  cpu: number;
  /** How far apart the two healthy runs' throughputs are (max/min - 1): the machine's noise now. */
  healthySpread: number;
  p99: number;
  baseP99: number;
  /** Fault heap after GC minus the larger healthy one, bytes. */
  heap: number;
}

export function judgePair(fault: AppResult, healthy: AppResult[]): PairVerdict {
  const ops = healthy.map((b) => b.opsPerSec);
  return {
    ops: fault.opsPerSec / median(ops),
    cpu: fault.cpuUsPerOp / median(healthy.map((b) => b.cpuUsPerOp)),
    healthySpread: Math.max(...ops) / Math.min(...ops) - 1,
    p99: fault.p99Ms,
    baseP99: Math.max(...healthy.map((b) => b.p99Ms)),
    heap: fault.heapUsed - Math.max(...healthy.map((b) => b.heapUsed)),
  };
}

export const BOUNDS = {
  /** Fault throughput at least this share of the healthy one. */
  ops: 0.85,
  /** Fault CPU per operation at most this multiple of the healthy one. */
  cpu: 1.25,
  /** Healthy runs further apart than this: the machine is too busy to judge throughput. */
  spread: 0.2,
  heapBytes: 8e6,
};

export function delayOk(j: PairVerdict): boolean {
  return j.p99 <= Math.max(2 * j.baseP99, j.baseP99 + 15);
}

/**
 * Within noise: at least 85% of the healthy throughput, CPU per operation at most 25% above,
 * p99 event-loop delay at most twice the healthy one (or 15 ms more), heap after GC less than
 * 8 MB above.
 */
export function withinNoise(j: PairVerdict): boolean {
  return j.ops >= BOUNDS.ops && j.cpu <= BOUNDS.cpu && delayOk(j) && j.heap < BOUNDS.heapBytes;
}

/** The asserts on a pair; throughput is not judged (only said) when the healthy runs disagree. */
export function assertPair(t: Tap.Test, j: PairVerdict): void {
  const said = `throughput ${(j.ops * 100).toFixed(1)}% of the healthy runs' median (healthy runs ${(j.healthySpread * 100).toFixed(0)}% apart)`;
  if (j.ops < BOUNDS.ops && j.healthySpread > BOUNDS.spread) t.comment(`not judged, the machine is too busy: ${said}`);
  else t.ok(j.ops >= BOUNDS.ops, said);
  t.ok(j.cpu <= BOUNDS.cpu, `process CPU per operation ${(j.cpu * 100).toFixed(1)}% of the healthy runs'`);
  t.ok(delayOk(j), `event-loop delay p99 ${j.p99.toFixed(1)} ms (healthy runs: up to ${j.baseP99.toFixed(1)} ms)`);
  t.ok(j.heap < BOUNDS.heapBytes, `heap after GC ${(j.heap / 1e6).toFixed(1)} MB above the healthy runs`);
}
