// The native addon missing, built for another Node major, out of date or not an addon at all:
// one warning line for the whole program (main thread, worker thread and child process), and
// the program runs unprofiled exactly as without hotpath (same output, same exit code).
//
// Before native.ts checked the build's ABI and loaded with RTLD_NOW, Node 24's build under
// Node 20 killed the program at the first call ("symbol lookup error", exit 127), and an older
// build made the program throw at its first period end.
import t from 'tap';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, hotpathLines, type Ran } from '../fixtures/reliability/run.js';
import { platformTag } from '../../dist/src/collect/addon-loader.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const REGISTER = join(ROOT, 'dist/src/register.js');
const APP = join(ROOT, 'test/fixtures/apps/esm-workers-child.mjs');
const work = mkdtempSync(join(tmpdir(), 'hotpath-addon-'));

/** A copy of a build (others may rebuild the originals meanwhile), in a folder named as given. */
function copyBuild(from: string, folder: string): string | undefined {
  if (!existsSync(from)) return undefined;
  const dir = join(work, folder);
  mkdirSync(dir, { recursive: true });
  copyFileSync(from, join(dir, 'hotpath.node'));
  return join(dir, 'hotpath.node');
}

const NODE24 = join(process.env.HOTPATH_NODE_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'hotpath', 'node'), 'node-24-x64', 'bin', 'node');
const ownAbi = process.versions.modules;
const PREBUILDS = join(ROOT, 'native/prebuilds', platformTag());
const otherBuilds = existsSync(PREBUILDS)
  ? readdirSync(PREBUILDS).filter((d) => /^node-v\d+$/.test(d) && d !== `node-v${ownAbi}`)
  : [];

const notAnAddon = join(work, 'junk', 'hotpath.node');
mkdirSync(join(work, 'junk'));
writeFileSync(notAnAddon, 'this is not a shared object\n');

interface Case {
  name: string;
  node: string;
  addon: string | undefined;
  /** What the warning must say about the build. */
  says: RegExp;
}

const cases: Case[] = [
  { name: 'missing', node: process.execPath, addon: join(work, 'nowhere', 'hotpath.node'), says: /not found/ },
  { name: 'not a shared object', node: process.execPath, addon: notAnAddon, says: /invalid ELF header|file too short|not a/ },
];
for (const dir of otherBuilds) {
  const abi = dir.slice('node-v'.length);
  cases.push({
    name: `built for another Node major (ABI ${abi}, this is ${ownAbi})`, node: process.execPath,
    addon: copyBuild(join(PREBUILDS, dir, 'hotpath.node'), dir), says: new RegExp(`built for another Node \\(ABI ${abi}\\)`),
  });
}
// The same build with no clue to its ABI in its path: the loader binds every symbol at load
// (RTLD_NOW), so Node 24's build fails to load instead of killing the program later.
if (otherBuilds.includes('node-v137')) {
  cases.push({
    name: "Node 24's build, with no ABI in its path", node: process.execPath,
    addon: copyBuild(join(PREBUILDS, 'node-v137', 'hotpath.node'), 'unlabelled'), says: /undefined symbol/,
  });
}
/** This Node's prebuild laid out as a build from source: build/Release beside node-gyp's config.gypi. */
function asSourceBuild(): string | undefined {
  const from = join(PREBUILDS, `node-v${ownAbi}`, 'hotpath.node');
  if (!existsSync(from)) return undefined;
  mkdirSync(join(work, 'source-build/build/Release'), { recursive: true });
  writeFileSync(join(work, 'source-build/build/config.gypi'), `{\n  "variables": {\n    "node_module_version": ${ownAbi},\n  }\n}\n`);
  copyFileSync(from, join(work, 'source-build/build/Release/hotpath.node'));
  return join(work, 'source-build/build/Release/hotpath.node');
}
if (existsSync(NODE24)) {
  // Under Node 24, a build from source made for this Node (its config.gypi says so).
  cases.push({
    name: `Node 24 running the build made for Node ${process.versions.node.split('.')[0]}`, node: NODE24,
    addon: asSourceBuild(), says: new RegExp(`built for another Node \\(ABI ${ownAbi}\\)`),
  });
}

for (const c of cases) {
  t.test(`addon ${c.name}: one warning line, the program runs unprofiled as without hotpath`, async (t) => {
    if (!c.addon) return t.skip('no such build here');
    const out = mkdtempSync(join(tmpdir(), 'hotpath-addon-out-'));
    const plain: Ran = await run([c.node, APP], {}, 60_000);
    const ran: Ran = await run([c.node, '--import', REGISTER, APP], { HOTPATH_ADDON: c.addon, HOTPATH_OUT: out }, 60_000);
    t.equal(plain.code, 0, plain.stderr);
    t.equal(ran.code, plain.code, 'same exit code');
    t.equal(ran.stdout, plain.stdout, 'same output');
    const lines = hotpathLines(ran.stderr);
    t.equal(lines.length, 1, `one hotpath line for the main thread, its worker and its child:\n${ran.stderr}`);
    t.match(lines[0], /^hotpath: native addon unavailable for Node v\d+\.\d+\.\d+ \(ABI \d+\); running unprofiled\./);
    t.match(lines[0], c.says, 'says what is wrong with the build');
    t.equal(ran.stderr.trim(), lines[0], 'nothing else on stderr');
    t.notOk(existsSync(out) && readdirSync(out).length > 0, 'no profile written');
  });
}
