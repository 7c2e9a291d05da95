#!/usr/bin/env node
// The `hotpath` command line. Each subcommand lives in its own file; this one only dispatches
// and turns any failure into one line on stderr with exit code 2 (usage and input errors).
import { runTop } from './top.js';
import { runRun } from './run.js';
import { runView } from './view.js';
import { runConvert } from './convert.js';
import { CliError } from './errors.js';

const USAGE = `hotpath: a production-time profiler for Node.js, and a pprof toolkit

Usage:
  hotpath run [options] -- <command> [args...]
      Profiles a Node program, its worker threads and child Node processes; writes a profile
      each period and at exit, then prints where they are and the hottest functions.
      See hotpath run --help for the options (service, profiles, period, exporter, ...).
  hotpath top FILE [--sample-type TYPE] [--nodecount N]
      The flat and cumulative table of a pprof file (hotpath's, Go's, @datadog/pprof's, ...).
  hotpath view FILE... [--port N] [--host ADDRESS]
      A local web page (127.0.0.1 unless told otherwise) with a flame graph, a top table,
      sample types, label filters and a diff of two profiles. pprof, .cpuprofile, .heapprofile.
  hotpath convert IN [-o OUT|-] [--to pprof|collapsed|speedscope] [--sample-type T]
      V8 .cpuprofile/.heapprofile to pprof; any of them to collapsed stacks or speedscope JSON.
  hotpath --help | --version
`;

const commands: Record<string, (args: string[]) => Promise<void> | void> = {
  run: runRun,
  top: runTop,
  view: runView,
  convert: runConvert,
};

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  if (command === '--version') {
    const { readFileSync } = await import('node:fs');
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
    process.stdout.write(`${pkg.version}\n`);
    return;
  }
  const run = commands[command];
  if (!run) throw new CliError(`unknown command "${command}" (try: ${Object.keys(commands).join(', ')}; see hotpath --help)`);
  await run(rest);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`hotpath: ${message.split('\n')[0]}\n`);
  process.exitCode = 2;
});
