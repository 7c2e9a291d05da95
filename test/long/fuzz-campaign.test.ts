// The full fuzz campaign: over 100,000 inputs across the targets (the pprof decoder with its
// gzip and WASM parts, the JSON converters and model consumers, the file loaders of
// `hotpath top`/`view`/`convert`), each coverage-guided, with no finding allowed. Takes about
// 8 minutes on 2 cores at a load of 6, 13 at a load of 10; each target stops at its input budget, or at
// its time cap (then the test fails: fewer inputs than promised).
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCampaign } from '../fuzz/campaign.js';
import { expectClean, summary } from '../fuzz/expect.js';

const work = mkdtempSync(join(tmpdir(), 'hotpath-fuzz-long-'));
const seed = Number(process.env.HOTPATH_FUZZ_SEED ?? (Date.now() % 1e9));
t.comment(`seed ${seed}, work dir ${work}`);

const BUDGET = [
  ['decode', 45_000, 780],
  ['convert', 45_000, 600],
  ['files', 12_000, 300],
] as const;
let total = 0;
for (const [target, inputs, seconds] of BUDGET) {
  t.test(target, async (t) => {
    const r = await runCampaign(target, { inputs, seconds, seed, workDir: join(work, target) });
    total += r.inputs;
    expectClean(t, r, inputs);
    t.comment(JSON.stringify(r.blocksPerScript));
    console.log(`# ${summary(r)}`);
  });
}
t.test('at least 100,000 inputs in all', async (t) => {
  t.ok(total >= 100_000, `${total} inputs`);
});
t.teardown(() => {
  if (!t.passing()) return;
  rmSync(work, { recursive: true, force: true });
});
