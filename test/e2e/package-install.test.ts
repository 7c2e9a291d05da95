// The packed package, installed as users install it: into an empty folder, with a PATH that
// has node, npm and sh but no compiler, make or python, with `npm install --ignore-scripts` and
// again with pnpm (from the npm registry, into a folder of the test's). There, on Node 20, 22,
// 24 and 26, from its prebuilt addons: `node --import hotpath/register` profiles a 70/30
// workload (time within ±4 points of the split, and heap) and says which addon it loaded;
// `npx hotpath run` prints its summary; a TypeScript file importing every entry point
// type-checks. On a Node major it has no build for, the program runs unchanged and one line
// says why it is not profiled.
import t from 'tap';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, copyFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { referenceDecode } from '../fixtures/reference.js';
import { nodeOf, pack, ROOT, run, userBin, userEnv } from '../helpers/package.js';

const MAJORS = ['20', '22', '24', '26'];
const ABI: Record<string, string> = { 20: '115', 22: '127', 24: '137', 26: '147' };
const FIXTURES = join(ROOT, 'test/fixtures/package');
const work = mkdtempSync(join(tmpdir(), 'hotpath-package-'));
t.teardown(() => rmSync(work, { recursive: true, force: true }));

const { tarball } = pack(work);
const nodes = Object.fromEntries(MAJORS.map((m) => [m, nodeOf(m)]));

/** A new folder holding a user's package.json and the fixtures. */
function project(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `${name}-app`, private: true, type: 'module' }));
  for (const f of ['split.mjs', 'consumer.ts', 'tsconfig.json']) copyFileSync(join(FIXTURES, f), join(dir, f));
  return dir;
}

/** The tools a user installs beside hotpath to type-check the consumer file. */
const TYPESCRIPT = ['typescript@~5.9.3', '@types/node@^20.19.0'];

const npmDir = project('npm');
const pnpmTool = join(work, 'pnpm-tool');
const installs: { name: string; dir: string; bin: (major: string) => string }[] = [
  { name: 'npm', dir: npmDir, bin: (m) => join(work, `bin-npm-${m}`) },
  { name: 'pnpm', dir: project('pnpm'), bin: (m) => join(work, `bin-pnpm-${m}`) },
];
const pnpmBin = join(pnpmTool, 'node_modules/pnpm/pnpm');

t.before(async () => {
  for (const m of MAJORS) {
    userBin(installs[0].bin(m), nodes[m]);
    userBin(installs[1].bin(m), nodes[m], { pnpm: pnpmBin });
  }
  const env = userEnv(installs[0].bin('20'));
  const npm = await run('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', tarball, ...TYPESCRIPT], npmDir, env);
  if (npm.code !== 0) throw new Error(`npm install: ${npm.stderr}`);
  const tool = await run('npm', ['install', '--prefix', pnpmTool, '--ignore-scripts', '--no-audit', '--no-fund', 'pnpm@12'], work, env);
  if (tool.code !== 0 || !existsSync(pnpmBin)) throw new Error(`npm install pnpm: ${tool.stderr}`);
  const pnpm = await run('pnpm', ['add', '--ignore-scripts', '--store-dir', join(work, 'pnpm-store'), tarball, ...TYPESCRIPT],
    installs[1].dir, userEnv(installs[1].bin('20')));
  if (pnpm.code !== 0) throw new Error(`pnpm add: ${pnpm.stdout}${pnpm.stderr}`);
});

t.test('the PATH of these installs has no compiler, make or python', async (t) => {
  for (const tool of ['cc', 'gcc', 'g++', 'c++', 'make', 'python3', 'python']) {
    const r = await run(tool, ['--version'], work, userEnv(installs[0].bin('20')));
    t.equal(r.code, 127, `${tool}: not found (${r.stderr.trim()})`);
  }
});

/** CPU of the samples with `fn` on the stack, in ns. */
function cpuUnder(bytes: Uint8Array, fn: string): number {
  const p = referenceDecode(bytes);
  const cpu = p.sampleTypes.findIndex((s) => s.type === 'cpu');
  return p.samples.filter((s) => s.names.includes(fn)).reduce((sum, s) => sum + s.values[cpu], 0);
}

