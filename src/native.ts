// Loads hotpath's native addon for the running Node.js.
//
// The addon uses V8's C++ API, so a build only loads into the Node major (module ABI) it was
// built for. Builds live in native/prebuilds/node-v{ABI}/hotpath.node (scripts/build-native.sh
// makes them, one per Node major) and native/build/Release/hotpath.node (what `npm install`
// builds for the Node that ran it). The first that loads wins.
//
// If none loads, `loadNative()` says so once on stderr and returns null: the program keeps
// running, unprofiled (DESIGN.md, "Promises to users").
//
// A build for another Node major must never be loaded: dlopen binds lazily, so a missing V8
// symbol kills the process at the first call ("symbol lookup error", exit 127), and where the
// symbols happen to resolve (measured: Node 22's build loads into Node 20) the layouts differ.
// So a build whose ABI is known (its prebuilds/node-v{ABI} folder, or the node_module_version
// node-gyp wrote into build/config.gypi) is skipped unless it is this Node's, and every load
// binds all symbols at once (RTLD_NOW), which turns a missing one into a catchable error.
import { existsSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { isMainThread } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { logOnce } from './log.js';

/** One period's raw data from one thread, as native/src/time_profiler.cc builds it. */
export interface NativeTimeBatch {
  threadId: number;
  threadName: string;
  osThreadId: number;
  /** CLOCK_MONOTONIC ns (the clock of process.hrtime). */
  startNs: number;
  endNs: number;
  /** Id of newStrings[0] in this thread's string table; ids continue across batches. */
  stringBase: number;
  newStrings: string[];
  /** NODE_FIELDS ints per node: parent index, name id, file id, line, column, kind. */
  nodes: Int32Array;
  /** Triples: node index, line, hits (the V8 node's own ticks by line). */
  lineTicks: Int32Array;
  sampleNode: Int32Array;
  sampleWallNs: Float64Array;
  sampleCpuNs: Float64Array;
  sampleLabel: Int32Array;
  sampleFlags: Uint8Array;
  /** The event-loop turn each sample was taken in (0 when unmatched). */
  sampleTurn: Int32Array;
  /** Turns busy for the block threshold or longer: (turn, end ns, busy ns, run-queue delay ns) each. */
  blocks: Float64Array;
  /** The turn under way at the batch's end (its block, if any, comes in a later batch). */
  currentTurn: number;
  stats: NativeBatchStats;
}

export interface NativeBatchStats {
  /** Samples V8 recorded in the profile. */
  v8Samples: number;
  /** Samples also present in the previous profile (the two overlap at a restart). */
  duplicates: number;
  /** Samples joined with a SIGPROF record: they carry wall and cpu. */
  matched: number;
  /** Samples V8 recorded without its sampling signal (its "bad state"): dropped. */
  unmatched: number;
  /** SIGPROF deliveries to this thread in the period. */
  signals: number;
  /** Signals that produced no V8 sample (their time is carried by the next sample). */
  unusedSignals: number;
  ringOverflow: number;
  maxMatchDeltaNs: number;
  /** The native sampler thread's ticks for this thread, by state. */
  samplerTicks: number;
  samplerIdleTicks: number;
  samplerGcTicks: number;
  samplerJsTicks: number;
  samplerCpuNs: number;
  intervalMicros: number;
  /** Block records the native side could not keep (more than 65,536 in one batch). */
  blocksDropped: number;
}

export interface NativeAddon {
  version(): number;
  timeInit(labelSlot: Int32Array, threadId: number, threadName: string, intervalMicros: number,
    ringCapacity: number, experiment: number): void;
  timeStart(): void;
  /** The sampling interval from the next rotation on (the overhead cap); never below the configured one. */
  timeSetInterval(micros: number): void;
  timeRotate(restart: boolean): NativeTimeBatch | undefined;
  /** Turns of this thread's event loop busy this long or longer are blocks (ns). */
  timeSetBlockThreshold(ns: number): void;
  timeDispose(): void;
  registeredThreads(): number[];
  monotonicNs(): number;
  threadCpuNs(): number;
  osThreadId(): number;
}

let cached: NativeAddon | null | undefined;

/** Where the addon builds are looked for, best first. */
export function nativeCandidates(): string[] {
  // HOTPATH_ADDON: an explicit build to load instead (tests, unusual installs).
  if (process.env.HOTPATH_ADDON) return [path.resolve(process.env.HOTPATH_ADDON)];
  const here = path.dirname(fileURLToPath(import.meta.url));
  // dist/src/native.js -> package root is two levels up; src/native.ts (ts-node) -> one.
  const roots = [path.resolve(here, '..', '..'), path.resolve(here, '..')];
  const out: string[] = [];
  for (const root of roots) {
    if (!existsSync(path.join(root, 'native'))) continue;
    out.push(path.join(root, 'native', 'prebuilds', `node-v${process.versions.modules}`, 'hotpath.node'));
    out.push(path.join(root, 'native', 'build', 'Release', 'hotpath.node'));
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

/** Every function of the addon that hotpath calls: a build without one of them is out of date. */
const ADDON_FUNCTIONS = ['timeInit', 'timeStart', 'timeSetInterval', 'timeSetBlockThreshold', 'timeRotate', 'timeDispose',
  'registeredThreads', 'monotonicNs', 'threadCpuNs', 'osThreadId', 'heapInit', 'heapRotate', 'heapDispose', 'heapThreads', 'heapNearLimit'];

/** Set in the environment once the warning is said, so child processes of the same Node do not repeat it. */
const WARNED_ENV = 'HOTPATH_ADDON_WARNED';

/** The addon for this Node, or null (after one warning) when it cannot be loaded. */
export function loadNative(): NativeAddon | null {
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
      const m = { exports: {} as NativeAddon };
      process.dlopen(m, file, constants.dlopen.RTLD_NOW);
      if (typeof m.exports?.timeInit !== 'function' || typeof m.exports?.timeRotate !== 'function') {
        errors.push(`${file}: not a hotpath addon`);
        continue;
      }
      // A build of an older hotpath lacks functions (and batch fields) this one uses.
      const missing = ADDON_FUNCTIONS.filter((f) => typeof (m.exports as unknown as Record<string, unknown>)[f] !== 'function');
      if (missing.length > 0) {
        errors.push(`${file}: an older build (no ${missing.join(', ')})`);
        continue;
      }
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
    logOnce('native-load',
      `native addon unavailable for Node ${process.version} (ABI ${process.versions.modules}); ` +
      `running unprofiled. ${errors.join('; ')}. Build it with \`npm run build:native\`.`);
    process.env[WARNED_ENV] = process.versions.modules;
  }
  return null;
}
