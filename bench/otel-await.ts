// What span context costs on the application's thread, without HTTP's noise: the main thread's
// CPU (schedstat) per await of an await loop inside a span (the worst case for the hook: nothing
// but awaits), and per request of traced-server.ts's span shape (a root span, an await, a child
// span, an await: new spans every time), under the OpenTelemetry SDK (the AsyncLocalStorage
// context manager, hotpath/otel's span processor), without hotpath and with hotpath's time
// profiler (which then writes the active span into its slot). Fresh processes, the two
// alternating; on every Node major with a build here (this Node, and the node binaries
// scripts/build-native.sh caches).
//   node dist/bench/otel-await.js [--quick]   (ROUNDS, AWAITS, REQUESTS override)
import { fileURLToPath } from 'node:url';
import { cachedNodes, Figures, median, result, runNode, setting, systemLine, threadCpuMs, writeSection } from './lib/common.js';

const ROUNDS = setting('ROUNDS', 6, 2);
// schedstat moves at the scheduler tick for a running thread (4 ms here): a loop lasts ~100 ticks.
const AWAITS = setting('AWAITS', 2_000_000, 1_000_000);
const REQUESTS = setting('REQUESTS', 100_000, 50_000);
const WINDOWS = 7;
const self = fileURLToPath(import.meta.url);

async function child(withHotpath: boolean): Promise<void> {
  const { context, trace } = await import('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
  const { BasicTracerProvider } = await import('@opentelemetry/sdk-trace-base');
  const { ProfileSpanProcessor } = await import('../src/otel.js');
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new ProfileSpanProcessor()] }));
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const tracer = trace.getTracer('otel-await');
  if (withHotpath) {
    const { start } = await import('../src/index.js');
    start({ profiles: 'time', exporter: 'none' });
    await new Promise((r) => setTimeout(r, 100));
  }
  const awaits = async (n: number): Promise<number> => {
    let x = 0;
    for (let i = 0; i < n; i++) {
      await null;
      x += i;
    }
    return x;
  };
  const request = (): Promise<void> => tracer.startActiveSpan('GET /items', async (root) => {
    await Promise.resolve();
    await tracer.startActiveSpan('render', async (span) => {
      await Promise.resolve();
      span.end();
    });
    root.end();
  });
  const awaitLoop = async (): Promise<void> => tracer.startActiveSpan('request', async (span) => {
    await awaits(AWAITS);
    span.end();
  });
  const requests = async (): Promise<void> => {
    for (let i = 0; i < REQUESTS; i++) await request();
  };
  /** Median ns of main-thread CPU per unit of `run`. */
  const measure = async (run: () => Promise<void>, units: number): Promise<number> => {
    const ns: number[] = [];
    for (let i = 0; i < WINDOWS + 2; i++) {
      const c0 = threadCpuMs().main;
      await run();
      if (i >= 2) ns.push(((threadCpuMs().main - c0) * 1e6) / units);
    }
    return median(ns);
  };
  result({ await: await measure(awaitLoop, AWAITS), request: await measure(requests, REQUESTS) });
  process.exit(0);
}


async function main(): Promise<void> {
  const system = systemLine();
  const figs = new Figures('otel-await', system);
  const rows: string[] = [];
  for (const { major, bin } of cachedNodes()) {
    const without = { await: [] as number[], request: [] as number[] };
    const added = { await: [] as number[], request: [] as number[] };
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? [false, true] : [true, false];
      const got: Record<string, { await: number; request: number }> = {};
      for (const on of order) got[String(on)] = await runNode<{ await: number; request: number }>(self, ['child', on ? 'hotpath' : 'none'], { node: bin });
      for (const k of ['await', 'request'] as const) {
        without[k].push(got.false![k]);
        added[k].push(got.true![k] - got.false![k]);
      }
    }
    process.stderr.write(`otel-await: node ${major} done\n`);
    const a = figs.add(`node ${major}: ns added per await in a span`, added.await);
    const q = figs.add(`node ${major}: ns added per request (2 spans, 2 awaits)`, added.request);
    const us = (x: number): string => (x / 1000).toFixed(2);
    rows.push(`| ${major} | ${median(without.await).toFixed(1)} | ${a.median.toFixed(1)} (${a.min.toFixed(1)} to ${a.max.toFixed(1)}) | ` +
      `${us(median(without.request))} | ${us(q.median)} (${us(q.min)} to ${us(q.max)}) | ${ROUNDS} |`);
  }
  writeSection('otel-await', [
    '## OpenTelemetry span context: cost on the application\'s thread, per await and per request',
    '',
    system,
    '',
    `Method: under the SDK (AsyncLocalStorage context manager, hotpath/otel's span processor), an await loop (${AWAITS.toLocaleString('en')} awaits) in one span, ` +
      `and ${REQUESTS.toLocaleString('en')} requests of traced-server.ts's span shape without HTTP (a root span, an await, a child span, an await); ` +
      `the main thread's CPU per await and per request (schedstat), median of ${WINDOWS} loops after 2 warm-up loops; each process without hotpath or with its time profiler ` +
      '(which keeps every sample\'s span: an async_hooks `before` hook and the context manager\'s `with()` write the active span into the slot its signal handler copies); ' +
      `the two in fresh processes, alternating, ${ROUNDS} pairs per Node major; added = with less without, per pair (median, min to max).`,
    '',
    '| Node | ns per await, without hotpath | ns added per await (min to max) | µs per request, without hotpath | µs added per request (min to max) | pairs |',
    '|---|---|---|---|---|---|',
    ...rows,
  ]);
  figs.save();
}

if (process.argv[2] === 'child') await child(process.argv[3] === 'hotpath');
else await main();
