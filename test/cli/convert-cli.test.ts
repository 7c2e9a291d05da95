// `hotpath convert` as a user runs it: a real `node --cpu-prof` profile converted to pprof has
// the same top functions (±2 points) as the .cpuprofile itself, read back by an independent
// reader (protobufjs) and by `go tool pprof`; collapsed and speedscope output; a real
// `node --heap-prof` profile; and bad input, which gets one clear line and exit code 2.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdtempSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { goPprof, hotpath } from '../helpers/cli.js';
import { flatPercent, referenceDecode } from '../fixtures/reference.js';
import { requireGo } from '../helpers/system-tools.js';

requireGo();

const dir = mkdtempSync(join(tmpdir(), 'hotpath-convert-'));
const workload = fileURLToPath(new URL('../fixtures/workload.mjs', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

/** Runs the workload under a V8 flag that writes a profile, and returns the profile's path. */
function profileWith(flags: string[], ext: string): string {
  const out = mkdtempSync(join(dir, 'run-'));
  // Without tap's loader hooks, which would show up in the profile.
  const env = { ...process.env, NODE_OPTIONS: '' };
  const r = spawnSync(process.execPath, [...flags, workload, '1200'], { cwd: out, encoding: 'utf8', timeout: 60_000, env });
  if (r.status !== 0) throw new Error(`workload failed: ${r.stderr}`);
  const file = readdirSync(out).find((n) => n.endsWith(ext));
  if (!file) throw new Error(`no ${ext} written`);
  return join(out, file);
}

/**
 * Self share per function in the .cpuprofile itself, in percent: by ticks, or by time as
 * DevTools computes it (each tick lasts until the next one; the last until endTime).
 */
function cpuprofileSelfPercent(file: string, by: 'ticks' | 'time'): Map<string, number> {
  const cpu = JSON.parse(readFileSync(file, 'utf8'));
  const name = new Map<number, string>(cpu.nodes.map((n: any) => [n.id, n.callFrame.functionName || '(anonymous)']));
  const times: number[] = [];
  let at = cpu.startTime;
  for (const d of cpu.timeDeltas) times.push((at += d));
  const self = new Map<string, number>();
  let total = 0;
  cpu.samples.forEach((id: number, i: number) => {
    const w = by === 'ticks' ? 1 : Math.max(0, (i + 1 < times.length ? times[i + 1] : cpu.endTime) - times[i]);
    self.set(name.get(id)!, (self.get(name.get(id)!) ?? 0) + w);
    total += w;
  });
  return new Map([...self].map(([k, v]) => [k, (100 * v) / total] as [string, number]).sort((a, b) => b[1] - a[1]));
}

t.test('node --cpu-prof → pprof: same top functions as the .cpuprofile, ±2 points', async (t) => {
  const cpuprofile = profileWith(['--cpu-prof', '--cpu-prof-interval', '500'], '.cpuprofile');
  const out = join(dir, 'cpu.pb.gz');
  const r = hotpath(['convert', cpuprofile, '-o', out]);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stderr, /wrote .*cpu\.pb\.gz \(pprof, \d+ samples, \d+ functions\)/);

  const ref = referenceDecode(readFileSync(out));
  t.same(ref.sampleTypes, [
    { type: 'samples', unit: 'count' },
    { type: 'wall', unit: 'nanoseconds' },
  ]);
  for (const type of ['samples', 'wall']) {
    const expected = cpuprofileSelfPercent(cpuprofile, type === 'samples' ? 'ticks' : 'time');
    const got = flatPercent(ref, type);
    const top = [...expected.keys()].slice(0, 3);
    t.same([...got.keys()].slice(0, 2), top.slice(0, 2), `${type}: same two hottest functions`);
    for (const fn of top) {
      const diff = Math.abs((got.get(fn) ?? 0) - expected.get(fn)!);
      t.ok(diff <= 2, `${type}: ${fn} ${got.get(fn)?.toFixed(2)}% vs ${expected.get(fn)!.toFixed(2)}% in the .cpuprofile`);
    }
  }
  t.equal([...cpuprofileSelfPercent(cpuprofile, 'ticks').keys()][0], 'hot', 'the workload is what it says');
  // The same file through go tool pprof.
  const go = goPprof(['-top', '-sample_index=samples', '-nodefraction=0', out]);
  const goFirst = go.split('\n').find((l) => /^\s*\d+\s+[\d.]+%/.test(l));
  t.match(goFirst, /\bhot$/, `go tool pprof agrees: ${goFirst}`);
  t.match(go, /Duration: [\d.]+m?s/, 'go reads the duration');
  t.ok((ref.raw as any).durationNanos >= 1.2e9, 'duration from startTime/endTime covers the 1.2 s workload');
});

t.test('collapsed and speedscope output from the CLI', async (t) => {
  const folded = hotpath(['convert', fixture('small.cpuprofile'), '--to', 'collapsed', '--sample-type', 'samples']);
  t.equal(folded.status, 0, folded.stderr);
  t.equal(folded.stdout, readFileSync(fixture('small.samples.folded'), 'utf8'), 'matches the hand-checked fixture');
  // pprof in, collapsed out: the same lines, through the WASM encoder and decoder.
  const pb = join(dir, 'small.pb.gz');
  t.equal(hotpath(['convert', fixture('small.cpuprofile'), '-o', pb]).status, 0);
  const again = hotpath(['convert', pb, '-o', join(dir, 'small.folded'), '--sample-type', 'samples']);
  t.equal(again.status, 0, again.stderr);
  t.equal(readFileSync(join(dir, 'small.folded'), 'utf8'), readFileSync(fixture('small.samples.folded'), 'utf8'));
  const ss = hotpath(['convert', pb, '--to', 'speedscope']);
  t.equal(ss.status, 0, ss.stderr);
  const doc = JSON.parse(ss.stdout);
  t.equal(doc.$schema, 'https://www.speedscope.app/file-format-schema.json');
  t.same(doc.profiles.map((p: any) => [p.unit, p.endValue]), [['none', 10], ['nanoseconds', 11_000_000]]);
  const heap = hotpath(['convert', fixture('small.heapprofile'), '--to', 'collapsed', '--sample-type', 'inuse_space']);
  t.equal(heap.stdout, readFileSync(fixture('small.inuse_space.folded'), 'utf8'));
  const already = hotpath(['convert', pb]);
  t.equal(already.status, 2);
  t.match(already.stderr, /already pprof; say --to collapsed or --to speedscope/);
  t.match(hotpath(['convert', pb, '--to', 'pprof']).stderr, /would overwrite the input/);
});

t.test('node --heap-prof → pprof that go tool pprof reads', async (t) => {
  const heapprofile = profileWith(['--heap-prof', '--heap-prof-interval', '4096'], '.heapprofile');
  const out = join(dir, 'heap.pb.gz');
  const r = hotpath(['convert', heapprofile, '-o', out]);
  t.equal(r.status, 0, r.stderr);
  const ref = referenceDecode(readFileSync(out));
  t.same(ref.sampleTypes.map((x) => x.type), ['inuse_objects', 'inuse_space']);
  const heap = JSON.parse(readFileSync(heapprofile, 'utf8'));
  let selfSizes = 0;
  const visit = (n: any): void => {
    selfSizes += n.selfSize;
    n.children.forEach(visit);
  };
  visit(heap.head);
  const space = ref.samples.reduce((a, s) => a + s.values[1], 0);
  t.equal(space, selfSizes, 'every byte of the heap profile is in the pprof');
  t.match(goPprof(['-top', '-sample_index=inuse_space', out]), /Type: inuse_space/);
});

t.test('bad input: one line naming the file, exit 2, no stack trace', async (t) => {
  const write = (name: string, data: string | Uint8Array) => {
    const file = join(dir, name);
    writeFileSync(file, data);
    return file;
  };
  const small = readFileSync(fixture('small.cpuprofile'), 'utf8');
  const pb = join(dir, 'small.pb.gz');
  hotpath(['convert', fixture('small.cpuprofile'), '-o', pb]);
  const huge = join(dir, 'huge.cpuprofile');
  const fd = openSync(huge, 'w');
  ftruncateSync(fd, 2 ** 30 + 1); // sparse: no disk used
  closeSync(fd);
  const hugeJson = join(dir, 'huge-json.cpuprofile');
  const fd2 = openSync(hugeJson, 'w');
  writeFileSync(fd2, '{"nodes": [');
  ftruncateSync(fd2, 600 * 2 ** 20);
  closeSync(fd2);
  const cases: [string[], RegExp][] = [
    [['convert', write('notes.txt', 'just some notes\n')], /notes\.txt: not a V8 profile \(JSON\) nor a readable pprof profile: /],
    [['convert', write('empty.cpuprofile', '')], /empty\.cpuprofile: the file is empty/],
    [['convert', write('cut.cpuprofile', small.slice(0, small.length / 2))], /cut\.cpuprofile: not valid JSON \(the file looks truncated\)/],
    [['convert', write('cut.pb.gz', readFileSync(pb).subarray(0, 60)), '--to', 'collapsed'], /cut\.pb\.gz: not a V8 profile \(JSON\) nor a readable pprof profile: .*(truncated|unexpected end)/i],
    [['convert', write('other.json', '{"traceEvents": []}')], /other\.json: this JSON is a trace or a speedscope file/],
    [['convert', write('array.json', '{"foo": [1, 2]}')], /array\.json: JSON that is neither a V8 \.cpuprofile/],
    [['convert', write('wrong.cpuprofile', '{"nodes": [], "startTime": 0, "endTime": 1}')], /wrong\.cpuprofile: V8 CPU profile has no nodes/],
    [['convert', huge], /huge\.cpuprofile: file is \d+ bytes, larger than the 1 GiB limit/],
    [['convert', hugeJson], /huge-json\.cpuprofile: JSON profile is \d+ bytes, larger than the 512 MiB limit/],
    [['convert', join(dir, 'missing.cpuprofile')], /missing\.cpuprofile: cannot read: no such file/],
    [['convert', dir], /is a directory/],
    [['convert'], /expected exactly one input file/],
    [['convert', pb, '--to', 'svg'], /--to must be one of pprof, collapsed, speedscope/],
    [['convert', pb, '--to', 'collapsed', '--sample-type', 'cpu'], /no sample type "cpu" \(have: samples, wall\)/],
  ];
  for (const [args, message] of cases) {
    const r = hotpath(args);
    t.equal(r.status, 2, `${args.slice(1).join(' ')}: exit 2 (${r.stderr.trim()})`);
    t.match(r.stderr, message);
    t.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    t.notMatch(r.stderr, /\bat .*:\d+:\d+/, 'no stack trace');
  }
});
