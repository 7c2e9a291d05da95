// HTTP exporters when the backend misbehaves: 500, 429 with Retry-After, 400, a server that
// never answers, a refused connection, a reset in the middle of the upload, a full queue. Each
// case is retried (or not) as documented, bounded, counted and logged once, and neither the
// application's event loop nor its exit is held up.
import t from 'tap';
import { spawn } from 'node:child_process';
import { loadNative } from '../../dist/src/collect/native.js';
import { fileURLToPath } from 'node:url';
import { PyroscopeExporter } from '../../dist/src/export/pyroscope.js';
import { DatadogExporter } from '../../dist/src/export/datadog.js';
import { fullJitter, parseRetryAfter } from '../../dist/src/export/http.js';
import { captureLog } from '../helpers/capture-log.js';
import { pprofFixture, respondAfterBody, startServer } from '../helpers/export-server.js';

// The exporters' timers and sockets are unref'd by design (they never keep an application
// alive); this test process needs something that does while it awaits them.
const keepAlive = setInterval(() => {}, 1 << 30);
t.teardown(() => clearInterval(keepAlive));

const start = new Date(Date.now() - 60_000);
const end = new Date();
const fast = { baseDelayMs: 5, maxDelayMs: 50 };
const addon = loadNative()!;
const profile = (kind = 'time', pad = 0) => ({ kind, bytes: pprofFixture(kind, 'fn', pad), start, end });

t.test('backoff helpers', async (t) => {
  t.equal(fullJitter(0, 1000, 30_000, () => 0.999), 999);
  t.equal(fullJitter(3, 1000, 30_000, () => 0.5), 4000);
  t.equal(fullJitter(10, 1000, 30_000, () => 0.999), 29_970, 'capped');
  t.equal(fullJitter(2, 1000, 30_000, () => 0), 0, 'full jitter reaches 0');
  t.equal(parseRetryAfter('3'), 3000);
  t.equal(parseRetryAfter(['7']), 7000);
  t.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4_000), 6000);
  t.equal(parseRetryAfter('soon'), undefined);
  t.equal(parseRetryAfter(undefined), undefined);
});

t.test('500 then 200: retried once and exported', async (t) => {
  const server = await startServer((req, res, n) => respondAfterBody(req, res, n === 1 ? 500 : 200));
  t.teardown(() => server.close());
  const exp = new PyroscopeExporter({ url: server.url, service: 's', ...fast });
  await exp.export(profile());
  t.equal(server.requests.length, 2);
  t.same(exp.stats(), { exported: 1, failed: 0, dropped: 0, retries: 1, queued: 0 });
});

t.test('500 forever: bounded attempts, counted as failed, logged once', async (t) => {
  const lines = captureLog(t);
  const server = await startServer((req, res) => respondAfterBody(req, res, 503));
  t.teardown(() => server.close());
  const exp = new DatadogExporter({ url: server.url, service: 's', maxRetries: 2, ...fast });
  await exp.exportPeriod([profile('time'), profile('heap')]);
  await exp.exportPeriod([profile('time'), profile('heap')]);
  t.equal(server.requests.length, 6, '2 periods x (1 + 2 retries)');
  const s = exp.stats();
  t.equal(s.failed, 4, 'counted in profiles');
  t.equal(s.retries, 4);
  t.equal(s.exported, 0);
  t.match(s.lastError, /HTTP 503/);
  t.equal(lines.length, 1, 'logged once');
  t.match(lines[0], /^hotpath: datadog export to http:\/\/127\.0\.0\.1:\d+\/profiling\/v1\/input failed after 3 attempts: HTTP 503/);
});

