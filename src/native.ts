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

/**
 * One period's stack batch from one thread, as native/src/time_profiler.cc builds it: frames,
 * stacks as (parent, frame), samples as (stack, weight, time, clock, labels, turn).
 */
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
  /** FRAME_FIELDS ints per frame: name id, file id, line, column, kind (src/time/expand.ts FrameKind). */
  frames: Int32Array;
  /** Two ints per stack: parent stack (-1 at the root), frame; parents come first. */
  stacks: Int32Array;
  sampleStack: Int32Array;
  /** 1 + the timer's overruns. */
  sampleWeight: Int32Array;
  /** Weight x the interval in force: the wall (wall clock) or CPU (CPU clock) time the sample stands for. */
  sampleMicros: Int32Array;
  /** 0: the thread's wall-clock timer, 1: its CPU-clock timer. */
  sampleClock: Uint8Array;
  sampleLabel: Int32Array;
  /** Trace-context slot (0: none). */
  sampleTrace: Int32Array;
  /** The event-loop turn each sample was taken in. */
  sampleTurn: Int32Array;
  /** ThreadFlag bits (native/src/sampler.h) when the sample was taken. */
  sampleFlags: Uint8Array;
  /** Wall time the thread waited in its event loop with its wall timer parked (no signals). */
  idleNs: number;
  /** Turns busy for the block threshold or longer: (turn, end ns, busy ns, run-queue delay ns) each. */
  blocks: Float64Array;
  /** The turn under way at the batch's end (its block, if any, comes in a later batch). */
  currentTurn: number;
  stats: NativeBatchStats;
}

export interface NativeBatchStats {
  /** Timer signals the thread received in the period. */
  signals: number;
  /** Weight of the samples the rings had no room for (the drain thread fell behind). */
  droppedWeight: number;
  /** Samples past the store's limit (nobody took the thread's samples for long). */
  storeFullDropped: number;
  /** Time spent in the signal handler on this thread. */
  handlerNs: number;
  /** Weights of the wall and the CPU samples. */
  wallSamples: number;
  cpuSamples: number;
  intervalMicros: number;
  /** Samples whose JS leaf has an exact line, only its function's line; leaves in a native callback. */
  exactLines: number;
  functionLines: number;
  nativeLeaves: number;
  /** Raw frames that named no code (entry and exit frames, mostly). */
  unknownFrames: number;
  /** Block records the native side could not keep (more than 65,536 in one batch). */
  blocksDropped: number;
  /** The thread had ended (terminated or exited without handing off): this is what it left. */
  ended: boolean;
}

export interface CodeMapStats {
  live: number;
  retired: number;
  adds: number;
  moves: number;
  unknownMoves: number;
  lineTables: number;
  /** Ranges evicted past the map's limit (least recently named by a sample). */
  evicted: number;
  /** The real-time signal the sampler uses (0 before the first thread started). */
  signal: number;
}

export interface NativeAddon {
  version(): number;
  timeInit(labelSlot: Int32Array, threadId: number, threadName: string, intervalMicros: number): void;
  timeStart(): void;
  /** The sampling interval from now on (the overhead cap); never below the configured one. */
  timeSetInterval(micros: number): void;
  timeRotate(restart: boolean): NativeTimeBatch | undefined;
  /** On the owner thread: the batches of every other profiled thread, live or ended since the last call. */
  timeTakeOthers(): NativeTimeBatch[];
  /** URLs of the scripts this thread compiled code of since the last call. */
  timeNewScripts(): string[];
  /** Turns of this thread's event loop busy this long or longer are blocks (ns). */
  timeSetBlockThreshold(ns: number): void;
  /** handOff: what the thread sampled since the owner's last take waits for its next. */
  timeDispose(handOff: boolean): void;
  /** False when another handler had been installed over the sampler's on its signal (the sampler's is back in front now). */
  timeCheckSignal(): boolean;
  /** Time in the sampling signal's handler on all threads since the process started (ns). */
  timeHandlerNs(): number;
  codeMapStats(): CodeMapStats;
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
const ADDON_FUNCTIONS = ['timeInit', 'timeStart', 'timeSetInterval', 'timeSetBlockThreshold', 'timeRotate', 'timeTakeOthers', 'timeNewScripts', 'timeDispose', 'timeCheckSignal', 'timeHandlerNs', 'codeMapStats',
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
