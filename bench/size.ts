// Profile size, bytes per minute per process, for the node:http JSON service at a fixed load
// (autocannon from this process, overallRate RATE req/s, so every profiler sees the same
// traffic), time profiles at 100 Hz, ending a period every PERIOD_S seconds. Only the
// periods ended by the timer are counted (not the partial one at stop). Several servers run at
// once (CONCURRENCY): what is measured is bytes, and each server's load is fixed and small.
//   node dist/bench/size.js [--quick]       (ROUNDS, PERIOD_S, RATE, CONCURRENCY override the defaults)
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { profileBytes } from './lib/profile-bytes.js';
import { Figures, result, rounds, runNode, setting, spread, systemLine, writeSection } from './lib/common.js';
import { loadFor } from './lib/load.js';
import { startProfiler } from './lib/profilers.js';
import type { ProfilerName } from './lib/profilers.js';
import { jsonServer } from './lib/workloads.js';

const ROUNDS = setting('ROUNDS', 10, 2);
const PERIOD_S = setting('PERIOD_S', 10, 2);
/** Periods ended by the timer in each run. */
const COUNTED = setting('COUNTED', 1, 1);
const RATE = setting('RATE', 500, 500);
/** Servers at once: 5 rounds of the 3 profilers (15 x 500 req/s, well under the 2 cores). */
const CONCURRENCY = setting('CONCURRENCY', 15, 6);
const CONFIGS = ['hotpath', 'datadog', 'pprof'];
const self = fileURLToPath(import.meta.url);

/** Each run's first counted profile goes here, for the byte breakdown (made by main). */
let FIRSTS = '';

async function child(name: ProfilerName, firsts: string): Promise<void> {
  const server = jsonServer(() => {});
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const prof = await startProfiler(name, { periodMs: PERIOD_S * 1000 });
  process.stdout.write(`READY ${(server.address() as { port: number }).port}\n`);
  process.stdin.resume();
  process.stdin.on('end', async () => {
    const { bytes, count, first } = prof.periodic;
    if (first) writeFileSync(path.join(firsts, `${name}.${process.pid}.pb.gz`), first);
    server.close();
    await prof.stop();
    result({ bytes, count });
    process.exit(0);
  });
}

interface Run { bytes: number; count: number; [k: string]: number }

async function runOnce(c: string): Promise<Run> {
  // The child reads PERIOD_S from the environment: --quick is the parent's alone.
  return runNode<Run>(self, ['child', c, FIRSTS], {
    env: { PERIOD_S: String(PERIOD_S) },
    onLine: (line, p) => {
      const m = /^READY (\d+)/.exec(line);
      if (!m) return;
      // Load for COUNTED periods and a half: COUNTED periods end by the timer.
      loadFor(`http://127.0.0.1:${m[1]}/items`, (PERIOD_S * COUNTED + 0.5) * 1000, 10, RATE)
        .then(() => p.stdin!.end(), () => p.kill());
    },
    timeoutMs: PERIOD_S * 4000 + 30000,
  });
}

async function main(): Promise<void> {
  const system = systemLine();
  FIRSTS = mkdtempSync(path.join(tmpdir(), 'hotpath-size-'));
  const res = await rounds(CONFIGS, ROUNDS, (c) => runOnce(c), 'size', CONCURRENCY);
  const perMin = (r: Run): number => (r.count > 0 ? ((r.bytes / r.count) * 60) / PERIOD_S : NaN);
  const figs = new Figures('size', system);
  const rows = CONFIGS.map((c) => {
    figs.add(`${c}, KB per minute`, res[c].map((r) => perMin(r) / 1000));
    const s = spread(res[c].map(perMin));
    const kb = (x: number): string => (x / 1000).toFixed(1);
    return { c, med: s.median, line: `| ${c} | ${kb(s.median / (60 / PERIOD_S))} | ${kb(s.median)} | ${kb(s.min)}-${kb(s.max)} | ${res[c].map((r) => r.count).join(', ')} |` };
  });
  const hp = rows.find((r) => r.c === 'hotpath')!.med;
  const behind = rows.filter((r) => r.c !== 'hotpath' && r.med < hp);
  writeSection('size', [
    '## Profile size: node:http JSON service, time profile at 100 Hz',
    '',
    system,
    '',
    `Method: each profiler in a fresh server process under the same fixed load (autocannon, 10 connections, ${RATE} req/s in total), ` +
      `a period every ${PERIOD_S} s; the ${COUNTED} period(s) ended by the timer in each run are counted. Bytes per minute = mean gzipped profile size x ${60 / PERIOD_S} periods a minute. ` +
      `${ROUNDS} rounds, order rotated, ${CONCURRENCY} servers at a time (their load is fixed and small, and bytes are measured, not time); spread = min-max over runs. The seed talk's figure for a Python service is about 20 KB per minute per process. ` +
      'Profiles hold different things: hotpath writes samples, wall and cpu per sample with thread labels; @datadog/pprof writes samples, wall and cpu (with contexts on); Google\'s pprof writes samples and wall.',
    '',
    '| profiler | KB per profile (median) | KB per minute (median) | KB per minute min-max | periods per run |',
    '|---|---|---|---|---|',
    ...rows.map((r) => r.line),
    '',
    ...breakdown(),
    '',
    `With ${PERIOD_S} s periods every profile repeats the string, function and location tables, so a 60 s period ships less per minute than this (the tables are sent once, and distinct stacks saturate).`,
    behind.length ? `**hotpath's profiles are larger than ${behind.map((b) => b.c).join(', ')}'s here.**` : 'hotpath\'s profiles are the smallest of the three here.',
  ]);
  figs.save();
}

/** Where the bytes go, in the median-sized first profile of each profiler. */
function breakdown(): string[] {
  const files = readdirSync(FIRSTS);
  const rows = new Map<string, Map<string, string>>();
  const totals: string[] = [];
  for (const c of CONFIGS) {
    const mine = files.filter((f) => f.startsWith(`${c}.`)).map((f) => readFileSync(path.join(FIRSTS, f))).sort((a, b) => a.length - b.length);
    const median = mine[Math.floor(mine.length / 2)];
    if (!median) continue;
    const r = profileBytes(median);
    totals.push(`${c} ${r.raw} B raw, ${r.gz} B gzipped`);
    for (const p of r.parts) {
      if (!rows.has(p.part)) rows.set(p.part, new Map());
      rows.get(p.part)!.set(c, `${p.count} / ${p.raw} / ${p.gz}`);
    }
  }
  return [
    '',
    `Where the bytes go, in each profiler's median-sized first profile (${totals.join('; ')}): count / raw bytes / bytes it adds to the gzipped file ` +
      '(the file gzipped without the part, against the whole; bench/lib/profile-bytes.ts). Rows starting ".." are inside the row above.',
    '',
    `| part | ${CONFIGS.join(' | ')} |`,
    `|---|${CONFIGS.map(() => '---').join('|')}|`,
    ...[...rows].map(([part, by]) => `| ${part} | ${CONFIGS.map((c) => by.get(c) ?? '-').join(' | ')} |`),
  ];
}

if (process.argv[2] === 'child') await child(process.argv[3] as ProfilerName, process.argv[4]!);
else await main();
