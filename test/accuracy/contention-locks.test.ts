// Two workers contend for lock A with a known hold time; each also takes a lock of its own that
// nobody else wants. The profile's lock A carries >= 90% of lock-acquire-wait, and the scaled
// total wait is within ±25% of the wait the workers measured — through the Atomics.wait/notify
// hooks (what worker-thread locks are built on) and through trackLock().
import t from 'tap';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

interface Sample { labels: Record<string, string>; value: number[]; frames: { name: string }[] }
interface Truth { waitNs: number[]; acquires: number[]; holdNs: number[]; inWait: number }
interface Result { truths: Truth[]; profile: { samples: Sample[]; sampleTypes: string[]; period: number; comments: string[] } }

function run(mode: string, share: string, seconds: string, budget = 'Infinity'): Result {
  const out = execFileSync(process.execPath, [path.join(here, '..', 'fixtures', 'contention', 'locks.mjs'), mode, share, seconds, budget],
    { encoding: 'utf8', timeout: 60000 });
  return JSON.parse(out.split('\n').find((l) => l.startsWith('RESULT '))!.slice(7)) as Result;
}

function byLock(samples: Sample[]): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (const s of samples) {
    const k = s.labels['lock name'];
    const v = m.get(k) ?? [0, 0, 0, 0];
    for (let i = 0; i < 4; i++) v[i] += s.value[i];
    m.set(k, v);
  }
  return m;
}

const sum = (a: number[]): number => a.reduce((x, y) => x + y, 0);

// These runs fix the share (lockSamplesPerSecond Infinity); the last test checks that the
// budget's adaptive share keeps the totals unbiased.
// Atomics waits are few (only contended acquires wait) and their lengths heavy-tailed on a busy
// machine (descheduled holders): these runs sample 1 in 4 waits (Atomics) and 1 in 10 acquires
// (trackLock) so that 2 s give enough samples; the default share is for production.
const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

