// The heap profile applies the time profile's caps (src/aggregate/heap-encode.ts): a 100 KB function name
// is cut and marked, and code of a script without a name (eval, new Function) says so in its
// file (test/fixtures/hostile/heap-shapes.mjs).
import t from 'tap';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeProfile } from '../../dist/src/index.js';
import { MAX_STRING_CHARS, UNNAMED_SCRIPT } from '../../dist/src/aggregate/stack-batch.js';
import { requireGo } from '../helpers/system-tools.js';

requireGo();

const FIXTURE = fileURLToPath(new URL('../fixtures/hostile/heap-shapes.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'hotpath-heap-shapes-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test('long names and unnamed scripts in the heap profile', async (t) => {
  const out = join(dir, 'heap.pb.gz');
  const r = spawnSync('env', ['-u', 'NODE_OPTIONS', process.execPath, '--no-turbo-inlining', FIXTURE, out], { encoding: 'utf8', timeout: 120_000 });
  t.equal(r.status, 0, `fixture ran (${r.stderr.trim()})`);
  const p = decodeProfile(readFileSync(out));
  const fnById = new Map(p.function.map((f) => [f.id, f]));
  const locById = new Map(p.location.map((l) => [l.id, l]));
  const space = p.sampleType.findIndex((s) => s.type === 'alloc_space');
  const byLeaf = new Map<string, number>();
  for (const s of p.sample) {
    const f = fnById.get(locById.get(s.locationId[0])!.line[0].functionId)!;
    const k = `${f.name}\u0000${f.filename}`;
    byLeaf.set(k, (byLeaf.get(k) ?? 0) + s.value[space]);
  }
  const total = [...byLeaf.values()].reduce((a, b) => a + b, 0);
  const share = (name: string) => (byLeaf.get(`${name}\u0000${UNNAMED_SCRIPT}`) ?? 0) / total;
  const long = 'H'.repeat(MAX_STRING_CHARS) + '… (truncated from 100000 characters)';
  // Both allocate the same, alternately (truth: 50% each); alloc_* are estimated from a sample of
  // GC intervals, and read 25-75% in repeated runs.
  t.ok(share(long) > 0.1, `the 100 KB name, cut: ${(100 * share(long)).toFixed(0)}% of alloc_space`);
  t.ok(share('(anonymous)') > 0.1, `new Function code in ${UNNAMED_SCRIPT}: ${(100 * share('(anonymous)')).toFixed(0)}% of alloc_space`);
  const longest = Math.max(...p.function.map((f) => f.name.length));
  t.ok(longest <= MAX_STRING_CHARS + 40, `longest name ${longest} characters`);

  const top = execFileSync('go', ['tool', 'pprof', '-top', '-sample_index=alloc_space', out], {
    encoding: 'utf8', timeout: 60_000, env: { ...process.env, HOME: dir, PPROF_TMPDIR: dir },
  });
  t.match(top, /HHHH/, 'go tool pprof reads it');
});
