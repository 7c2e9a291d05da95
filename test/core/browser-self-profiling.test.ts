// The JS Self-Profiling API end to end in Debian's chromium: a page served with
// `Document-Policy: js-profiling` runs a known workload under `new Profiler(...)`, turns the
// trace into pprof with hotpath/browser (the WASM builder and pako's gzip, as ES modules, no
// bundler), and hands the bytes back; protobufjs decodes them and the hot function is on top.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { collectModules, PACKAGE_ROOT } from '../../dist/src/view/assets.js';
import { launchChromium } from '../fixtures/chromium.js';
import { flatPercent, referenceDecode } from '../fixtures/reference.js';
import { requireChromium } from '../helpers/system-tools.js';

requireChromium();

const graph = collectModules([join(PACKAGE_ROOT, 'dist/src/browser.js')]);
const importMap = JSON.stringify({ imports: { ...graph.imports, 'hotpath/browser': '/dist/src/browser.js' } });

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>self-profiling workload</title>
<script type="importmap">${importMap}</script>
<script type="module" src="/workload.js"></script>
<p id="state">loading</p>`;

// The workload: hotFunction runs three times as long as coldFunction, in long stretches, so
// that the sampling interval cannot alias with a short loop.
const WORKLOAD = `
import { fromSelfProfilingTrace } from 'hotpath/browser';
let sink = 0;
function hotFunction(ms) {
  const end = performance.now() + ms;
  let s = 0;
  while (performance.now() < end) for (let i = 0; i < 2000; i++) s += Math.sqrt(i) * Math.sin(i);
  sink += s;
}
function coldFunction(ms) {
  const end = performance.now() + ms;
  let s = 0;
  while (performance.now() < end) for (let i = 0; i < 2000; i++) s += Math.sqrt(i) * Math.cos(i);
  sink += s;
}
async function runWorkload(ms) {
  const profiler = new Profiler({ sampleInterval: 10, maxBufferSize: 100000 });
  for (let round = 0; round < 3; round++) {
    hotFunction((ms * 0.75) / 3);
    coldFunction((ms * 0.25) / 3);
  }
  const trace = await profiler.stop();
  const bytes = await fromSelfProfilingTrace(trace, { sampleInterval: 10, timeOrigin: performance.timeOrigin, labels: { page: 'workload' } });
  return { bytes: Array.from(bytes), samples: trace.samples.length, sink };
}
globalThis.runWorkload = runWorkload;
document.getElementById('state').textContent = 'ready';
`;

t.test('a self-profiled page encodes its own pprof with hotpath/browser', async (t) => {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
    if (path === '/') {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/html; charset=utf-8', 'Document-Policy': 'js-profiling' });
      res.end(PAGE);
    } else if (path === '/workload.js') {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/javascript' });
      res.end(WORKLOAD);
    } else if (graph.assets.has(path)) {
      const asset = graph.assets.get(path)!;
      res.writeHead(200, { ...headers, 'Content-Type': asset.type });
      res.end(readFileSync(asset.file));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const { context, close } = await launchChromium();
  t.teardown(async () => {
    await close();
    server.close();
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForFunction(() => document.getElementById('state')?.textContent === 'ready', undefined, { timeout: 15_000 });
  t.equal(await page.evaluate(() => typeof (globalThis as any).Profiler), 'function', 'the Self-Profiling API is on (Document-Policy: js-profiling)');

  const result = await page.evaluate(() => (globalThis as any).runWorkload(1500));
  t.same(errors, []);
  t.ok(result.samples > 30, `the trace has samples (${result.samples})`);
  const bytes = Uint8Array.from(result.bytes);
  t.same([bytes[0], bytes[1]], [0x1f, 0x8b], 'gzipped');
  const profile = referenceDecode(bytes);
  t.same(profile.sampleTypes, [
    { type: 'samples', unit: 'count' },
    { type: 'wall', unit: 'nanoseconds' },
  ]);
  const samples = profile.samples.reduce((a, s) => a + s.values[0], 0);
  t.equal(samples, result.samples, 'every sample of the trace is counted');
  // By wall time, the profile's default type. (Raw sample counts are not checked: on a busy
  // machine Chromium's sampler fires irregularly, so counts can favour the wrong function
  // while the time between samples still adds up to the truth.)
  const flat = [...flatPercent(profile, 'wall')];
  const shown = flat.slice(0, 3).map(([n, p]) => `${n} ${p.toFixed(1)}%`).join(', ');
  t.equal(flat[0][0], 'hotFunction', `the hot function is on top (${shown})`);
  t.ok(flat[0][1] > 50, 'and holds most of the time');
  const raw = profile.raw as any;
  t.equal(raw.stringTable[raw.defaultSampleType], 'wall', 'wall is the default sample type');
  const hot = profile.samples.find((s) => s.names[0] === 'hotFunction')!;
  t.equal(hot.names[1], 'runWorkload', 'its caller is the next frame');
  t.equal(hot.labels.page, 'workload', 'labels given to fromSelfProfilingTrace are on every sample');
  const fileOf = raw.stringTable[raw.function.find((f: any) => raw.stringTable[f.name] === 'hotFunction').filename];
  t.equal(fileOf, `${url}workload.js`, 'frames keep their script URL');
  t.ok(raw.timeNanos > 1.6e18, 'start time from performance.timeOrigin');
  t.equal(raw.period, 10_000_000);
});
