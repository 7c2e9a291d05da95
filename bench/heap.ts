// Cost and memory of the default heap profile (512 KiB interval, adaptive GC-interval reads),
// in fresh processes (bench/heap-child.ts):
//   cost:   an allocation-heavy workload of fixed size, in PAIRS alternating pairs (none, heap;
//           the order flips every pair): median of the paired ratios heap/none of wall time and
//           of process CPU (all threads: the encoder worker's work counts).
//   http:   a node:http JSON service under autocannon, HTTP_PAIRS alternating pairs: server CPU
//           per request and throughput, heap/none.
//   blocks: in one process, adjacent blocks without profiler / V8's profiler alone / default.
//   memory: PERIODS short periods (PERIOD_MS each, the same workload between period ends),
//           with and without the profiler: RSS and heapUsed after gc() every 25 periods; the
//           least-squares slope from period 100 on, in bytes per period.
// Writes the "Heap profile" section of bench/RESULTS.md (between its markers).
//   npm run build && npm run bench:heap        (PAIRS=16 ITER=160000 HTTP_PAIRS=8 DURATION=5 PERIODS=600 PERIOD_MS=50
//                                             ROUNDS=40 BLOCK_ITER=20000)
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error autocannon ships no types; the fields used are declared below.
import autocannonUntyped from 'autocannon';
import { median, slope } from './lib/common.js';

interface LoadResult { requests: { average: number }; latency: { p99: number } }
const autocannon = autocannonUntyped as (opts: { url: string; connections: number; duration: number }) => Promise<LoadResult>;

const PAIRS = Number(process.env.PAIRS ?? 16);
const ITER = Number(process.env.ITER ?? 160000);
const PERIODS = Number(process.env.PERIODS ?? 600);
const PERIOD_MS = Number(process.env.PERIOD_MS ?? 50);
const ROUNDS = Number(process.env.ROUNDS ?? 40);
const HTTP_PAIRS = Number(process.env.HTTP_PAIRS ?? 8);
const DURATION = Number(process.env.DURATION ?? 5);
const BLOCK_ITER = Number(process.env.BLOCK_ITER ?? 20000);
const here = path.dirname(fileURLToPath(import.meta.url));
const child = path.join(here, 'heap-child.js');
const resultsFile = path.resolve(here, '..', '..', 'bench', 'RESULTS.md');
const START = '<!-- heap:start -->';
const END = '<!-- heap:end -->';

function runChild(args: string[], flags: string[] = [], onReady?: (port: number, mark: () => void) => Promise<void>): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...flags, child, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    let ready = false;
    p.stdout.setEncoding('utf8');
    p.stdout.on('data', (d: string) => {
      out += d;
      const m = /READY (\d+)/.exec(out);
      if (m && !ready && onReady) {
        ready = true;
        onReady(Number(m[1]), () => p.stdin.write('mark\n')).then(() => p.stdin.end(), (e: Error) => { p.kill(); reject(e); });
      }
    });
    if (!onReady) p.stdin.end();
    p.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || !line) reject(new Error(`${args.join(' ')} exited ${code}: ${out}`));
      else resolve(JSON.parse(line.slice(7)) as Record<string, unknown>);
    });
  });
}

interface Reading { period: number; rss: number; heapUsed: number; external: number; profileBytes: number; v8Samples: number; tableBytes: number }

