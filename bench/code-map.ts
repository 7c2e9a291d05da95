// The code map's memory on a large program: the TypeScript compiler type-checking this
// repository (src/ and bench/, about 150 files, through the compiler's API in one process),
// with hotpath's time profile and without it, alternating. Reports the code map's own
// estimate of what it holds (codeMapStats().bytes: ranges, names, line tables, script URLs),
// its range counts and evictions, and the process's RSS at the end against the unprofiled run.
//   node dist/bench/code-map.js      ROUNDS (3) overrides the default
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { Figures, quick, result, root, rounds, runNode, setting, systemLine, writeSection } from './lib/common.js';

const ROUNDS = setting('ROUNDS', 3, 1);
const self = fileURLToPath(import.meta.url);

interface Run { rssMb: number; ms: number; diagnostics: number; map?: { live: number; retired: number; lineTables: number; evicted: number; bytes: number } }

async function child(profiled: boolean): Promise<void> {
  const out = mkdtempSync(path.join(tmpdir(), 'hotpath-code-map-'));
  const hotpath = profiled ? await import('../src/index.js') : null;
  const profiler = hotpath?.start({ profiles: 'time', period: '1h', outDir: out, service: 'code-map' });
  const ts = createRequire(import.meta.url)('typescript') as typeof import('typescript');
  const t0 = performance.now();
  const config = ts.getParsedCommandLineOfConfigFile(path.join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
  const program = ts.createProgram(config.fileNames, { ...config.options, noEmit: true });
  const diagnostics = ts.getPreEmitDiagnostics(program).length;
  const ms = performance.now() - t0;
  const r: Run = { rssMb: process.memoryUsage().rss / 1048576, ms, diagnostics };
  if (profiled) {
    const { loadNative } = await import('../src/collect/native.js');
    const s = loadNative()!.codeMapStats(true);
    r.map = { live: s.live, retired: s.retired, lineTables: s.lineTables, evicted: s.evicted, bytes: s.bytes ?? 0 };
    await profiler!.stop();
  }
  rmSync(out, { recursive: true, force: true });
  result(r);
}

async function main(): Promise<void> {
  const system = systemLine();
  const res = await rounds(['none', 'hotpath'], ROUNDS, (c) => runNode<Run>(self, ['child', c], { timeoutMs: 600_000 }), 'code-map');
  const fig = new Figures('code-map', system);
  const maps = res.hotpath!.map((r) => r.map!);
  const bytes = fig.add('code map MB', maps.map((m) => m.bytes / 1048576));
  const live = fig.add('live ranges', maps.map((m) => m.live));
  const rssNone = fig.add('rss none MB', res.none!.map((r) => r.rssMb));
  const rssHot = fig.add('rss hotpath MB', res.hotpath!.map((r) => r.rssMb));
  const msNone = fig.add('ms none', res.none!.map((r) => r.ms));
  const msHot = fig.add('ms hotpath', res.hotpath!.map((r) => r.ms));
  fig.save();
  const m0 = maps[0]!;
  writeSection('code-map', [
    '## The code map on a large program (bench/code-map.ts)',
    '',
    `The TypeScript compiler (its API, one process) type-checking this repository (${res.none![0]!.diagnostics} diagnostics), ${ROUNDS} alternating rounds; hotpath with its time profile only.`,
    '',
    '| | median | runs |',
    '|---|---|---|',
    `| code map, MB (its own estimate) | ${bytes.median.toFixed(2)} | ${maps.map((m) => (m.bytes / 1048576).toFixed(2)).join(', ')} |`,
    `| live code ranges | ${live.median} | ${maps.map((m) => m.live).join(', ')} |`,
    `| RSS at the end, MB: unprofiled / hotpath | ${rssNone.median.toFixed(1)} / ${rssHot.median.toFixed(1)} | ${res.none!.map((r) => r.rssMb.toFixed(0)).join(', ')} / ${res.hotpath!.map((r) => r.rssMb.toFixed(0)).join(', ')} |`,
    `| compile time, ms: unprofiled / hotpath | ${msNone.median.toFixed(0)} / ${msHot.median.toFixed(0)} | |`,
    '',
    `First run's map: ${m0.live} live ranges, ${m0.retired} retired, ${m0.lineTables} line tables made, ${m0.evicted} evicted. ` +
      'The map keeps at most 32,768 live ranges per attached isolate (~150 bytes each without line tables), evicting those no sample named for longest.',
    '',
    `${system}${quick ? ' (quick run)' : ''}.`,
  ]);
}

if (process.argv[2] === 'child') await child(process.argv[3] === 'hotpath');
else await main();
