// Cost of the contention profile at its default share, on workloads of 10,000 lock acquires a
// second (each acquire followed by ~90 µs of work while holding the lock), in alternating pairs
// of fresh processes (none, hotpath; the order flips every pair): the result is the median of
// the paired wall-time ratios, because run-to-run noise on a shared machine is larger than the
// effect. Also, in one process, the cost of one acquire/release (not sampled, and sampled).
// Writes the "Contention" section of bench/RESULTS.md.
//   npm run build:ts && node dist/bench/contention.js        (PAIRS=7 by default)
// Also the helpers of bench/exceptions.ts and bench/eventloop.ts.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const here = path.dirname(fileURLToPath(import.meta.url));
export const resultsFile = path.resolve(here, '..', '..', 'bench', 'RESULTS.md');
export const PAIRS = Number(process.env.PAIRS ?? 7);

export function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function fmt(r: number): string {
  return `${r.toFixed(4)} (${r >= 1 ? '+' : ''}${((r - 1) * 100).toFixed(2)}%)`;
}

export function systemLine(): string {
  const cpuModel = (os.cpus()[0]?.model ?? 'unknown CPU').replace(/\s+/g, ' ').trim();
  return `System: ${cpuModel}, ${os.cpus().length} cores (shared with other jobs), Node ${process.version}, ${os.type()} ${os.release()}, ${new Date().toISOString().slice(0, 10)}`;
}

/** Runs `node script child ...args` and returns its RESULT line. */
export function runChild(script: string, args: string[]): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [script, 'child', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.setEncoding('utf8');
    p.stdout.on('data', (d: string) => { out += d; });
    p.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || !line) reject(new Error(`${args.join(' ')} exited ${code}: ${out}`));
      else resolve(JSON.parse(line.slice(7)) as Record<string, number>);
    });
  });
}

/** Alternating pairs: the median of the ratios hotpath/none of `key`, with min and max. */
export async function pairs(script: string, workload: string, key: string, variant = 'hotpath', n = PAIRS): Promise<{ median: number; min: number; max: number; none: number }> {
  const ratios: number[] = [];
  const nones: number[] = [];
  for (let i = 0; i < n; i++) {
    const order = i % 2 === 0 ? ['none', variant] : [variant, 'none'];
    const r: Record<string, Record<string, number>> = {};
    for (const v of order) r[v] = await runChild(script, [workload, v]);
    ratios.push(r[variant][key] / r.none[key]);
    nones.push(r.none[key]);
    process.stderr.write(`${path.basename(script)} ${workload} pair ${i + 1}/${n}: ${key} ratio ${ratios[i].toFixed(4)}\n`);
  }
  return { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios), none: median(nones) };
}

export function row(name: string, measure: string, r: { median: number; min: number; max: number }): string {
  return `| ${name} | ${measure} | ${fmt(r.median)} | ${r.min.toFixed(3)} | ${r.max.toFixed(3)} |`;
}

/** Replaces (or appends) the section between `<!-- key:start` and `<!-- key:end -->`. */
export function writeSection(key: string, lines: string[]): void {
  const section = lines.join('\n');
  let doc = existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8') : '# Benchmark results\n';
  const re = new RegExp(`<!-- ${key}:start[\\s\\S]*?<!-- ${key}:end -->`);
  doc = re.test(doc) ? doc.replace(re, section) : doc.trimEnd() + '\n\n' + section + '\n';
  writeFileSync(resultsFile, doc);
  process.stdout.write(section + '\n');
}

export function spin(us: number): void {
  const end = performance.now() + us / 1000;
  while (performance.now() < end);
}

/**
 * Lets a collector's helper threads (encoder worker, watchdog) finish starting before the
 * measurement: their start-up (WASM compilation) is a one-time cost, not the steady state.
 * Called in the `none` runs too, so both sides wait the same.
 */
export function settle(): Promise<void> {
  return new Promise((r) => setTimeout(r, 700));
}

export async function settingsFor(kind: string): Promise<unknown> {
  const { resolveSettings } = await import('../src/settings.js');
  return resolveSettings({ profiles: kind }, {}, {});
}

// ---------------------------------------------------------------------------------------------

const CYCLES = Number(process.env.CYCLES ?? 30000);
const WORK_US = 90;

