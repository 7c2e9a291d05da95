// `hotpath run` on a TypeScript program compiled by tsc with source maps: the profile names the
// .ts file and the lines of its hot loops, not the generated JavaScript.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeProfile } from '../../dist/src/index.js';
import { CLI } from '../helpers/cli.js';

const SOURCE = fileURLToPath(new URL('../fixtures/apps/ts/app.ts', import.meta.url));
const TSC = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));

/** The value of `type` per (function, file basename, line) of leaf frames, in the profiles of one kind. */
function leafCpu(dir: string, kind = 'time', type = 'cpu'): Map<string, number> {
  const out = new Map<string, number>();
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.pb.gz') && n.includes(`.${kind}.`))) {
    const p = decodeProfile(readFileSync(join(dir, name)));
    const cpu = p.sampleType.findIndex((s) => s.type === type);
    const fn = new Map(p.function.map((f) => [f.id, f]));
    const loc = new Map(p.location.map((l) => [l.id, l]));
    for (const s of p.sample) {
      const line = loc.get(s.locationId[0])?.line[0];
      const f = line && fn.get(line.functionId);
      if (!f) continue;
      const key = `${f.name} ${f.filename.split('/').pop()}:${line.line}`;
      out.set(key, (out.get(key) ?? 0) + s.value[cpu]);
    }
  }
  return out;
}

t.test('a tsc-compiled app with external source maps shows .ts files and lines, in the time and exceptions profiles', async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'hotpath-ts-'));
  copyFileSync(SOURCE, join(work, 'app.ts'));
  const tsc = spawnSync(process.execPath, [TSC, '--sourceMap', '--target', 'es2022', '--module', 'commonjs', '--outDir', join(work, 'out'), join(work, 'app.ts')], { encoding: 'utf8' });
  t.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
  const out = join(work, 'profiles');
  const run = spawnSync('env', ['-u', 'NODE_OPTIONS', process.execPath, CLI, 'run', '--out', out, '--profiles', 'time,exceptions', '--', process.execPath, join(work, 'out', 'app.js')], { encoding: 'utf8', timeout: 60_000 });
  t.equal(run.status, 0, run.stderr);
  t.match(run.stdout, /done 2/);
  const cpu = leafCpu(out);
  const top = [...cpu].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([k]) => k);
  t.ok(cpu.get('squares app.ts:11'), `squares' loop at app.ts:11 (top: ${top.join(', ')})`);
  t.ok(cpu.get('cubes app.ts:20'), `cubes' loop at app.ts:20 (top: ${top.join(', ')})`);
  const generated = [...cpu.keys()].filter((k) => / app\.js:/.test(k));
  t.same(generated, [], 'no frame left in the generated app.js');
  const thrown = leafCpu(out, 'exceptions', 'exception-samples');
  t.ok(thrown.get('fails app.ts:29'), `the throw at app.ts:29 in the exceptions profile (${[...thrown.keys()].join(', ')})`);
  t.same([...thrown.keys()].filter((k) => / app\.js:/.test(k)), [], 'no exception frame in the generated app.js');
});

t.test('an app run through tsx is profiled under its .ts file', async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'hotpath-tsx-'));
  copyFileSync(SOURCE, join(work, 'app.ts'));
  const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
  const out = join(work, 'profiles');
  const run = spawnSync('env', ['-u', 'NODE_OPTIONS', process.execPath, CLI, 'run', '--out', out, '--profiles', 'time', '--', tsx, join(work, 'app.ts')], { encoding: 'utf8', timeout: 60_000 });
  t.equal(run.status, 0, run.stderr);
  t.match(run.stdout, /done 2/);
  const names = [...leafCpu(out).keys()];
  // tsx compiles each module onto one line and V8 gives no column, so the line is unknown (0):
  // the frame keeps the .ts file and the function, and says nothing false about the line.
  t.ok(names.some((k) => k.startsWith('squares app.ts:')), `squares in app.ts (${names.slice(0, 5).join(', ')})`);
  t.ok(names.some((k) => k.startsWith('cubes app.ts:')), 'cubes in app.ts');
});
