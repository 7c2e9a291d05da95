// The benchmark suite: `npm run bench` (about 25 minutes on 2 cores) or `npm run bench -- --quick`
// (under two minutes, fewer rounds and shorter runs: for checking that it works, not for numbers).
// Runs each scenario file in its own process, one after the other; each rewrites its own
// section of bench/RESULTS.md and its figures in bench/results.json (median, quartiles, min,
// max, n of every figure with a spread: `npm run bench:compare -- a.json b.json` compares two
// runs); then this writes the suite section (machine, load, date, what ran and how long) at the
// top and puts the sections in a fixed order. `npm run bench:overhead` is this with
// --only=overhead-cpu,overhead-http,overhead-http-inplace,overhead-inplace,native-calls,idle-workers,labels. Sections of scenarios marked
// extra (labels, bench:heap, bench:collectors) are kept as they are; `--all` also reruns them
// (heap and collectors with short settings). `--json=file` writes the figures elsewhere.
//   npm run bench [-- --quick] [-- --only=overhead-cpu,size] [-- --all] [-- --json=file]
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonFile, loadAverage, quick, readResultsJson, resultsFile, systemLine, waitForAddon } from './lib/common.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const jsonArg = process.argv.find((a) => a.startsWith('--json='))?.slice(7);
if (jsonArg) process.env.BENCH_JSON = path.resolve(jsonArg);

interface Scenario { key: string; script: string; what: string; env?: Record<string, string>; quickEnv?: Record<string, string>; extra?: boolean }

const SCENARIOS: Scenario[] = [
  { key: 'overhead-cpu', script: 'overhead-cpu.js', what: 'CPU-bound overhead: hotpath, @datadog/pprof, Google pprof, node --cpu-prof' },
  { key: 'overhead-http', script: 'overhead-http.js', what: 'node:http JSON service under autocannon: throughput, p99, CPU per request' },
  { key: 'overhead-http-inplace', script: 'overhead-http-inplace.js', what: 'node:http JSON service, profiler switched on and off in one process: CPU per request' },
  { key: 'overhead-inplace', script: 'overhead-inplace.js', what: 'CPU-bound and GC-heavy main thread, profiler switched on and off in one process: extra CPU' },
  { key: 'native-calls', script: 'native-calls.js', what: 'calls from JavaScript into C++ (util.types.isPromise) under each profiler' },
  { key: 'idle-workers', script: 'idle-workers.js', what: '16 idle worker threads: the profiler\'s CPU' },
  { key: 'labels', script: 'labels.js', what: 'labels that follow await: CPU per await (bench:overhead)', extra: true },
  { key: 'otel-spans', script: 'otel-spans.js', what: 'OpenTelemetry span context: what it adds to hotpath\'s cost in a traced HTTP service', extra: true },
  { key: 'otel-await', script: 'otel-await.js', what: 'OpenTelemetry span context: main-thread CPU per await and per traced request without HTTP, per Node major', extra: true },
  { key: 'overhead-heap', script: 'overhead-heap.js', what: 'heap profile overhead: hotpath, @datadog/pprof, Google pprof' },
  { key: 'loop-delay', script: 'loop-delay.js', what: 'event-loop delay at period boundaries (p99, max)' },
  { key: 'accuracy', script: 'accuracy.js', what: 'accuracy: builtin-heavy 70/30 with truth; TypeScript parser vs node --cpu-prof' },
  { key: 'lines', script: 'lines.js', what: 'lines and names: the time profile\'s JS leaf samples with an exact line, per Node major' },
  { key: 'size', script: 'size.js', what: 'profile bytes per minute for the HTTP service' },
  { key: 'encode', script: 'encode.js', what: 'encoder speed and size vs pprof-format and protobufjs',
    env: { RUNS: '15', WARMUP: '3' }, quickEnv: { RUNS: '3', WARMUP: '1' } },
  { key: 'memory', script: 'memory.js', what: 'profiler memory over many periods (slope)' },
  { key: 'workers', script: 'workers.js', what: 'worker scaling 1, 2, 4, 8 busy workers: profiler CPU per thread' },
  { key: 'heap', script: 'heap.js', what: 'heap profile cost and memory (bench:heap)', extra: true,
    env: { PAIRS: '10', ITER: '60000', PERIODS: '500', PERIOD_MS: '20', ROUNDS: '10', HTTP_PAIRS: '4', DURATION: '2' },
    quickEnv: { PAIRS: '3', ITER: '30000', PERIODS: '150', PERIOD_MS: '20', ROUNDS: '3', HTTP_PAIRS: '2', DURATION: '1' } },
  { key: 'contention', script: 'contention.js', what: 'contention profile cost (bench:collectors)', extra: true, env: { PAIRS: '10' }, quickEnv: { PAIRS: '3' } },
  { key: 'exceptions', script: 'exceptions.js', what: 'exceptions profile cost (bench:collectors)', extra: true, env: { PAIRS: '10' }, quickEnv: { PAIRS: '3' } },
  { key: 'eventloop', script: 'eventloop.js', what: 'event-loop blocks profile cost (bench:collectors)', extra: true, env: { PAIRS: '10' }, quickEnv: { PAIRS: '3' } },
  { key: 'memory-parts', script: 'memory-parts.js', what: 'where the RSS goes: a worker, the WASM engine, the modules, each kind', extra: true, env: { ROUNDS: '5' }, quickEnv: { ROUNDS: '1' } },
  { key: 'code-map', script: 'code-map.js', what: 'the code map\'s memory while the TypeScript compiler type-checks this repository', extra: true, env: { ROUNDS: '3' }, quickEnv: { ROUNDS: '1' } },
  { key: 'soak', script: 'soak.js', what: 'soak: RSS of the example service under load for 3 rounds of 20 minutes (bench:soak, about an hour)', extra: true },
];

