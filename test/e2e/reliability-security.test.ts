// Security checks not already made elsewhere (test/cli/view-server.test.ts: the viewer on 127.0.0.1,
// its Host guard and CSP; test/export/http-pull.test.ts: seconds 0/301/abc and a second profile at once;
// test/export/reliability-export-network.test.ts: fake credentials across every exporter failure):
// - the viewer binds where it is told, and only there;
// - the pull handler refuses every malformed or unbounded `seconds`, refuses a heap profile while
//   a time profile runs, and a client that hangs up mid-profile frees it at once;
// - credentials given by flag, variable or URL never appear in a settings error or in what
//   `hotpath run` prints.
import t from 'tap';
import http from 'node:http';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startViewer } from '../../dist/src/view/server.js';
import { run } from '../fixtures/reliability/run.js';

const PULL_SERVER = fileURLToPath(new URL('../fixtures/pull/server.mjs', import.meta.url));
const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
const REGISTER = fileURLToPath(new URL('../../dist/src/register.js', import.meta.url));
const SMALL = fileURLToPath(new URL('../fixtures/small.cpuprofile', import.meta.url));

t.test('viewer: loopback unless told, then exactly the address it was given', async (t) => {
  const byDefault = await startViewer({ profiles: [{ name: 'a', bytes: new Uint8Array([1]) }] });
  t.teardown(() => byDefault.close());
  t.equal(byDefault.host, '127.0.0.1');
  t.match(byDefault.url, /^http:\/\/127\.0\.0\.1:\d+\//);
  const v6 = await startViewer({ profiles: [{ name: 'a', bytes: new Uint8Array([1]) }], host: '::1' });
  t.teardown(() => v6.close());
  // Reachable on ::1, not on 127.0.0.1 at the same port.
  const on6 = await new Promise<number>((resolve) => http.get({ host: '::1', port: v6.port, path: '/', headers: { host: `[::1]:${v6.port}` } }, (res) => {
    res.resume();
    resolve(res.statusCode ?? 0);
  }).on('error', () => resolve(-1)));
  t.equal(on6, 200, 'answers on the address it was given');
  const on4 = await new Promise<string>((resolve) => http.get({ host: '127.0.0.1', port: v6.port, path: '/' }, (res) => {
    res.resume();
    resolve(`answered ${res.statusCode}`);
  }).on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error')));
  t.equal(on4, 'ECONNREFUSED', 'and on no other');
});

async function pullServer(): Promise<{ base: string; child: ChildProcess }> {
  const child = spawn('env', ['-u', 'NODE_OPTIONS', process.execPath, PULL_SERVER, 'http'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (d) => resolve(Number(String(d).trim())));
    child.once('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
  return { base: `http://127.0.0.1:${port}/debug/pprof`, child };
}

t.test('pull handler: seconds bounded and well-formed, one profile at a time, freed by a hang-up', async (t) => {
  const { base, child } = await pullServer();
  t.teardown(() => child.kill());
  for (const bad of ['-1', '1.5', '1e3', '0x10', '99999999999999999999', '%20', '3%00', '301', '1,2']) {
    const res = await fetch(`${base}/profile?seconds=${bad}`);
    const body = await res.text();
    t.equal(res.status, 400, `seconds=${bad} refused`);
    t.equal(body.trim().split('\n').length, 1, `one line: ${body.trim()}`);
    t.match(body, /^[\x20-\x7e]*\n$/, 'printable');
  }
  // A time profile under way: a heap profile and a second time profile are refused.
  const ac = new AbortController();
  const long = fetch(`${base}/profile?seconds=300`, { signal: ac.signal }).catch(() => 'aborted');
  await new Promise((r) => setTimeout(r, 500));
  t.equal((await fetch(`${base}/heap`)).status, 409, 'heap refused while a profile runs');
  t.equal((await fetch(`${base}/profile?seconds=1`)).status, 409, 'a second profile refused');
  // The client hangs up: the 300 s profile ends, and the next one is served.
  ac.abort();
  t.equal(await long, 'aborted');
  const t0 = performance.now();
  let status = 0;
  for (let i = 0; i < 20 && status !== 200; i++) {
    status = (await fetch(`${base}/profile?seconds=1`)).status;
    if (status !== 200) await new Promise((r) => setTimeout(r, 250));
  }
  t.equal(status, 200, `after the hang-up a new profile is served (${((performance.now() - t0) / 1000).toFixed(1)} s later, not 300 s)`);
});

t.test('pull handler refuses a profile while hotpath profiles continuously', async (t) => {
  const child = spawn('env', ['-u', 'NODE_OPTIONS', process.execPath, '--import', REGISTER, PULL_SERVER, 'http'], {
    stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_OPTIONS: '', HOTPATH_EXPORTER: 'none', HOTPATH_PROFILES: 'time' },
  });
  t.teardown(() => child.kill());
  const port = await new Promise<number>((resolve) => child.stdout!.once('data', (d) => resolve(Number(String(d).trim()))));
  const res = await fetch(`http://127.0.0.1:${port}/debug/pprof/profile?seconds=1`);
  t.equal(res.status, 409);
  t.match(await res.text(), /profiling continuously/);
});

const SECRET = 'hp-FAKE-SECRET-91c0de77';

t.test('credentials never appear in settings errors or in what hotpath run prints', async (t) => {
  const cases: Array<{ name: string; args: string[]; env?: Record<string, string> }> = [
    { name: 'malformed basic auth by variable', args: [process.execPath, '--import', REGISTER, '-e', 'console.log("ran")'], env: { HOTPATH_BASIC_AUTH: `nocolon${SECRET}` } },
    { name: 'malformed basic auth by flag', args: [process.execPath, CLI, 'run', '--basic-auth', `nocolon${SECRET}`, '--', process.execPath, '-e', '1'] },
    { name: 'password in the URL, bad period', args: [process.execPath, CLI, 'run', '--exporter', 'pyroscope', '--pyroscope-url', `http://me:${SECRET}@127.0.0.1:1`, '--period', 'x', '--', process.execPath, '-e', '1'] },
    { name: 'token with a refused upload', args: [process.execPath, CLI, 'run', '--exporter', 'pyroscope', '--pyroscope-url', 'http://127.0.0.1:1', '--auth-token', SECRET, '--export-timeout', '1s', '--', process.execPath, '-e', 'setTimeout(() => {}, 300)'] },
    { name: 'datadog API key with a refused upload', args: [process.execPath, CLI, 'run', '--exporter', 'datadog', '--datadog-url', 'http://127.0.0.1:1', '--datadog-api-key', SECRET, '--export-timeout', '1s', '--', process.execPath, '-e', 'setTimeout(() => {}, 300)'] },
    { name: 'password in the URL with a refused upload', args: [process.execPath, CLI, 'run', '--exporter', 'pyroscope', '--pyroscope-url', `http://me:${SECRET}@127.0.0.1:1`, '--export-timeout', '1s', '--', process.execPath, '-e', 'setTimeout(() => {}, 300)'] },
    { name: 'hotpath top, token in the environment', args: [process.execPath, CLI, 'top', SMALL], env: { HOTPATH_AUTH_TOKEN: SECRET } },
  ];
  for (const c of cases) {
    const ran = await run(c.args, { ...c.env }, 60_000);
    const all = ran.stdout + ran.stderr;
    t.ok(!all.includes(SECRET) && !all.includes(Buffer.from(`me:${SECRET}`).toString('base64')),
      `${c.name}: not shown (exit ${ran.code}; ${ran.stderr.trim().split('\n')[0]?.slice(0, 160)})`);
  }
});
