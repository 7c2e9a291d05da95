// Every prebuild the package ships loads on glibc 2.28 (RHEL 8, Debian 10, Ubuntu 20.04) and
// later: objdump -T lists the symbol versions it needs from the system, and none may be newer;
// libstdc++ is linked in (no GLIBCXX_ or CXXABI_ versions, no libstdc++.so.6 needed). The
// README states the highest versions found here.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** process.versions.modules of each supported major. */
const ABIS: Record<string, string> = { 20: '115', 22: '127', 24: '137', 26: '147' };
const GLIBC_FLOOR = '2.28';

function compare(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

/** The highest version of each prefix (GLIBC, GLIBCXX, CXXABI, GCC) a shared object needs. */
function highest(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  const dynsym = execFileSync('objdump', ['-T', file], { encoding: 'utf8' });
  for (const m of dynsym.matchAll(/\b(GLIBC|GLIBCXX|CXXABI|GCC)_([0-9.]+)\b/g)) {
    if (out[m[1]] === undefined || compare(m[2], out[m[1]]) > 0) out[m[1]] = m[2];
  }
  return out;
}

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
for (const [major, abi] of Object.entries(ABIS)) {
  const file = join(ROOT, 'native/prebuilds/linux-x64-glibc', `node-v${abi}`, 'hotpath.node');
  t.test(`Node ${major}'s prebuild needs glibc ${GLIBC_FLOOR} at most and no shared libstdc++`, async (t) => {
    t.ok(existsSync(file), `${file} is built (npm run prebuild)`);
    const v = highest(file);
    t.ok(v.GLIBC !== undefined && compare(v.GLIBC, GLIBC_FLOOR) <= 0, `highest GLIBC_ ${v.GLIBC}`);
    t.equal(v.GLIBCXX, undefined, 'no GLIBCXX_ version (libstdc++ linked in)');
    t.equal(v.CXXABI, undefined, 'no CXXABI_ version');
    const needed = execFileSync('objdump', ['-p', file], { encoding: 'utf8' }).match(/NEEDED\s+\S+/g) ?? [];
    t.notMatch(needed.join(' '), /libstdc\+\+/, `needs only ${needed.map((n) => n.split(/\s+/)[1]).join(', ')}`);
    t.match(readme, new RegExp(`GLIBC_${v.GLIBC!.replace(/\./g, '\\.')}\\b`), `the README states GLIBC_${v.GLIBC}`);
    t.match(readme, new RegExp(`GCC_${v.GCC!.replace(/\./g, '\\.')}\\b`), `the README states GCC_${v.GCC} (libgcc_s)`);
  });
}
