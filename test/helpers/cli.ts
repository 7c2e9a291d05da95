// Runs the compiled `hotpath` command line as a user would, capturing its output.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export function hotpath(args: string[], timeoutMs = 20_000): CliResult {
  const started = performance.now();
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - started };
}

/** `go tool pprof` with the given arguments; values of nanosecond types print as plain ns with -unit=ns. */
export function goPprof(args: string[]): string {
  const r = spawnSync('go', ['tool', 'pprof', ...args], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`go tool pprof failed: ${r.stderr}`);
  return r.stdout;
}
