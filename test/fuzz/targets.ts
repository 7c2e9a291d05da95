// The fuzz targets and the properties every input must keep:
//  - the code returns a model, or throws the project's one-line error type for that entry
//    point (ProfileFormatError from the decoder, ConvertError/ProfileFormatError from the
//    converters, CliError from the file loaders); any other exception is a finding;
//  - a model that comes back passes checkValid, has finite values and a size bounded by the
//    input's (no amplification), and the consumers of a model (collapsed and speedscope
//    output, the viewer's flame tree and table, re-encoding) take it without throwing;
//  - what the decoder accepts, protobufjs reads the same way (reference-check.ts).
// Time and memory per input are the engine's to check (engine.ts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProfileFormatError, checkValid, decodeProfile, encodeProfile, gunzip, gzip, isGzip } from '../../dist/src/profile/index.js';
import type { Profile } from '../../dist/src/profile/model.js';
import { ConvertError } from '../../dist/src/convert/errors.js';
import { detectFormat, jsonFormat, parseJson } from '../../dist/src/convert/detect.js';
import { cpuProfileToProfile } from '../../dist/src/convert/cpuprofile.js';
import { heapProfileToProfile } from '../../dist/src/convert/heapprofile.js';
import { selfProfilingTraceToProfile } from '../../dist/src/convert/self-profiling.js';
import { profileToCollapsed } from '../../dist/src/convert/collapsed.js';
import { profileToSpeedscope } from '../../dist/src/convert/speedscope.js';
import { buildDiffTree, buildFlameTree, filterProfile, labelValues } from '../../dist/src/view/flame.js';
import { viewTable } from '../../dist/src/view/table.js';
import { readProfileFile } from '../../dist/src/cli/read-profile.js';
import { loadAnyProfile } from '../../dist/src/cli/convert.js';
import { CliError } from '../../dist/src/cli/errors.js';
import { type Rng, mutateBytes } from './mutate-bytes.js';
import { mutateJson } from './mutate-json.js';
import { mutatePprof } from './mutate-pprof.js';
import { differFromReference } from './reference-check.js';
import { jsonSeeds, pprofSeeds } from './seeds.js';

/** An input broke a property; the message says which. */
export class Violation extends Error {
  override name = 'Violation';
}

export interface Target {
  name: string;
  /** Inputs never grow past this many bytes. */
  maxLength: number;
  seeds(): Uint8Array[];
  mutate(input: Uint8Array, rng: Rng, other: Uint8Array | undefined): Uint8Array;
  /** Runs one input; throws Violation. Returns words that describe what happened (extra features). */
  run(input: Uint8Array): string[];
}

type ErrorClass = abstract new (...args: never[]) => Error;

/** The error must be one of `allowed`, with a one-line message; returns its shape as a feature. */
function checkError(error: unknown, allowed: ErrorClass[], what: string): string {
  if (!allowed.some((c) => error instanceof c)) {
    const name = (error as Error)?.constructor?.name ?? typeof error;
    throw new Violation(`${what} threw ${name}: ${String((error as Error)?.message ?? error).split('\n')[0].slice(0, 300)}`);
  }
  const message = (error as Error).message;
  if (message.length === 0 || /[\r\n]/.test(message) || message.length > 2000) {
    throw new Violation(`${what}: error message is not one line: ${JSON.stringify(message.slice(0, 300))}`);
  }
  // Numbers and quoted text vary per input; the rest says which check failed.
  return `${what}:${(error as Error).name}:${message.replace(/"[^"]*"/g, 's').replace(/[0-9]+/g, '#').slice(0, 120)}`;
}

/** Rows of everything in a model: what memory it holds, roughly. */
function modelSize(p: Profile): number {
  let n = p.sampleType.length + p.mapping.length + p.function.length + p.comment.length;
  for (const s of p.sample) n += 1 + s.locationId.length + s.value.length + s.label.length;
  for (const l of p.location) n += 1 + l.line.length;
  return n;
}

const log2 = (n: number): number => (n <= 0 ? 0 : 1 + Math.floor(Math.log2(n)));

