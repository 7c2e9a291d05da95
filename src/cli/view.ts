// `hotpath view FILE... [--port N] [--host H]`: serves the viewer page for the given profiles
// and prints its URL. pprof files are served as they are (the page decodes them with the WASM
// core); V8 .cpuprofile and .heapprofile files are converted to pprof first.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { encodeProfile } from '../profile/index.js';
import { MAX_VIEW_BYTES, startViewer, ViewError, type ViewProfile } from '../view/server.js';
import { loadAnyProfile } from './convert.js';
import { CliError, parseCommandArgs } from './errors.js';

const USAGE = 'usage: hotpath view FILE... [--port N] [--host ADDRESS]';
const HELP = `${USAGE}

Serves a page with a flame graph and a top table of each FILE (pprof from any tool, or a V8
.cpuprofile/.heapprofile), with sample types, label filters, search and a diff of two files.
  --port N        port to listen on (default 0: the system chooses); the URL is printed
  --host ADDRESS  address to listen on (default 127.0.0.1; anything else exposes the files)
  -h, --help      this text`;

/** True when the file starts like JSON (a V8 profile) rather than pprof. */
function startsLikeJson(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(64);
    const n = readSync(fd, head, 0, head.length, 0);
    return /^\s*\{/.test(head.subarray(0, n).toString('latin1'));
  } finally {
    closeSync(fd);
  }
}

export async function runView(args: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs('view', args, {
    help: { type: 'boolean', short: 'h', default: false },
    port: { type: 'string', short: 'p', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
  }, USAGE);
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  if (positionals.length === 0) throw new CliError(`view: expected at least one profile file (${USAGE})`);
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port ?? '') || port > 65535) throw new CliError(`view: --port must be an integer from 0 to 65535, got "${values.port}"`);

  const profiles: ViewProfile[] = [];
  for (const path of positionals) {
    let size: number;
    try {
      const stat = statSync(path);
      if (!stat.isFile()) throw new CliError(`${path}: not a regular file`);
      size = stat.size;
    } catch (error) {
      if (error instanceof CliError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      throw new CliError(`${path}: cannot read: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
    }
    if (size > MAX_VIEW_BYTES) throw new CliError(`${path}: file is ${size} bytes, larger than the ${MAX_VIEW_BYTES / 2 ** 20} MiB the viewer accepts`);
    if (size > 0 && startsLikeJson(path)) {
      const { profile } = loadAnyProfile(path);
      profiles.push({ name: path, bytes: encodeProfile(profile) });
    } else {
      // Bad pprof bytes are the page's to report, next to the profiles that did decode.
      profiles.push({ name: path, path });
    }
  }
  let viewer;
  try {
    viewer = await startViewer({ profiles, host: values.host, port });
  } catch (error) {
    if (error instanceof ViewError) throw new CliError(`view: ${error.message}`);
    throw error;
  }
  process.stdout.write(`hotpath view: ${profiles.length} profile${profiles.length === 1 ? '' : 's'} at ${viewer.url} (Ctrl-C to stop)\n`);
  if (values.host !== '127.0.0.1' && values.host !== 'localhost' && values.host !== '::1') {
    process.stderr.write(`hotpath view: warning: listening on ${values.host}; anyone who can reach it can read these profiles\n`);
  }
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void viewer.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
