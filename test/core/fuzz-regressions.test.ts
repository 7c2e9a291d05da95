// Replays every input the fuzzer found a bug with (test/fuzz/regressions/TARGET-HASH.bin, the
// .txt beside it says what was wrong) through the same target and properties as the
// campaign: a model or a one-line error of the project's type, in under 2 s. And the
// gzip-bomb limits, measured in a fresh process: stopped, quickly, with bounded memory.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TARGETS, cleanupFiles } from '../fuzz/targets.js';

const DIR = fileURLToPath(new URL('../fuzz/regressions/', import.meta.url));
const saved = readdirSync(DIR).filter((n) => n.endsWith('.bin')).sort();

t.ok(saved.length > 0, `${saved.length} saved inputs`);
for (const name of saved) {
  t.test(name, async (t) => {
    const target = TARGETS[name.slice(0, name.indexOf('-'))];
    t.ok(target, 'names a fuzz target');
    if (!target) return;
    const why = readFileSync(DIR + name.replace(/\.bin$/, '.txt'), 'utf8').trim();
    const input = new Uint8Array(readFileSync(DIR + name));
    const t0 = performance.now();
    let error: unknown;
    try {
      target.run(input);
    } catch (e) {
      error = e;
    }
    const ms = performance.now() - t0;
    t.equal(error, undefined, `${why} -> ${(error as Error)?.message ?? 'holds now'}`);
    t.ok(ms < 2000, `ran in ${ms.toFixed(0)} ms`);
  });
}
t.teardown(cleanupFiles);

t.test('gzip bombs: a one-line error within 2 s and under 256 MB of peak RSS growth', async (t) => {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const child = fileURLToPath(new URL('../fuzz/bomb-child.ts', import.meta.url));
  for (const name of ['decode zeros', 'decode pprof string', 'readProfileFile', 'loadAnyProfile']) {
    const r = spawnSync('env', ['-u', 'NODE_OPTIONS', process.execPath, '--import', 'tsx', child, name], { encoding: 'utf8', env, timeout: 120_000 });
    t.equal(r.status, 0, r.stderr);
    const c = JSON.parse(r.stdout.trim().split('\n').pop() || '{}') as { name: string; error: string; ms: number; rssGrowthMb: number; inputKb: number };
    t.equal(c.name, name);
    t.match(c.error, /^(ProfileFormatError|CliError): .*(gzip bomb|exceeds the limit)/, `${c.name}: ${c.error}`);
    t.notMatch(c.error, /\n/, 'one line');
    t.ok(c.ms < 2000, `${c.name}: ${c.ms} ms`);
    t.ok(c.rssGrowthMb < 256, `${c.name}: peak RSS grew ${c.rssGrowthMb} MB for ${c.inputKb} KB that would inflate to 320 MiB`);
  }
});

t.test('small files of many tiny samples: memory bounded by the 4 MiB ratio-check floor', async (t) => {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const child = fileURLToPath(new URL('../fuzz/bomb-child.ts', import.meta.url));
  const run = (name: string) => {
    const r = spawnSync('env', ['-u', 'NODE_OPTIONS', process.execPath, '--import', 'tsx', child, name], { encoding: 'utf8', env, timeout: 120_000 });
    t.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').pop() || '{}') as { name: string; error: string; ms: number; rssGrowthMb: number; inputKb: number };
  };
  // Invalid: refused from the flat tables, before an object per sample is built.
  const empty = run('empty samples');
  t.equal(empty.error, 'ProfileFormatError: profile has samples but no sample types');
  t.ok(empty.rssGrowthMb < 256, `2M empty samples from ${empty.inputKb} KB: peak RSS grew ${empty.rssGrowthMb} MB in ${empty.ms} ms`);
  // Valid: decoded, at ~100 times the decompressed size, and no more.
  const dense = run('dense samples');
  t.equal(dense.error, '', 'a valid profile of 1M samples decodes');
  t.ok(dense.rssGrowthMb < 640, `1M samples from ${dense.inputKb} KB: peak RSS grew ${dense.rssGrowthMb} MB in ${dense.ms} ms`);
});