/** Section order in the document; sections not listed keep their order after these. */
const ORDER = ['suite', 'overhead-cpu', 'overhead-http', 'overhead-http-inplace', 'overhead-inplace', 'native-calls', 'idle-workers', 'overhead-heap', 'loop-delay', 'accuracy', 'lines', 'size', 'encode', 'memory', 'workers', 'reproducibility', 'labels', 'otel-spans', 'otel-await', 'heap', 'contention', 'exceptions', 'eventloop', 'memory-parts', 'code-map', 'soak'];

interface ScenarioRun { ok: boolean; seconds: number; loadBefore: string; at?: string }

function runScript(s: Scenario): Promise<ScenarioRun> {
  const loadBefore = loadAverage();
  const at = new Date().toISOString().slice(0, 16) + 'Z';
  const t0 = performance.now();
  return new Promise((resolve) => {
    const env = { ...process.env, ...(quick ? { BENCH_QUICK: '1', ...s.quickEnv } : s.env) };
    const p = spawn(process.execPath, [path.join(here, s.script), ...(quick ? ['--quick'] : [])], { stdio: ['ignore', 'ignore', 'inherit'], env });
    p.on('exit', (code) => resolve({ ok: code === 0, seconds: (performance.now() - t0) / 1000, loadBefore, at }));
  });
}

function reorder(doc: string): string {
  const re = /<!-- ([\w-]+):start[\s\S]*?<!-- \1:end -->/g;
  const sections = new Map<string, string>();
  for (const m of doc.matchAll(re)) sections.set(m[1], m[0]);
  const rest = doc.replace(re, '').replace(/\n{3,}/g, '\n\n').trim();
  const keys = [...ORDER.filter((k) => sections.has(k)), ...[...sections.keys()].filter((k) => !ORDER.includes(k))];
  return `${rest || '# Benchmark results'}\n\n${keys.map((k) => sections.get(k)).join('\n\n')}\n`;
}

