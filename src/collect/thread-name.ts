// The `thread name` label every kind gives a thread: `main`, the worker's name, or `worker`.
import * as wt from 'node:worker_threads';

/** The variable through which a worker learns its name where Node cannot tell it. */
export const THREAD_NAME_ENV = 'HOTPATH_THREAD_NAME';

export function threadName(): string {
  if (wt.isMainThread) return 'main';
  // worker_threads.threadName exists from Node 22; on Node 20 hotpath's Worker wrapper
  // (src/preload.ts) passes the name in the worker's environment.
  const name = (wt as { threadName?: string }).threadName ?? process.env[THREAD_NAME_ENV];
  return typeof name === 'string' && name !== '' ? name : 'worker';
}
