// The program's own Node flags do not reach hotpath's aggregation worker: `--input-type=module
// -e` (the worker's file would be read as that input type) and per-process V8 flags (refused
// in a worker's execArgv) both left the program unprofiled before.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeProfile } from '../../dist/src/index.js';

const REGISTER = fileURLToPath(new URL('../../dist/src/register.js', import.meta.url));
const ENV = { ...process.env };
delete ENV.NODE_OPTIONS;

const PROGRAM = 'function busyInEval() { let x = 0; const end = Date.now() + 800; while (Date.now() < end) x += Math.sqrt(x + 1); return x; } busyInEval(); console.log("done");';

for (const flags of [['--input-type=module'], ['--no-turbo-inlining', '--no-maglev-inlining']]) {
  t.test(`node ${flags.join(' ')} -e ...: profiled, nothing said`, async (t) => {
    const out = mkdtempSync(join(tmpdir(), 'hotpath-flags-'));
    const r = spawnSync(process.execPath, ['--import', REGISTER, ...flags, '-e', PROGRAM], {
      encoding: 'utf8', timeout: 60_000, env: { ...ENV, HOTPATH_OUT: out, HOTPATH_PROFILES: 'time,heap' },
    });
    t.equal(r.status, 0, 'exit code 0');
    t.equal(r.stdout.trim(), 'done');
    t.equal(r.stderr, '', 'nothing on stderr');
    const time = readdirSync(out).filter((f) => f.includes('.time.'));
    t.equal(time.length, 1, 'a time profile');
    const p = decodeProfile(readFileSync(join(out, time[0])));
    const names = new Set(p.function.map((f) => f.name));
    t.ok(names.has('busyInEval'), 'the evaluated code is in it');
  });
}

// Without WebAssembly (node --jitless) hotpath cannot build profiles: it says once that it is off
// and takes nothing, and the program (with workers) runs as without it.
t.test('node --jitless: hotpath says once that it is off, the program runs unchanged', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'hotpath-jitless-'));
  const program = `${PROGRAM} const { Worker } = require('node:worker_threads');
    new Worker('try { throw new Error("x"); } catch {} require("node:worker_threads").parentPort.postMessage(typeof WebAssembly)', { eval: true })
      .on('message', (m) => console.log('worker', m));`;
  const r = spawnSync(process.execPath, ['--jitless', '--import', REGISTER, '-e', program], {
    encoding: 'utf8', timeout: 60_000, env: { ...ENV, HOTPATH_OUT: out, HOTPATH_PROFILES: 'time,heap,exceptions', HOTPATH_PERIOD: '300ms' },
  });
  t.equal(r.status, 0, 'exit code 0');
  t.equal(r.stdout.trim(), 'done\nworker undefined', "the program's output, its worker's too");
  const ours = r.stderr.split('\n').filter((l) => l.startsWith('hotpath:'));
  t.same(ours, ['hotpath: off: this Node runs without WebAssembly (--jitless?), which hotpath builds its profiles with; the program runs unprofiled'], `one line from hotpath: ${r.stderr}`);
  t.same(readdirSync(out), [], 'no profile written');
});
