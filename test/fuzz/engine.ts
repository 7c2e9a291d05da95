// The fuzzing loop, run in a child process per target (campaign.ts starts it and watches it):
// run the seeds, then repeatedly take a corpus entry, mutate it, run it, and keep the result
// when it reached new coverage (coverage.ts: V8 block coverage of dist/src and pako, plus the
// target's own words for what the WASM decoder did, which V8 cannot see into). Each input is
// checked for the targets' properties (targets.ts), for time (timeLimitMs) and for memory:
// the process's peak RSS may not grow more than rssLimitMb over what it was after the seeds.
import { createHash } from 'node:crypto';
import { closeSync, ftruncateSync, mkdirSync, openSync, readFileSync, readdirSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Coverage } from './coverage.js';
import { Rng } from './mutate-bytes.js';
import { TARGETS, Violation, cleanupFiles, type Target } from './targets.js';

export interface EngineOptions {
  target: string;
  /** Stop after this many inputs (seeds included)... */
  inputs: number;
  /** ...or after this many seconds, whichever comes first. */
  seconds: number;
  seed: number;
  /** Inputs that added coverage are kept here, so that a restarted child goes on from them. */
  corpusDir: string;
  findingsDir: string;
  /** The input being run, for the parent to save if this process hangs or dies. */
  inflight: string;
  timeLimitMs: number;
  rssLimitMb: number;
}

export interface Finding {
  reason: string;
  file: string;
}

export interface EngineReport {
  target: string;
  inputs: number;
  seeds: number;
  corpus: number;
  features: number;
  /** Blocks that ran after the seeds alone, and after the whole run. */
  seedBlocks: number;
  blocks: number;
  blocksPerScript: Record<string, string>;
  slowestMs: number;
  peakRssGrowthMb: number;
  seconds: number;
  findings: Finding[];
  /** Why it stopped early, if it did ('memory' asks the parent for a fresh process). */
  stopped?: 'memory';
}

export const wantedScript = (url: string): boolean => url.includes('/dist/src/') || url.includes('/node_modules/pako/');

export function saveInput(dir: string, target: string, input: Uint8Array, reason: string): string {
  mkdirSync(dir, { recursive: true });
  const name = `${target}-${createHash('sha1').update(input).digest('hex').slice(0, 12)}`;
  writeFileSync(join(dir, `${name}.bin`), input);
  writeFileSync(join(dir, `${name}.txt`), `${reason}\n`);
  return join(dir, `${name}.bin`);
}

export function runEngine(opts: EngineOptions, progress: (inputs: number) => void = () => {}): EngineReport {
  const target: Target = TARGETS[opts.target];
  if (!target) throw new Error(`no fuzz target ${opts.target}`);
  const rng = new Rng(opts.seed);
  const coverage = new Coverage(wantedScript);
  const seen = new Set<number>();
  const words = new Map<string, number>();
  const corpus: Uint8Array[] = [];
  const findings: Finding[] = [];
  const perReason = new Map<string, number>();
  const inflight = openSync(opts.inflight, 'w');
  mkdirSync(opts.corpusDir, { recursive: true });
  const started = performance.now();
  let slowestMs = 0;
  let inputs = 0;
  let baselineKb = 0;
  let peakGrowthKb = 0;
  let stopped: EngineReport['stopped'];

  const report = (input: Uint8Array, reason: string): void => {
    // One saved input per kind of failure is enough to fix it (numbers vary per input).
    const kind = reason.replace(/"(?:[^"\\]|\\.)*"|'[^']*'/g, 's').replace(/[0-9]+/g, '#').slice(0, 80);
    const n = perReason.get(kind) ?? 0;
    perReason.set(kind, n + 1);
    if (n < 3) findings.push({ reason, file: saveInput(opts.findingsDir, target.name, input, reason) });
  };

  /** Runs one input; true if it reached something new. */
  const execute = (input: Uint8Array): boolean => {
    ftruncateSync(inflight, 0);
    writeSync(inflight, input, 0, input.length, 0);
    inputs++;
    const t0 = performance.now();
    let extra: string[] = [];
    try {
      extra = target.run(input);
    } catch (error) {
      report(input, error instanceof Violation ? error.message : `harness error: ${(error as Error)?.stack ?? error}`);
    }
    const ms = performance.now() - t0;
    slowestMs = Math.max(slowestMs, ms);
    if (ms > opts.timeLimitMs) {
      // Once more, so that a moment when the machine was busy is not taken for a slow input.
      const t1 = performance.now();
      try {
        target.run(input);
      } catch {
        // Reported above if it matters.
      }
      const again = performance.now() - t1;
      if (again > opts.timeLimitMs) report(input, `took ${Math.round(ms)} ms, then ${Math.round(again)} ms (limit ${opts.timeLimitMs} ms)`);
    }
    if (baselineKb > 0) {
      const growth = process.resourceUsage().maxRSS - baselineKb;
      peakGrowthKb = Math.max(peakGrowthKb, growth);
      if (growth > opts.rssLimitMb * 1024) {
        report(input, `peak RSS grew by ${Math.round(growth / 1024)} MB (limit ${opts.rssLimitMb} MB)`);
        stopped = 'memory';
      }
    }
    let fresh = false;
    for (const f of coverage.take()) {
      if (!seen.has(f)) {
        seen.add(f);
        fresh = true;
      }
    }
    for (const w of extra) {
      if (!words.has(w)) {
        words.set(w, words.size);
        seen.add(-1 - words.get(w)!);
        fresh = true;
      }
    }
    return fresh;
  };

  const previous = readdirSync(opts.corpusDir).sort().map((n) => new Uint8Array(readFileSync(join(opts.corpusDir, n))));
  const seeds = target.seeds();
  for (const input of [...seeds, ...previous]) {
    if (execute(input)) corpus.push(input);
  }
  if (corpus.length === 0) corpus.push(...seeds);
  const seedBlocks = coverage.blocks.size;
  baselineKb = process.resourceUsage().maxRSS;
  let lastProgress = performance.now();

  while (inputs < opts.inputs && performance.now() - started < opts.seconds * 1000 && !stopped) {
    // Newer entries are more often the ones on the frontier.
    const parent = rng.chance(0.3) ? corpus[corpus.length - 1 - rng.below(Math.min(16, corpus.length))] : rng.pick(corpus);
    const input = target.mutate(parent, rng, rng.pick(corpus));
    if (execute(input)) {
      corpus.push(input);
      writeFileSync(join(opts.corpusDir, `${String(corpus.length).padStart(6, '0')}-${createHash('sha1').update(input).digest('hex').slice(0, 8)}`), input);
    }
    if (performance.now() - lastProgress > 1000) {
      progress(inputs);
      lastProgress = performance.now();
    }
  }
  closeSync(inflight);
  cleanupFiles();
  return {
    target: target.name,
    inputs,
    seeds: seeds.length,
    corpus: corpus.length,
    features: seen.size,
    seedBlocks,
    blocks: coverage.blocks.size,
    blocksPerScript: coverage.blocksPerScript(),
    slowestMs: Math.round(slowestMs),
    peakRssGrowthMb: Math.round(peakGrowthKb / 1024),
    seconds: Math.round((performance.now() - started) / 100) / 10,
    findings,
    stopped,
  };
}
