// Memory, threads and open files of this process, after a full GC (run with --expose-gc).
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export async function procStats(label) {
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await sleep(30);
  }
  const status = readFileSync('/proc/self/status', 'utf8');
  const m = process.memoryUsage();
  return {
    label,
    rss: m.rss,
    heapUsed: m.heapUsed,
    external: m.external,
    threads: Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? 0),
    fds: readdirSync('/proc/self/fd').length,
  };
}
