// Many distinct stacks from real sampling (test/fixtures/hostile/many-stacks.mjs: 2.56 million
// possible stacks, sampled at 100 us, six periods of 12 s): each period past 20,000 distinct stacks
// folds the rest into `(stacks over the limit)`, loses no sample, and the process's memory stops
// growing. Its short sibling, on made-up batches of 100,000 stacks, is test/hostile-stacks.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeProfile } from '../../dist/src/index.js';
import { MAX_STACKS_PER_PERIOD, OVER_LIMIT } from '../../dist/src/aggregate/stack-cap.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/hostile/many-stacks.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'hotpath-many-stacks-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test('real samples on 2.56 million possible stacks, six periods', async (t) => {
  const r = spawnSync('env', ['-u', 'NODE_OPTIONS', process.execPath, FIXTURE, dir, '12000', '6'], { encoding: 'utf8', timeout: 300_000 });
  t.equal(r.status, 0, `fixture ran (${r.stderr.trim()})`);
  const periods = JSON.parse(r.stdout.trim().split('\n').pop()!) as { file: string; threadSamples: number[]; rss: number }[];
  t.equal(periods.length, 6);
  let folded = 0;
  for (const [i, p] of periods.entries()) {
    const prof = decodeProfile(readFileSync(p.file));
    const taken = p.threadSamples.reduce((a, b) => a + b, 0);
    const inProfile = prof.sample.reduce((a, s) => a + s.value[0], 0);
    t.equal(inProfile, taken, `period ${i}: ${inProfile} samples in the profile, ${taken} taken`);
    const overFn = prof.function.find((f) => f.name === OVER_LIMIT);
    const overLoc = overFn && prof.location.find((l) => l.line[0].functionId === overFn.id);
    const over = prof.sample.filter((s) => overLoc && s.locationId.length === 1 && s.locationId[0] === overLoc.id);
    const overSamples = over.reduce((a, s) => a + s.value[0], 0);
    const distinct = prof.sample.length - over.length;
    t.ok(distinct <= MAX_STACKS_PER_PERIOD, `period ${i}: ${distinct} distinct stacks kept, ${overSamples} samples over the limit`);
    if (overSamples > 0) {
      t.equal(distinct, MAX_STACKS_PER_PERIOD, 'the limit was reached before folding');
      t.ok(prof.comment.some((c) => c.startsWith(`hotpath: ${overSamples} samples on stacks past the limit`)), 'the comment counts them');
    }
    folded += overSamples;
  }
  t.ok(folded > 0, `${folded} samples folded in all (the limit was reached)`);
  const mb = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
  // RSS moves by tens of MB from period to period (V8's profile tree, malloc): compare peaks.
  const early = Math.max(...periods.slice(0, 3).map((p) => p.rss));
  const late = Math.max(...periods.slice(-3).map((p) => p.rss));
  t.ok(late <= 1.3 * early, `RSS ${periods.map((p) => mb(p.rss)).join(', ')}: the last three's peak within 1.3x of the first three's`);
});
