// hotpath/http: /debug/pprof/profile?seconds=N on node:http, express and fastify, as Go's
// net/http/pprof users call it; bounded seconds and one profile at a time.
import t from 'tap';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { decodeProfile } from '../../dist/src/index.js';
import { topTable } from '../../dist/src/report/top.js';

const SERVER = fileURLToPath(new URL('../fixtures/pull/server.mjs', import.meta.url));

async function startServer(kind: string): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn('env', ['-u', 'NODE_OPTIONS', process.execPath, SERVER, kind], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (d) => resolve(Number(String(d).trim())));
    child.once('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
  return { port, child };
}

for (const kind of ['http', 'express', 'fastify']) {
  t.test(`${kind}: a 2 s profile of the running service`, async (t) => {
    const { port, child } = await startServer(kind);
    t.teardown(() => child.kill());
    const base = `http://127.0.0.1:${port}/debug/pprof`;
    const pending = fetch(`${base}/profile?seconds=2`);
    await new Promise((r) => setTimeout(r, 300));
    const second = await fetch(`${base}/profile?seconds=1`);
    t.equal(second.status, 409, 'a second profile at the same time is refused');
    const res = await pending;
    t.equal(res.status, 200);
    t.equal(res.headers.get('content-type'), 'application/octet-stream');
    const profile = decodeProfile(new Uint8Array(await res.arrayBuffer()));
    t.ok(profile.durationNanos > 1.5e9 && profile.durationNanos < 4e9, `lasts about 2 s (${(profile.durationNanos / 1e9).toFixed(2)} s)`);
    const table = topTable(profile, 'cpu');
    t.ok(table.rows.some((r) => r.name === 'busyRoute' && r.flat > 0), 'the busy route is in it');
    t.equal((await fetch(`${base}/profile?seconds=0`)).status, 400, 'seconds=0 is refused');
    t.equal((await fetch(`${base}/profile?seconds=301`)).status, 400, 'seconds above 300 are refused');
    t.equal((await fetch(`${base}/profile?seconds=abc`)).status, 400);
    t.equal((await fetch(`${base}/nothing`)).status, 404);
    const heap = await fetch(`${base}/heap`);
    t.equal(heap.status, 200, 'heap profile served');
    const heapProfile = decodeProfile(new Uint8Array(await heap.arrayBuffer()));
    t.same(heapProfile.sampleType.map((s) => s.type), ['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space']);
    t.ok(heapProfile.sample.length > 0, 'with samples');
  });
}

t.test('paths outside /debug/pprof reach the application', async (t) => {
  const { port, child } = await startServer('http');
  t.teardown(() => child.kill());
  const res = await fetch(`http://127.0.0.1:${port}/other`);
  t.equal(await res.text(), 'app 404');
});
