// What `npm pack` puts in the package: every file package.json's exports, types and bin point
// at, a prebuilt addon for each supported Node major, nothing of the repository's own (tests,
// benchmarks, sources, source maps, local builds); no install script; runtime dependencies
// only what runs in users' processes; under 10 MB packed, and the sizes the README states.
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pack, ROOT } from '../helpers/package.js';

const work = mkdtempSync(join(tmpdir(), 'hotpath-tarball-'));
t.teardown(() => rmSync(work, { recursive: true, force: true }));
const packed = pack(work);
const files = new Set(packed.files);
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

/** Every path an exports entry names, at any depth of conditions. */
function targets(entry: unknown): string[] {
  if (typeof entry === 'string') return [entry];
  return Object.values(entry as Record<string, unknown>).flatMap(targets);
}

t.test('every export, type and bin target is in the tarball', async (t) => {
  const wanted = [...targets(pkg.exports), ...Object.values(pkg.bin as Record<string, string>)].map((p) => p.replace(/^\.\//, ''));
  for (const p of wanted) t.ok(files.has(p), p);
  // The modules those load at run time without an import tsc could follow.
  for (const p of ['dist/src/aggregate/worker-entry.js', 'dist/src/register.cjs']) t.ok(files.has(p), p);
});

t.test('a prebuilt addon for each supported Node major', async (t) => {
  for (const abi of ['115', '127', '137', '147']) t.ok(files.has(`native/prebuilds/linux-x64-glibc/node-v${abi}/hotpath.node`), `node-v${abi}`);
  t.ok(files.has('native/binding.gyp') && files.has('native/src/addon.cc'), 'and the sources, to build from source');
});

t.test('nothing of the repository itself', async (t) => {
  const strays = packed.files.filter((f) => /^(test|bench|assembly|scripts|src|examples|docs|\.ci|native\/build|build)\/|\.map$|\.tsbuildinfo$/.test(f));
  t.same(strays, [], 'no tests, benchmarks, sources, scripts, source maps or local builds');
});

t.test('no install script; runtime dependencies only what runs in users\' processes', async (t) => {
  t.equal(pkg.gypfile, false, 'gypfile: false');
  for (const s of ['preinstall', 'install', 'postinstall']) t.notOk(pkg.scripts[s], `no ${s} script`);
  t.same(Object.keys(pkg.dependencies).sort(), ['@jridgewell/trace-mapping', 'pako', 'protobufjs']);
  t.equal(pkg.engines.node, '>=20.19.0', 'engines: require(esm) of the package needs Node 20.19');
});

t.test('its size: under 10 MB packed, as the README says', async (t) => {
  t.ok(packed.size < 10e6, `${(packed.size / 1e6).toFixed(2)} MB packed`);
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const m = /(\d+(?:\.\d+)?) MB\s+packed,\s+(\d+(?:\.\d+)?) MB\s+unpacked,\s+\d+ files/.exec(readme);
  t.ok(m, 'the README states the sizes');
  if (!m) return;
  const near = (stated: number, measured: number) => Math.abs(measured - stated) <= 0.15 * stated;
  t.ok(near(Number(m[1]), packed.size / 1e6), `packed: README ${m[1]} MB, measured ${(packed.size / 1e6).toFixed(2)} MB (±15%)`);
  t.ok(near(Number(m[2]), packed.unpackedSize / 1e6), `unpacked: README ${m[2]} MB, measured ${(packed.unpackedSize / 1e6).toFixed(2)} MB (±15%)`);
});
