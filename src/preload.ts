// Makes sure every JS thread and child Node process of a profiled program loads hotpath.
//
// `--require` in NODE_OPTIONS already reaches workers and children (that is how `hotpath run`
// works). `--import` does not reach worker threads (measured on Node 20: a worker runs its
// code without the preload), so for `node --import hotpath/register` this module
//   - adds `--require register.cjs` to NODE_OPTIONS, for child Node processes;
//   - wraps worker_threads.Worker so each new worker gets `--require register.cjs` in its
//     execArgv. If Node refuses that execArgv, the worker is created exactly as the program
//     asked, unprofiled.
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { fileURLToPath } from 'node:url';

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

export function preloadIntoWorkersAndChildren(): void {
  if (done) return;
  done = true;
  const alreadyPreloaded = (process.env.NODE_OPTIONS ?? '').includes(REGISTER_CJS);
  process.env.NODE_OPTIONS = withPreload(process.env.NODE_OPTIONS);
  if (alreadyPreloaded) return;  // workers get it from NODE_OPTIONS already

  const require = createRequire(import.meta.url);
  const wt = require('node:worker_threads') as typeof import('node:worker_threads');
  const Original = wt.Worker;
  // A function, not a subclass, so that it can fall back to the program's own options; with
  // Reflect.construct and new.target, `instanceof` and the program's own subclasses still work.
  function Worker(this: unknown, filename: string | URL, options: import('node:worker_threads').WorkerOptions = {}) {
    if (!new.target) throw new TypeError("Class constructor Worker cannot be invoked without 'new'");
    const execArgv = [...(options.execArgv ?? process.execArgv), '--require', REGISTER_CJS];
    try {
      return Reflect.construct(Original, [filename, { ...options, execArgv }], new.target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw error;
      return Reflect.construct(Original, [filename, options], new.target);
    }
  }
  Object.setPrototypeOf(Worker, Original);
  Worker.prototype = Original.prototype;
  wt.Worker = Worker as unknown as typeof Original;
  syncBuiltinESMExports();
}
