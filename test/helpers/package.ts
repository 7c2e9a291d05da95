// The package as a user gets it: `npm pack` of this checkout (after the build), and a PATH that
// has node, npm, npx, sh (npm runs commands with it) and pnpm, nothing else: no compiler, make
// or python.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, realpathSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Packed {
  tarball: string;
  size: number;
  unpackedSize: number;
  files: string[];
}

/** `npm pack` into `dir`, without running the build again (prepare): it packs what is built. */
export function pack(dir: string): Packed {
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' });
  const [info] = JSON.parse(out) as { filename: string; size: number; unpackedSize: number; files: { path: string }[] }[];
  return { tarball: join(dir, info.filename), size: info.size, unpackedSize: info.unpackedSize, files: info.files.map((f) => f.path) };
}

/** The node binary of a Node major: this one, or the release scripts/node-major.sh fetches. */
export function nodeOf(major: string): string {
  if (process.versions.node.split('.')[0] === major) return process.execPath;
  return execFileSync('bash', [join(ROOT, 'scripts/node-major.sh'), major], { encoding: 'utf8' }).trim();
}

const NPM_CLI = realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim());
const NPX_CLI = join(NPM_CLI, '..', 'npx-cli.js');

/** A folder with only node (the given binary), npm, npx, sh and the given extra commands in it. */
export function userBin(dir: string, node: string, extra: Record<string, string> = {}): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, target] of Object.entries({ node, npm: NPM_CLI, npx: NPX_CLI, sh: '/bin/sh', ...extra })) symlinkSync(target, join(dir, name));
  return dir;
}

/**
 * A user's environment: this machine's (its certificates and proxies reach the registry), with
 * the given PATH and none of tap's NODE_OPTIONS, npm's npm_* or our HOTPATH_* variables.
 */
export function userEnv(bin: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(NODE_OPTIONS$|npm_|HOTPATH_|TAP)/i.test(k)) env[k] = v;
  return { ...env, PATH: bin, ...extra };
}

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command (looked up in env.PATH) in `cwd`, asynchronously, killed after `timeoutMs`.
 * Through /usr/bin/env -u NODE_OPTIONS: tap's processinfo puts its NODE_OPTIONS into every
 * child the test spawns, whatever env it is given.
 */
export function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn('/usr/bin/env', ['-u', 'NODE_OPTIONS', command, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
