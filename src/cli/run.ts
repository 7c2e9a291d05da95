// `hotpath run [options] -- <command>`: runs a program with hotpath preloaded into it, its
// worker threads and its child Node processes (through NODE_OPTIONS), then says where the
// profiles went and which functions were hottest. It ends as the program ended: same exit code,
// or the same signal.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { SETTINGS, resolveSettings, SettingsError } from '../common/settings.js';
import type { CliFlags, Settings } from '../common/settings.js';
import { withPreload } from '../preload.js';
import { mergeProfiles } from '../profile/index.js';
import type { Profile } from '../profile/model.js';
import { topTable } from '../report/top.js';
import { formatValue, percent } from '../report/units.js';
import { CliError } from './errors.js';
import { readProfileFile } from './read-profile.js';

export const RUN_USAGE = `hotpath run [options] -- <command> [args...]
  Profiles a Node program (and its worker threads and child Node processes).
  Options (each also an environment variable):
${SETTINGS.map((s) => `    --${s.flag.padEnd(24)} ${s.description}${s.defaultText ? ` (default ${s.defaultText})` : ''} [${s.env}]`).join('\n')}
    --quiet                    do not print the summary
    -h, --help                 this text`;

export async function runRun(args: string[]): Promise<void> {
  const dash = args.indexOf('--');
  const own = dash >= 0 ? args.slice(0, dash) : args;
  const command = dash >= 0 ? args.slice(dash + 1) : [];
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { quiet: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } };
  for (const s of SETTINGS) options[s.flag] = { type: 'string' };
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: own, options, allowPositionals: false, strict: true }));
  } catch (error) {
    throw new CliError(`run: ${(error as Error).message.split('\n')[0]} (see hotpath run --help)`);
  }
  if (values.help) {
    process.stdout.write(`${RUN_USAGE}\n`);
    return;
  }
  if (command.length === 0) throw new CliError('run: no command to run (usage: hotpath run [options] -- <command> [args...])');

  const flags: CliFlags = {};
  for (const s of SETTINGS) if (typeof values[s.flag] === 'string') flags[s.flag] = values[s.flag] as string;
  let settings: Settings;
  try {
    settings = resolveSettings({}, flags, process.env);
  } catch (error) {
    if (error instanceof SettingsError) throw new CliError(error.message.replace(/^hotpath: /, ''));
    throw error;
  }

  const started = Date.now();
  const child = spawn(command[0], command.slice(1), {
    stdio: 'inherit',
    env: {
      ...process.env,
      NODE_OPTIONS: withPreload(process.env.NODE_OPTIONS),
      HOTPATH_CLI_FLAGS: JSON.stringify(flags),
    },
  });
  // Ctrl-C reaches the whole process group (the program too); a SIGTERM sent to hotpath alone
  // is passed on. Either way hotpath waits for the program to end.
  const onInt = (): void => {};
  const onTerm = (): void => {
    child.kill('SIGTERM');
  };
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', (error) => reject(new CliError(`run: cannot start ${command[0]}: ${(error as NodeJS.ErrnoException).code ?? error.message}`)));
    child.once('exit', (c, s) => resolve([c, s]));
  });
  process.removeListener('SIGINT', onInt);
  process.removeListener('SIGTERM', onTerm);

  if (!values.quiet) summarize(settings, started);
  if (signal) {
    process.kill(process.pid, signal);
    return;
  }
  process.exitCode = code ?? 1;
}

/** Files the run wrote (any process of it), newest last. */
function writtenSince(dir: string, since: number): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith('.pb.gz') && !n.startsWith('.'))
    .map((n) => join(dir, n))
    .filter((p) => statSync(p).mtimeMs >= since - 1000)
    .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);
}

function summarize(settings: Settings, since: number): void {
  const out: string[] = [];
  if (settings.exporters.includes('file')) {
    const files = writtenSince(settings.outDir, since);
    out.push(`hotpath: ${files.length} profile file(s) in ${relative(process.cwd(), settings.outDir) || '.'}`);
    for (const f of files) out.push(`  ${relative(process.cwd(), f)}`);
    const time: Profile[] = [];
    for (const f of files.filter((f) => f.includes('.time.'))) {
      try {
        time.push(readProfileFile(f));
      } catch (error) {
        out.push(`  (could not read ${f}: ${(error as Error).message})`);
      }
    }
    if (time.length > 0) out.push(...hottest(mergeProfiles(time)));
    const suggested = files.filter((f) => f.includes('.time.')).pop() ?? files[files.length - 1];
    if (suggested) out.push(`Look at them with: npx hotpath view ${relative(process.cwd(), suggested)}  (or hotpath top FILE, go tool pprof -http=: FILE)`);
  }
  for (const e of settings.exporters.filter((e) => e !== 'file')) out.push(`hotpath: profiles were sent to ${e}`);
  process.stderr.write(`${out.join('\n')}\n`);
}

function hottest(profile: Profile): string[] {
  const table = topTable(profile, profile.sampleType.some((t) => t.type === 'cpu') ? 'cpu' : undefined);
  const lines = [`Hottest functions by ${table.sampleType} (self), all threads and processes:`];
  for (const row of table.rows.slice(0, 10)) {
    lines.push(`  ${formatValue(row.flat, table.unit).padStart(10)} ${percent(row.flat, table.total).padStart(7)}  ${row.name}${row.filename ? `  ${row.filename}` : ''}`);
  }
  return lines;
}
