// The file exporter: names, atomic rename (a reader never sees half a file), a SIGKILL in the
// middle of a write leaves no partial file under a final name, stale temporary files are
// cleaned, and a read-only or full directory is a counted failure logged once.
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileExporter, profileFileName, compactUtc } from '../../dist/src/export/file.js';
import { setLogSink, resetLogOnce } from '../../dist/src/common/log.js';
import { decodePprof, pprofFixture } from '../helpers/export-server.js';

const keepAlive = setInterval(() => {}, 1 << 30);
t.teardown(() => clearInterval(keepAlive));

const start = new Date('2026-01-25T08:13:23.456Z');
const end = new Date('2026-01-25T08:14:23.456Z');
const fresh = (name: string) => mkdtempSync(join(tmpdir(), `hotpath-file-${name}-`));
const finals = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.pb.gz')).sort();
const temps = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.tmp')).sort();

t.test('names tell service, kind, pid and time; bytes intact; nothing left behind', async (t) => {
  t.equal(compactUtc(start), '20260125T081323Z');
  t.equal(profileFileName('@acme/api', 'time', 42, start), '_acme_api.time.42.20260125T081323Z.pb.gz');
  t.equal(profileFileName('..hidden', 'heap', 1, start), '_hidden.heap.1.20260125T081323Z.pb.gz');
  const dir = join(fresh('names'), 'nested', 'out');
  const exp = new FileExporter({ dir, service: 'billing' });
  const time = pprofFixture('time', 'timeFn');
  const heap = pprofFixture('heap', 'heapFn');
  await exp.exportPeriod([{ kind: 'time', bytes: time, start, end }, { kind: 'heap', bytes: heap, start, end }]);
  const pid = process.pid;
  t.same(finals(dir), [`billing.heap.${pid}.20260125T081323Z.pb.gz`, `billing.time.${pid}.20260125T081323Z.pb.gz`]);
  t.same(temps(dir), []);
  t.ok(readFileSync(join(dir, `billing.time.${pid}.20260125T081323Z.pb.gz`)).equals(Buffer.from(time)));
  t.same(decodePprof(readFileSync(join(dir, `billing.heap.${pid}.20260125T081323Z.pb.gz`))).functionNames, ['heapFn']);
  t.same(exp.stats(), { exported: 2, failed: 0, dropped: 0, retries: 0, queued: 0 });
  t.equal(exp.written.length, 2);
  // A second profile of the same kind and second does not overwrite the first.
  await exp.export({ kind: 'time', bytes: heap, start, end });
  await exp.export({ kind: 'time', bytes: heap, start, end });
  t.ok(finals(dir).includes(`billing.time.${pid}.20260125T081323Z-2.pb.gz`));
  t.ok(finals(dir).includes(`billing.time.${pid}.20260125T081323Z-3.pb.gz`));
  t.ok(readFileSync(join(dir, `billing.time.${pid}.20260125T081323Z.pb.gz`)).equals(Buffer.from(time)), 'first file untouched');
});

t.test('a reader polling the directory never sees a partial file', async (t) => {
  const dir = fresh('reader');
  const exp = new FileExporter({ dir, service: 's', chunkSize: 64 * 1024 });
  const size = 24 << 20;
  const bytes = new Uint8Array(size).fill(0x5a);
  let seen = 0;
  let partial = 0;
  let polling = true;
  const poll = async () => {
    while (polling) {
      for (const f of finals(dir)) {
        seen++;
        if (statSync(join(dir, f)).size !== size) partial++;
      }
      await new Promise((r) => setImmediate(r));
    }
  };
  const poller = poll();
  for (let i = 0; i < 4; i++) await exp.export({ kind: `k${i}`, bytes, start, end });
  polling = false;
  await poller;
  t.equal(finals(dir).length, 4);
  t.ok(seen > 0, `the reader saw final files ${seen} times`);
  t.equal(partial, 0, 'never one of a wrong size');
});

