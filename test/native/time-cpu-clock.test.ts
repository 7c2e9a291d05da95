// Where the CPU samples come from: the thread's perf event (task-clock) when the kernel allows
// it, else a CPU-time timer, which the profile then says, with the kernel's reason. The kernel's
// refusal is made by preloading refuse-perf-events.c (perf_event_open fails with EACCES, as
// under perf_event_paranoid 3 or Docker's default seccomp filter). The event's signal that the
// kernel cannot queue comes as a plain SIGIO instead, made here by a pending-signal limit
// (`ulimit -i`) just above what the user's processes hold: the samples must still add up.
import t from 'tap';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const fixture = fileURLToPath(new URL('../fixtures/time/scenarios.mjs', import.meta.url));
const TIMER_NOTE = /CPU samples from a CPU-time timer \(perf_event_open refused: (\w+)/;

interface Result {
  truth: Record<string, [number, number]>;
  total: Record<string, [number, number, number]>;
  comments: string[];
}

function parse(out: string): Result {
  const line = out.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`no RESULT: ${out}`);
  return JSON.parse(line.slice(7)) as Result;
}

function run(env: NodeJS.ProcessEnv = process.env): Result {
  return parse(execFileSync(process.execPath, [fixture, 'pure', '1000'], { encoding: 'utf8', timeout: 60000, env }));
}

/** The profile's CPU of a and b against their own thread clocks, summed. */
function cpuRatio(r: Result): number {
  const prof = ['a', 'b'].reduce((s, f) => s + (r.total[f]?.[2] ?? 0), 0);
  const truth = ['a', 'b'].reduce((s, f) => s + r.truth[f]![1], 0);
  return prof / truth;
}

t.test('the kernel allows perf events: CPU samples from the task-clock event, no note', async (tt) => {
  const paranoid = Number(readFileSync('/proc/sys/kernel/perf_event_paranoid', 'utf8'));
  const r = run();
  const note = r.comments.find((c) => TIMER_NOTE.test(c));
  // At 3 and above an unprivileged process may open no perf event at all.
  if (paranoid <= 2) tt.equal(note, undefined, `perf_event_paranoid ${paranoid}: no timer note (${note ?? 'none'})`);
  else tt.ok(note, `perf_event_paranoid ${paranoid}: the timer note (${note ?? 'none'})`);
  const ratio = cpuRatio(r);
  tt.ok(Math.abs(ratio - 1) <= 0.1, `CPU of a and b: x${ratio.toFixed(3)} of their thread clocks (±10%)`);
});

t.test('the kernel refuses perf events: CPU samples from the CPU-time timer, said with the reason', async (tt) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hotpath-refuse-'));
  const lib = path.join(dir, 'refuse-perf-events.so');
  execFileSync('gcc', ['-shared', '-fPIC', '-O1', '-o', lib, fileURLToPath(new URL('../fixtures/time/refuse-perf-events.c', import.meta.url)), '-ldl']);
  const r = run({ ...process.env, LD_PRELOAD: lib });
  const notes = r.comments.filter((c) => TIMER_NOTE.test(c));
  tt.equal(notes.length, 1, `one note: ${notes[0] ?? 'none'}`);
  tt.equal(TIMER_NOTE.exec(notes[0] ?? '')?.[1], 'EACCES', 'it names the refusal');
  // The timer's samples add up to the thread's CPU (their spans are the timer's expiries).
  const ratio = cpuRatio(r);
  tt.ok(Math.abs(ratio - 1) <= 0.1, `CPU of a and b: x${ratio.toFixed(3)} of their thread clocks (±10%)`);
});

t.test('the kernel cannot queue the event\'s signal: its SIGIO instead is the sample, counted', async (tt) => {
  // RLIMIT_SIGPENDING counts the pending and timer-preallocated signals of all the user's
  // processes: the limit is set `extra` above what they hold when the fixture starts. At +1 the
  // main thread's wall timer takes the last slot and every CPU sample comes by SIGIO; other
  // processes' signals come and go (tests run side by side), so a run may find timer_create
  // refused or every signal queued: then +2, up to +5. Before the SIGIO guard SIGIO's default
  // action ended the process.
  const BY_SIGIO = /(\d+) CPU samples came by SIGIO/;
  const tries: string[] = [];
  let bySigio: Result | undefined;
  for (let extra = 1; extra <= 5 && !bySigio; extra++) {
    const script = `n=$(awk '/^SigQ/ { split($2, a, "/"); print a[1] }' /proc/self/status); ulimit -i $((n + ${extra})); ` +
      `exec "${process.execPath}" "${fixture}" pure 1000`;
    const p = spawnSync('bash', ['-c', script], { encoding: 'utf8', timeout: 60000 });
    tries.push(`+${extra}: exit ${p.status ?? p.signal}`);
    tt.equal(p.signal, null, `limit +${extra}: not ended by a signal (${p.signal ?? 'none'})`);
    if (p.status !== 0) continue;  // the wall timer refused (others took the slots): try higher
    const r = parse(p.stdout);
    if (r.comments.some((c) => BY_SIGIO.test(c))) bySigio = r;
  }
  tt.ok(bySigio, `a run had CPU samples by SIGIO (${tries.join(', ')})`);
  if (!bySigio) return;
  tt.comment(bySigio.comments.find((c) => BY_SIGIO.test(c))!);
  const ratio = cpuRatio(bySigio);
  tt.ok(Math.abs(ratio - 1) <= 0.1, `CPU of a and b: x${ratio.toFixed(3)} of their thread clocks (±10%)`);
});

t.test('a SIGIO that is not hotpath\'s: the application\'s handler gets it; without one the process ends by it', async (tt) => {
  const sigio = fileURLToPath(new URL('../fixtures/time/sigio.mjs', import.meta.url));
  const bare = spawnSync(process.execPath, [sigio, 'default'], { encoding: 'utf8', timeout: 30000 });
  tt.equal(bare.signal, 'SIGIO', `no handler: ended by ${bare.signal ?? `exit ${bare.status}`}, as without hotpath`);
  const handled = spawnSync(process.execPath, [sigio, 'handler'], { encoding: 'utf8', timeout: 30000 });
  tt.equal(handled.status, 0, `with process.on('SIGIO'): exit ${handled.status ?? handled.signal}`);
  tt.match(handled.stdout, /got SIGIO\nalive\n/, 'its handler got the signal');
});