for (const [mode, share] of [['atomics', '0.25'], ['track', '0.25']]) {
  t.test(`contended lock carries the wait, scaled total within ±25% (${mode})`, async (tt) => {
    // Three runs; the accuracy checks use the median ratio: on a shared 2-core machine one
    // descheduled holder makes a single wait of tens of ms, and a sampled one counts double.
    const ratios = { wait: [] as number[], acquires: [] as number[], hold: [] as number[] };
    // The contended lock's share is judged on the three runs pooled: on a loaded machine a thread
    // descheduled between acquiring() and acquired() of an uncontended lock makes one long "wait".
    let pooledWaitA = 0;
    let pooledWaitAll = 0;
    for (let run_ = 0; run_ < 3; run_++) {
      const r = run(mode, share, '2');
      const p = r.profile;
      tt.same(p.sampleTypes, ['lock-acquire/count', 'lock-acquire-wait/nanoseconds', 'lock-release/count', 'lock-release-hold/nanoseconds']);
      tt.equal(p.period, Math.round(1 / Number(share)), 'period: the mean sampling interval in acquires');
      tt.ok(p.samples.every((s) => s.labels['thread id'] && s.labels['thread name'] && s.labels['lock name']),
        'thread and lock labels on every sample');
      const locks = byLock(p.samples);
      const isA = (name: string): boolean => (mode === 'track' ? name === 'lock A' : name.endsWith('slot 0]'));
      let waitA = 0;
      let waitAll = 0;
      let holdA = 0;
      for (const [name, v] of locks) {
        waitAll += v[1];
        if (isA(name)) {
          waitA += v[1];
          holdA += v[3];
        }
      }
      // The Atomics hooks see the time blocked in Atomics.wait; trackLock sees the whole acquire
      // (a woken waiter that loses the race, or is descheduled before its compareExchange,
      // spends time outside Atomics.wait).
      const truthWaitA = sum(r.truths.map((x) => (mode === 'atomics' ? x.inWait : x.waitNs[0])));
      const truthHoldA = sum(r.truths.map((x) => x.holdNs[0]));
      pooledWaitA += waitA;
      pooledWaitAll += waitAll;
      tt.comment(`run ${run_ + 1}: lock A carries ${((waitA / waitAll) * 100).toFixed(1)}% of lock-acquire-wait`);
      tt.comment(`run ${run_ + 1}: scaled total wait ${(waitAll / 1e6).toFixed(1)} ms vs measured ${(truthWaitA / 1e6).toFixed(1)} ms`);
      ratios.wait.push(waitAll / truthWaitA);
      if (mode === 'track') {
        // trackLock sees every acquire, waited for or not, and every hold.
        const truthAcq = sum(r.truths.map((x) => sum(x.acquires)));
        const acq = sum([...locks.values()].map((v) => v[0]));
        tt.comment(`run ${run_ + 1}: scaled acquires ${acq} vs ${truthAcq}; lock A hold ${(holdA / 1e6).toFixed(0)} ms vs ${(truthHoldA / 1e6).toFixed(0)} ms`);
        ratios.acquires.push(acq / truthAcq);
        ratios.hold.push(holdA / truthHoldA);
        tt.ok(locks.has('lock B1') && locks.has('lock B2'), 'the uncontended locks are in the profile');
      } else {
        // Only waits are seen: a release is recorded when its acquire (a sampled wait) was.
        tt.ok(holdA > 0, 'releases paired with sampled waits carry hold time');
      }
      const releaseFns = new Set(p.samples.filter((s) => s.value[2] > 0).map((s) => s.frames[0]?.name));
      tt.ok(releaseFns.has('unlockSlot'), `release stacks end in unlockSlot (${[...releaseFns].join(', ')})`);
    }
    tt.ok(pooledWaitA >= 0.9 * pooledWaitAll, `lock A carries ${((pooledWaitA / pooledWaitAll) * 100).toFixed(1)}% of lock-acquire-wait over three runs (>= 90%)`);
    const w = median(ratios.wait);
    tt.ok(Math.abs(w - 1) <= 0.25, `median scaled/measured wait ${w.toFixed(3)} (±25%); runs ${ratios.wait.map((x) => x.toFixed(2)).join(', ')}`);
    if (mode === 'track') {
      const a = median(ratios.acquires);
      const h = median(ratios.hold);
      tt.ok(Math.abs(a - 1) <= 0.25, `median scaled/true acquires ${a.toFixed(3)} (±25%)`);
      tt.ok(Math.abs(h - 1) <= 0.25, `median scaled/measured hold of lock A ${h.toFixed(3)} (±25%)`);
    }
  });
}

t.test('with the sampling budget, the share adapts and the scaled totals stay unbiased', async (tt) => {
  // Every acquire sampled at first (share 1), budget 100 sampled acquires a second per thread:
  // the share drops to ~1 in 15 after a second, and samples are weighted by their own share.
  const ratios: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = run('track', '1', '3', '100');
    const locks = byLock(r.profile.samples);
    const acq = sum([...locks.values()].map((v) => v[0]));
    const truthAcq = sum(r.truths.map((x) => sum(x.acquires)));
    const hold = locks.get('lock A')?.[3] ?? 0;
    const truthHold = sum(r.truths.map((x) => x.holdNs[0]));
    tt.comment(`run ${i + 1}: scaled acquires ${acq} vs ${truthAcq}; lock A hold ${(hold / 1e6).toFixed(0)} vs ${(truthHold / 1e6).toFixed(0)} ms; ${r.profile.comments.join(' | ')}`);
    ratios.push(acq / truthAcq);
    tt.ok(r.profile.comments.some((c) => /down to 1 in \d+ this period/.test(c)), 'the profile says the share went down');
  }
  const m = median(ratios);
  tt.ok(Math.abs(m - 1) <= 0.25, `median scaled/true acquires ${m.toFixed(3)} (±25%)`);
});
