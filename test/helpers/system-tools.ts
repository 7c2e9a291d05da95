// The system tools some tests read our output with: `go tool pprof` (Debian's golang-go) and
// Chromium (Debian's chromium). A test file that needs one calls requireGo() or
// requireChromium() before anything else. When the tool is missing and we run as root with
// apt-get, it is installed (said on one line); otherwise the test file ends at once with one
// line naming the tool and the command that installs it, so that no test waits for a browser
// that is not there.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

interface Tool {
  what: string;
  debian: string;
  present(): boolean;
}

/** The browser the tests drive (playwright-core launches it; it downloads none of its own). */
export const CHROMIUM = process.env.HOTPATH_CHROMIUM ?? '/usr/bin/chromium';

const GO: Tool = {
  what: 'go (for go tool pprof)',
  debian: 'golang-go',
  present: () => spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0,
};

const BROWSER: Tool = {
  what: `chromium (${CHROMIUM})`,
  debian: 'chromium',
  present: () => {
    try {
      accessSync(CHROMIUM, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  },
};

function aptInstall(pkg: string): boolean {
  const apt = (args: string[]) =>
    spawnSync('apt-get', args, { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 600_000 }).status === 0;
  return apt(['install', '-y', '-qq', pkg]) || (apt(['update', '-qq']) && apt(['install', '-y', '-qq', pkg]));
}

function ensure(tool: Tool): void {
  if (tool.present()) return;
  const command = `apt-get install ${tool.debian}`;
  const root = process.getuid?.() === 0;
  const hasApt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (root && hasApt) {
    process.stderr.write(`hotpath tests: ${tool.what} is missing: installing Debian's ${tool.debian} (${command})\n`);
    if (aptInstall(tool.debian) && tool.present()) return;
    process.stderr.write(`hotpath tests: ${tool.what} is missing and \`${command}\` failed; install it and run the tests again\n`);
  } else {
    process.stderr.write(`hotpath tests: ${tool.what} is missing; install it with \`${command}\` (as root)\n`);
  }
  process.exit(1);
}

export function requireGo(): void {
  ensure(GO);
}

export function requireChromium(): void {
  ensure(BROWSER);
}