async function main(): Promise<void> {
  const load = os.loadavg()[0];
  const wall: number[] = [];
  const cpu: number[] = [];
  const raw: string[] = [];
  for (let i = 0; i < PAIRS; i++) {
    const order = i % 2 === 0 ? ['none', 'heap'] : ['heap', 'none'];
    const r: Record<string, { wallMs: number; cpuMs: number }> = {};
    for (const v of order) r[v] = (await runChild(['work', v, String(ITER)])) as { wallMs: number; cpuMs: number };
    wall.push(r.heap.wallMs / r.none.wallMs);
    cpu.push(r.heap.cpuMs / r.none.cpuMs);
    raw.push(`${r.none.wallMs.toFixed(0)}/${r.heap.wallMs.toFixed(0)} ms wall, ${r.none.cpuMs.toFixed(0)}/${r.heap.cpuMs.toFixed(0)} ms cpu`);
    process.stderr.write(`pair ${i + 1}: ${raw[raw.length - 1]}\n`);
  }
  const httpCpu: number[] = [];
  const httpRps: number[] = [];
  const httpRaw: string[] = [];
  for (let i = 0; i < HTTP_PAIRS; i++) {
    const order = i % 2 === 0 ? ['none', 'heap'] : ['heap', 'none'];
    const r: Record<string, { cpuPerReq: number; rps: number }> = {};
    for (const v of order) {
      let load: LoadResult | undefined;
      const res = (await runChild(['http', v], [], async (port, mark) => {
        await autocannon({ url: `http://127.0.0.1:${port}/items`, connections: 10, duration: 1 }); // warm-up
        mark();
        load = await autocannon({ url: `http://127.0.0.1:${port}/items`, connections: 10, duration: DURATION });
      })) as { cpuMs: number; requests: number };
      r[v] = { cpuPerReq: res.cpuMs / res.requests, rps: load!.requests.average };
    }
    httpCpu.push(r.heap.cpuPerReq / r.none.cpuPerReq);
    httpRps.push(r.heap.rps / r.none.rps);
    httpRaw.push(`${r.none.rps.toFixed(0)}/${r.heap.rps.toFixed(0)} req/s, ${(r.none.cpuPerReq * 1000).toFixed(0)}/${(r.heap.cpuPerReq * 1000).toFixed(0)} us cpu/req`);
    process.stderr.write(`http pair ${i + 1}: ${httpRaw[httpRaw.length - 1]}\n`);
  }
  const bl = (await runChild(['blocks', String(ROUNDS), String(BLOCK_ITER)])) as { cpu: Record<string, number[]>; samples: number[]; readNs: number[] };
  const blockRatio = (v: string): number => median(bl.cpu[v].map((x, i) => x / bl.cpu.none[i]));
  const blockMs = median(bl.cpu.none);
  const perSampleUs = ((blockRatio('v8only') - 1) * blockMs * 1000) / median(bl.samples);
  const readShare = median(bl.readNs.map((ns, i) => ns / 1e6 / bl.cpu.default[i]));
  const mem: Record<string, Reading[]> = {};
  for (const v of ['none', 'heap']) {
    mem[v] = ((await runChild(['periods', v, String(PERIODS), String(PERIOD_MS)], ['--expose-gc'])) as { readings: Reading[] }).readings;
  }
  const slopes = (v: string, key: 'rss' | 'heapUsed'): number =>
    slope(mem[v].filter((p) => p.period >= 100).map((p) => ({ x: p.period, y: p[key] })));
  const first = (v: string): Reading => mem[v].find((p) => p.period >= 100)!;
  const last = (v: string): Reading => mem[v][mem[v].length - 1];
  const mb = (n: number): string => (n / 1e6).toFixed(1);
  const pct = (x: number): string => `${((x - 1) * 100).toFixed(2)}%`;
  const cpuModel = os.cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
  const lines = [
    START,
    '## Heap profile (issue 5)',
    '',
    `System: ${cpuModel}, ${os.cpus().length} cores (shared with other jobs), Node ${process.version}, ${os.type()} ${os.release()}, ` +
      `${new Date().toISOString().slice(0, 10)} (load average at start ${load.toFixed(1)})`,
    '',
    '`npm run build && npm run bench:heap` (bench/heap.ts, bench/heap-child.ts). Default settings: 512 KiB mean',
    'sampling interval, 64 frames, GC-interval reads adaptive within 0.2% of the thread\'s CPU.',
    '',
    `Cost on an allocation-heavy workload (objects, arrays, strings, JSON, a Map of recent items; ${ITER} steps,`,
    `one period end inside the measured time), ${PAIRS} alternating pairs of fresh processes, median of paired ratios heap/none:`,
    '',
    '| measure | median ratio | overhead | per-pair ratios |',
    '|---|---|---|---|',
    `| wall time | ${median(wall).toFixed(4)} | ${pct(median(wall))} | ${wall.map((x) => x.toFixed(3)).join(' ')} |`,
    `| process CPU (all threads) | ${median(cpu).toFixed(4)} | ${pct(median(cpu))} | ${cpu.map((x) => x.toFixed(3)).join(' ')} |`,
    '',
    `Runs (none/heap): ${raw.join('; ')}.`,
    '',
    `A node:http JSON service (each request builds and serializes 100 items), autocannon 10 connections for ${DURATION} s after`,
    `a 1 s warm-up, ${HTTP_PAIRS} alternating pairs (one period end inside the load):`,
    '',
    '| measure | median ratio | overhead | per-pair ratios |',
    '|---|---|---|---|',
    `| server CPU per request | ${median(httpCpu).toFixed(4)} | ${pct(median(httpCpu))} | ${httpCpu.map((x) => x.toFixed(3)).join(' ')} |`,
    `| throughput | ${median(httpRps).toFixed(4)} | ${pct(median(httpRps))} | ${httpRps.map((x) => x.toFixed(3)).join(' ')} |`,
    '',
    `Runs (none/heap): ${httpRaw.join('; ')}.`,
    '',
    `Where it goes (one process, ${ROUNDS} rounds of three adjacent blocks of ${BLOCK_ITER} steps, ~${blockMs.toFixed(0)} ms each, order`,
    'flipping every round; main-thread CPU; median of the ratios to the round\'s block without profiler):',
    '',
    '| block | median ratio | overhead |',
    '|---|---|---|',
    `| V8's sampling heap profiler alone (hotpath reads nothing) | ${blockRatio('v8only').toFixed(4)} | ${pct(blockRatio('v8only'))} |`,
    `| default (V8's profiler + hotpath's GC-interval reads) | ${blockRatio('default').toFixed(4)} | ${pct(blockRatio('default'))} |`,
    '',
    `${median(bl.samples)} samples per block (${((median(bl.samples) / blockMs) * 1000).toFixed(0)} per CPU second, i.e. ` +
      `~${((median(bl.samples) * 512 * 1024) / blockMs / 1e6).toFixed(2)} GB/s allocated): V8's profiler costs ~${perSampleUs.toFixed(1)} us per sample; ` +
      `hotpath's reads took ${(readShare * 100).toFixed(2)}% of the block's CPU.`,
    '',
    `Memory over ${PERIODS} periods of ${PERIOD_MS} ms (the same workload between period ends; gc() before each reading,`,
    'every 25 periods; least-squares slope from period 100 on):',
    '',
    '| variant | RSS at 100 / at end (MB) | RSS slope (bytes/period) | heapUsed at 100 / at end (MB) | heapUsed slope (bytes/period) |',
    '|---|---|---|---|---|',
    ...['none', 'heap'].map((v) => `| ${v} | ${mb(first(v).rss)} / ${mb(last(v).rss)} | ${slopes(v, 'rss').toFixed(0)} | ` +
      `${mb(first(v).heapUsed)} / ${mb(last(v).heapUsed)} | ${slopes(v, 'heapUsed').toFixed(0)} |`),
    '',
    `What the profiler itself keeps, from the profile's own comment, at periods ${mem.heap.map((r) => r.period).filter((p) => p % 100 === 0).join(', ')}: ` +
      `samples held by V8's profiler ${mem.heap.filter((r) => r.period % 100 === 0).map((r) => r.v8Samples).join(', ')}; ` +
      `hotpath's native tables (bytes, at the period's end, before they are cleared) ${mem.heap.filter((r) => r.period % 100 === 0).map((r) => r.tableBytes).join(', ')}; ` +
      `slope of V8's samples ${slope(mem.heap.filter((p) => p.period >= 100).map((p) => ({ x: p.period, y: p.v8Samples }))).toFixed(3)} per period.`,
    '',
    `Profile size per ${PERIOD_MS} ms period: ${last('heap').profileBytes} bytes.`,
    END,
  ];
  const section = lines.join('\n');
  process.stdout.write(section + '\n');
  let doc = existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8') : '# Benchmark results\n';
  const s = doc.indexOf(START);
  const e = doc.indexOf(END);
  doc = s >= 0 && e > s ? doc.slice(0, s) + section + doc.slice(e + END.length) : doc.trimEnd() + '\n\n' + section + '\n';
  writeFileSync(resultsFile, doc);
}

await main();
