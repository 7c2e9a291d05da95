// trackLock: lets a home-made lock report its acquires and releases to the contention profile.
//
//   const lock = trackLock('jobs queue');      // name optional: default is where trackLock was called
//   const t = lock.acquiring();                 // before waiting for the lock
//   ... wait until the lock is ours ...
//   lock.acquired(t);                           // the lock is held
//   ... critical section ...
//   lock.released();                            // the lock is free again
//
// Cheap when not sampled (and when contention is not profiled): acquiring() returns 0 after a
// decrement and a compare, and acquired(0) / released() with no sampled hold return at once.
// A lock held by several owners at once (a semaphore) pairs each release with the oldest
// sampled hold still open.
import { captureSites, nowNs, state } from './state.js';
import { siteWhere } from '../worker/event-recorder.js';

export interface TrackedLock {
  /** The `lock name` label of this lock's samples. */
  readonly name: string;
  /** Call before waiting for the lock; hand the result to acquired(). 0 when not sampled. */
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
  const holds: number[] = [];
  const lock: TrackedLock = {
    name: lockName,
    acquiring(): number {
      const s = state;
      if (s === null || --s.countdown > 0) return 0;
      s.countdown = s.next();
      return nowNs();
    },
    acquired(token: number): void {
      if (token === 0) return;
      const s = state;
      if (s === null) return;
      const t = nowNs();
      s.acquire(lockName!, t - token, captureSites(lock.acquired));
      holds.push(nowNs());
    },
    released(): void {
      if (holds.length === 0) return;
      const start = holds.shift()!;
      const s = state;
      if (s === null) return;
      s.release(lockName!, nowNs() - start, captureSites(lock.released));
    },
  };
  return lock;
}
