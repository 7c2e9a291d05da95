// A profiled application whose output directory is read-only, or fills up mid-run (tmpfs
// file systems mounted for the test: root only, skipped elsewhere). Against runs writing to a
// roomy tmpfs, alternating: the application's throughput, event-loop delay and heap stay within
// noise; every profile is exported, failed or dropped, and the final tally says so; each
// problem is said once; no partial or temporary file is left, and every file there is a whole
// profile.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProfile } from '../../dist/src/index.js';
import { FIXTURES, run, result, finalTally, hotpathLines, judgePair, withinNoise, assertPair, type AppResult, type Ran } from '../fixtures/reliability/run.js';

const APP = join(FIXTURES, 'export-app.mjs');

function mountTmpfs(options: string): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'hotpath-rel-disk-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  t.teardown(() => {
    spawnSync('umount', ['-l', dir]);
  });
  return dir;
}

const roomy = mountTmpfs('size=64m');
const readonly = mountTmpfs('ro,size=1m');
// 6 pages: a handful of profiles fit, then every write fails with ENOSPC.
const full = mountTmpfs('size=24k');
if (!roomy || !readonly || !full) {
  t.skip('cannot mount tmpfs here (needs root): the read-only and full-disk faults are not tested');
} else {
  let n = 0;
  const fresh = (root: string): string => {
    // Each full-disk run gets its own small file system, empty at start.
    if (root === full) return mountTmpfs('size=24k') ?? full;
    const dir = join(root, `run${++n}`);
    if (root !== readonly) mkdirSync(dir);
    return root === readonly ? root : dir;
  };

  async function runApp(dir: string): Promise<{ ran: Ran; r: AppResult; dir: string }> {
    for (let attempt = 0; ; attempt++) {
      const ran = await run([process.execPath, '--expose-gc', APP], {
        HOTPATH_EXPORTER: 'file', HOTPATH_OUT: dir, HOTPATH_PERIOD: '1s', HOTPATH_SERVICE: 'disk', RUN_MS: '3000',
      }, 90_000);
      // Another engineer's addon rebuild removes it for a few seconds: run again.
      if (/native addon unavailable/.test(ran.stderr) && attempt < 10) {
        await new Promise((r) => setTimeout(r, 3000));
        continue;
      }
      return { ran, r: result<AppResult>(ran), dir };
    }
  }

  const files = (dir: string) => readdirSync(dir);

  t.test('healthy directory: every profile written, whole, nothing said', async (t) => {
    const { ran, r, dir } = await runApp(fresh(roomy));
    t.equal(ran.code, 0);
    t.same(hotpathLines(ran.stderr), []);
    const names = files(dir);
    t.equal(names.length, r.made, `${r.made} profiles, ${names.length} files`);
    for (const name of names) t.doesNotThrow(() => decodeProfile(readFileSync(join(dir, name))), `${name} decodes`);
  });

  for (const fault of ['read-only', 'full'] as const) {
    t.test(`${fault} directory: application unaffected, every profile accounted for, said once, no partial file`, async (t) => {
      const root = fault === 'read-only' ? readonly : full;
      let healthy = [await runApp(fresh(roomy))];
      let faulty = await runApp(fresh(root));
      healthy.push(await runApp(fresh(roomy)));
      let j = judgePair(faulty.r, healthy.map((h) => h.r));
      for (let pair = 2; !withinNoise(j) && pair <= 3; pair++) {
        t.comment(`pair ${pair - 1} out of bounds (${JSON.stringify(j)}): pair ${pair}`);
        healthy = [await runApp(fresh(roomy))];
        faulty = await runApp(fresh(root));
        healthy.push(await runApp(fresh(roomy)));
        j = judgePair(faulty.r, healthy.map((h) => h.r));
      }
      const { ran, r, dir } = faulty;
      t.equal(ran.code, 0, 'the application ends normally');
      assertPair(t, j);

      const names = files(dir);
      t.same(names.filter((n) => !n.endsWith('.pb.gz')), [], 'no temporary or partial file left');
      for (const name of names) t.doesNotThrow(() => decodeProfile(readFileSync(join(dir, name))), `${name} is a whole profile`);
      const tally = finalTally(ran.stderr, 'file');
      if (t.ok(tally, `the file exporter says its final tally:\n${ran.stderr}`)) {
        t.equal(tally!.exported + tally!.failed + tally!.dropped, r.made, `exported + failed + dropped = the ${r.made} profiles made (${JSON.stringify(tally)})`);
        t.equal(tally!.exported, names.length, 'exported = the files on disk');
        t.ok(tally!.failed > 0, 'failures counted');
      }
      if (fault === 'full') t.ok(names.length > 0 && names.length < r.made, `some profiles fit before the disk filled (${names.length} of ${r.made})`);
      const lines = hotpathLines(ran.stderr);
      t.equal(new Set(lines).size, lines.length, 'each line said once');
      t.ok(lines.length <= 4, `${lines.length} lines:\n${lines.join('\n')}`);
      t.match(lines.join('\n'), fault === 'full' ? /ENOSPC/ : /EROFS/, 'names the error');
    });
  }
}
