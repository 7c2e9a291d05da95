// The campaign's own checks can fail: targets that hang, kill their process or hold 700 MB on
// their first mutated input are each reported as a finding, with that input saved.
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCampaign } from '../fuzz/campaign.js';

const work = mkdtempSync(join(tmpdir(), 'hotpath-fuzz-harness-'));
t.teardown(() => rmSync(work, { recursive: true, force: true }));

// The hang watchdog is short for the hang; for the others, it and the time limit are long
// (filling 700 MB takes seconds on a busy machine), so that only the failure under test shows.
for (const [target, reason, hangMs] of [
  ['harness-hang', /^hang: no progress for 3000 ms$/, 3000],
  ['harness-crash', /^crash: child exited with SIGKILL/, 30_000],
  ['harness-memory', /^peak RSS grew by \d+ MB \(limit 512 MB\)$/, 30_000],
] as const) {
  t.test(target, async (t) => {
    const r = await runCampaign(target, { inputs: 3, seconds: 90, hangMs, timeLimitMs: hangMs, workDir: join(work, target) });
    t.ok(r.findings.length >= 1, `${r.findings.length} finding(s) in ${r.children} process(es)`);
    const f = r.findings[0];
    t.match(f?.reason, reason, f?.reason);
    t.equal(f && readFileSync(f.file, 'utf8'), 'bad', 'the input that did it is saved');
  });
}
