// `hotpath convert IN [-o OUT] [--to FORMAT]`: V8 .cpuprofile and .heapprofile to pprof, and
// any of them to collapsed stacks or speedscope JSON. Every failure is one line naming the file.
import { closeSync, openSync, readFileSync, readSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { decodeProfile, encodeProfile } from '../profile/index.js';
import type { Profile } from '../profile/model.js';
import { profileToCollapsed } from '../convert/collapsed.js';
import { cpuProfileToProfile } from '../convert/cpuprofile.js';
import { detectFormat, jsonFormat, parseJson } from '../convert/detect.js';
import { heapProfileToProfile } from '../convert/heapprofile.js';
import { selfProfilingTraceToProfile } from '../convert/self-profiling.js';
import { profileToSpeedscope } from '../convert/speedscope.js';
import { CliError, cannotRead, parseCommandArgs } from './errors.js';

const USAGE = 'usage: hotpath convert IN [-o OUT|-] [--to pprof|collapsed|speedscope] [--sample-type T] [--file-names]';
const HELP = `${USAGE}

IN is pprof (any tool's), a V8 .cpuprofile (DevTools, node --cpu-prof) or .heapprofile, or a
JS Self-Profiling API trace saved as JSON.
  -o OUT            where to write; - for stdout. Default: IN with .pb.gz for pprof, stdout otherwise
  --to FORMAT       pprof, collapsed (flamegraph.pl's folded stacks) or speedscope (JSON);
                    default from OUT's name (.pb.gz, .folded, .speedscope.json), else pprof
  --sample-type T   which values collapsed output holds (default as pprof picks: the last type);
                    speedscope gets every type unless one is named
  --file-names      collapsed output: append (file:line) to each frame
  -h, --help        this text`;

/** JSON above this cannot become one JavaScript string anyway (V8's limit is about 512 MiB). */
const MAX_JSON_BYTES = 512 * 2 ** 20;
const MAX_PPROF_BYTES = 2 ** 30;

export type OutputFormat = 'pprof' | 'collapsed' | 'speedscope';
const OUTPUTS: OutputFormat[] = ['pprof', 'collapsed', 'speedscope'];

function formatFromName(path: string): OutputFormat | undefined {
  if (/\.(pb\.gz|pb|pprof)$/i.test(path)) return 'pprof';
  if (/\.(folded|collapsed)(\.txt)?$/i.test(path)) return 'collapsed';
  if (/\.speedscope\.json$/i.test(path)) return 'speedscope';
  return undefined;
}

/** The file's size and first bytes, so that a file too large for its format is refused unread. */
function inspectInput(path: string): { size: number; head: Uint8Array } {
  let size: number;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) throw new CliError(`${path}: cannot read: is a directory`);
    size = stat.size;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw cannotRead(path, error);
  }
  if (size === 0) throw new CliError(`${path}: the file is empty`);
  const head = Buffer.alloc(Math.min(size, 4096));
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    readSync(fd, head, 0, head.length, 0);
  } catch (error) {
    throw new CliError(`${path}: cannot read: ${(error as Error).message}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return { size, head };
}

/** Reads any supported input into the profile model. */
export function loadAnyProfile(path: string): { profile: Profile; format: string } {
  const { size, head } = inspectInput(path);
  let format;
  try {
    format = detectFormat(head);
  } catch (error) {
    throw new CliError(`${path}: ${(error as Error).message}`);
  }
  const limit = format === 'pprof' ? MAX_PPROF_BYTES : MAX_JSON_BYTES;
  if (size > limit) {
    throw new CliError(`${path}: ${format === 'pprof' ? 'file' : 'JSON profile'} is ${size} bytes, larger than the ${format === 'pprof' ? '1 GiB limit for profiles' : '512 MiB limit'}`);
  }
  const bytes = readFileSync(path);
  if (format === 'pprof') {
    try {
      return { profile: decodeProfile(bytes), format };
    } catch (error) {
      throw new CliError(`${path}: not a V8 profile (JSON) nor a readable pprof profile: ${(error as Error).message}`);
    }
  }
  try {
    const json = parseJson(bytes);
    const kind = jsonFormat(json);
    // The file only has V8's monotonic clock: take its modification time as the end.
    const endNanos = BigInt(Math.round(statSync(path).mtimeMs)) * 1_000_000n;
    if (kind === 'cpuprofile') {
      const profile = cpuProfileToProfile(json);
      profile.timeNanos = endNanos - BigInt(profile.durationNanos);
      return { profile, format: kind };
    }
    if (kind === 'selfprofile') return { profile: selfProfilingTraceToProfile(json), format: kind };
    return { profile: heapProfileToProfile(json, { timeNanos: endNanos }), format: kind };
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`${path}: ${(error as Error).message}`);
  }
}

function defaultOutput(input: string): string {
  return `${input.replace(/\.(cpuprofile|heapprofile|json|pb\.gz|pb|pprof)$/i, '')}.pb.gz`;
}

function writeAtomically(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (error) {
    try {
      unlinkSync(tmp);
    } catch {
      // Nothing was written.
    }
    throw new CliError(`${path}: cannot write: ${(error as Error).message}`);
  }
}

export function runConvert(args: string[]): void {
  const { values, positionals } = parseCommandArgs('convert', args, {
    help: { type: 'boolean', short: 'h', default: false },
    output: { type: 'string', short: 'o' },
    to: { type: 'string' },
    'sample-type': { type: 'string' },
    'file-names': { type: 'boolean', default: false },
  }, USAGE);
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  if (positionals.length !== 1) throw new CliError(`convert: expected exactly one input file (${USAGE})`);
  const input = positionals[0];
  if (values.to !== undefined && !OUTPUTS.includes(values.to as OutputFormat)) {
    throw new CliError(`convert: --to must be one of ${OUTPUTS.join(', ')}, got "${values.to}"`);
  }
  const output = values.output;
  const { profile, format } = loadAnyProfile(input);
  const to: OutputFormat | undefined =
    (values.to as OutputFormat | undefined) ??
    (output && output !== '-' ? formatFromName(output) : undefined) ??
    (format === 'pprof' ? undefined : 'pprof');
  if (to === undefined) {
    throw new CliError(`convert: ${input} is already pprof; say --to collapsed or --to speedscope (or -o with a .folded or .speedscope.json name)`);
  }
  let data: Uint8Array | string;
  try {
    if (to === 'pprof') data = encodeProfile(profile);
    else if (to === 'collapsed') data = profileToCollapsed(profile, { sampleType: values['sample-type'], fileNames: values['file-names'] });
    else data = `${JSON.stringify(profileToSpeedscope(profile, { name: basename(input), sampleType: values['sample-type'] }))}\n`;
  } catch (error) {
    throw new CliError(`${input}: ${(error as Error).message}`);
  }
  const target = output ?? (to === 'pprof' ? defaultOutput(input) : '-');
  if (target !== '-' && resolve(target) === resolve(input)) throw new CliError(`convert: output ${target} would overwrite the input; give another -o`);
  if (target === '-') {
    process.stdout.write(data);
    return;
  }
  writeAtomically(target, data);
  process.stderr.write(`hotpath convert: wrote ${target} (${to}, ${profile.sample.length} samples, ${profile.function.length} functions)\n`);
}
