// Runs one target's campaign in a child process (worker.ts) and watches it from outside:
// a child that stops moving on to the next input for hangMs is killed and its input saved
// as a hang; a child that dies (a crash, V8 running out of heap) has its input saved as a
// crash. Either way a new child goes on from the corpus saved so far, until the budget of
// inputs or seconds is spent.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { saveInput, type EngineOptions, type EngineReport, type Finding } from './engine.js';

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CampaignOptions {
  inputs: number;
  seconds: number;
  seed?: number;
  /** Corpus, findings and the in-flight input go under here. */
  workDir: string;
  timeLimitMs?: number;
  hangMs?: number;
  rssLimitMb?: number;
  /** V8 heap cap of the child: an input that needs more kills it (a crash finding). */
  heapMb?: number;
}

export interface CampaignReport extends Omit<EngineReport, 'stopped'> {
  children: number;
}

interface ChildResult {
  report?: EngineReport;
  inputs: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  hung: boolean;
  stderr: string;
}

function runChild(opts: EngineOptions, heapMb: number, hangMs: number): Promise<ChildResult> {
  return new Promise((resolve) => {
    // As a user would run it: without tap's NODE_OPTIONS preloads.
    const child = spawn('env', ['-u', 'NODE_OPTIONS', process.execPath, `--max-old-space-size=${heapMb}`, '--import', 'tsx', WORKER, JSON.stringify(opts)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let stderr = '';
    let inputs = 0;
    let hung = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      for (const m of out.matchAll(/^progress (\d+)$/gm)) inputs = Number(m[1]);
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    const startedAt = Date.now();
    const watch = setInterval(() => {
      let last = startedAt;
      try {
        last = Math.max(startedAt, statSync(opts.inflight).mtimeMs);
      } catch {
        // Not written yet: the child is still loading.
      }
      if (Date.now() - last > hangMs) {
        hung = true;
        child.kill('SIGKILL');
      }
    }, 250);
    child.on('close', (code, signal) => {
      clearInterval(watch);
      const line = /^report (.*)$/m.exec(out);
      const report = line ? (JSON.parse(line[1]) as EngineReport) : undefined;
      resolve({ report, inputs: report?.inputs ?? inputs, code, signal, hung, stderr });
    });
  });
}

export async function runCampaign(target: string, o: CampaignOptions): Promise<CampaignReport> {
  mkdirSync(o.workDir, { recursive: true });
  const started = performance.now();
  const findings: Finding[] = [];
  let inputs = 0;
  let children = 0;
  let first: EngineReport | undefined;
  let last: EngineReport | undefined;
  let slowestMs = 0;
  let peak = 0;
  while (inputs < o.inputs && (performance.now() - started) / 1000 < o.seconds) {
    const opts: EngineOptions = {
      target,
      inputs: o.inputs - inputs,
      seconds: o.seconds - (performance.now() - started) / 1000,
      seed: (o.seed ?? 1) + children * 7919,
      corpusDir: join(o.workDir, `corpus-${target}`),
      findingsDir: join(o.workDir, 'findings'),
      inflight: join(o.workDir, `inflight-${target}`),
      timeLimitMs: o.timeLimitMs ?? 2000,
      rssLimitMb: o.rssLimitMb ?? 512,
    };
    children++;
    const r = await runChild(opts, o.heapMb ?? 2048, o.hangMs ?? 10_000);
    inputs += r.inputs;
    if (r.report) {
      first ??= r.report;
      last = r.report;
      findings.push(...r.report.findings);
      slowestMs = Math.max(slowestMs, r.report.slowestMs);
      peak = Math.max(peak, r.report.peakRssGrowthMb);
    }
    if (r.hung || !r.report || (r.code !== 0 && r.code !== 3)) {
      let input = new Uint8Array();
      try {
        input = new Uint8Array(readFileSync(opts.inflight));
      } catch {
        // The child died before its first input.
      }
      const reason = r.hung
        ? `hang: no progress for ${o.hangMs ?? 10_000} ms`
        : `crash: child exited with ${r.signal ?? r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 500)}`;
      findings.push({ reason, file: saveInput(opts.findingsDir, target, input, reason) });
      if (!r.report && r.inputs === 0) break; // Dies at start: restarting will not help.
    }
  }
  return {
    target,
    inputs,
    seeds: first?.seeds ?? 0,
    corpus: last?.corpus ?? 0,
    features: last?.features ?? 0,
    seedBlocks: first?.seedBlocks ?? 0,
    blocks: last?.blocks ?? 0,
    blocksPerScript: last?.blocksPerScript ?? {},
    slowestMs,
    peakRssGrowthMb: peak,
    seconds: Math.round((performance.now() - started) / 100) / 10,
    findings,
    children,
  };
}