t.test('429 with Retry-After: waits as told before retrying', async (t) => {
  const server = await startServer((req, res, n) => respondAfterBody(req, res, n === 1 ? 429 : 200, n === 1 ? { 'retry-after': '1' } : {}));
  t.teardown(() => server.close());
  const exp = new PyroscopeExporter({ url: server.url, service: 's', ...fast });
  await exp.export(profile());
  t.equal(server.requests.length, 2);
  const gap = server.requests[1].at - server.requests[0].at;
  t.ok(gap >= 900, `second attempt ${gap} ms after the first (Retry-After: 1, backoff alone would be < 50 ms)`);
  t.same(exp.stats(), { exported: 1, failed: 0, dropped: 0, retries: 1, queued: 0 });
});

t.test('Retry-After beyond the cap is cut to the cap', async (t) => {
  const server = await startServer((req, res, n) => respondAfterBody(req, res, n === 1 ? 429 : 200, n === 1 ? { 'retry-after': '3600' } : {}));
  t.teardown(() => server.close());
  const exp = new PyroscopeExporter({ url: server.url, service: 's', maxRetryAfterMs: 100, ...fast });
  const t0 = Date.now();
  await exp.export(profile());
  t.ok(Date.now() - t0 < 10_000, 'not an hour');
  t.equal(exp.stats().exported, 1);
});

t.test('400 (and 401): not retried, failed, logged once without credentials', async (t) => {
  const lines = captureLog(t);
  const server = await startServer((req, res, n) => respondAfterBody(req, res, n === 1 ? 400 : 401));
  t.teardown(() => server.close());
  const secret = 'Sup3r-Secret-Token';
  const exp = new PyroscopeExporter({ url: server.url, service: 's', token: secret, ...fast });
  await exp.export(profile());
  await exp.export(profile());
  t.equal(server.requests.length, 2, 'one attempt each');
  t.same(exp.stats(), { exported: 0, failed: 2, dropped: 0, retries: 0, queued: 0, lastError: exp.stats().lastError });
  t.equal(lines.length, 2, 'one line per distinct status');
  for (const l of [...lines, exp.stats().lastError!]) t.notMatch(l, secret);
  t.match(lines[1], /HTTP 401 from http:\/\/127\.0\.0\.1:\d+\/ingest; not retried/);

  // Basic-auth credentials in the URL never show either.
  const lines2 = captureLog(t);
  const exp2 = new PyroscopeExporter({ url: `http://me:An0ther-Secret@127.0.0.1:${server.port}`, service: 's', ...fast });
  await exp2.export(profile());
  t.equal(lines2.length, 1);
  t.notMatch(lines2[0], /An0ther-Secret|me:/);
  t.notMatch(lines2[0], Buffer.from('me:An0ther-Secret').toString('base64'));
});

t.test('a server that never answers: each attempt times out, bounded', async (t) => {
  const server = await startServer(() => { /* never respond */ });
  t.teardown(() => server.close());
  const exp = new PyroscopeExporter({ url: server.url, service: 's', timeoutMs: 200, maxRetries: 2, ...fast });
  const t0 = Date.now();
  await exp.export(profile());
  const took = Date.now() - t0;
  t.equal(server.requests.length, 3, 'three attempts reached the server');
  t.ok(took >= 600 && took < 10_000, `took ${took} ms (3 x 200 ms timeouts + backoff)`);
  t.equal(exp.stats().failed, 1);
  t.equal(exp.stats().retries, 2);
  t.match(exp.stats().lastError, /timed out after 200 ms/);
});

t.test('connection refused: retried, then failed', async (t) => {
  const server = await startServer();
  const port = server.port;
  await server.close();
  const exp = new DatadogExporter({ url: `http://127.0.0.1:${port}`, service: 's', maxRetries: 3, ...fast });
  await exp.export(profile());
  t.same({ ...exp.stats(), lastError: undefined }, { exported: 0, failed: 1, dropped: 0, retries: 3, queued: 0, lastError: undefined });
  t.match(exp.stats().lastError, /ECONNREFUSED/);
});