for (const install of installs) {
  t.test(`installed with ${install.name}`, async (t) => {
    const pkg = realpathSync(join(install.dir, 'node_modules/hotpath'));
    t.ok(existsSync(join(pkg, 'package.json')), `hotpath is in node_modules (${pkg})`);
    t.notOk(existsSync(join(pkg, 'native/build')), 'nothing was built at install');

    for (const major of MAJORS) {
      const bin = install.bin(major);
      t.test(`Node ${major}: node --import hotpath/register`, async (t) => {
        const out = join(install.dir, `profiles-${major}`);
        const cpuFile = join(install.dir, `split-cpu-${major}`);
        const env = userEnv(bin, { HOTPATH_DEBUG: '1', HOTPATH_OUT: out, HOTPATH_SAMPLING_INTERVAL: '1ms', HOTPATH_OVERHEAD_CAP: '20%', SPLIT_CPU_OUT: cpuFile });
        const r = await run('node', ['--import', 'hotpath/register', 'split.mjs'], install.dir, env);
        t.equal(r.code, 0, r.stderr);
        t.equal(r.stdout, 'split done: 20000 rows\n', 'the program ran as without hotpath');
        const addon = join(pkg, 'native/prebuilds/linux-x64-glibc', `node-v${ABI[major]}`, 'hotpath.node');
        t.equal(r.stderr, `hotpath: loaded native addon ${addon}\n`, 'says which addon it loaded, nothing else');
        const files = existsSync(out) ? readdirSync(out) : [];
        const time = files.find((f) => f.includes('.time.'));
        const heap = files.find((f) => f.includes('.heap.'));
        t.ok(time, `a time profile (${files.join(', ')})`);
        t.ok(heap, 'a heap profile');
        if (!time || !heap) return;
        const bytes = readFileSync(join(out, time));
        const seventy = cpuUnder(bytes, 'seventy');
        const thirty = cpuUnder(bytes, 'thirty');
        const share = (100 * seventy) / (seventy + thirty);
        // Against the CPU the workload measured in them (a fixed floor read the machine's load:
        // a 2 s workload got 0.8 s of CPU at a load average of 8).
        const measured = Number(readFileSync(cpuFile, 'utf8'));
        const ratio = (seventy + thirty) / measured;
        t.ok(measured > 2e8 && ratio > 0.85 && ratio < 1.1,
          `${((seventy + thirty) / 1e9).toFixed(2)} s of CPU sampled in the two functions, ${(measured / 1e9).toFixed(2)} s measured there (x${ratio.toFixed(3)})`);
        t.ok(Math.abs(share - 70) <= 4, `seventy() ${share.toFixed(1)}% of the two (70 ± 4)`);
        const h = referenceDecode(readFileSync(join(out, heap)));
        t.ok(h.sampleTypes.some((s) => s.type === 'alloc_space') && h.samples.length > 0, `heap profile with ${h.samples.length} samples`);
      });

      t.test(`Node ${major}: npx hotpath run -- node split.mjs`, async (t) => {
        const out = join(install.dir, `run-${major}`);
        const r = await run('npx', ['hotpath', 'run', '--out', out, '--', 'node', 'split.mjs', '1000'], install.dir, userEnv(bin));
        t.equal(r.code, 0, r.stderr);
        t.equal(r.stdout, 'split done: 20000 rows\n');
        t.match(r.stderr, /^hotpath: 2 profile file\(s\) in run-\d+\n/, 'the summary: where the profiles are');
        t.match(r.stderr, /Hottest functions by cpu \(self\)/, 'and the hottest functions');
        t.match(r.stderr, /Look at them with: npx hotpath view /);
      });
    }

    t.test('a TypeScript file importing hotpath, hotpath/http, hotpath/otel, hotpath/register and hotpath/browser type-checks', async (t) => {
      const r = await run('node', [join(install.dir, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], install.dir, userEnv(install.bin('20')));
      t.equal(r.code, 0, `tsc: ${r.stdout}${r.stderr}`);
    });
  });
}

t.test('on a Node major the package has no build for: the program runs unchanged, one line says why', async (t) => {
  const pkg = realpathSync(join(npmDir, 'node_modules/hotpath'));
  const build = join(pkg, 'native/prebuilds/linux-x64-glibc/node-v147');
  const hidden = join(work, 'hidden-node-v147');
  renameSync(build, hidden);
  t.teardown(() => renameSync(hidden, build));
  const out = join(npmDir, 'profiles-unsupported');
  const env = userEnv(installs[0].bin('26'), { HOTPATH_OUT: out });
  const plain = await run('node', ['split.mjs', '500'], npmDir, env);
  const ran = await run('node', ['--import', 'hotpath/register', 'split.mjs', '500'], npmDir, env);
  t.equal(ran.code, plain.code, 'same exit code');
  t.equal(ran.stdout, plain.stdout, 'same output');
  const lines = ran.stderr.split('\n').filter((l) => l !== '');
  t.equal(lines.length, 1, `one line:\n${ran.stderr}`);
  t.match(lines[0], /^hotpath: native addon unavailable for Node v26\.\d+\.\d+ \(ABI 147\); running unprofiled\. /);
  t.match(lines[0], 'The package has builds for linux-x64-glibc/node-v115, linux-x64-glibc/node-v127, linux-x64-glibc/node-v137, this is linux-x64-glibc/node-v147', 'names the builds it has');
  t.notOk(existsSync(out) && readdirSync(out).some((f) => f.includes('.time.')), 'no time profile');
});
