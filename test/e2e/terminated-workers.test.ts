// Workers ended by terminate() never run JS again: what they sampled in their last period is
// kept where the owner can still take it (heap: by the addon in the worker's cleanup hook;
// contention and exceptions: in the thread's event arena, marked ended by the addon). 50 named
// workers allocate, wait for contended locks and throw in functions of their own until they are
// ended; each one's functions must be in the heap, contention and exception profiles written
// at exit, under that worker's own thread id and name and no other.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeProfile } from '../../dist/src/index.js';
import type { Profile } from '../../dist/src/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const WORKERS = 50;

interface Report { name: string; i: number; threadId: number; bytes: number; throws: number; waits: number }

const out = mkdtempSync(path.join(tmpdir(), 'hotpath-terminated-'));
const { NODE_OPTIONS: _tap, ...env } = process.env;
const register = path.join(here, '..', '..', 'dist', 'src', 'register.js');
const stdout = execFileSync(process.execPath, ['--import', register, path.join(here, '..', 'fixtures', 'threads', 'terminated-workers.mjs'), String(WORKERS)], {
  encoding: 'utf8', timeout: 240000,
  // Every lock acquire sampled, and every GC interval's heap samples read (a read budget of all
  // the thread's CPU): the profiles then hold all a worker did, and a missing function means
  // data lost, not sampling. With the default 0.2% budget the heap profiler reads ~10% of GC
  // intervals in runs of four; a worker lives ~25-40 intervals (23 in a 6-worker run), so its allocations can fall
  // entirely outside the read runs (seen in CI: 1 of 50 missing at a 64 KiB sampling interval).
  env: {
    ...env, HOTPATH_OUT: out, HOTPATH_PROFILES: 'heap,contention,exceptions', HOTPATH_PERIOD: '1h', HOTPATH_LOCK_SHARE: '1',
    HOTPATH_HEAP_READ_BUDGET: '1', HOTPATH_SERVICE: 'terminated',
  },
});
const workers = JSON.parse(stdout.trim().split('\n').pop()!) as Report[];

function profileOf(kind: string): Profile {
  const files = readdirSync(out).filter((n) => n.includes(`.${kind}.`));
  if (files.length !== 1) throw new Error(`one ${kind} profile expected, found ${files.join(', ') || 'none'}`);
  return decodeProfile(readFileSync(path.join(out, files[0]!)));
}

/** Per leaf function name: the thread labels (id/name) of its samples and its total of sample type `type`. */
function byLeaf(p: Profile, type: string): Map<string, { threads: Set<string>; total: number }> {
  const v = p.sampleType.findIndex((s) => s.type === type);
  const fnName = new Map(p.function.map((f) => [f.id, f.name]));
  const leafName = new Map(p.location.map((l) => [l.id, fnName.get(l.line[0]?.functionId ?? 0) ?? '']));
  const m = new Map<string, { threads: Set<string>; total: number }>();
  for (const s of p.sample) {
    const leaf = leafName.get(s.locationId[0]!) ?? '';
    let e = m.get(leaf);
    if (!e) m.set(leaf, (e = { threads: new Set(), total: 0 }));
    e.threads.add(`${s.label.find((l) => l.key === 'thread id')?.str}/${s.label.find((l) => l.key === 'thread name')?.str}`);
    e.total += Number(s.value[v]);
  }
  return m;
}

t.equal(workers.length, WORKERS, `${WORKERS} workers allocated, waited and threw, then were ended`);
for (const [kind, type, fn] of [['heap', 'alloc_space', 'alloc'], ['contention', 'lock-acquire', 'lock'], ['exceptions', 'exception-samples', 'throw']] as const) {
  t.test(`${kind}: every terminated worker's ${fn}_w<i> under its own thread`, async (tt) => {
    const leaves = byLeaf(profileOf(kind), type);
    let found = 0;
    for (const w of workers) {
      const e = leaves.get(`${fn}_w${w.i}`);
      if (e && e.total > 0 && e.threads.size === 1 && e.threads.has(`${w.threadId}/${w.name}`)) found++;
      else tt.fail(`${fn}_w${w.i} (${w.bytes} B, ${w.throws} throws, ${w.waits} waits): ${e ? `total ${e.total} under ${[...e.threads].join(', ')}` : 'absent'}; expected under ${w.threadId}/${w.name}`);
    }
    tt.equal(found, workers.length, `all ${workers.length} workers' ${fn} functions, each under its own thread id and name only`);
  });
}