t.test('a server that resets the connection mid-upload: retried and delivered', async (t) => {
  let firstChunkBytes = 0;
  const server = await startServer((req, res, n) => {
    if (n === 1) {
      req.once('data', (c: Buffer) => {
        firstChunkBytes = c.length;
        req.socket.destroy();
      });
      return;
    }
    respondAfterBody(req, res, 200);
  });
  t.teardown(() => server.close());
  const big = profile('time', 4 << 20);
  const exp = new PyroscopeExporter({ url: server.url, service: 's', ...fast });
  await exp.export(big);
  t.ok(firstChunkBytes > 0 && firstChunkBytes < big.bytes.length, `reset after ${firstChunkBytes} of ${big.bytes.length} bytes`);
  t.same(exp.stats(), { exported: 1, failed: 0, dropped: 0, retries: 1, queued: 0 });
  t.ok(server.requests.length >= 1);
  const last = server.requests[server.requests.length - 1];
  t.ok(last.body.length > big.bytes.length, 'the complete body arrived on the retry');
});

t.test('bounded queue: the oldest waiting profiles are dropped and counted', async (t) => {
  const lines = captureLog(t);
  const server = await startServer((req, res) => req.on('end', () => setTimeout(() => res.end('ok'), 150)));
  t.teardown(() => server.close());
  const exp = new PyroscopeExporter({ url: server.url, service: 's', maxQueue: 2, ...fast });
  const marks = ['a', 'b', 'c', 'd', 'e', 'f'];
  const all = marks.map((m) => exp.export({ ...profile(), tags: { m } }));
  t.equal(exp.stats().queued, 2, 'never more than maxQueue waiting');
  await Promise.all(all);
  t.same(exp.stats(), { exported: 3, failed: 0, dropped: 3, retries: 0, queued: 0 });
  const got = server.requests.map((r) => /m=(\w)/.exec(r.url.searchParams.get('name')!)![1]);
  t.same(got, ['a', 'e', 'f'], 'the one in flight and the two newest survive');
  t.equal(lines.filter((l) => /queue full/.test(l)).length, 1, 'logged once');
});

t.test('close(): drops and counts what is still queued, aborts the one in flight', async (t) => {
  const server = await startServer(() => { /* never respond */ });
  t.teardown(() => server.close());
  const exp = new DatadogExporter({ url: server.url, service: 's', timeoutMs: 5000, maxQueue: 5, ...fast });
  const p1 = exp.export(profile());
  const p2 = exp.export(profile());
  const t0 = Date.now();
  await exp.close(100);
  await Promise.all([p1, p2]);
  t.ok(Date.now() - t0 < 3000, 'close does not wait for the 5 s timeout');
  const s = exp.stats();
  t.equal(s.dropped, 1);
  t.equal(s.failed, 1);
  t.equal(s.exported, 0);
  await exp.export(profile());
  t.equal(exp.stats().dropped, 2, 'a profile after close is dropped and counted');
});

