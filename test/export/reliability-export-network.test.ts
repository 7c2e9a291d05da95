// A profiled application whose profiling backend misbehaves: down, slow (answers after 10 s),
// resetting the connection mid-body, answering 500, 429 or 413. Both network exporters
// (Pyroscope and Datadog) point at the faulty server, with the default retry and timeout
// settings, and carry recognisable fake credentials.
//
// For each fault, against runs whose backend is healthy (alternating, B F B F ... B):
// - the application's throughput and event-loop delay stay within noise;
// - its heap after GC stays within a few MB (the queues are bounded);
// - every profile handed to the exporters is accounted for in the self-report comments
//   (exported + failed + dropped, the rest queued or in flight when the run ended);
// - every hotpath line on stderr is said once;
// - the fake credentials appear nowhere: stderr, stdout, profiles, comments.
import t from 'tap';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { FIXTURES, run, result, exportTotals, finalTally, hotpathLines, judgePair, withinNoise, assertPair, type AppResult, type Ran } from '../fixtures/reliability/run.js';

const APP = join(FIXTURES, 'export-app.mjs');
const TOKEN = 'hp-FAKE-TOKEN-7f3a9c2e51';
const API_KEY = 'hp-FAKE-DDKEY-b40d6e93aa';

type Fault = 'healthy' | 'down' | 'slow' | 'reset' | '500' | '429' | '413';

