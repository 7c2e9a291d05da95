// One run of the overhead benchmark, in a fresh process: `node overhead-child.js <cpu|http> <none|hotpath>`.
//   cpu:  a fixed CPU-bound workload (many functions, stack depth ~25, allocation and JSON);
//         prints RESULT {wallMs, cpuMs}.
//   await: an await-heavy workload with or without labels (variant `labels` / `none`): the
//         cost of labels following await.
//   http: a node:http JSON service on an ephemeral port; prints READY <port>, serves until
//         stdin closes, then prints RESULT {cpuMs, requests}.
// With `hotpath`, the time profiler samples the main thread at 100 Hz (intervalMicros 10000)
// with 1 s periods, so each run also pays for period rotations and encoding in the worker.
import { startTimeProfiler } from '../src/time/time-profiler.js';
import { ThreadCollector } from '../src/time/thread-collector.js';
import { loadNative } from '../src/native.js';
import { chainWork, jsonServer, leaf } from './lib/workloads.js';

const [mode, variant] = process.argv.slice(2);
const profiler = variant === 'hotpath'
  ? startTimeProfiler({ intervalMicros: 10000, periodMs: 1000, onProfile: () => {} })
  : null;
if (variant === 'hotpath' && !profiler) throw new Error('hotpath did not start');
// `native`: only this thread's native collector (no aggregation worker), rotated every second
// and the batches dropped: separates the cost of sampling from the cost of aggregating.
if (variant === 'native') {
  const addon = loadNative()!;
  const c = new ThreadCollector(addon, { intervalMicros: 10000, periodMs: 1000, experiment: Number(process.env.HOTPATH_EXPERIMENT ?? 0) });
  setInterval(() => c.rotate(), 1000).unref();
}

async function main(): Promise<void> {
  if (mode === 'cpu') {
    // Warm-up (~1 s): code compiled and the aggregation worker started before the clock starts;
    // its one-time start-up (module loading, WASM compile) is not a per-second cost.
    const until = performance.now() + 1000;
    while (performance.now() < until) chainWork(2000);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const s = chainWork(Number(process.env.BENCH_ITERATIONS ?? 1500000));
    const wallMs = performance.now() - t0;
    const c = process.cpuUsage(c0);
    if (profiler) await profiler.stop();
    process.stdout.write(`RESULT ${JSON.stringify({ wallMs, cpuMs: (c.user + c.system) / 1000, s })}\n`);
    return;
  }
  if (mode === 'http') {
    let requests = 0;
    // The same service as bench/overhead-http.ts.
    const server = jsonServer(() => requests++);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address() as { port: number };
      process.stdout.write(`READY ${addr.port}\n`);
    });
    // The parent writes `mark` after its warm-up load: CPU and requests count from there.
    let c0 = process.cpuUsage();
    let r0 = 0;
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (d: string) => {
      if (d.includes('mark')) {
        c0 = process.cpuUsage();
        r0 = requests;
      }
    });
    process.stdin.on('end', async () => {
      const c = process.cpuUsage(c0);
      const n = requests - r0;
      server.close();
      if (profiler) await profiler.stop();
      process.stdout.write(`RESULT ${JSON.stringify({ cpuMs: (c.user + c.system) / 1000, requests: n })}\n`);
      process.exit(0);
    });
    return;
  }
  if (mode === 'await') {
    // An await-heavy workload: many concurrent "requests", each awaiting 20 times between small
    // bursts. `labels`: each request runs under withLabels (which turns on the async_hooks
    // before/after pair that keeps the label slot current); `none`: the same without labels.
    const { withLabels } = await import('../src/labels.js');
    const request = async (i: number): Promise<number> => {
      let h = 0;
      for (let k = 0; k < 20; k++) {
        h = (h + leaf(i + k)) | 0;
        await Promise.resolve();
      }
      return h;
    };
    const labelled = variant === 'labels';
    const round = async (n: number): Promise<void> => {
      const ps: Promise<number>[] = [];
      for (let i = 0; i < n; i++) {
        ps.push(labelled ? withLabels({ route: i % 2 ? '/users' : '/orders' }, () => request(i)) : request(i));
      }
      await Promise.all(ps);
    };
    for (let i = 0; i < 20; i++) await round(100); // warm-up
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const rounds = Number(process.env.BENCH_AWAIT_ROUNDS ?? 1000);
    for (let i = 0; i < rounds; i++) await round(100);
    const wallMs = performance.now() - t0;
    const c = process.cpuUsage(c0);
    process.stdout.write(`RESULT ${JSON.stringify({ wallMs, cpuMs: (c.user + c.system) / 1000, awaits: rounds * 100 * 20 })}\n`);
    return;
  }
  throw new Error(`overhead-child: unknown mode ${mode}`);
}
await main();
