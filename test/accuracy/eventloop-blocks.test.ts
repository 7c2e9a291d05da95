// A 200 ms synchronous block in holdTheLoop() among many short callbacks: holdTheLoop carries
// >= 90% of event-loop-block-time, the block is counted once and its time is within ±25% of
// 200 ms; a program that only waits on I/O (slow HTTP responses, file reads) has no blocks, nor
// does one that is never idle but whose turns are all short; an execSync that holds the loop
// is a block (with almost no CPU); a worker's own loop is watched too; and with the time kind
// on as well, the time profile still puts the 200 ms on holdTheLoop (nothing pauses a thread).
import t from 'tap';
import type { Test } from 'tap';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

interface Sample { labels: Record<string, string>; value: number[]; frames: { name: string; file: string }[] }
interface Profile { samples: Sample[]; sampleTypes: string[]; comments: string[] }
interface Result { blockMs: number; profile: Profile | null; time: Profile | null }

function run(mode: string): { r: Result; stderr: string } {
  // Without tap's NODE_OPTIONS (its loader would also load into hotpath's aggregation worker
  // and slow its start): the fixture is plain JavaScript.
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const res = spawnSync(process.execPath, [path.join(here, '..', 'fixtures', 'eventloop', 'blocks.mjs'), mode], { encoding: 'utf8', timeout: 60000, env });
  const line = res.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`fixture failed: ${res.stderr}`);
  return { r: JSON.parse(line.slice(7)) as Result, stderr: res.stderr };
}

t.test('a 200 ms block in holdTheLoop carries >= 90% of the block time', async (tt) => {
  // Three runs; the share is checked on the median run: the block's stacks are the time
  // profiler's samples of its turn, and the turn's end (the next uv_prepare) comes after
  // holdTheLoop returned, so the rest of the turn holds a little of the block time.
  const shares: number[] = [];
  for (let i = 0; i < 3; i++) {
    const { r, stderr } = run('block');
    tt.equal(stderr, '', 'nothing on stderr');
    const p = r.profile!;
    tt.ok(p, 'a profile');
    tt.same(p.sampleTypes, ['event-loop-blocks/count', 'event-loop-block-time/nanoseconds']);
    let total = 0;
    let inX = 0;
    let blocks = 0;
    for (const s of p.samples) {
      tt.equal(s.labels['thread id'], '0');
      tt.equal(s.labels['thread name'], 'main');
      total += s.value[1];
      blocks += s.value[0];
      if (s.frames.some((f) => f.name === 'holdTheLoop' && f.file.endsWith('blocks.mjs'))) inX += s.value[1];
    }
    // On a busy host a turn can also be late by 50 ms without holding the loop (the process was
    // not scheduled): the count of blocks is only checked to be at least one.
    tt.ok(blocks >= 1, `${blocks} block(s)`);
    const xBlocks = p.samples.filter((s) => s.frames.some((f) => f.name === 'holdTheLoop')).reduce((a, s) => a + s.value[0], 0);
    tt.ok(xBlocks <= 1, 'holdTheLoop is one block');
    tt.comment(`run ${i + 1}: holdTheLoop carries ${((100 * inX) / total).toFixed(1)}% of the block time; ${p.samples.length} stacks`);
    tt.ok(total / 1e6 >= 0.75 * r.blockMs, `block time ${(total / 1e6).toFixed(1)} ms, of which the 200 ms block measured ${r.blockMs.toFixed(1)} ms (>= 75%)`);
    shares.push(inX / total);
  }
  const m = [...shares].sort((a, b) => a - b)[1];
  tt.ok(m >= 0.9, `median run: holdTheLoop carries ${(100 * m).toFixed(1)}% of the block time (>= 90%); runs ${shares.map((x) => (100 * x).toFixed(0)).join(', ')}%`);
});

t.test('a program that only waits on I/O has no blocks', async (tt) => {
  const { r, stderr } = run('io');
  tt.equal(stderr, '', 'nothing on stderr');
  tt.equal(r.profile, null, 'no event-loop profile: nothing blocked');
});

t.test('a program that is never idle but whose turns are short has no blocks', async (tt) => {
  const { r, stderr } = run('busy');
  tt.equal(stderr, '', 'nothing on stderr');
  tt.equal(r.profile, null, 'no event-loop profile: 1 ms turns back to back are not blocks');
});

/** Block time by whether a frame named `fn` is on the stack. */
function shareOf(p: Profile, fn: string): { inFn: number; total: number; count: number } {
  let inFn = 0;
  let total = 0;
  let count = 0;
  for (const s of p.samples) {
    total += s.value[1];
    count += s.value[0];
    if (s.frames.some((f) => f.name === fn)) inFn += s.value[1];
  }
  return { inFn, total, count };
}

/** Runs `mode`, which holds a loop once in `fn`: one block, mostly on `fn`, as long as measured. */
function oneBlockOn(tt: Test, mode: string, fn: string, minShare: number): { r: Result; p: Profile } {
  const { r, stderr } = run(mode);
  tt.equal(stderr, '', 'nothing on stderr');
  const p = r.profile!;
  tt.ok(p, 'a profile');
  const { inFn, total, count } = shareOf(p, fn);
  tt.equal(count, 1, 'one block');
  tt.ok(inFn / total >= minShare, `${fn} carries ${((100 * inFn) / total).toFixed(1)}% of the block time`);
  tt.ok(Math.abs(total / 1e6 - r.blockMs) <= 0.25 * r.blockMs, `block time ${(total / 1e6).toFixed(1)} ms vs ${r.blockMs.toFixed(1)} ms measured`);
  return { r, p };
}

t.test('an execSync that holds the loop is a block on its caller, with little CPU', async (tt) => {
  const { r, p } = oneBlockOn(tt, 'sync', 'waitInChild', 0.9);
  const cpu = /CPU in their samples ([\d.]+) ms/.exec(p.comments.join('\n'));
  tt.ok(cpu && Number(cpu[1]) < 0.5 * r.blockMs, `the comment says the block used little CPU: ${cpu?.[1]} ms`);
});

t.test("a worker thread's own loop is watched, under its thread labels", async (tt) => {
  const { p } = oneBlockOn(tt, 'worker', 'workerHold', 0.75);
  tt.ok(p.samples.every((s) => s.labels['thread id'] !== '0'), 'no block on the main thread, whose loop only waited');
});

t.test('with the time kind on too, both profiles are right', async (tt) => {
  const { r, stderr } = run('both');
  tt.equal(stderr, '', 'nothing on stderr');
  const blocks = shareOf(r.profile!, 'holdTheLoop');
  tt.equal(blocks.count >= 1, true, 'a block');
  tt.ok(blocks.inFn / blocks.total >= 0.75, `holdTheLoop carries ${((100 * blocks.inFn) / blocks.total).toFixed(1)}% of the block time`);
  const time = r.time!;
  tt.ok(time, 'a time profile');
  tt.same(time.sampleTypes, ['samples/count', 'wall/nanoseconds', 'cpu/nanoseconds']);
  let wall = 0;
  for (const s of time.samples) if (s.frames.some((f) => f.name === 'holdTheLoop')) wall += s.value[1];
  tt.ok(Math.abs(wall / 1e6 - r.blockMs) <= 0.1 * r.blockMs, `time profile: holdTheLoop wall ${(wall / 1e6).toFixed(1)} ms vs ${r.blockMs.toFixed(1)} ms measured (±10%)`);
});