/** One server that behaves as the current fault says. Error bodies echo the credentials back. */
async function faultServer(): Promise<{ url: (f: Fault) => string; close: () => Promise<void>; requests: Record<string, number> }> {
  const sockets = new Set<Socket>();
  const requests: Record<string, number> = {};
  const server = http.createServer((req, res) => {
    const fault = (req.url ?? '').split('/')[1] as Fault;
    requests[fault] = (requests[fault] ?? 0) + 1;
    const echo = `denied: ${req.headers.authorization ?? ''} ${req.headers['dd-api-key'] ?? ''}`;
    const answer = (status: number, headers: Record<string, string> = {}) => {
      req.on('end', () => {
        res.writeHead(status, headers);
        res.end(status >= 400 ? echo : 'ok');
      });
      req.resume();
    };
    if (fault === 'reset') {
      req.once('data', () => req.socket.destroy());
      return;
    }
    if (fault === 'slow') {
      req.on('end', () => setTimeout(() => !res.destroyed && res.end('ok'), 10_000));
      req.resume();
      return;
    }
    if (fault === '500') return answer(500);
    if (fault === '429') return answer(429, { 'retry-after': '1' });
    if (fault === '413') return answer(413);
    answer(200);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  // A port nobody listens on: bind one, note it, close it.
  const probe = http.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const downPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  return {
    url: (f) => (f === 'down' ? `http://127.0.0.1:${downPort}` : `http://127.0.0.1:${port}/${f}`),
    requests,
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

const server = await faultServer();
t.teardown(() => server.close());

interface Run {
  ran: Ran;
  r: AppResult;
}

async function runApp(fault: Fault): Promise<Run> {
  for (let attempt = 0; ; attempt++) {
    const one = await runOnce(fault);
    // Another engineer's `npm run build:native` removes the addon for a few seconds: run again.
    if (!/native addon unavailable/.test(one.ran.stderr) || attempt >= 10) return one;
    await new Promise((r) => setTimeout(r, 3000));
  }
}

async function runOnce(fault: Fault): Promise<Run> {
  const ran = await run([process.execPath, '--expose-gc', APP], {
    HOTPATH_EXPORTER: 'pyroscope,datadog',
    HOTPATH_PYROSCOPE_URL: server.url(fault),
    HOTPATH_DATADOG_URL: server.url(fault),
    HOTPATH_AUTH_TOKEN: TOKEN,
    HOTPATH_DATADOG_API_KEY: API_KEY,
    HOTPATH_PERIOD: '1s',
    HOTPATH_SERVICE: 'faults',
    RUN_MS: '3000',
  }, 90_000);
  return { ran, r: result<AppResult>(ran) };
}

const faults: Fault[] = ['down', 'slow', 'reset', '500', '429', '413'];
const runs: Record<string, Run[]> = { healthy: [] };
runs.healthy.push(await runApp('healthy'));
for (const f of faults) {
  runs[f] = [await runApp(f)];
  runs.healthy.push(await runApp('healthy'));
}

t.test('healthy backend: everything delivered, nothing said', async (t) => {
  for (const { ran, r } of runs.healthy) {
    t.equal(ran.code, 0, ran.stderr);
    t.same(hotpathLines(ran.stderr), [], `no hotpath line on stderr: ${ran.stderr}`);
    const sum = exportTotals(r);
    t.equal(sum.failed + sum.dropped, 0, `no failure: ${sum.lines.at(-1)}`);
    // Each profile goes to both exporters; the comments report every delivery except those of
    // the last period's own profiles (no later profile carries them) and those still in flight
    // when the last period ended.
    const kinds = new Set(r.kinds).size;
    t.ok(sum.exported > 0 && sum.exported <= 2 * (r.made - kinds), `${sum.exported} deliveries reported for ${r.made - kinds} profiles x 2 exporters`);
    const tally = finalTally(ran.stderr, 'pyroscope') ?? finalTally(ran.stderr, 'datadog');
    t.notOk(tally, 'no final tally: nothing was lost');
    t.notOk(r.secretInProfile, 'no credential in any profile');
  }
});

for (const f of faults) {
  t.test(`backend ${f}: the application is unaffected, every profile accounted for, said once, no credential shown`, async (t) => {
    let { ran, r } = runs[f][0];
    const i = faults.indexOf(f);
    let base = [runs.healthy[i].r, runs.healthy[i + 1].r];
    let j = judgePair(r, base);
    // The machine is shared (2 cores, other engineers' tests): up to two more pairs (B F B)
    // when a pair is out of bounds. A fault that truly slowed the application fails all three.
    for (let pair = 2; !withinNoise(j) && pair <= 3; pair++) {
      t.comment(`pair ${pair - 1} out of bounds (${JSON.stringify(j)}): pair ${pair}`);
      const b1 = await runApp('healthy');
      ({ ran, r } = await runApp(f));
      base = [b1.r, (await runApp('healthy')).r];
      j = judgePair(r, base);
    }
    t.equal(ran.code, 0, `exit code 0 (${ran.stderr.slice(-300)})`);
    assertPair(t, j);

    // Accounting, per exporter: every profile made ends exported, failed or dropped, and the
    // final tally (said at stop because something was lost) adds up to the profiles made.
    t.comment(`${f}: ${r.made} profiles made; ${server.requests[f] ?? 0} requests reached the server`);
    for (const name of ['pyroscope', 'datadog']) {
      const tally = finalTally(ran.stderr, name);
      if (!t.ok(tally, `${name} says its final tally`)) continue;
      t.comment(`${name}: ${JSON.stringify(tally)}`);
      t.equal(tally!.exported + tally!.failed + tally!.dropped, r.made, `${name}: exported + failed + dropped = the ${r.made} profiles made`);
      if (f !== 'slow') t.equal(tally!.exported, 0, `${name}: nothing reported as delivered to a backend that never accepted`);
    }
    const sum = exportTotals(r);
    t.comment(`self-report comments: ${sum.exported} exported, ${sum.failed} failed, ${sum.dropped} dropped, ${sum.retries} retries`);
    t.ok(sum.exported + sum.failed + sum.dropped <= 2 * r.made, 'the comments count no profile twice');
    if (f === '429' || f === '500' || f === 'reset' || f === 'down') t.ok(sum.retries > 0, `retried (${sum.retries} retries reported in comments)`);
    if (f === '413') {
      t.equal(sum.retries, 0, '413 is not retried');
      t.ok(sum.failed > 0, `the refused profiles are counted in the comments (${sum.failed})`);
    }

    const lines = hotpathLines(ran.stderr);
    t.equal(new Set(lines).size, lines.length, `each hotpath line said once:\n${lines.join('\n')}`);
    t.ok(lines.length <= 10, `${lines.length} lines`);
    t.ok(lines.some((l) => /pyroscope/.test(l)) && lines.some((l) => /datadog/.test(l)), 'both exporters say what went wrong');
    t.ok(lines.every((l) => l.length < 400), 'each is one short line');

    const everything = [ran.stdout, ran.stderr, ...r.comments.flat()].join('\n');
    for (const secret of [TOKEN, API_KEY, Buffer.from(TOKEN).toString('base64')]) {
      t.notOk(everything.includes(secret), `${secret.slice(0, 12)}... is in no output and no comment`);
    }
    t.equal(r.readableProfiles, r.made, 'every profile was read decompressed');
    t.notOk(r.secretInProfile, 'no profile holds a credential');
  });
}
