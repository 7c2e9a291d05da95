// The addon loader and the native time-profiler API: loading (and not loading) the addon,
// option checks, one clock with process.hrtime, and the cost of a period rotation.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadNative } from '../../dist/src/collect/native.js';
import { startTimeProfiler } from '../../dist/src/collect/time-profiler.js';

const here = path.dirname(fileURLToPath(import.meta.url));

t.test('without a loadable addon: one warning, null, and the program runs on', async (tt) => {
  const script = `
    import { startTimeProfiler } from ${JSON.stringify(path.join(here, '..', '..', 'dist', 'src', 'collect', 'time-profiler.js'))};
    const p = startTimeProfiler({ intervalMicros: 10000 });
    console.log('profiler', p === null ? 'null' : 'started');
    console.log('still running');`;
  const bogus = path.join(mkdtempSync(path.join(tmpdir(), 'hotpath-')), 'hotpath.node');
  writeFileSync(bogus, 'not an ELF shared object');
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8', env: { ...process.env, HOTPATH_ADDON: bogus },
  });
  tt.equal(r.status, 0, 'exit code 0');
  tt.match(r.stdout, /profiler null\nstill running/);
  tt.match(r.stderr, /hotpath: native addon unavailable for Node v\d+/);
  tt.equal(r.stderr.split('\n').filter((l) => l.includes('unavailable')).length, 1, 'said once');
});

t.test('the addon loads and shares process.hrtime\'s clock', async (tt) => {
  const addon = loadNative();
  tt.ok(addon, 'loaded');
  const a = BigInt(addon!.monotonicNs());
  const h = process.hrtime.bigint();
  tt.ok(h - a >= 0n && h - a < 1_000_000n, `monotonicNs and hrtime within 1 ms (${h - a} ns)`);
});

// Intervals and periods are checked once, by the settings (test/cli/settings-resolve.test.ts).
t.test('a callback that is not a function is refused by name', async (tt) => {
  tt.throws(() => startTimeProfiler({ onProfile: 3 as unknown as () => void }), /onProfile must be a function/);
});

t.test('the addon\'s errors carry code HOTPATH_ADDON', async (tt) => {
  // A thread of its own: the time profiler is not initialised there.
  const r = spawnSync(process.execPath, ['--input-type=module', '-e',
    `import { loadNative } from ${JSON.stringify(path.join(here, '..', '..', 'dist', 'src', 'collect', 'native.js'))};
     try { loadNative().timeStart(); console.log('no error'); } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`,
  ], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  const e = JSON.parse(r.stdout.trim()) as { code: string; message: string };
  tt.equal(e.code, 'HOTPATH_ADDON');
  tt.equal(e.message, 'hotpath: the time profiler is not initialised on this thread');
});

t.test('a period rotation is short (no pause at period boundaries)', async (tt) => {
  const p = startTimeProfiler({ intervalMicros: 10000, periodMs: 600000 });
  tt.ok(p);
  const addon = loadNative()!;
  tt.throws(() => addon.timeInit(new Int32Array(2), 0, 'again', 10000, 1024, 0), /already initialised/);
  tt.ok(addon.registeredThreads().includes(0), 'main thread registered');
  const times: number[] = [];
  const orig = addon.timeRotate.bind(addon);
  addon.timeRotate = (restart: boolean) => {
    const t0 = performance.now();
    try { return orig(restart); } finally { times.push(performance.now() - t0); }
  };
  function work(): number { let x = 0; for (let i = 0; i < 2e6; i++) x += Math.sqrt(i); return x; }
  for (let i = 0; i < 10; i++) {
    work();
    await p!.flush();
  }
  await p!.stop();
  addon.timeRotate = orig;
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  tt.ok(median < 5, `median rotation ${median.toFixed(2)} ms (max ${sorted[sorted.length - 1].toFixed(2)} ms) on the app thread`);
  tt.notOk(addon.registeredThreads().includes(0), 'main thread unregistered after stop');
});

t.test('exit codes are kept: process.exit and uncaught errors while profiling (main and worker)', async (tt) => {
  const tp = JSON.stringify(path.join(here, '..', '..', 'dist', 'src', 'collect', 'time-profiler.js'));
  const cases: [string, number][] = [
    [`const m = await import(${tp}); m.startTimeProfiler({ intervalMicros: 1000 }); let x = 0; for (let i = 0; i < 1e7; i++) x += Math.sqrt(i); setTimeout(() => process.exit(3), 20);`, 3],
    [`const m = await import(${tp}); m.startTimeProfiler({ intervalMicros: 1000 }); setTimeout(() => { throw new Error('boom'); }, 20);`, 1],
    [`const { Worker } = await import('node:worker_threads');
      const m = await import(${tp}); m.startTimeProfiler({ intervalMicros: 1000 });
      const w = new Worker('import(' + JSON.stringify(${tp}) + ').then((m) => { m.startThreadCollector({ intervalMicros: 1000 }); let x = 0; for (let i = 0; i < 1e7; i++) x += Math.sqrt(i); process.exit(5); })', { eval: true });
      w.on('exit', (c) => process.exit(c + 1));`, 6],
  ];
  for (const [script, code] of cases) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    tt.equal(r.status, code, `exit code ${code} (signal ${r.signal}, stderr ${r.stderr.split('\n').find((l) => /terminate|Abort|Segmentation/.test(l)) ?? 'clean'})`);
  }
});