t.test('SIGKILL in the middle of a write leaves no partial file under a final name', async (t) => {
  const dir = fresh('kill');
  const mod = fileURLToPath(new URL('../../dist/src/export/file.js', import.meta.url));
  const code = `
    import { FileExporter } from ${JSON.stringify(mod)};
    const e = new FileExporter({ dir: ${JSON.stringify(dir)}, service: 'victim', chunkSize: 256 * 1024 });
    const bytes = new Uint8Array(512 << 20).fill(1);
    await e.export({ kind: 'time', bytes, start: new Date(), end: new Date() });
    console.log('finished');
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_c, sig) => r(sig)));
  // Wait until the temporary file holds some but not all of the bytes, then kill.
  let tempSize = 0;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const tmp = temps(dir);
    if (tmp.length === 1) {
      try {
        tempSize = statSync(join(dir, tmp[0])).size;
      } catch {
        tempSize = 0;
      }
      if (tempSize > 1 << 20) break;
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  child.kill('SIGKILL');
  t.equal(await exited, 'SIGKILL');
  t.equal(out, '', 'killed before it finished');
  t.ok(tempSize > 1 << 20 && tempSize < 512 << 20, `killed with ${tempSize} bytes written`);
  t.same(finals(dir), [], 'no file under a final name');
  const left = temps(dir);
  t.equal(left.length, 1, 'the partial data is only in the hidden temporary file');
  t.match(left[0], new RegExp(`^\\.victim\\.time\\.${child.pid}\\.\\d{8}T\\d{6}Z\\.pb\\.gz\\.${child.pid}\\.[0-9a-f]+\\.tmp$`));
  // The next exporter in that directory removes it (its pid is dead).
  const next = new FileExporter({ dir, service: 'next' });
  await next.export({ kind: 'time', bytes: pprofFixture('time'), start, end });
  t.same(temps(dir), [], 'stale temporary file cleaned');
  t.equal(finals(dir).length, 1);
});

t.test('stale temp cleaning keeps live writers, unrelated files and young temps', async (t) => {
  const dir = fresh('stale');
  const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  const deadPid = Number(dead.stdout.trim());
  const parentPid = process.ppid; // alive
  const names = {
    dead: `.s.time.${deadPid}.20260101T000000Z.pb.gz.${deadPid}.0a1b2c3d.tmp`,
    aliveYoung: `.s.time.${parentPid}.20260101T000000Z.pb.gz.${parentPid}.0a1b2c3d.tmp`,
    aliveOld: `.s.heap.${parentPid}.20260101T000000Z.pb.gz.${parentPid}.deadbeef.tmp`,
    unrelated: 'notes.tmp',
    profile: 'other.time.1.20260101T000000Z.pb.gz',
  };
  for (const n of Object.values(names)) writeFileSync(join(dir, n), 'x');
  const old = new Date(Date.now() - 2 * 3600_000);
  utimesSync(join(dir, names.aliveOld), old, old);
  const exp = new FileExporter({ dir, service: 's' });
  await exp.export({ kind: 'time', bytes: pprofFixture('time'), start, end });
  t.notOk(existsSync(join(dir, names.dead)), 'dead writer: removed');
  t.ok(existsSync(join(dir, names.aliveYoung)), 'live writer: kept');
  t.notOk(existsSync(join(dir, names.aliveOld)), 'older than an hour: removed');
  t.ok(existsSync(join(dir, names.unrelated)), 'not ours: kept');
  t.ok(existsSync(join(dir, names.profile)), 'profiles: kept');
});

t.test('an unwritable directory is a counted failure, logged once', async (t) => {
  const lines: string[] = [];
  resetLogOnce();
  setLogSink((l) => lines.push(l));
  t.teardown(() => setLogSink(undefined));
  const base = fresh('bad');
  const file = join(base, 'a-file');
  writeFileSync(file, 'x');
  const exp = new FileExporter({ dir: join(file, 'sub'), service: 's' });
  for (let i = 0; i < 3; i++) await exp.export({ kind: 'time', bytes: pprofFixture('time'), start, end });
  t.same({ ...exp.stats(), lastError: undefined }, { exported: 0, failed: 3, dropped: 0, retries: 0, queued: 0, lastError: undefined });
  t.equal(lines.length, 1);
  t.match(lines[0], /^hotpath: cannot write profiles to .*a-file\/sub: (ENOTDIR|EEXIST)/);
});

/** Mounts a small tmpfs (root only); undefined where mounting is not allowed. */
function mountTmpfs(options: string): string | undefined {
  const dir = fresh('mnt');
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { encoding: 'utf8' });
  return r.status === 0 ? dir : undefined;
}

t.test('read-only and full file systems: counted failures, logged once each, no debris', async (t) => {
  const ro = mountTmpfs('ro,size=1m');
  const full = mountTmpfs('size=256k');
  if (!ro || !full) {
    t.skip('cannot mount tmpfs here (not root, or no permission)');
    return;
  }
  t.teardown(() => {
    spawnSync('umount', [ro]);
    spawnSync('umount', [full]);
  });
  const lines: string[] = [];
  resetLogOnce();
  setLogSink((l) => lines.push(l));
  t.teardown(() => setLogSink(undefined));

  const roExp = new FileExporter({ dir: ro, service: 's' });
  await roExp.export({ kind: 'time', bytes: pprofFixture('time'), start, end });
  await roExp.export({ kind: 'time', bytes: pprofFixture('time'), start, end });
  t.equal(roExp.stats().failed, 2);
  t.match(roExp.stats().lastError, /EROFS/);

  mkdirSync(join(full, 'p'));
  const fullExp = new FileExporter({ dir: join(full, 'p'), service: 's' });
  const big = new Uint8Array(1 << 20).fill(3);
  await fullExp.export({ kind: 'time', bytes: big, start, end });
  await fullExp.export({ kind: 'heap', bytes: big, start, end });
  t.equal(fullExp.stats().failed, 2);
  t.match(fullExp.stats().lastError, /ENOSPC/);
  t.same(readdirSync(join(full, 'p')), [], 'the partial temporary file was removed');
  // Room again: the same exporter goes on working.
  await fullExp.export({ kind: 'time', bytes: pprofFixture('time'), start, end });
  t.equal(fullExp.stats().exported, 1);

  t.equal(lines.length, 2, 'one line for EROFS, one for ENOSPC');
  t.match(lines.join('\n'), /EROFS/);
  t.match(lines.join('\n'), /ENOSPC/);
});
