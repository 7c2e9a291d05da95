// trackLock: lets a home-made lock report its acquires and releases to the contention profile.
//
//   const lock = trackLock('jobs queue');      // name optional: default is where trackLock was called
//   const t = lock.acquiring();                 // before waiting for the lock
//   ... wait until the lock is ours ...
//   lock.acquired(t);                           // the lock is held
//   ... critical section ...
//   lock.released();                            // the lock is free again
//
// Cheap when not sampled (and when contention is not profiled): acquiring() reads the clock
// (~30 ns) so that a wait of 10 ms or more is always recorded (state.ts), and acquired() of a
// short unsampled wait / released() with no recorded hold return at once.
// A lock held by several owners at once (a semaphore) pairs each release with the oldest
// sampled hold still open.
import { LONG_WAIT_NS, captureSites, nowNs, state } from './contention-state.js';
import { siteWhere } from './event-recorder.js';

export interface TrackedLock {
  /** The `lock name` label of this lock's samples. */
  readonly name: string;
  /** Call before waiting for the lock; hand the result to acquired(). */
  acquiring(): number;
  /** Call once the lock is held, with what acquiring() returned. */
  acquired(token: number): void;
  /** Call when the lock is released. */
  released(): void;
}

export function trackLock(name?: string): TrackedLock {
  if (name !== undefined && typeof name !== 'string') throw new TypeError('hotpath: trackLock(name): name must be a string');
  let lockName = name;
  if (lockName === undefined || lockName === '') {
    const sites = captureSites(trackLock);
    lockName = sites.length > 0 ? siteWhere(sites[0]) : '(unknown lock)';
  }
  const holds: { start: number; scale: number }[] = [];
  const lock: TrackedLock = {
    name: lockName,
    // The token is the time the wait started, negative when the acquire was not sampled.
    acquiring(): number {
      const s = state;
      if (s === null) return 0;
      if (--s.countdown > 0) return -nowNs();
      s.countdown = s.next();
      return nowNs();
    },
    acquired(token: number): void {
      if (token === 0) return;
      const s = state;
      if (s === null) return;
      const t = nowNs();
      const wait = token > 0 ? t - token : t + token;
      if (token < 0 && wait < LONG_WAIT_NS) return;
      // Long waits weigh 1 (always recorded); sampled ones 1/share, the share in effect now
      // (it changes at most once a second: state.ts).
      const scale = wait >= LONG_WAIT_NS ? 1 : s.scale;
      s.acquire(lockName!, wait, captureSites(lock.acquired), scale);
      holds.push({ start: nowNs(), scale });
    },
    released(): void {
      if (holds.length === 0) return;
      const h = holds.shift()!;
      const s = state;
      if (s === null) return;
      s.release(lockName!, nowNs() - h.start, captureSites(lock.released), h.scale);
    },
  };
  return lock;
}
