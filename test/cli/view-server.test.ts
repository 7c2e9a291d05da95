// The viewer's server, from outside: where it listens, what it answers (its page, the modules
// that page imports, the given profiles by number, nothing else), the headers it sends, and
// the command line's handling of bad input and ports.
import t from 'tap';
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync, ftruncateSync } from 'node:fs';
import { request, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuProfileToProfile } from '../../dist/src/convert/cpuprofile.js';
import { decodeProfile, encodeProfile } from '../../dist/src/index.js';
import { fileURLToPath } from 'node:url';
import { collectModules, PACKAGE_ROOT, specifiersOf } from '../../dist/src/view/assets.js';
import { MAX_VIEW_BYTES, startViewer } from '../../dist/src/view/server.js';
import { hotpath } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'hotpath-view-'));
const profileFile = join(dir, 'small.pb.gz');
const small = JSON.parse(readFileSync(new URL('../fixtures/small.cpuprofile', import.meta.url), 'utf8'));
writeFileSync(profileFile, encodeProfile(cpuProfileToProfile(small)));
const secret = readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8');

/** A raw GET: the path goes on the wire exactly as written (fetch would normalise `..`). */
function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET') {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

t.test('binds to 127.0.0.1 on a chosen port and prints nothing itself', async (t) => {
  const viewer = await startViewer({ profiles: [{ name: 'small.pb.gz', path: profileFile }] });
  t.teardown(() => viewer.close());
  t.equal(viewer.host, '127.0.0.1');
  t.ok(viewer.port > 0);
  t.equal(viewer.url, `http://127.0.0.1:${viewer.port}/`);
});

t.test('serves its page, its modules and the given files, with a strict CSP', async (t) => {
  const viewer = await startViewer({ profiles: [{ name: 'small.pb.gz', path: profileFile }] });
  t.teardown(() => viewer.close());
  const page = await get(viewer.port, '/');
  t.equal(page.status, 200);
  const csp = String(page.headers['content-security-policy']);
  t.match(csp, /default-src 'none'/);
  t.match(csp, /script-src 'self' 'wasm-unsafe-eval' 'sha256-[A-Za-z0-9+/=]+'(;|$)/, 'scripts: this origin and the one import map');
  t.notMatch(csp, /unsafe-inline|'unsafe-eval'|\*|https?:/, 'no inline code, no eval, no other origin');
  t.match(csp, /frame-ancestors 'none'/);
  t.match(csp, /connect-src 'self'/);
  t.equal(page.headers['x-content-type-options'], 'nosniff');
  t.match(page.body, /<script type="importmap">/);
  t.notMatch(page.body, /https?:\/\/(?!www\.w3\.org)/, 'the page names no remote URL');

  const list = JSON.parse((await get(viewer.port, '/api/profiles')).body);
  t.same(list, [{ id: 0, name: 'small.pb.gz', size: readFileSync(profileFile).length }]);
  const bytes = await get(viewer.port, '/api/profiles/0');
  t.equal(bytes.status, 200);
  t.equal(Buffer.from(bytes.body, 'latin1').compare(readFileSync(profileFile)), 0, 'the file, byte for byte');
  t.match(String(bytes.headers['content-security-policy']), /default-src 'none'/, 'CSP on every answer');

  const entry = await get(viewer.port, '/dist/src/view/page/main.js');
  t.equal(entry.status, 200);
  t.match(String(entry.headers['content-type']), /^text\/javascript/);
  t.equal((await get(viewer.port, '/static/viewer.css')).status, 200);
  t.equal((await get(viewer.port, '/dist/src/browser.js')).status, 200, 'the WASM core, through hotpath/browser');
});

