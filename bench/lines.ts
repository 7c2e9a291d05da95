// Lines and names: how many of the time profile's JS leaf samples carry an exact line (the
// code logged line positions: Ignition, TurboFan) and how many only their function's first line
// (Sparkplug, Maglev), on the example service under load and on a TypeScript-compiler run, on
// every Node major with a build here (this Node, and native/prebuilds' others from the node
// binaries scripts/build-native.sh caches). Read from the profiles' own comments, written by
// `hotpath run`.
//   node dist/bench/lines.js [--quick]   (--quick: 3 s per workload instead of 10)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cachedNodes, quick, root, systemLine, writeSection } from './lib/common.js';
import { decodeProfile } from '../src/profile/index.js';

const CLI = path.join(root, 'dist', 'src', 'cli', 'main.js');
const LINE = /JS leaf lines: ([\d.]+)% exact, ([\d.]+)% the function's first line only .*; (\d+) samples in native callbacks/;

const seconds = quick ? 3 : 10;
const WORKLOADS: Record<string, string[]> = {
  [`example service (${seconds} s of load)`]: [path.join(root, 'examples', 'service.mjs'), '--load', String(seconds)],
  [`TypeScript compiler (lib.dom.d.ts parsed for ${seconds} s)`]: [path.join(root, 'dist', 'bench', 'lib', 'typescript-run.js'), String(seconds * 1000)],
};

function measure(bin: string, args: string[]): { exact: number; fn: number; native: number } | null {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hotpath-lines-'));
  try {
    execFileSync(bin, [CLI, 'run', '--quiet', '--profiles', 'time', '--period', '60s', '--out', dir, '--', bin, ...args], {
      stdio: ['ignore', 'ignore', 'inherit'], timeout: 120_000, env: { ...process.env, PATH: `${path.dirname(bin)}:${process.env.PATH}` },
    });
    let exact = 0, fn = 0, native = 0, weight = 0;
    for (const f of readdirSync(dir)) {
      for (const c of decodeProfile(readFileSync(path.join(dir, f))).comment) {
        const m = LINE.exec(c);
        if (!m || !c.includes('(main)')) continue;
        exact += Number(m[1]);
        fn += Number(m[2]);
        native += Number(m[3]);
        weight++;
      }
    }
    return weight === 0 ? null : { exact: exact / weight, fn: fn / weight, native };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows: string[] = [];
for (const { major, bin } of cachedNodes()) {
  for (const [what, args] of Object.entries(WORKLOADS)) {
    const r = measure(bin, args);
    rows.push(`| ${major} | ${what} | ${r ? `${r.exact.toFixed(1)}%` : '-'} | ${r ? `${r.fn.toFixed(1)}%` : '-'} | ${r ? r.native : '-'} |`);
    process.stderr.write(`lines: node ${major} ${what} done\n`);
  }
}
writeSection('lines', [
  '## Lines and names (the time profile\'s JS leaf samples, main thread)',
  '',
  systemLine(),
  '',
  'Method: `hotpath run --profiles time` on each workload, one run per Node major; the shares come from the profile\'s own comment. ' +
    'Exact: the leaf\'s code logged line positions (Ignition bytecode, TurboFan code), so the sample has the line of its pc. ' +
    'Function line: the code was Sparkplug or Maglev (V8 logs no positions for them) or existed before hotpath started. ' +
    'Native callbacks: samples V8 reported inside a C++ API callback with its address (V8 11.3 only sets it for calls from Ignition and Sparkplug; 12.4+ only for Fast API calls).',
  '',
  '| Node | workload | exact line | function line only | in native callbacks (samples) |',
  '|---|---|---|---|---|',
  ...rows,
  '',
  'The CpuProfiler path that hotpath used before (removed) took lines from V8\'s own code entries for every tier; the next section sets it beside the own sampler, both read from their pprof files by one criterion.',
]);
