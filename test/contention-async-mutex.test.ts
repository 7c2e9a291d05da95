// async-mutex, instrumented without being a dependency: three handlers hold one Mutex for known
// times through acquire()/release(), runExclusive() and withTimeout(); their shares of
// lock-release-hold are within ±10 points of the shares they measured, and the lock is named
// where it was created.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const HANDLERS = ['plainHandler', 'exclusiveHandler', 'timeoutHandler'] as const;

interface Sample { labels: Record<string, string>; value: number[]; frames: { name: string; line: number }[] }
interface Result { truth: Record<string, number>; profile: { samples: Sample[]; comments: string[] } }

function run(share: string, iterations: string): Result {
  const out = execFileSync(process.execPath, [path.join(here, 'contention-fixtures', 'async-mutex.mjs'), share, iterations],
    { encoding: 'utf8', timeout: 60000 });
  return JSON.parse(out.split('\n').find((l) => l.startsWith('RESULT '))!.slice(7)) as Result;
}

t.test('lock-release-hold shares of three handlers within ±10 points', async (tt) => {
  for (let i = 0; i < 2; i++) {
    const r = run('0.1', '1500');
    const hold: Record<string, number> = {};
    const names = new Set<string>();
    for (const s of r.profile.samples) {
      names.add(s.labels['lock name']);
      const h = s.frames.find((f) => (HANDLERS as readonly string[]).includes(f.name))?.name;
      if (h) hold[h] = (hold[h] ?? 0) + s.value[3];
    }
    const totalHold = HANDLERS.reduce((a, h) => a + (hold[h] ?? 0), 0);
    const totalTruth = HANDLERS.reduce((a, h) => a + r.truth[h], 0);
    for (const h of HANDLERS) {
      const got = (100 * (hold[h] ?? 0)) / totalHold;
      const want = (100 * r.truth[h]) / totalTruth;
      tt.ok(Math.abs(got - want) <= 10, `${h}: ${got.toFixed(1)}% of lock-release-hold vs measured ${want.toFixed(1)}% (±10 points)`);
    }
    tt.ok(Math.abs(totalHold / 1e6 / totalTruth - 1) <= 0.25,
      `scaled hold ${(totalHold / 1e6).toFixed(0)} ms vs measured ${totalTruth.toFixed(0)} ms (±25%)`);
    const mutexName = [...names].find((n) => /async-mutex\.mjs:20$/.test(n));
    tt.ok(mutexName, `the Mutex is named where it was created (${[...names].join('; ')})`);
    tt.ok([...names].some((n) => /async-mutex\.mjs:46$/.test(n)), 'the Semaphore is a second lock, named where it was created');
    tt.ok(r.profile.comments.some((c) => c.includes('async-mutex instrumented')), 'the profile says async-mutex was instrumented');
  }
});