/** The checks on a model that came back, and what its consumers do with it. */
function checkModel(p: Profile, what: string, inputBytes: number, reencode: boolean): string[] {
  try {
    checkValid(p);
  } catch (error) {
    throw new Violation(`${what} returned an invalid profile: ${(error as Error).message}`);
  }
  for (const [name, v] of [['durationNanos', p.durationNanos], ['period', p.period]] as const) {
    if (!Number.isFinite(v)) throw new Violation(`${what} returned ${name} ${v}`);
  }
  for (let i = 0; i < p.sample.length; i++) {
    for (const v of p.sample[i].value) {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new Violation(`${what} returned sample ${i} with value ${v}`);
    }
  }
  const size = modelSize(p);
  if (size > 64 * inputBytes + 10_000) throw new Violation(`${what} returned ${size} rows from ${inputBytes} bytes`);
  const consumer = (name: string, run: () => unknown): void => {
    try {
      run();
    } catch (error) {
      throw new Violation(`${name} threw on a profile from ${what}: ${(error as Error)?.name}: ${String((error as Error)?.message).split('\n')[0].slice(0, 300)}`);
    }
  };
  if (p.sampleType.length > 0) {
    const index = p.sampleType.length - 1;
    consumer('collapsed', () => profileToCollapsed(p));
    consumer('speedscope', () => JSON.stringify(profileToSpeedscope(p)));
    consumer('flame tree', () => buildFlameTree(p, index));
    consumer('view table', () => viewTable(p, p.sampleType[index].type));
    // What the viewer page does with a label filter picked and the profile diffed with itself.
    consumer('label filter', () => {
      const [key, values] = [...labelValues(p)][0] ?? [];
      const filter = key === undefined ? undefined : new Map([[key, values![0]]]);
      filterProfile(p, filter);
      buildFlameTree(p, index, filter);
      buildDiffTree(p, index, p, 0, filter);
      viewTable(p, p.sampleType[index].type, filter, { profile: p, sampleType: p.sampleType[0].type });
    });
  }
  if (reencode) {
    consumer('encode', () => {
      const again = decodeProfile(encodeProfile(p));
      if (again.sample.length !== p.sample.length) throw new Error(`${p.sample.length} samples became ${again.sample.length}`);
    });
  }
  return [
    `${what}:ok`,
    `${what}:samples:${log2(p.sample.length)}`,
    `${what}:locations:${log2(p.location.length)}`,
    `${what}:functions:${log2(p.function.length)}`,
    `${what}:mappings:${log2(p.mapping.length)}`,
    `${what}:labels:${log2(p.sample.reduce((n, s) => n + s.label.length, 0))}`,
  ];
}

/** The decoder: gzip or raw pprof bytes. */
function runDecode(input: Uint8Array): string[] {
  let profile: Profile;
  try {
    profile = decodeProfile(input);
  } catch (error) {
    return [checkError(error, [ProfileFormatError], 'decode')];
  }
  // What the model may hold is bounded by the decompressed size, which the decoder caps.
  const raw = isGzip(input) ? gunzip(input) : input;
  const words = checkModel(profile, 'decode', raw.length, false);
  const diff = differFromReference(raw, profile);
  if (diff) throw new Violation(`decoder and protobufjs differ: ${diff}`);
  return words;
}

/** The converters on one JSON or pprof input, as `hotpath convert` routes it. */
function runConvert(input: Uint8Array): string[] {
  let profile: Profile;
  let what = 'convert';
  try {
    const format = detectFormat(input);
    if (format === 'pprof') return runDecode(input);
    const json = parseJson(input);
    const kind = jsonFormat(json);
    what = kind;
    profile = kind === 'cpuprofile' ? cpuProfileToProfile(json) : kind === 'heapprofile' ? heapProfileToProfile(json) : selfProfilingTraceToProfile(json);
  } catch (error) {
    return [checkError(error, [ConvertError, ProfileFormatError], what)];
  }
  return checkModel(profile, what, input.length, true);
}

let fileDir: string | undefined;
/** The file loaders of `hotpath top`/`view`/`convert` on the input saved as a file. */
function runFiles(input: Uint8Array): string[] {
  fileDir ??= mkdtempSync(join(tmpdir(), 'hotpath-fuzz-'));
  const path = join(fileDir, 'input');
  writeFileSync(path, input);
  const out: string[] = [];
  for (const [what, load] of [
    ['readProfileFile', () => readProfileFile(path)],
    ['loadAnyProfile', () => loadAnyProfile(path).profile],
  ] as const) {
    let profile: Profile;
    try {
      profile = load();
    } catch (error) {
      out.push(checkError(error, [CliError], what));
      continue;
    }
    out.push(...checkModel(profile, what, isGzip(input) ? gunzip(input).length : input.length, false));
  }
  return out;
}

