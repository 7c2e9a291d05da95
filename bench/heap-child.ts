// One run of the heap profile benchmark (bench/heap.ts), in a fresh process.
//   node heap-child.js work <none|heap> <iterations>
//     An allocation-heavy workload (objects, arrays, strings, JSON, a Map of recent items):
//     fixed work; prints wall and process CPU (every thread, so the encoder's work counts).
//   node heap-child.js blocks <rounds> <iterations>     (see blocks() below)
//   node heap-child.js http <none|heap>
//     A node:http JSON service (each request builds and serializes 100 items); prints
//     `READY <port>`; `mark` on stdin starts the count, the end of stdin prints the process CPU
//     and the requests served since the mark.
//   node --expose-gc heap-child.js periods <none|heap> <periods> <periodMs>
//     The same workload in short periods, each ended like the profiler ends one; after every
//     25 periods, gc() and a memory reading. Prints the readings.
import { startHeapCollector } from '../src/collect/heap-collector.js';
import type { KindCollector } from '../src/collect/kind-collector.js';
import { gunzipSync } from 'node:zlib';
import { decodeProfile } from '../src/profile/decode.js';

const [mode, variant, a, b] = process.argv.slice(2);

interface Item { id: number; name: string; tags: string[]; score: number; nested: { at: number; list: number[] } }

function makeItem(i: number): Item {
  return { id: i, name: `item-${i}`, tags: ['a' + (i & 7), 'b' + (i & 15)], score: i * 0.5, nested: { at: i, list: [i, i + 1, i + 2, i + 3] } };
}
function render(items: Item[]): string {
  return JSON.stringify(items.map((x) => ({ id: x.id, label: x.name.toUpperCase(), n: x.nested.list.length })));
}
function parseBack(s: string): number {
  return (JSON.parse(s) as { id: number }[]).reduce((acc, x) => acc + x.id, 0);
}
const recent = new Map<number, Item>();
let sink = 0;
function step(i: number): void {
  const batch: Item[] = [];
  for (let k = 0; k < 16; k++) batch.push(makeItem(i * 16 + k));
  sink += parseBack(render(batch));
  recent.set(i, batch[0]);
  if (recent.size > 20000) recent.delete(i - 20000);
  const buf = new Array(48).fill(i);
  sink += buf.length;
}

/**
 * Steady state: the encoder worker's first periods are a one-time cost (its start, the WASM core
 * and V8's background tier-up compiles of it), so a few period ends and a pause come first.
 */
async function warmUp(collector: KindCollector | null): Promise<void> {
  for (let i = 0; i < 20000; i++) step(i);
  for (let k = 0; k < 3 && collector; k++) {
    for (let i = 0; i < 5000; i++) step(i);
    await collector.endPeriod({ timeNanos: unixNs(), durationNanos: 1 }, []);
  }
  await new Promise((resolve) => setTimeout(resolve, 700));
}

const unixNs = (): bigint => BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6)) * 1000n;

async function work(iterations: number): Promise<void> {
  const collector: KindCollector | null = variant === 'heap' ? startHeapCollector({}) : null;
  await warmUp(collector);
  const start = unixNs();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) step(i);
  // One period end inside the measured time (a real period is 60 s, so this over-weighs it).
  let bytes = 0;
  if (collector) bytes = (await collector.endPeriod({ timeNanos: start, durationNanos: 1 }, []))?.byteLength ?? 0;
  const wallMs = performance.now() - t0;
  const cu = process.cpuUsage(c0);
  if (collector) await collector.stop({ timeNanos: start, durationNanos: 1 }, []);
  console.log('RESULT ' + JSON.stringify({ wallMs, cpuMs: (cu.user + cu.system) / 1000, bytes, sink: sink % 7 }));
}

// In one process, blocks of the same work with V8's sampler off, on without GC-interval reads,
// and on by default, in rotating order: adjacent blocks share the machine's state, so the
// ratios separate V8's own cost from hotpath's reads. Main-thread CPU (the addon's clock).
async function blocks(rounds: number, iterations: number): Promise<void> {
  const { loadNative } = await import('../src/collect/native.js');
  const { DEFAULTS } = await import('../src/common/settings.js');
  const addon = loadNative()!;
  const variants: Record<string, number | null> = { none: null, v8only: 1e-9, default: 0 };
  const cpu: Record<string, number[]> = { none: [], v8only: [], default: [] };
  const samples: number[] = [];
  const readNs: number[] = [];
  let base = 0;
  for (let i = 0; i < 20000; i++) step(i);
  for (let r = 0; r < rounds; r++) {
    const order = Object.keys(variants);
    if (r % 2) order.reverse();
    for (const v of order) {
      const share = variants[v];
      if (share !== null) addon.heapInit(0, 'main', 512 * 1024, 64, DEFAULTS.heapReadBudget, share, r);
      const c0 = addon.threadCpuNs();
      for (let i = 0; i < iterations; i++) step(base + i);
      cpu[v].push((addon.threadCpuNs() - c0) / 1e6);
      base += iterations;
      if (share !== null) {
        const b = addon.heapRotate(true)!;
        addon.heapDispose();
        if (v === 'default') {
          samples.push(b.stats.samples);
          readNs.push(b.stats.readNs);
        }
      }
    }
  }
  console.log('RESULT ' + JSON.stringify({ cpu, samples, readNs }));
}

