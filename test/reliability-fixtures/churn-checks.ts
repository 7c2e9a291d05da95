// The checks shared by the short (npm test) and long (test/long) thread-churn and start/stop
// tests: the process ends well, and memory, threads and open files stay flat.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeProfile } from '../../dist/src/index.js';
import { FIXTURES, runProfiled, result, hotpathLines } from './run.js';

const REGISTER = fileURLToPath(new URL('../../dist/src/register.js', import.meta.url));

export interface ProcStats {
  label: string;
  rss: number;
  heapUsed: number;
  external: number;
  threads: number;
  fds: number;
}

const mb = (x: number): string => (x / 1e6).toFixed(1);

/** Threads and open files exactly as after warm-up; JS heap and RSS within the given growth. */
function checkFlat(t: Tap.Test, stats: ProcStats[], rssGrowthBytes: number): void {
  const warm = stats[0];
  const end = stats[stats.length - 1];
  const mid = stats[Math.floor((stats.length - 1) / 2)];
  t.comment(stats.map((s) => `${s.label}: rss ${mb(s.rss)} MB, heap ${mb(s.heapUsed)} MB, external ${mb(s.external)} MB, ${s.threads} threads, ${s.fds} fds`).join('\n'));
  t.equal(end.threads, warm.threads, `threads: ${warm.threads} after warm-up, ${end.threads} at the end`);
  t.ok(end.fds <= warm.fds + 1, `open files: ${warm.fds} after warm-up, ${end.fds} at the end`);
  t.ok(end.heapUsed < warm.heapUsed * 1.2 + 2e6, `JS heap: ${mb(warm.heapUsed)} MB after warm-up, ${mb(end.heapUsed)} MB at the end`);
  t.ok(end.external < warm.external + 2e6, `external memory: ${mb(warm.external)} MB, then ${mb(end.external)} MB`);
  t.ok(end.rss - mid.rss < rssGrowthBytes, `rss ${mb(mid.rss)} MB at ${mid.label}, ${mb(end.rss)} MB at the end (growth < ${mb(rssGrowthBytes)} MB)`);
}

/** `total` workers started and terminated under the profiler (preloaded) with the given kinds. */
export async function workersChurn(t: Tap.Test, total: number, rssGrowthBytes: number, timeoutMs: number, kinds: string): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), 'hotpath-churn-'));
  const ran = await runProfiled([process.execPath, '--expose-gc', '--import', REGISTER, join(FIXTURES, 'workers-churn.mjs'), String(total)], {
    HOTPATH_OUT: out, HOTPATH_PERIOD: '500ms', HOTPATH_PROFILES: kinds, HOTPATH_SERVICE: 'churn',
    // glibc makes a malloc arena per new thread up to 8 per core: with them RSS grows ~0.3 MB
    // per worker up to ~100 workers, then stops (test/long: +3.2 MB from the 500th to the
    // 1,000th). Two arenas keep that warm-up out of a check for leaks.
    MALLOC_ARENA_MAX: '2',
  }, timeoutMs);
  t.equal(ran.code, 0, `the program ends normally (${ran.stderr.slice(-500)})`);
  const r = result<{ made: number; livedPast: number; stats: ProcStats[] }>(ran);
  t.equal(r.made, total, `${total} workers started and terminated`);
  t.same(hotpathLines(ran.stderr), [], 'hotpath said nothing');
  checkFlat(t, r.stats, rssGrowthBytes);
  if (!kinds.includes('time')) return;
  // The samples of the workers that lived past a period end reached the profiles.
  const workers = new Set<number>();
  const unnamed = new Set<number>();
  let files = 0;
  for (const f of readdirSync(out)) {
    if (!f.includes('.time.')) continue;
    files++;
    const p = decodeProfile(readFileSync(join(out, f)));
    for (const s of p.sample) {
      const idLabel = s.label.find((l) => l.key === 'thread id');
      const id = Number(idLabel?.str ?? idLabel?.num);
      if (!(id > 0)) continue;
      workers.add(id);
      // The program names every worker churn-<i>; on Node 20 the name travels in the worker's
      // environment, also when Node refuses hotpath's execArgv (this program runs with --expose-gc).
      if (!/^churn-\d+$/.test(String(s.label.find((l) => l.key === 'thread name')?.str))) unnamed.add(id);
    }
  }
  t.ok(files >= 2, `${files} time profiles`);
  t.same([...unnamed], [], 'every worker thread carries its own name');
  // Each long-lived worker answered at least one period end before it was terminated.
  t.ok(workers.size >= 0.9 * r.livedPast, `samples from ${workers.size} worker threads (${r.livedPast} lived past a period end)`);
}

/** The profiler started and stopped `total` times in one process, every kind. */
export async function startStop(t: Tap.Test, total: number, rssGrowthBytes: number, timeoutMs: number): Promise<void> {
  const ran = await runProfiled([process.execPath, '--expose-gc', join(FIXTURES, 'startstop.mjs'), String(total)], {}, timeoutMs);
  t.equal(ran.code, 0, `the program ends normally (${ran.stderr.slice(-500)})`);
  const r = result<{ total: number; profiles: number; timeProfiles: number; stats: ProcStats[] }>(ran);
  t.same(hotpathLines(ran.stderr), [], 'hotpath said nothing (every start started)');
  t.equal(r.timeProfiles, total, `each of the ${total} runs ended with its time profile`);
  checkFlat(t, r.stats, rssGrowthBytes);
}
