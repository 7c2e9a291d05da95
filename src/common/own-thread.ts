// hotpath's own threads name themselves `hotpath-…`, so that its CPU meter
// (src/collect/own-cpu.ts) finds them in /proc/self/task.
import { writeFileSync } from 'node:fs';

export const OWN_THREAD_PREFIX = 'hotpath-';

/** Names the calling thread (Linux: 15 characters at most), so the meter can find it. */
export function nameThisThread(name: string): void {
  try {
    writeFileSync('/proc/thread-self/comm', name.slice(0, 15));
  } catch {
    // Not Linux, or /proc is not mounted: the meter then misses this thread.
  }
}
