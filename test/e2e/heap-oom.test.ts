// A program that runs out of heap (node --max-old-space-size=64) leaves a readable heap profile
// naming the leaking site, written near the heap limit with the file exporter's naming, and
// still dies of the out-of-memory error it would have died of.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

t.test('out of heap: the last heap profile names the leaking site', async (tt) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hotpath-oom-'));
  tt.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const r = spawnSync(process.execPath, ['--max-old-space-size=64', '--no-turbo-inlining', '--no-maglev-inlining',
    path.join(here, '..', 'fixtures', 'heap', 'oom.mjs'), dir], { encoding: 'utf8', timeout: 120000 });
  tt.not(r.status, 0, `the process still fails (status ${r.status}, signal ${r.signal})`);
  tt.match(r.stderr, /heap out of memory/, 'with V8\'s out-of-memory error');
  tt.match(r.stderr, /near the heap limit: wrote the last heap profile to /, 'and says where the profile went');
  const files = readdirSync(dir);
  tt.equal(files.length, 1, `one file: ${files.join(', ')}`);
  tt.match(files[0], new RegExp(`^oomtest\\.heap\\.${r.pid}\\.\\d{8}T\\d{6}Z\\.pb\\.gz$`), 'named like the file exporter names profiles');
  const { summarize } = await import('../fixtures/heap/common.mjs');
  const s = summarize(readFileSync(path.join(dir, files[0]))) as { byLeaf: Record<string, Record<string, number>>; totals: Record<string, number> };
  const top = Object.entries(s.byLeaf).sort((x, y) => y[1].inuse_space - x[1].inuse_space)[0];
  tt.equal(top[0], 'leakySite', `top inuse_space: ${top[0]} with ${(top[1].inuse_space / 1e6).toFixed(1)} MB of ${(s.totals.inuse_space / 1e6).toFixed(1)} MB`);
  tt.ok(top[1].inuse_space > 0.5 * s.totals.inuse_space, 'holding most of the live heap');
  // As of the last GC: garbage made since then still counts (Node 24 shows a few MB here).
  const churn = s.byLeaf.churnSite?.inuse_space ?? 0;
  tt.ok(churn < 0.1 * top[1].inuse_space, `the garbage-making site holds little: ${(churn / 1e6).toFixed(1)} MB`);
});
