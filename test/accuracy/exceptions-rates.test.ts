// Errors thrown and caught at known rates from two sites (3:1), sampled 1 in 100 on average:
// the scaled counts are within ±20% of the truth and the 3:1 split within ±10 points. An
// uncaught exception and an unhandled rejection are counted (once) before the process dies,
// and the profile is written synchronously at exit; the program's own end is unchanged.
import t from 'tap';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error a plain .mjs helper without types
import { samplesOf } from '../fixtures/contention/events-summary.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

interface Sample { labels: Record<string, string>; value: number[]; frames: { name: string }[] }

// 40,000 throws at site B give ~400 samples (relative sd 5%), so ±20% is four standard
// deviations; at 10,000 (~100 samples, sd 10%) each check failed by chance about 1 time in 20
// (a clean CI run read 12,100 for 10,000).
t.test('scaled counts within ±20%, 3:1 split within ±10 points (mean 1 in 100)', async (tt) => {
  for (let i = 0; i < 2; i++) {
    const out = execFileSync(process.execPath, [path.join(here, '..', 'fixtures', 'exceptions', 'rates.mjs'), '100', '40000'], { encoding: 'utf8', timeout: 60000 });
    const r = JSON.parse(out.split('\n').find((l) => l.startsWith('RESULT '))!.slice(7)) as {
      truth: { siteA: number; siteB: number }; profile: { samples: Sample[]; period: number; sampleTypes: string[] };
    };
    tt.same(r.profile.sampleTypes, ['exception-samples/count']);
    tt.equal(r.profile.period, 100);
    let a = 0;
    let b = 0;
    for (const s of r.profile.samples) {
      tt.ok(s.labels['thread id'] === '0' && s.labels['thread name'] === 'main', 'thread labels');
      const names = s.frames.map((f) => f.name);
      if (names.includes('parseThing')) {
        tt.equal(s.labels['exception type'], 'ValidationError');
        a += s.value[0];
      } else if (names.includes('lookupUser')) {
        tt.equal(s.labels['exception type'], 'TypeError');
        b += s.value[0];
      }
    }
    tt.ok(Math.abs(a / r.truth.siteA - 1) <= 0.2, `site A: ${a} estimated vs ${r.truth.siteA} thrown (±20%)`);
    tt.ok(Math.abs(b / r.truth.siteB - 1) <= 0.2, `site B: ${b} estimated vs ${r.truth.siteB} thrown (±20%)`);
    const share = (100 * a) / (a + b);
    tt.ok(Math.abs(share - 75) <= 10, `site A share ${share.toFixed(1)}% vs 75% (±10 points)`);
  }
});

for (const mode of ['uncaught', 'rejection']) {
  t.test(`an ${mode === 'uncaught' ? 'uncaught exception' : 'unhandled rejection'} is counted before the process dies`, async (tt) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hotpath-exc-'));
    const file = path.join(dir, 'exceptions.pb.gz');
    const res = spawnSync(process.execPath, [path.join(here, '..', 'fixtures', 'exceptions', 'fatal.mjs'), mode, file], { encoding: 'utf8', timeout: 30000 });
    tt.equal(res.status, 1, 'the process still dies with status 1');
    tt.match(res.stderr, mode === 'uncaught' ? /RangeError: boom/ : /TypeError: nobody handles this/, 'and prints its error as without hotpath');
    tt.notMatch(res.stderr, /hotpath/, 'hotpath says nothing');
    const p = samplesOf(readFileSync(file)) as { samples: Sample[]; comments: string[] };
    const root = mode === 'uncaught' ? '(uncaught exception)' : '(unhandled rejection)';
    const fatal = p.samples.filter((s) => s.frames[s.frames.length - 1]?.name === root);
    tt.equal(fatal.length, 1, `one ${root} sample`);
    tt.equal(fatal[0]?.value[0], 1, 'counted once, not scaled');
    tt.equal(fatal[0]?.labels['exception type'], mode === 'uncaught' ? 'RangeError' : 'TypeError');
    tt.equal(fatal[0]?.frames[0]?.name, mode === 'uncaught' ? 'explode' : 'rejectIt', 'at the throw site');
    const caught = p.samples.filter((s) => s.frames[0]?.name === 'caughtOnes').reduce((x, s) => x + s.value[0], 0);
    tt.equal(caught, 5, 'the caught ones before it are there too (mean 1: all sampled)');
  });
}
