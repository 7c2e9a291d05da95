// A node:http service at saturation (autocannon, from this process, 10 connections) for 5
// minutes (LOAD_SECONDS) with every profile kind on, preloaded as in production: no request
// errors, no memory growth after warm-up, and the profiler's own CPU, as each profile reports
// it, within the overhead cap (1% of a core) once the cap has adapted the sampling interval.
import t from 'tap';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { decodeProfile } from '../../dist/src/index.js';
import { FIXTURES, median, serve } from '../fixtures/reliability/run.js';

const REGISTER = fileURLToPath(new URL('../../dist/src/register.js', import.meta.url));
const SECONDS = Number(process.env.LOAD_SECONDS ?? 300);
const mb = (x: number): string => (x / 1e6).toFixed(1);

t.test(`node:http at saturation for ${SECONDS} s with every profile kind`, async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'hotpath-load-'));
  const service = await serve([process.execPath, '--import', REGISTER, join(FIXTURES, 'load-service.mjs')], {
    HOTPATH_OUT: out, HOTPATH_PROFILES: 'time,heap,contention,exceptions,eventloop', HOTPATH_PERIOD: '10s', HOTPATH_SERVICE: 'load',
  }, 'PORT');
  const { port } = service;
  const result = await autocannon({ url: `http://127.0.0.1:${port}/items`, connections: 10, duration: SECONDS });
  service.child.kill('SIGTERM');
  const code = await service.exited;
  const stdout = service.stdout();
  const stderr = service.stderr();

  t.equal(code, 0, `the service stopped cleanly (${stderr.slice(-300)})`);
  t.comment(`${result.requests.total} requests, ${result.requests.average} req/s, latency p99 ${result.latency.p99} ms`);
  t.equal(result.errors, 0, 'no connection errors');
  t.equal(result.timeouts, 0, 'no timeouts');
  t.equal(result.non2xx, 0, 'no non-2xx answers');
  t.same(stderr.split('\n').filter((l) => l.startsWith('hotpath:')), [], 'hotpath said nothing');

  // Memory: from the end of warm-up (a fifth of the run) to the end.
  const mem = stdout.split('\n').filter((l) => l.startsWith('MEM ')).map((l) => JSON.parse(l.slice(4)) as { s: number; rss: number; heapUsed: number });
  const warm = mem.filter((m) => m.s >= SECONDS / 5);
  t.ok(warm.length >= 4, `${warm.length} memory readings after warm-up`);
  const firstRss = median(warm.slice(0, 3).map((m) => m.rss));
  const lastRss = median(warm.slice(-3).map((m) => m.rss));
  t.comment(`rss after warm-up ${mb(firstRss)} MB, at the end ${mb(lastRss)} MB; JS heap ${mb(warm[0].heapUsed)} -> ${mb(warm[warm.length - 1].heapUsed)} MB`);
  t.ok(lastRss - firstRss < 25e6, `rss grows less than 25 MB after warm-up (${mb(lastRss - firstRss)} MB)`);
  const firstHeap = median(warm.slice(0, 3).map((m) => m.heapUsed));
  const lastHeap = median(warm.slice(-3).map((m) => m.heapUsed));
  t.ok(lastHeap < firstHeap * 1.5 + 5e6, `JS heap ${mb(firstHeap)} -> ${mb(lastHeap)} MB`);

  // The profiler's own CPU, as each time profile reports it.
  const shares: number[] = [];
  const files = readdirSync(out).filter((f) => f.includes('.time.')).sort();
  for (const f of files) {
    const p = decodeProfile(readFileSync(join(out, f)));
    for (const c of p.comment) {
      const m = /= ([\d.]+)% of one core \(cap ([\d.]+)%\)/.exec(c);
      if (m) shares.push(Number(m[1]) / Number(m[2]));
    }
  }
  const kinds = new Set(readdirSync(out).map((f) => f.split('.')[1]));
  t.comment(`profile kinds written: ${[...kinds].join(', ')}; profiler CPU / cap per period: ${shares.map((s) => s.toFixed(2)).join(' ')}`);
  t.ok(kinds.has('time') && kinds.has('heap') && kinds.has('exceptions'), 'time, heap and exceptions profiles written');
  t.ok(shares.length >= SECONDS / 10 - 2, `${shares.length} periods reported their CPU`);
  // The cap acts at period ends: judge the periods after the first two, and not the last (cut
  // short by SIGTERM: a part-period where the fixed cost of ending it dominates).
  const settled = shares.slice(2, -1);
  t.ok(median(settled) <= 1.0, `median profiler CPU ${(median(settled) * 100).toFixed(0)}% of the cap`);
  t.ok(settled.filter((s) => s > 1.5).length <= settled.length / 10, 'at most one period in ten above 1.5x the cap');
});