t.test('the module graph is the page and what it imports, with no Node built-ins', async (t) => {
  const graph = collectModules([join(PACKAGE_ROOT, 'dist/src/view/page/main.js')]);
  const paths = [...graph.assets.keys()];
  t.ok(paths.includes('/dist/src/browser.js'));
  t.ok(paths.includes('/dist/src/wasm/core.js'));
  const packages = Object.values(graph.imports);
  t.ok(packages.every((p) => p.startsWith('/node_modules/')), `bare imports resolve to installed packages: ${packages.join(' ')}`);
  const packageDirs = packages.map((p) => p.split('/').slice(0, 3).join('/') + '/');
  t.ok(paths.every((p) => p.startsWith('/dist/src/') || packageDirs.some((d) => p.startsWith(d))), `only page modules: ${paths.join(' ')}`);
  t.notOk(paths.some((p) => /\/cli\/|\/view\/server|\/view\/assets|\/export\//.test(p)), 'no Node-side module');
  t.same(specifiersOf(`import a from './a.js';\n// import b from './b.js'\nexport * from "./c.js";\nconst w = new URL('./x.wasm', import.meta.url);`), ['./a.js', './c.js', './x.wasm']);
});

t.test('nothing else: traversal, unknown paths, other methods and other hosts are refused', async (t) => {
  const viewer = await startViewer({ profiles: [{ name: 'small.pb.gz', path: profileFile }] });
  t.teardown(() => viewer.close());
  const refused = [
    '/../package.json',
    '/../../../../etc/passwd',
    '/dist/../package.json',
    '/%2e%2e/package.json',
    '/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/dist/src/view/page/..%2f..%2f..%2f..%2fpackage.json',
    '/static/../../../../package.json',
    '/static/..%5c..%5cpackage.json',
    '//etc/passwd',
    '/package.json',
    '/src/view/server.ts',
    '/dist/src/view/server.js',
    '/dist/src/cli/main.js',
    '/node_modules/pako/package.json',
    '/api/profiles/1',
    '/api/profiles/-1',
    '/api/profiles/00',
    '/api/profiles/0/../../package.json',
    `/api/profiles/${encodeURIComponent(profileFile)}`,
    `/_ext${profileFile}`,
  ];
  for (const path of refused) {
    const r = await get(viewer.port, path);
    t.equal(r.status, 404, `${path} → 404`);
    t.notOk(r.body.includes('"name": "hotpath"') || r.body.includes(secret.slice(0, 40)), `${path}: nothing leaked`);
  }
  const post = await get(viewer.port, '/', {}, 'POST');
  t.equal(post.status, 405);
  t.equal(post.headers.allow, 'GET, HEAD');
  const rebinding = await get(viewer.port, '/api/profiles/0', { Host: `evil.example:${viewer.port}` });
  t.equal(rebinding.status, 421, 'a Host other than the loopback address is refused (DNS rebinding)');
  t.equal((await get(viewer.port, '/', { Host: `localhost:${viewer.port}` })).status, 200);
});

t.test('hotpath view prints its URL, serves (a .cpuprofile as pprof), and stops on SIGTERM', async (t) => {
  const cpuprofile = fileURLToPath(new URL('../fixtures/small.cpuprofile', import.meta.url));
  const child = spawn(process.execPath, [join(PACKAGE_ROOT, 'dist/src/cli/main.js'), 'view', profileFile, cpuprofile, '--port', '0']);
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      if (out.includes('\n')) resolve(out);
    });
    child.on('exit', () => reject(new Error(`exited early: ${out}`)));
    setTimeout(() => reject(new Error('no URL within 10 s')), 10_000);
  });
  const m = /at http:\/\/127\.0\.0\.1:(\d+)\/ /.exec(line);
  t.ok(m, `prints the URL: ${line.trim()}`);
  t.equal((await get(Number(m![1]), '/api/profiles/0')).status, 200);
  const converted = await get(Number(m![1]), '/api/profiles/1');
  const bytes = Buffer.from(converted.body, 'latin1');
  t.same([bytes[0], bytes[1]], [0x1f, 0x8b], 'the .cpuprofile is served as gzipped pprof');
  t.equal(decodeProfile(bytes).sample.length, 5);
  child.kill('SIGTERM');
  const code = await new Promise((resolve) => child.on('exit', (c) => resolve(c)));
  t.equal(code, 0, 'clean exit');
});

t.test('bad input and bad options: one line on the command line, exit 2', async (t) => {
  const huge = join(dir, 'huge.pb.gz');
  const fd = openSync(huge, 'w');
  ftruncateSync(fd, MAX_VIEW_BYTES + 1); // sparse: no disk used
  closeSync(fd);
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  t.teardown(() => busy.close());
  const busyPort = (busy.address() as AddressInfo).port;
  const badJson = join(dir, 'bad.cpuprofile');
  writeFileSync(badJson, '{"nodes": [ {"id": 1, ');
  const cases: [string[], RegExp][] = [
    [['view'], /expected at least one profile file/],
    [['view', join(dir, 'missing.pb.gz')], /missing\.pb\.gz: cannot read: no such file/],
    [['view', dir], /not a regular file/],
    [['view', huge], /huge\.pb\.gz: file is \d+ bytes, larger than the 256 MiB/],
    [['view', badJson], /bad\.cpuprofile: not valid JSON \(the file looks truncated\)/],
    [['view', profileFile, '--port', 'x'], /--port must be an integer/],
    [['view', profileFile, '--port', '70000'], /--port must be an integer/],
    [['view', profileFile, '--port', String(busyPort)], new RegExp(`port ${busyPort} on 127\\.0\\.0\\.1 is in use`)],
    [['view', profileFile, '--bogus'], /Unknown option '--bogus'/],
  ];
  for (const [args, message] of cases) {
    const r = hotpath(args);
    t.equal(r.status, 2, `${args.join(' ')}: exit 2`);
    t.match(r.stderr, message);
    t.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr.trim()}`);
    t.notMatch(r.stderr, /\bat .*:\d+:\d+/, 'no stack trace');
  }
});
