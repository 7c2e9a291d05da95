// The last profile at exit, without changing how the program ends.
//
// - The event loop empties (normal end): `beforeExit` stops the profiler; the export keeps the
//   loop alive until it is done (bounded by the export timeout), then the process ends as before.
// - `process.exit()` and uncaught exceptions: only synchronous code runs in `exit`, so the last
//   period is ended with `stopSync` (the aggregation worker encodes it while this thread waits,
//   bounded) and written by the exporters that can write synchronously (files).
// - SIGINT, SIGTERM, SIGHUP: hotpath's listener, added at start (before the program's own), ends
//   the profiler the same synchronous way, then removes itself. If the program listens too, its
//   listeners run next and decide what happens, exactly as without hotpath; libraries such as
//   signal-exit, which re-raise a signal only when theirs are the last listeners, see the same
//   list as without hotpath. If nobody else listens, hotpath raises the signal again, so the
//   process dies of it with the status it would have had.
//   Limit: a JS signal listener runs when the main thread returns to the event loop, so a program
//   stuck in synchronous code ends when it yields (without hotpath it would end at once).
import type { Profiler } from './profiler.js';
import { logOnce } from './common/log.js';

/** Internal: a profiler that can end its last period synchronously, inside an `exit` listener. */
export interface SyncStoppable {
  stopSync?(timeoutMs: number): void;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** How long the last period may hold a dying process. */
const EXIT_STOP_TIMEOUT_MS = 2000;

export function installExitHandlers(profiler: Profiler & SyncStoppable): void {
  let ended = false;
  const endSync = (): void => {
    if (ended) return;
    ended = true;
    try {
      profiler.stopSync?.(EXIT_STOP_TIMEOUT_MS);
    } catch (e) {
      logOnce('exit-stop', `could not write the last profile at exit: ${(e as Error).message}`);
    }
  };

  process.once('beforeExit', () => {
    if (ended) return;
    ended = true;
    void profiler.stop();
  });

  for (const signal of SIGNALS) {
    const onSignal = (): void => {
      process.removeListener(signal, onSignal);
      endSync();
      // With no listener left, Node restores the default action: the process dies of it.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }

  process.once('exit', endSync);
}
