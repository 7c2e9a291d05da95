// `hotpath top` against `go tool pprof -top` on a file another profiler (@datadog/pprof) wrote,
// and its one-line errors on files that are not profiles.
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { gzip } from 'pako';
import { gzipSync } from 'node:zlib';
import { goPprof, hotpath } from '../helpers/cli.js';
import { requireGo } from '../helpers/system-tools.js';

requireGo();

const dir = mkdtempSync(join(tmpdir(), 'hotpath-top-'));

/** Writes a real @datadog/pprof wall profile of a workload with several hot functions. */
function datadogProfile(): string {
  const file = join(dir, 'datadog-wall.pb.gz');
  const script = `
    import pprof from '@datadog/pprof';
    import { writeFileSync } from 'node:fs';
    pprof.time.start({ intervalMicros: 1000, durationMillis: 60000 });
    function alpha() { let s = 0; for (let i = 0; i < 3e6; i++) s += Math.sqrt(i); return s; }
    function beta() { let s = 0; for (let i = 0; i < 2e6; i++) s += Math.sqrt(i); return s; }
    function gamma() { let s = 0; for (let i = 0; i < 1e6; i++) s += Math.sqrt(i); return s; }
    function delta() { let s = 0; for (let i = 0; i < 5e5; i++) s += Math.sqrt(i); return s; }
    const end = Date.now() + 1500;
    while (Date.now() < end) { alpha(); beta(); gamma(); delta(); }
    writeFileSync(${JSON.stringify(file)}, await pprof.encode(pprof.time.stop()));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: process.cwd() });
  if (r.status !== 0) throw new Error(r.stderr);
  return file;
}

/** Parses `name -> flat` from a top table whose values are plain numbers (ours with --raw, go's with -unit=ns). */
function flatByName(text: string, rows: number): Map<string, number> {
  const out = new Map<string, number>();
  const body = text.split('\n').filter((l) => /^\s*-?\d/.test(l));
  for (const line of body.slice(0, rows)) {
    const cols = line.trim().split(/\s+/);
    const flat = Number(cols[0].replace(/ns$/, ''));
    const name = cols.slice(5).join(' ').split(' ')[0];
    out.set(name, flat);
  }
  return out;
}

t.test('hotpath top matches go tool pprof -top on a @datadog/pprof file', async (t) => {
  const file = datadogProfile();
  const ours = hotpath(['top', file, '--nodecount', '10', '--raw']);
  t.equal(ours.status, 0, ours.stderr);
  const go = goPprof(['-top', '-unit=ns', '-nodecount=10', '-nodefraction=0', '-edgefraction=0', file]);
  const ourFlat = flatByName(ours.stdout, 10);
  const goFlat = flatByName(go, 10);
  // Rows with flat 0 are ordered arbitrarily by both tools: compare the non-zero ones exactly.
  const nonZero = (m: Map<string, number>) => new Map([...m].filter(([, v]) => v !== 0));
  t.ok(nonZero(goFlat).size >= 4, `go shows the workload's functions: ${[...goFlat.keys()]}`);
  t.same(nonZero(ourFlat), nonZero(goFlat), 'same top functions with the same flat values');
  t.same([...nonZero(ourFlat).keys()], [...nonZero(goFlat).keys()], 'in the same order');
  t.equal([...ourFlat.keys()][0], 'alpha', 'the hottest function is the one that ran longest');
});

t.test('bad input: one line naming the file, exit 2, no stack trace, quickly', async (t) => {
  const cases: [string, Uint8Array][] = [
    ['empty', new Uint8Array(0)],
    ['text', new TextEncoder().encode('hello, this is not a profile\n')],
    ['random', Uint8Array.from({ length: 4 << 20 }, (_, i) => (i * 2654435761) >>> 24)],
    ['truncated-gzip', gzip(new Uint8Array(1000).fill(7)).subarray(0, 20)],
    ['gzip-bomb', gzipSync(Buffer.alloc(600 << 20), { level: 9 })],
  ];
  for (const [name, bytes] of cases) {
    const file = join(dir, `${name}.pb.gz`);
    writeFileSync(file, bytes);
    const r = hotpath(['top', file]);
    t.equal(r.status, 2, `${name}: exit code 2`);
    const lines = r.stderr.trim().split('\n');
    t.equal(lines.length, 1, `${name}: one line (${r.stderr.trim()})`);
    t.match(lines[0], file, `${name}: names the file`);
    t.notMatch(r.stderr, /\bat .*:\d+:\d+/, `${name}: no stack trace`);
    t.ok(r.ms < 2000 + 300, `${name}: done in ${r.ms.toFixed(0)} ms`);
  }
  const missing = hotpath(['top', join(dir, 'nope.pb.gz')]);
  t.equal(missing.status, 2);
  t.match(missing.stderr, /nope\.pb\.gz: cannot read: no such file/);
  const usage = hotpath(['top']);
  t.equal(usage.status, 2);
  t.match(usage.stderr, /expected exactly one FILE/);
});