export function cleanupFiles(): void {
  if (fileDir) rmSync(fileDir, { recursive: true, force: true });
}

const PPROF_DICTIONARY = [[0x0a], [0x12], [0x1a], [0x22], [0x2a], [0x32, 0], [0x38], [0x40], [0x48], [0x50], [0x5a], [0x60], [0x68], [0x70], [0x78], [0x1f, 0x8b, 8, 0]].map((b) => Uint8Array.from(b));
const JSON_DICTIONARY = ['"nodes":', '"id":', '"children":[', '"callFrame":{"functionName":"', '"samples":[', '"timeDeltas":[', '"head":{', '"selfSize":', '"frames":[', '"stacks":[', '"parentId":', '"stackId":', '-1', '1e999', 'null', '[]', '{}', '"', ',', ']', '}', '\\u0000', '\\n'].map((s) => new TextEncoder().encode(s));

function mutatePprofInput(input: Uint8Array, rng: Rng, other: Uint8Array | undefined, maxLength: number): Uint8Array {
  const bytes = { dictionary: PPROF_DICTIONARY, maxLength };
  if (isGzip(input)) {
    if (rng.chance(0.3)) return mutateBytes(input, rng, other, bytes);
    let raw: Uint8Array;
    try {
      raw = gunzip(input);
    } catch {
      return mutateBytes(input, rng, other, bytes);
    }
    return gzip(mutatePprofInput(raw, rng, other, maxLength));
  }
  const structured = rng.chance(0.75) ? mutatePprof(input, rng, other && !isGzip(other) ? other : undefined, maxLength) : null;
  const out = structured ?? mutateBytes(input, rng, other, bytes);
  return rng.chance(0.05) ? gzip(out) : out;
}

function mutateJsonInput(input: Uint8Array, rng: Rng, other: Uint8Array | undefined, maxLength: number): Uint8Array {
  const structured = rng.chance(0.8) ? mutateJson(input, rng, maxLength) : null;
  return structured ?? mutateBytes(input, rng, other, { dictionary: JSON_DICTIONARY, maxLength });
}

const looksJson = (b: Uint8Array): boolean => {
  try {
    return detectFormat(b) === 'json';
  } catch {
    return false;
  }
};

/**
 * Targets that misbehave on purpose on their first mutated input, for test/core/fuzz-harness.test.ts
 * to check that the campaign catches a hang, a crash and a memory blow-up.
 */
function misbehaving(name: string, misbehave: () => void): Target {
  const bad = new TextEncoder().encode('bad');
  return {
    name,
    maxLength: 16,
    seeds: () => [new TextEncoder().encode('ok')],
    mutate: () => bad,
    run: (input) => {
      if (input.length === bad.length) misbehave();
      return [];
    },
  };
}
let retained: unknown[] = [];

export const TARGETS: Record<string, Target> = {
  'harness-hang': misbehaving('harness-hang', () => {
    for (;;);
  }),
  'harness-crash': misbehaving('harness-crash', () => process.kill(process.pid, 'SIGKILL')),
  'harness-memory': misbehaving('harness-memory', () => {
    retained = [...retained, Buffer.alloc(700 * 2 ** 20, 1)];
  }),
  decode: {
    name: 'decode',
    maxLength: 64 * 1024,
    seeds: pprofSeeds,
    mutate: (input, rng, other) => mutatePprofInput(input, rng, other, 64 * 1024),
    run: runDecode,
  },
  convert: {
    name: 'convert',
    maxLength: 64 * 1024,
    seeds: jsonSeeds,
    mutate: (input, rng, other) => mutateJsonInput(input, rng, other, 64 * 1024),
    run: runConvert,
  },
  files: {
    name: 'files',
    maxLength: 64 * 1024,
    seeds: () => [...pprofSeeds(), ...jsonSeeds()],
    mutate: (input, rng, other) => (looksJson(input) ? mutateJsonInput(input, rng, other, 64 * 1024) : mutatePprofInput(input, rng, other, 64 * 1024)),
    run: runFiles,
  },
};
