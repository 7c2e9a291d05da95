// Functions without a name are rows of their own, `(anonymous)` with the file:line they start
// at, in `hotpath top` and in `hotpath run`'s summary: two anonymous hot functions of one file
// are two rows, not one `(anonymous)` row without a line.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, hotpath } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'hotpath-anonymous-'));
const app = join(dir, 'app.mjs');
// Lines 5 and 6 each hold one anonymous function (a call's argument gets no inferred name);
// the first runs twice as long.
writeFileSync(app, `let sink = 0;
function loop(f, ms) { const end = Date.now() + ms; while (Date.now() < end) f(); }
const stop = Date.now() + 2500;
while (Date.now() < stop) {
  loop(() => { for (let k = 0; k < 1e5; k++) sink += Math.sqrt(k); }, 20);
  loop(() => { for (let k = 0; k < 1e5; k++) sink += Math.sqrt(k); }, 10);
}
`);

const env = { ...process.env, HOTPATH_OUT: join(dir, 'profiles'), HOTPATH_PROFILES: 'time' };
delete env.NODE_OPTIONS;
const ran = spawnSync(process.execPath, [CLI, 'run', '--', process.execPath, app], { encoding: 'utf8', env, cwd: dir, timeout: 60_000 });
const fileUrl = `file://${app}`;

t.test('the run summary', async (t) => {
  t.equal(ran.status, 0, ran.stderr);
  const rows = ran.stderr.split('\n').filter((l) => l.includes('(anonymous)'));
  t.ok(rows.some((l) => l.endsWith(`(anonymous)  ${fileUrl}:5`)), `a row for line 5:\n${ran.stderr}`);
  t.ok(rows.some((l) => l.endsWith(`(anonymous)  ${fileUrl}:6`)), 'a row for line 6');
});

t.test('hotpath top', async (t) => {
  const profile = readdirSync(join(dir, 'profiles')).find((f) => f.includes('.time.'));
  t.ok(profile, 'a time profile was written');
  const top = hotpath(['top', '--sample-type', 'cpu', join(dir, 'profiles', profile!)]);
  t.equal(top.status, 0, top.stderr);
  const pct = (line: number) => {
    const row = top.stdout.split('\n').find((l) => l.endsWith(`(anonymous) ${fileUrl}:${line}`));
    return row === undefined ? NaN : Number(row.trim().split(/\s+/)[1].replace('%', ''));
  };
  t.ok(pct(5) > pct(6), `line 5 (${pct(5)}%) above line 6 (${pct(6)}%):\n${top.stdout}`);
  t.ok(pct(6) > 10, 'line 6 has a row of its own');
});
