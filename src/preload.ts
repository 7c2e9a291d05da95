// Makes sure every JS thread and child Node process of a profiled program loads hotpath.
//
// `--require` in NODE_OPTIONS already reaches workers and children (that is how `hotpath run`
// works). `--import` does not reach worker threads (measured on Node 20: a worker runs its
// code without the preload), so for `node --import hotpath/register` this module
//   - adds `--require register.cjs` to NODE_OPTIONS, for child Node processes;
//   - wraps worker_threads.Worker so each new worker gets `--require register.cjs` in its
//     execArgv. If Node refuses that execArgv, the worker is created exactly as the program
//     asked, unprofiled.
// On Node 20 a worker cannot know its own name (worker_threads.threadName came in Node 22), so
// the wrapper, installed for that alone under `hotpath run`, also passes the name in the
// worker's environment (HOTPATH_THREAD_NAME) for the `thread name` label.
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { WorkerOptions } from 'node:worker_threads';
import { THREAD_NAME_ENV } from './collect/thread-name.js';

// The CommonJS object, so that replacing Worker on it reaches every importer
// (syncBuiltinESMExports updates the ES module view).
const wt = createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');

export const REGISTER_CJS = fileURLToPath(new URL('./register.cjs', import.meta.url));

export function registerNodeOption(): string {
  return `--require ${JSON.stringify(REGISTER_CJS)}`;
}

/** NODE_OPTIONS with hotpath's preload added (once). */
export function withPreload(nodeOptions: string | undefined): string {
  const current = nodeOptions ?? '';
  if (current.includes(REGISTER_CJS)) return current;
  return `${current} ${registerNodeOption()}`.trim();
}

let done = false;

/** Node 22+ tells a worker its own name; on Node 20 the wrapper passes it in the environment. */
const NODE_KNOWS_THREAD_NAMES = 'threadName' in wt;

export function preloadIntoWorkersAndChildren(): void {
  if (done) return;
  done = true;
  const alreadyPreloaded = (process.env.NODE_OPTIONS ?? '').includes(REGISTER_CJS);
  process.env.NODE_OPTIONS = withPreload(process.env.NODE_OPTIONS);
  // Workers get the preload from NODE_OPTIONS already, and learn their names from Node.
  if (alreadyPreloaded && NODE_KNOWS_THREAD_NAMES) return;

  const Original = wt.Worker;
  // A function, not a subclass, so that it can fall back to the program's own options; with
  // Reflect.construct and new.target, `instanceof` and the program's own subclasses still work.
  function Worker(this: unknown, filename: string | URL, options: WorkerOptions = {}) {
    if (!new.target) throw new TypeError("Class constructor Worker cannot be invoked without 'new'");
    const named: WorkerOptions = { ...options };
    if (!NODE_KNOWS_THREAD_NAMES && options.name && options.env !== wt.SHARE_ENV) {
      named.env = { ...((options.env as NodeJS.ProcessEnv | undefined) ?? process.env), [THREAD_NAME_ENV]: options.name };
    }
    const ours: WorkerOptions = { ...named };
    if (!alreadyPreloaded) ours.execArgv = [...(options.execArgv ?? process.execArgv), '--require', REGISTER_CJS];
    try {
      return Reflect.construct(Original, [filename, ours], new.target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw error;
      // Node refused the execArgv (a flag of the program's own, such as --expose-gc, that
      // workers do not take): the program's own execArgv, still with the name for the label.
      return Reflect.construct(Original, [filename, named], new.target);
    }
  }
  Object.setPrototypeOf(Worker, Original);
  Worker.prototype = Original.prototype;
  (wt as { Worker: unknown }).Worker = Worker;
  syncBuiltinESMExports();
}
