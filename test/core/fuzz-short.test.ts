// A short fuzz campaign per target (about 45 s in all), the same engine and properties as the
// long one in test/long/fuzz-campaign.test.ts: coverage-guided, checked for errors, time and
// memory per input, in child processes watched for hangs and crashes.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCampaign } from '../fuzz/campaign.js';
import { expectClean } from '../fuzz/expect.js';

const work = mkdtempSync(join(tmpdir(), 'hotpath-fuzz-short-'));
// A different seed each run, printed, so that npm test keeps exploring; a failure names the input.
const seed = Number(process.env.HOTPATH_FUZZ_SEED ?? (Date.now() % 1e9));
t.comment(`seed ${seed} (HOTPATH_FUZZ_SEED=${seed} repeats it), work dir ${work}`);

for (const [target, seconds] of [['decode', 17], ['convert', 17], ['files', 8]] as const) {
  t.test(target, async (t) => {
    const r = await runCampaign(target, { inputs: 1_000_000, seconds, seed, workDir: join(work, target) });
    expectClean(t, r, 200);
  });
}
t.teardown(() => {
  if (!t.passing()) return; // keep the findings
  rmSync(work, { recursive: true, force: true });
});
