// `hotpath top FILE`: the table `go tool pprof -top` prints, from our own decoder.
import { topTable } from '../report/top.js';
import { formatValue, percent } from '../report/units.js';
import { CliError, parseCommandArgs } from './errors.js';
import { readProfileFile } from './read-profile.js';

const USAGE = 'usage: hotpath top FILE [--sample-type T] [--nodecount N] [--raw]';
const HELP = `hotpath top FILE [options]
  The flat and cumulative table of a pprof file (hotpath's, Go's, @datadog/pprof's, ...), as
  go tool pprof -top prints it. Functions without a name show as (anonymous) file:line.
  Options:
    --sample-type T   the sample type to sum (default: the file's default, else its last)
    --nodecount N     rows to print (default 20)
    --raw             plain numbers instead of units
    -h, --help        this text`;

export function runTop(args: string[]): void {
  const { values, positionals } = parseCommandArgs('top', args, {
    help: { type: 'boolean', short: 'h', default: false },
    'sample-type': { type: 'string' },
    nodecount: { type: 'string', default: '20' },
    raw: { type: 'boolean', default: false },
  }, USAGE);
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  if (positionals.length !== 1) throw new CliError(`top: expected exactly one FILE (${USAGE})`);
  const nodecount = Number(values.nodecount);
  if (!Number.isInteger(nodecount) || nodecount < 1) throw new CliError(`top: --nodecount must be a positive integer, got "${values.nodecount}"`);
  const file = positionals[0];
  const profile = readProfileFile(file);
  let table;
  try {
    table = topTable(profile, values['sample-type']);
  } catch (error) {
    throw new CliError(`${file}: ${(error as Error).message}`);
  }
  const show = (v: number) => (values.raw ? String(v) : formatValue(v, table.unit));
  const lines = [
    `File: ${file}`,
    `Type: ${table.sampleType} (${table.unit})`,
    `Total: ${show(table.total)}, ${table.rows.length} functions`,
    `${'flat'.padStart(12)} ${'flat%'.padStart(7)} ${'sum%'.padStart(7)} ${'cum'.padStart(12)} ${'cum%'.padStart(7)}  name`,
  ];
  let sum = 0;
  for (const row of table.rows.slice(0, nodecount)) {
    sum += row.flat;
    lines.push(
      `${show(row.flat).padStart(12)} ${percent(row.flat, table.total).padStart(7)} ${percent(sum, table.total).padStart(7)} ` +
        `${show(row.cum).padStart(12)} ${percent(row.cum, table.total).padStart(7)}  ${row.name}${row.filename ? ` ${row.filename}` : ''}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}
