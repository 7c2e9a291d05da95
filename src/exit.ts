// The last profile at exit, without changing how the program ends.
//
// - The event loop empties (normal end): `beforeExit` stops the profiler; the export keeps the
//   loop alive until it is done (bounded by the export timeout), then the process ends as before.
// - SIGINT / SIGTERM with no handler of the program's own: hotpath's handler stops the profiler
//   (bounded), removes itself and sends the same signal again, so the process dies of that
//   signal with the status it would have had. When the program has its own handler, hotpath
//   steps aside: the program decides, and its exit goes through `exit` below.
//   Limit: a JS signal handler runs when the main thread returns to the event loop, so a program
//   stuck in synchronous code ends when it yields (without hotpath it would end at once).
// - `process.exit()` and uncaught exceptions: only synchronous code runs in `exit`; the profiler's
//   `stopSync` (when it has one) ends the period and writes files synchronously.
import type { Profiler } from './profiler.js';
import { logOnce } from './log.js';

/** Internal: a profiler that can end its last period synchronously, inside an `exit` listener. */
export interface SyncStoppable {
  stopSync?(timeoutMs: number): void;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const SIGNAL_STOP_TIMEOUT_MS = 5000;
const EXIT_STOP_TIMEOUT_MS = 2000;

export function installExitHandlers(profiler: Profiler & SyncStoppable): void {
  let ended = false;
  const endAsync = (): Promise<void> => {
    if (ended) return Promise.resolve();
    ended = true;
    return profiler.stop();
  };

  process.once('beforeExit', () => {
    void endAsync();
  });

  for (const signal of SIGNALS) {
    const onSignal = (): void => {
      // Someone else listens too: the program handles this signal; do not end it for it.
      if (process.listenerCount(signal) > 1) return;
      process.removeListener(signal, onSignal);
      const timer = setTimeout(resend, SIGNAL_STOP_TIMEOUT_MS);
      let sent = false;
      function resend(): void {
        if (sent) return;
        sent = true;
        clearTimeout(timer);
        // With no listener left, Node restores the default action: the process dies of it.
        process.kill(process.pid, signal);
      }
      endAsync().then(resend, resend);
    };
    process.on(signal, onSignal);
  }

  process.once('exit', () => {
    if (ended) return;
    ended = true;
    try {
      profiler.stopSync?.(EXIT_STOP_TIMEOUT_MS);
    } catch (e) {
      logOnce('exit-stop', `could not write the last profile at exit: ${(e as Error).message}`);
    }
  });
}
