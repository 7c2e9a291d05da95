// Soak: the README's example service (examples/service.mjs) under steady HTTP load for a long
// time, without hotpath, with its default kinds (time,heap) and with all five kinds, 10 s
// periods written to files. The three run side by side in each round (the same machine, the
// same minutes, each loaded at the same fixed rate by its own load generator), so a round is an
// in-place comparison. RSS is read from /proc/<pid>/status every 10 s.
// Per round and profiled configuration: RSS above the unprofiled service after the warm-up
// (mean over the rest of the run) and the difference of RSS slopes (least squares, MB/min);
// over rounds their medians, and for the slope difference a 95% interval (Student's t). The
// curves go to bench/soak.svg (bench/lib/rss-plot.ts), beside each round's unprofiled curve.
//   node dist/bench/soak.js      SOAK_MINUTES (20), SOAK_ROUNDS (3), SOAK_RATE (req/s, 200),
//                                SOAK_WARMUP_MINUTES (5) override the defaults
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Figures, quick, root, setting, slope, spread, systemLine, writeSection } from './lib/common.js';
import { loadFor } from './lib/load.js';
import { rssPlot } from './lib/rss-plot.js';
import type { Curve } from './lib/rss-plot.js';

const MINUTES = setting('SOAK_MINUTES', 20, 1);
const ROUNDS = setting('SOAK_ROUNDS', 3, 1);
const RATE = setting('SOAK_RATE', 200, 100);
const WARMUP_MIN = Math.min(setting('SOAK_WARMUP_MINUTES', 5, 0.25), MINUTES / 2);
const READ_EVERY_MS = quick ? 2000 : 10_000;
const CONFIGS = [
  { name: 'none', profiles: '' },
  { name: 'default kinds', profiles: 'time,heap' },
  { name: 'all five kinds', profiles: 'time,heap,contention,exceptions,eventloop' },
];
const register = path.join(root, 'dist', 'src', 'register.js');
const service = path.join(root, 'examples', 'service.mjs');

function rssMb(pid: number, config: string): number {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    throw new Error(`soak: the service ${config} (pid ${pid}) is gone`);
  }
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : NaN;
}

function startService(profiles: string, out: string): Promise<{ child: ChildProcess; url: string }> {
  const { NODE_OPTIONS: _n, ...env } = process.env;
  const args = profiles ? ['--import', register, service] : [service];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...env, PORT: '0', HOTPATH_PROFILES: profiles, HOTPATH_PERIOD: '10s', HOTPATH_OUT: out, HOTPATH_SERVICE: 'soak' },
  });
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+)\/items/.exec(text);
      if (m) resolve({ child, url: `${m[1]}/items?limit=50` });
    });
    child.once('exit', (code) => reject(new Error(`the service exited (${code}) before listening`)));
  });
}

interface Run { config: string; round: number; points: { x: number; y: number }[] }