async function main(): Promise<void> {
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7).split(',');
  const all = process.argv.includes('--all');
  const system = systemLine();
  const started = new Date();
  const chosen = SCENARIOS.filter((s) => (only ? only.includes(s.key) : all || !s.extra));
  // The figures of the scenarios about to run are dropped first (a failed one leaves no stale
  // figures); the others' (extras, or those --only leaves out) are kept, as their sections are.
  const before = readResultsJson();
  for (const s of chosen) delete before.scenarios[s.key];
  writeFileSync(jsonFile(), JSON.stringify(before, null, 1) + '\n');
  const runs: Record<string, ScenarioRun> = {};
  for (const s of chosen) {
    await waitForAddon();
    process.stderr.write(`\n== ${s.key} (${s.what}), load ${loadAverage()}\n`);
    const r = await runScript(s);
    runs[s.key] = r;
  }
  const minutes = (Date.now() - started.getTime()) / 60000;
  const j = readResultsJson();
  // The rows of the scenarios not rerun stay (from the figures file's last suite), like their sections.
  const kept = (j.suite as { runs?: Record<string, ScenarioRun> } | undefined)?.runs ?? {};
  const allRuns = { ...kept, ...runs };
  j.suite = { system, mode: quick ? 'quick' : 'full', only: only ?? null, started: started.toISOString(), minutes, loadAtEnd: loadAverage(), runs: allRuns };
  const ran = SCENARIOS.filter((s) => allRuns[s.key]).map((s) => {
    const r = allRuns[s.key];
    return `| ${s.key} | ${s.what} | ${r.ok ? 'ok' : '**failed** (section not updated)'} | ${r.at ?? '(earlier)'} | ${r.seconds.toFixed(0)} s | ${r.loadBefore} |`;
  });
  writeFileSync(jsonFile(), JSON.stringify(j, null, 1) + '\n');
  const section = [
    '<!-- suite:start (written by bench/run.ts; `npm run bench`) -->',
    `Regenerate: \`npm run bench\` (all scenarios below, about 25 minutes on 2 cores) or \`npm run bench -- --quick\` (under two minutes; too few rounds for numbers). ` +
      '`--only=key,key` reruns some; `--all` also reruns the heap and collector benchmarks with short settings. Each section names its own script. ' +
      'Every figure given with a spread is also in bench/results.json (median, quartiles, min, max, n; `--json=file` to write elsewhere); `npm run bench:compare -- a.json b.json` says whether two runs agree (see Reproducibility).',
    '',
    `${system}. This run: ${quick ? 'quick' : 'full'}${only ? `, only ${only.join(', ')}` : ''}, ${minutes.toFixed(1)} min, load average at end ${loadAverage()}.`,
    '',
    'How to read: every configuration runs in a fresh process; configurations alternate (rotated order every round, reversed every other round) so that drifts in machine load fall on all alike; ' +
      'figures are medians of ratios paired within a round (profiler / none), with their spread (interquartile range; min-max) beside them. ' +
      'On this shared 2-core machine run-to-run noise is several percent, so only differences larger than the spread mean anything. Rows where hotpath is behind a peer say so in bold.',
    '',
    '| section | what | status | run at | time | load average before (1, 5, 15 min) |',
    '|---|---|---|---|---|---|',
    ...ran,
    '<!-- suite:end -->',
  ].join('\n');
  let doc = existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8') : '# Benchmark results\n';
  const re = /<!-- suite:start[\s\S]*?<!-- suite:end -->/;
  doc = re.test(doc) ? doc.replace(re, () => section) : doc.replace(/^(# [^\n]*\n)/, (h) => `${h}\n${section}\n`);
  if (!re.test(doc)) doc = `# Benchmark results\n\n${section}\n\n${doc}`;
  writeFileSync(resultsFile, reorder(doc));
  process.stderr.write(`\nwrote ${resultsFile} and ${jsonFile()} (${minutes.toFixed(1)} min)\n`);
}

await main();