/** The three misbehaving servers in a child process, so the measured event loop is the exporters' alone. */
async function startServersProcess(): Promise<{ urls: { failing: string; slow: string; resetting: string }; stop: () => void }> {
  const code = `
    import http from 'node:http';
    const make = (fn) => new Promise((r) => { const s = http.createServer(fn); s.listen(0, '127.0.0.1', () => r(s.address().port)); });
    const after = (req, res, status) => { req.on('end', () => { res.statusCode = status; res.end(); }); req.resume(); };
    let nf = 0, nr = 0;
    const failing = await make((req, res) => after(req, res, ++nf % 3 === 0 ? 200 : 500));
    const slow = await make((req, res) => { req.on('end', () => setTimeout(() => res.end(), 100)); req.resume(); });
    const resetting = await make((req, res) => { if (++nr % 2 === 1) req.once('data', () => req.socket.destroy()); else after(req, res, 200); });
    console.log(JSON.stringify({ failing: 'http://127.0.0.1:' + failing, slow: 'http://127.0.0.1:' + slow, resetting: 'http://127.0.0.1:' + resetting }));
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      if (buf.includes('\n')) resolve(buf.split('\n')[0]);
    });
  });
  return { urls: JSON.parse(line), stop: () => child.kill() };
}

t.test('the event loop is unaffected while exports fail, retry and succeed', async (t) => {
  const servers = await startServersProcess();
  t.teardown(() => servers.stop());
  const big = pprofFixture('time', 'fn', 2 << 20);
  const exporters = [
    new PyroscopeExporter({ url: servers.urls.failing, service: 's', ...fast }),
    new DatadogExporter({ url: servers.urls.slow, service: 's', ...fast }),
    new PyroscopeExporter({ url: servers.urls.resetting, service: 's', ...fast }),
  ];
  // Judged by the main thread's own CPU clock, turn by turn of the event loop (a setImmediate
  // chain): what the exporters do on the loop in one turn, which the machine's load cannot
  // stretch (wall-clock loop delay on this shared machine could, and the test used to skip itself
  // when the machine was busy). The bound is the old wall-clock one, 50 ms: alone here the most
  // CPU in one turn was 3.8-4.2 ms, but a clean-clone CI run under the full suite read 15.7 ms
  // (a turn with a GC of the 2 MiB buffers, likely; not told apart).
  const turns: number[] = [];
  let last = addon.threadCpuNs();
  let running = true;
  const tick = (): void => {
    const now = addon.threadCpuNs();
    turns.push(now - last);
    last = now;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  const work: Promise<void>[] = [];
  for (let i = 0; i < 5; i++) {
    for (const e of exporters) work.push(e.exportPeriod([{ kind: 'time', bytes: big, start, end }, { kind: 'heap', bytes: big, start, end }]));
  }
  await Promise.all(work);
  running = false;
  const exported = exporters.reduce((n, e) => n + e.stats().exported, 0);
  const retries = exporters.reduce((n, e) => n + e.stats().retries, 0);
  t.equal(exported, 30, 'every profile delivered in the end');
  t.ok(retries >= 15, `retries ${retries}`);
  const sorted = [...turns].sort((a, b) => a - b);
  const ms = (ns: number): string => (ns / 1e6).toFixed(2);
  t.ok(turns.length > 100, `${turns.length} loop turns while exporting 30 x 2 MiB`);
  t.ok(sorted[sorted.length - 1] < 50e6, `the main thread's CPU in one turn: at most ${ms(sorted[sorted.length - 1])} ms (p99 ${ms(sorted[Math.floor(0.99 * (sorted.length - 1))])} ms), under 50 ms`);
});

const exitScript = fileURLToPath(new URL('../../dist/src/export/pyroscope.js', import.meta.url));

t.test('a pending upload never keeps the process alive; flush() does until done', async (t) => {
  // The server answers after 10 s; process start-up on a busy machine can take a few seconds.
  const server = await startServer((req, res) => req.on('end', () => setTimeout(() => res.end('ok'), 10_000)).resume(), { readBody: false });
  t.teardown(() => server.close());
  const child = (flush: boolean) => new Promise<{ ms: number; out: string }>((resolve) => {
    const code = `
      import { PyroscopeExporter } from ${JSON.stringify(exitScript)};
      const e = new PyroscopeExporter({ url: ${JSON.stringify(server.url)}, service: 's', timeoutMs: 40000 });
      e.export({ kind: 'time', bytes: new Uint8Array(1000).fill(7), start: new Date(), end: new Date() });
      ${flush ? 'const drained = await e.flush(30000); console.log("drained", drained, JSON.stringify(e.stats()));' : ''}
    `;
    const t0 = Date.now();
    const c = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('exit', () => resolve({ ms: Date.now() - t0, out }));
  });
  const quick = await child(false);
  t.ok(quick.ms < 8000, `without flush the process exits at once (${quick.ms} ms) although the server takes 10 s`);
  const held = await child(true);
  t.ok(held.ms >= 10_000, `with flush it waits for the upload (${held.ms} ms)`);
  t.match(held.out, /drained true \{"exported":1,/);
});