async function round(r: number): Promise<Run[]> {
  const dirs = CONFIGS.map(() => mkdtempSync(path.join(tmpdir(), 'hotpath-soak-')));
  const services = await Promise.all(CONFIGS.map((c, i) => startService(c.profiles, dirs[i]!)));
  const runs: Run[] = CONFIGS.map((c) => ({ config: c.name, round: r, points: [] }));
  const t0 = performance.now();
  const read = (): void => {
    const x = (performance.now() - t0) / 60_000;
    services.forEach((s, i) => runs[i]!.points.push({ x, y: rssMb(s.child.pid!, CONFIGS[i]!.name) }));
  };
  read();
  const timer = setInterval(read, READ_EVERY_MS);
  try {
    // No reading after the load: what a service gives back when it is idle again is not the soak's question.
    const loads = await Promise.all(services.map((s) => loadFor(s.url, MINUTES * 60_000, 4, RATE)));
    for (const [i, l] of loads.entries()) {
      if (l.errors > 0 || l.non2xx > 0) throw new Error(`${CONFIGS[i]!.name}: ${l.errors} errors, ${l.non2xx} non-2xx responses`);
      process.stderr.write(`soak round ${r + 1}: ${CONFIGS[i]!.name}: ${l.rps.toFixed(0)} req/s, RSS ${runs[i]!.points.at(-1)!.y.toFixed(1)} MB\n`);
    }
  } finally {
    clearInterval(timer);
    // The profiled services write a last profile as they exit: remove their folders after.
    await Promise.all(services.map((s) => new Promise((resolve) => {
      s.child.once('exit', resolve);
      s.child.kill();
    })));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
  return runs;
}

/** Mean of the points after the warm-up. */
const meanAfterWarmup = (p: { x: number; y: number }[]): number => {
  const ys = p.filter((q) => q.x >= WARMUP_MIN).map((q) => q.y);
  return ys.reduce((a, b) => a + b, 0) / ys.length;
};
const slopeAfterWarmup = (p: { x: number; y: number }[]): number => slope(p.filter((q) => q.x >= WARMUP_MIN));

/** Two-sided 95% Student t quantiles by degrees of freedom (1-9; normal beyond). */
const T95 = [NaN, 12.71, 4.30, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26];

function interval(values: number[]): string {
  const n = values.length;
  if (n < 2) return 'one round: no interval';
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  const h = (T95[n - 1] ?? 1.96) * sd / Math.sqrt(n);
  return `mean ${mean.toFixed(3)}, 95% interval ${(mean - h).toFixed(3)} to ${(mean + h).toFixed(3)}`;
}

async function main(): Promise<void> {
  const system = systemLine();
  const runs: Run[] = [];
  for (let r = 0; r < ROUNDS; r++) runs.push(...(await round(r)));
  const fig = new Figures('soak', system);
  const rows: string[] = [];
  for (const c of CONFIGS.slice(1)) {
    const above: number[] = [];
    const slopes: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const mine = runs.find((x) => x.config === c.name && x.round === r)!.points;
      const none = runs.find((x) => x.config === 'none' && x.round === r)!.points;
      above.push(meanAfterWarmup(mine) - meanAfterWarmup(none));
      slopes.push(slopeAfterWarmup(mine) - slopeAfterWarmup(none));
    }
    const a = fig.add(`${c.name} RSS above none MB`, above);
    const s = fig.add(`${c.name} slope difference MB/min`, slopes);
    rows.push(`| ${c.name} (${c.profiles}) | ${a.median.toFixed(1)} (${above.map((v) => v.toFixed(1)).join(', ')}) | ${s.median.toFixed(3)} (${interval(slopes)}) |`);
  }
  const none = spread(runs.filter((x) => x.config === 'none').map((x) => meanAfterWarmup(x.points)));
  fig.save();
  const curves: Curve[] = runs.map((x) => ({ label: `${x.config}, round ${x.round + 1}`, series: x.config, points: x.points }));
  writeFileSync(path.join(root, 'bench', 'soak.svg'), rssPlot(curves, `RSS of examples/service.mjs under ${RATE} req/s, ${ROUNDS} round${ROUNDS > 1 ? 's' : ''} of ${MINUTES} min`));
  writeSection('soak', [
    '## Soak: RSS of the example service over a long run (bench/soak.ts)',
    '',
    `examples/service.mjs under ${RATE} req/s (4 connections, autocannon) for ${MINUTES} min, ${ROUNDS} round${ROUNDS > 1 ? 's' : ''}; in each round the unprofiled service, hotpath's default kinds and all five kinds run side by side, 10 s periods written to files. RSS read every ${READ_EVERY_MS / 1000} s; figures from minute ${WARMUP_MIN} on. The unprofiled service: ${none.median.toFixed(1)} MB (median of rounds). Targets (issue 19): at most 15 MB above the unprofiled service, slope difference at most 0.1 MB/min.`,
    '',
    '| configuration | RSS above the unprofiled service, MB: median (rounds) | RSS slope minus the unprofiled one, MB/min: median (interval over rounds) |',
    '|---|---|---|',
    ...rows,
    '',
    '![RSS curves](soak.svg)',
    '',
    `${system}${quick ? ' (quick run: too short for figures)' : ''}.`,
  ]);
}

await main();