async function periods(n: number, periodMs: number): Promise<void> {
  const collector: KindCollector | null = variant === 'heap' ? startHeapCollector({}) : null;
  const gc = (globalThis as { gc?: () => void }).gc!;
  const readings: { period: number; rss: number; heapUsed: number; external: number; profileBytes: number; v8Samples: number; tableBytes: number }[] = [];
  let i = 0;
  for (let p = 1; p <= n; p++) {
    const t0 = performance.now();
    while (performance.now() - t0 < periodMs) for (let k = 0; k < 50; k++) step(i++);
    const bytes = collector ? await collector.endPeriod({ timeNanos: unixNs(), durationNanos: periodMs * 1e6 }, []) : null;
    if (p % 25 === 0) {
      // What the profiler keeps, as the profile's comment says it: V8's samples, hotpath's tables.
      const note = bytes ? decodeProfile(gunzipSync(bytes)).comment.join(' ') : '';
      const m1 = /V8 holds (\d+) samples, hotpath's tables (\d+) bytes/.exec(note);
      gc();
      const m = process.memoryUsage();
      readings.push({ period: p, rss: m.rss, heapUsed: m.heapUsed, external: m.external, profileBytes: bytes?.byteLength ?? 0,
        v8Samples: Number(m1?.[1] ?? 0), tableBytes: Number(m1?.[2] ?? 0) });
    }
  }
  if (collector) await collector.stop({ timeNanos: unixNs(), durationNanos: 0 }, []);
  console.log('RESULT ' + JSON.stringify({ readings }));
}

async function http(): Promise<void> {
  const { createServer } = await import('node:http');
  // v8only: V8's sampler with (almost) no GC-interval reads, to separate the two costs.
  const collector: KindCollector | null = variant === 'heap' ? startHeapCollector({})
    : variant === 'v8only' ? startHeapCollector({ probeShare: 1e-9 }) : null;
  if (variant === 'sampler') {
    // The addon's sampler on this thread (adaptive reads), without the collector's worker.
    const { loadNative } = await import('../src/collect/native.js');
      loadNative()!.heapInit(0, 'main', 512 * 1024, 64, 0.002, 0, 1);
  }
  if (variant === 'inspector') {
    // V8's sampling heap profiler started by the inspector, without hotpath: V8's own cost.
    const { Session } = await import('node:inspector');
    const session = new Session();
    session.connect();
    session.post('HeapProfiler.startSampling', { samplingInterval: 512 * 1024 });
  }
  let requests = 0;
  let seq = 0;
  const server = createServer((req, res) => {
    requests++;
    const items: Item[] = [];
    for (let k = 0; k < 100; k++) items.push(makeItem(seq++));
    const body = JSON.stringify({ items, total: items.length, page: req.url });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  });
  await warmUp(collector);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const start = unixNs();
  let c0 = process.cpuUsage();
  let r0 = 0;
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (d: string) => {
    if (!d.includes('mark')) return;
    c0 = process.cpuUsage();
    r0 = requests;
  });
  process.stdin.on('end', () => {
    void (async () => {
      // One period end inside the measured load (a real period is 60 s).
      if (collector) await collector.endPeriod({ timeNanos: start, durationNanos: 1 }, []);
      const cu = process.cpuUsage(c0);
      const served = requests - r0;
      if (collector) await collector.stop({ timeNanos: start, durationNanos: 1 }, []);
      server.close();
      console.log('RESULT ' + JSON.stringify({ cpuMs: (cu.user + cu.system) / 1000, requests: served }));
    })();
  });
  console.log(`READY ${(server.address() as { port: number }).port}`);
}

if (mode === 'work') await work(Number(a));
else if (mode === 'http') await http();
else if (mode === 'periods') await periods(Number(a), Number(b));
else if (mode === 'blocks') await blocks(Number(variant), Number(a));
else throw new Error(`heap-child: unknown mode ${mode}`);
