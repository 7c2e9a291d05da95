// Finds and loads hotpath's native addon for the running Node.js.
//
// The addon uses V8's C++ API, so a build only loads into the Node major (module ABI) it was
// built for, on the platform, architecture and C library it was built on. The package carries
// prebuilds in native/prebuilds/{platform}-{arch}[-{libc}]/node-v{ABI}/hotpath.node
// (`npm run prebuild` makes them, e.g. linux-x64-glibc/node-v115); a build from source
// (`npm run build:native`) sits in native/build/Release/hotpath.node and comes first. The first
// that fits and loads wins.
//
// If none loads, `loadAddon()` says in one line which builds the package has, and returns null:
// the program keeps running, unprofiled (DESIGN.md, "Promises to users"). With HOTPATH_DEBUG
// set, it says which file it loaded.
//
// A build for another Node major must never be loaded: dlopen binds lazily, so a missing V8
// symbol kills the process at the first call ("symbol lookup error", exit 127), and where the
// symbols happen to resolve (measured: Node 22's build loads into Node 20) the layouts differ.
// So a build whose ABI is known (its node-v{ABI} folder, or the node_module_version node-gyp
// wrote into build/config.gypi) is skipped unless it is this Node's, and every load binds all
// symbols at once (RTLD_NOW), which turns a missing one into a catchable error.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { isMainThread } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { logOnce } from '../common/log.js';

/** The package roots that have a native/ folder: dist/src/collect/ is three levels down, src/collect/ two. */
function packageRoots(): string[] {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return [path.resolve(here, '..', '..', '..'), path.resolve(here, '..', '..')].filter((root) => existsSync(path.join(root, 'native')));
}

/** musl or glibc, from the C library mapped into this process (cheaper than process.report). */
function libc(): string {
  try {
    return /\/ld-musl-|\/libc\.musl-/.test(readFileSync('/proc/self/maps', 'utf8')) ? 'musl' : 'glibc';
  } catch {
    return 'glibc';
  }
}

/** This process's prebuild folder name: linux-x64-glibc, linux-arm64-musl, darwin-arm64, ... */
export function platformTag(): string {
  const base = `${process.platform}-${process.arch}`;
  return process.platform === 'linux' ? `${base}-${libc()}` : base;
}

/** Where the addon builds are looked for, best first. */
export function nativeCandidates(): string[] {
  // HOTPATH_ADDON: an explicit build to load instead (tests, unusual installs).
  if (process.env.HOTPATH_ADDON) return [path.resolve(process.env.HOTPATH_ADDON)];
  const tag = platformTag();
  // A build from source (`npm run build:native`) first: whoever made it wants it.
  return packageRoots().flatMap((root) => [
    path.join(root, 'native', 'build', 'Release', 'hotpath.node'),
    path.join(root, 'native', 'prebuilds', tag, `node-v${process.versions.modules}`, 'hotpath.node'),
  ]);
}

function subfolders(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

/** Every prebuild the package has, as `{tag}/node-v{ABI}`. */
export function prebuildsInPackage(): string[] {
  const out: string[] = [];
  for (const root of packageRoots()) {
    const dir = path.join(root, 'native', 'prebuilds');
    if (!existsSync(dir)) continue;
    for (const tag of subfolders(dir)) {
      for (const abi of subfolders(path.join(dir, tag))) if (existsSync(path.join(dir, tag, abi, 'hotpath.node'))) out.push(`${tag}/${abi}`);
    }
  }
  return out;
}

/**
 * The Node ABI (process.versions.modules) a build was made for, when it can be told without
 * loading it: from a `node-v{ABI}` folder, or from node-gyp's config.gypi beside build/Release.
 */
export function builtForAbi(file: string): string | undefined {
  const dir = path.dirname(file);
  const m = /^node-v(\d+)$/.exec(path.basename(dir));
  if (m) return m[1];
  try {
    const gypi = readFileSync(path.join(dir, '..', 'config.gypi'), 'utf8');
    return /"node_module_version":\s*(\d+)/.exec(gypi)?.[1];
  } catch {
    return undefined;
  }
}

/** Set in the environment once the warning is said, so child processes of the same Node do not repeat it. */
const WARNED_ENV = 'HOTPATH_ADDON_WARNED';

let cached: unknown;

/**
 * The addon for this Node, or null (after one warning) when none loads. `required`: every
 * function hotpath calls; a build without them is not hotpath's, or an older one.
 */
export function loadAddon(required: readonly string[]): unknown {
  if (cached !== undefined) return cached;
  const errors: string[] = [];
  for (const file of nativeCandidates()) {
    if (!existsSync(file)) {
      errors.push(`${file}: not found`);
      continue;
    }
    const abi = builtForAbi(file);
    if (abi !== undefined && abi !== process.versions.modules) {
      errors.push(`${file}: built for another Node (ABI ${abi})`);
      continue;
    }
    try {
      const m = { exports: {} as Record<string, unknown> };
      process.dlopen(m, file, constants.dlopen.RTLD_NOW);
      const missing = required.filter((f) => typeof m.exports?.[f] !== 'function');
      if (missing.length === required.length) {
        errors.push(`${file}: not a hotpath addon`);
        continue;
      }
      if (missing.length > 0) {
        errors.push(`${file}: an older build (no ${missing.join(', ')})`);
        continue;
      }
      if (isMainThread && process.env.HOTPATH_DEBUG) logOnce('native-loaded', `loaded native addon ${file}`);
      cached = m.exports;
      return cached;
    } catch (e) {
      errors.push(`${file}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  cached = null;
  // Said once per process tree: worker threads leave it to the main thread, and child
  // processes of the same Node to their parent.
  if (isMainThread && process.env[WARNED_ENV] !== process.versions.modules) {
    const builds = prebuildsInPackage();
    logOnce('native-load',
      `native addon unavailable for Node ${process.version} (ABI ${process.versions.modules}); running unprofiled. ` +
      `The package has builds for ${builds.length > 0 ? builds.join(', ') : 'nothing'}, this is ${platformTag()}/node-v${process.versions.modules}: ` +
      `${errors.join('; ')}. To build one from source, see "Building the addon from source" in hotpath's README.`);
    process.env[WARNED_ENV] = process.versions.modules;
  }
  return null;
}
