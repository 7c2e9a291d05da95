// Every subcommand of the command line answers --help and -h: its usage on stdout, exit 0,
// nothing on stderr, and nothing run.
import t from 'tap';
import { hotpath } from '../helpers/cli.js';

for (const command of ['run', 'top', 'view', 'convert']) {
  for (const flag of ['--help', '-h']) {
    t.test(`hotpath ${command} ${flag}`, async (t) => {
      const r = hotpath([command, flag]);
      t.equal(r.status, 0, r.stderr);
      t.match(r.stdout, new RegExp(`^(usage: )?hotpath ${command} `), 'its usage first');
      t.match(r.stdout, /-h, --help/, 'which names the help flags');
      t.equal(r.stderr, '', 'nothing on stderr');
    });
  }
}

t.test('hotpath -h and --help: the command list', async (t) => {
  for (const flag of ['--help', '-h']) {
    const r = hotpath([flag]);
    t.equal(r.status, 0);
    for (const command of ['run', 'top', 'view', 'convert']) t.match(r.stdout, new RegExp(`hotpath ${command} `));
  }
});
