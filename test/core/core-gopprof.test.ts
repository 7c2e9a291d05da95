// `go tool pprof` (the independent reference consumer) reads what the WASM core writes.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProfileBuilder } from '../../dist/src/index.js';
import { requireGo } from '../helpers/system-tools.js';

requireGo();

const dir = mkdtempSync(join(tmpdir(), 'hotpath-gopprof-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const pprof = (...args: string[]) =>
  execFileSync('go', ['tool', 'pprof', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, HOME: dir, PPROF_TMPDIR: dir },
  });

const frame = (name: string, line: number) => ({ name, file: `/srv/app/${name}.js`, line });

function buildProfile() {
  const b = new ProfileBuilder({
    sampleTypes: [
      { type: 'samples', unit: 'count' },
      { type: 'wall', unit: 'nanoseconds' },
      { type: 'cpu', unit: 'nanoseconds' },
    ],
    periodType: { type: 'wall', unit: 'nanoseconds' },
    period: 10_000_000,
    timeNanos: 1_700_000_000_000_000_000n,
    durationNanos: 60_000_000_000,
  });
  // deterministic pseudo-random stacks under main; `hotLoop` gets 1,234 samples as leaf
  let seed = 7;
  const rnd = (n: number) => ((seed = (seed * 48271) % 2147483647) % n);
  const names = Array.from({ length: 40 }, (_, i) => `fn${i}`);
  let other = 0;
  for (let i = 0; i < 2000; i++) {
    const depth = 1 + rnd(30);
    const stack = Array.from({ length: depth }, () => frame(names[rnd(40)], 1 + rnd(100)));
    stack.push(frame('main', 1));
    const thread = rnd(3);
    const labels = [{ key: 'thread id', num: thread }, { key: 'thread name', str: thread ? `worker-${thread}` : 'main' }];
    if (i < 1234) b.addSample([frame('hotLoop', 42), ...stack], [1, 10_000_000, 9_000_000], labels);
    else {
      b.addSample(stack, [1, 10_000_000, 1_000_000], labels);
      other++;
    }
  }
  b.addComment('written by the hotpath core test');
  return { bytes: b.encode(), other };
}

t.test('go tool pprof -top and -raw read our files', async (t) => {
  const { bytes } = buildProfile();
  const file = join(dir, 'profile.pb.gz');
  writeFileSync(file, bytes);

  const top = pprof('-top', '-nodecount=5', '-sample_index=samples', file);
  t.match(top, /Total samples = 2000\b/);
  const rows = top.split('\n').filter((l) => /^\s+\d/.test(l));
  const first = rows[0].trim().split(/\s+/);
  t.equal(first[first.length - 1], 'hotLoop', 'top function');
  t.equal(first[0], '1234', 'its flat sample count');

  const cpu = pprof('-top', '-nodecount=3', '-sample_index=cpu', '-unit=ms', file);
  const cpuFirst = cpu.split('\n').filter((l) => /^\s+\d/.test(l))[0].trim().split(/\s+/);
  t.equal(cpuFirst[cpuFirst.length - 1], 'hotLoop');
  t.equal(cpuFirst[0], '11106ms', '1234 x 9 ms of cpu');

  const raw = pprof('-raw', file);
  t.match(raw, /PeriodType: wall nanoseconds/);
  t.match(raw, /Period: 10000000/);
  t.match(raw, /samples\/count wall\/nanoseconds cpu\/nanoseconds/);
  t.match(raw, /thread name:\[worker-1\]/);
  t.match(raw, /hotLoop \/srv\/app\/hotLoop\.js:42/);
  // every sample line's first value summed = 2000 samples
  let total = 0;
  for (const m of raw.matchAll(/^\s+(\d+)\s+\d+\s+\d+: [\d ]+$/gm)) total += Number(m[1]);
  t.equal(total, 2000, 'sample counts in -raw add up');
});