async function child(workload: string, variant: string): Promise<void> {
  const { createContentionCollector, trackLock } = await import('../src/contention/collector.js');
  const opts = variant === 'all' ? { lockShare: 1, lockSamplesPerSecond: Infinity } : variant === 'never' ? { lockShare: 1e-9 } : variant === 'rare' ? { lockShare: 1e-3 } : {};
  const settings = (await settingsFor('contention')) as Parameters<typeof createContentionCollector>[0];
  if (workload === 'atomics') {
    // Locks on Atomics are a worker-thread thing: the loop runs in a worker (the collector
    // with it, answering the period ends like any worker thread's collector).
    const w = new Worker(new URL(import.meta.url), { workerData: { variant, cycles: CYCLES } });
    await new Promise((resolve) => w.once('message', resolve)); // ready
    const cpu0 = process.cpuUsage();
    w.postMessage('go');
    const r = await new Promise<Record<string, number>>((resolve) => w.once('message', resolve));
    const cpu = process.cpuUsage(cpu0);
    await w.terminate();
    console.log('RESULT ' + JSON.stringify({ ...r, cpuMs: (cpu.user + cpu.system) / 1000 }));
    return;
  }
  const collector = variant === 'none' ? null : createContentionCollector(settings, opts);
  await settle();
  let loop: () => Promise<void>;
  if (workload === 'mutex') {
    const { Mutex } = await import('async-mutex');
    const mutex = new Mutex();
    loop = async () => {
      for (let i = 0; i < CYCLES; i++) {
        const release = await mutex.acquire();
        spin(WORK_US);
        release();
      }
    };
  } else {
    const lock = trackLock('bench lock');
    loop = async () => {
      for (let i = 0; i < CYCLES; i++) {
        const t = lock.acquiring();
        lock.acquired(t);
        spin(WORK_US);
        lock.released();
      }
    };
  }
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await loop();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await collector?.stop({ timeNanos: 0n, durationNanos: 0 }, []);
  console.log('RESULT ' + JSON.stringify({ wallMs, cpuMs: (cpu.user + cpu.system) / 1000, perSecond: (CYCLES / wallMs) * 1000 }));
}

async function atomicsWorker(): Promise<void> {
  const { variant, cycles } = workerData as { variant: string; cycles: number };
  const { createContentionCollector } = await import('../src/contention/collector.js');
  const settings = (await settingsFor('contention')) as Parameters<typeof createContentionCollector>[0];
  const collector = variant === 'none' ? null : createContentionCollector(settings, variant === 'all' ? { lockShare: 1, lockSamplesPerSecond: Infinity } : {});
  await settle();
  parentPort!.postMessage('ready');
  await new Promise((r) => parentPort!.once('message', r));
  const ta = new Int32Array(new SharedArrayBuffer(8));
  const t0 = performance.now();
  for (let i = 0; i < cycles; i++) {
    Atomics.wait(ta, 0, 1, 0); // 'not-equal' at once: the hook's cost, not a real wait
    spin(WORK_US);
    Atomics.notify(ta, 0, 1);
  }
  const wallMs = performance.now() - t0;
  await collector?.stop({ timeNanos: 0n, durationNanos: 0 }, []);
  parentPort!.postMessage({ wallMs, perSecond: (cycles / wallMs) * 1000 });
}

/** ns per acquire+release of a tracked lock with no work: none, hooks with default share, all sampled. */
async function micro(): Promise<Record<string, number>> {
  const { createContentionCollector, trackLock } = await import('../src/contention/collector.js');
  const settings = (await settingsFor('contention')) as Parameters<typeof createContentionCollector>[0];
  const N = 200_000;
  const measure = (): number => {
    const lock = trackLock('micro');
    const c0 = process.cpuUsage();
    for (let i = 0; i < N; i++) {
      const t = lock.acquiring();
      lock.acquired(t);
      lock.released();
    }
    const c = process.cpuUsage(c0);
    return ((c.user + c.system) * 1000) / N;
  };
  const out: Record<string, number[]> = { none: [], share: [], all: [] };
  for (let rep = 0; rep < 5; rep++) {
    out.none.push(measure());
    let c = createContentionCollector(settings, { asyncMutex: false, atomics: false })!;
    out.share.push(measure());
    await c.stop({ timeNanos: 0n, durationNanos: 0 }, []);
    c = createContentionCollector(settings, { asyncMutex: false, atomics: false, lockShare: 1, lockSamplesPerSecond: Infinity, limits: { maxEvents: 1e7 } })!;
    const m = measure();
    out.all.push(m);
    await c.stop({ timeNanos: 0n, durationNanos: 0 }, []);
  }
  return { none: median(out.none), share: median(out.share), all: median(out.all) };
}

