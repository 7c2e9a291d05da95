// Starts hotpath from the environment, for preloading: `node --import hotpath/register app.js`
// (ESM entry) and src/register.cts (`--require`, and `hotpath run`). Settings come from
// HOTPATH_* variables and, under `hotpath run`, from its flags (HOTPATH_CLI_FLAGS, JSON).
// A bad setting is said in one line and the program runs unprofiled: a preload must never
// change what the program does.
import { isMainThread, workerData } from 'node:worker_threads';
import { startWithFlags } from './profiler.js';
import type { Profiler } from './profiler.js';
import { SettingsError } from './common/settings.js';
import { installExitHandlers } from './exit.js';
import { preloadIntoWorkersAndChildren } from './preload.js';

function cliFlags(): Record<string, string> {
  const raw = process.env.HOTPATH_CLI_FLAGS;
  if (!raw) return {};
  try {
    return JSON.parse(raw) as Record<string, string>;
  } catch {
    throw new SettingsError('hotpath: HOTPATH_CLI_FLAGS is not valid JSON (it is set by hotpath run)', 'HOTPATH_CLI_FLAGS', 'env');
  }
}

/** hotpath's own workers (the aggregation worker) get the preload too, and must not profile. */
const internal = !isMainThread && (workerData as { hotpathInternal?: boolean } | null)?.hotpathInternal === true;

let profiler: Profiler | null = null;
try {
  if (!internal) profiler = startWithFlags({}, cliFlags());
} catch (error) {
  const message = (error as Error).message.replace(/^hotpath: /, '');
  // Workers repeat the main thread's settings: say a bad one once, from the main thread.
  if (isMainThread) process.stderr.write(`hotpath: ${message}; the program runs unprofiled\n`);
}
if (profiler && isMainThread) {
  preloadIntoWorkersAndChildren();
  installExitHandlers(profiler);
} else if (profiler) {
  // A worker that ends by itself hands over its last samples (a terminated one cannot: no JS
  // runs then, and that part of its period is lost).
  const workerProfiler = profiler;
  process.once('exit', () => void workerProfiler.stop());
}
