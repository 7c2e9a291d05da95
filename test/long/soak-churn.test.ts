// Issue 19's long soak: two hours (HOTPATH_SOAK_MINUTES) of a node:http service under steady
// load with every kind of profile, while 2,000 workers (HOTPATH_SOAK_WORKERS) are started and
// ended by terminate() after allocating, throwing and waiting for a contended lock. After the
// warm-up (the first tenth) threads and open files stay as they were and RSS grows less than
// 8 MB from half-way to the end; the program ends normally and hotpath says nothing.
import t from 'tap';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadFor } from '../../dist/bench/lib/load.js';
import { FIXTURES, serve } from '../fixtures/reliability/run.js';
import type { ProcStats } from '../fixtures/reliability/churn-checks.js';

const MINUTES = Number(process.env.HOTPATH_SOAK_MINUTES ?? 120);
const WORKERS = Number(process.env.HOTPATH_SOAK_WORKERS ?? 2000);
const REGISTER = fileURLToPath(new URL('../../dist/src/register.js', import.meta.url));
const mb = (x: number): string => (x / 1e6).toFixed(1);

t.test(`${MINUTES} min under load with every kind, ${WORKERS} workers ended by terminate()`, { timeout: (MINUTES + 10) * 60_000 }, async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'hotpath-soak-'));
  const service = await serve([process.execPath, '--expose-gc', '--import', REGISTER, join(FIXTURES, 'soak-churn.mjs'), String(MINUTES), String(WORKERS), String(Math.max(10, MINUTES * 3))], {
    HOTPATH_OUT: out, HOTPATH_PERIOD: '10s', HOTPATH_PROFILES: 'time,heap,contention,exceptions,eventloop', HOTPATH_SERVICE: 'soak', MALLOC_ARENA_MAX: '2',
  }, 'READY');
  const { port } = service;
  const load = loadFor(`http://127.0.0.1:${port}/`, MINUTES * 60_000, 2, 100);
  const code = await service.exited;
  const l = await load;
  const stdout = service.stdout();
  const stderr = service.stderr();
  t.equal(code, 0, `the program ends normally (${stderr.slice(-500)})`);
  t.same(stderr.split('\n').filter((s) => s.startsWith('hotpath:')), [], 'hotpath said nothing');
  t.ok(l.requests > 0 && l.errors === 0, `${l.requests} requests answered, ${l.errors} errors (the load ends with the service)`);
  const r = JSON.parse(stdout.split('\n').find((s) => s.startsWith('RESULT '))!.slice(7)) as { made: number; stats: ProcStats[] };
  t.ok(r.made >= WORKERS * 0.95, `${r.made} workers started and ended`);
  const warm = r.stats[Math.max(1, Math.floor(r.stats.length / 10))]!;
  const mid = r.stats[Math.floor((r.stats.length - 1) / 2)]!;
  const end = r.stats.at(-1)!;
  t.comment(r.stats.map((s) => `${s.label}: rss ${mb(s.rss)} MB, heap ${mb(s.heapUsed)} MB, ${s.threads} threads, ${s.fds} fds`).join('\n'));
  t.equal(end.threads, warm.threads, `threads: ${warm.threads} after warm-up, ${end.threads} at the end`);
  t.ok(end.fds <= warm.fds + 1, `open files: ${warm.fds} after warm-up, ${end.fds} at the end`);
  t.ok(end.rss - mid.rss < 8e6, `RSS ${mb(mid.rss)} MB half-way, ${mb(end.rss)} MB at the end`);
  t.ok(readdirSync(out).some((f) => f.includes('.exceptions.')), 'exception profiles were written');
});