async function main(): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const { DEFAULT_LOCK_SHARE, DEFAULT_LOCK_SAMPLES_PER_SECOND } = await import('../src/contention/collector.js');
  const mutex = await pairs(self, 'mutex', 'cpuMs');
  const track = await pairs(self, 'track', 'cpuMs');
  const atomics = await pairs(self, 'atomics', 'cpuMs');
  const m = await runChild(self, ['micro', 'x']);
  const share = DEFAULT_LOCK_SHARE;
  writeSection('contention', [
    '<!-- contention:start (written by bench/contention.ts; `npm run bench:collectors`) -->',
    '## Contention profile',
    '',
    systemLine(),
    '',
    `${PAIRS} alternating pairs of fresh processes (none, hotpath; the order flips every pair); each figure is the median of the paired ratios of process CPU time (all threads, the encoder worker included) hotpath / none: wall time swings by tens of percent on this shared machine, CPU time much less. ` +
    `hotpath = \`createContentionCollector(settings)\` at its defaults (1 in ${Math.round(1 / share)} acquires sampled at most, ${DEFAULT_LOCK_SAMPLES_PER_SECOND} sampled acquires a second at most per thread). ` +
    `Each workload runs ${CYCLES.toLocaleString('en-US')} acquire/release cycles holding the lock for ${WORK_US} µs of work: about ${Math.round(mutex.none).toLocaleString('en-US')} ms of CPU, i.e. ~10,000 acquires a second.`,
    '',
    '| workload | measure | median ratio (hotpath / none) | min | max |',
    '|---|---|---|---|---|',
    row('async-mutex Mutex, acquire()/release()', 'process CPU', mutex),
    row('trackLock(), acquiring()/acquired()/released()', 'process CPU', track),
    row('Atomics.wait (not-equal) + Atomics.notify, in a worker', 'process CPU', atomics),
    '',
    `CPU time of one acquire+release of a tracked lock with no work, in one process (median of 5 x 200,000, hot code): no collector ${m.none.toFixed(0)} ns; ` +
    `collector at its defaults: ${m.share.toFixed(0)} ns; every acquire sampled (two structured stack captures, events recorded): ${(m.all / 1000).toFixed(1)} µs. ` +
    `In the workloads above a sampled acquire runs as cold code and costs several times that (a CPU profile of the trackLock run puts 25-60 µs on the main thread per sampled acquire+release), ` +
    `which is why the share is capped by a budget of ${DEFAULT_LOCK_SAMPLES_PER_SECOND} sampled acquires a second per thread (src/contention/state.ts): at 10,000 acquires a second the share settles near 1 in ${Math.round(10000 / DEFAULT_LOCK_SAMPLES_PER_SECOND)}, ` +
    `and the cost stays about the same at any acquire rate. Waits of 10 ms or more (trackLock, Atomics) are always recorded: at most 100 a second per thread.`,
    '',
    'Status (2026-11-25, host at load 5-11 on its 2 cores): the rows above are above the 1% target. On the same host an A/A run (none vs none, 5 pairs) spread 0.95-1.01, and hooks that never sample (share 1e-9) measured 1.000 against none, so the unsampled path is free and the excess is in the sampled path; ' +
    'it did not scale down with the budget (50 -> 20 sampled acquires a second gave +1.7/2.5/2.0% -> +1.6/2.0/1.7%), which the per-operation figures above do not explain (20 x 60 µs = 0.12%). Suspected: a sampled capture (Error.prepareStackTrace swapped, Error.stackTraceLimit raised) keeps V8 from fully optimising the hot loop around it in a short fresh process; to be re-measured on a quiet host and with longer runs.',
    '<!-- contention:end -->',
  ]);
}

// Only when run as a script (bench/exceptions.ts and bench/eventloop.ts import the helpers).
if (!isMainThread && (workerData as { cycles?: number } | null)?.cycles !== undefined) {
  await atomicsWorker();
} else if (isMainThread && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] !== 'child') await main();
  else if (process.argv[3] === 'micro') console.log('RESULT ' + JSON.stringify(await micro()));
  else await child(process.argv[3], process.argv[4]);
}
