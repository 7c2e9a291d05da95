// The contention profile's per-thread state, shared by its three sources (trackLock, Atomics,
// async-mutex): which acquires are sampled, and how a sampled acquire and its release become
// events.
//
// Sampling: a countdown drawn from a geometric distribution (mean 1/share) over the stream of
// all acquires of this thread, so each acquire is sampled with probability `share`
// independently of its lock, stack or timing. A sampled acquire is recorded with values
// 1/share (count) and wait/share (ns), and its release (when it is seen) with 1/share and
// hold/share: unbiased estimates of the true totals. An acquire that is not sampled costs a
// decrement and a compare.
import { Recorder, captureSites } from '../worker/event-recorder.js';
import type { CallSiteLike } from '../worker/event-recorder.js';

/** Default share of acquires sampled (bench/contention.ts: see bench/RESULTS.md). */
export const DEFAULT_LOCK_SHARE = 0.02;

export class ContentionState {
  readonly recorder: Recorder;
  readonly scale: number;
  private readonly share: number;
  private readonly logOneMinusP: number;
  countdown: number;
  /** Counts for the profile's comments. */
  sampledAcquires = 0;
  sampledReleases = 0;

  constructor(share: number, recorder: Recorder) {
    this.share = share;
    this.scale = 1 / share;
    this.recorder = recorder;
    this.logOneMinusP = share >= 1 ? 0 : Math.log(1 - share);
    this.countdown = this.next();
  }

  /** Acquires until the next sampled one (>= 1). */
  next(): number {
    if (this.share >= 1) return 1;
    return Math.max(1, Math.ceil(Math.log(1 - Math.random()) / this.logOneMinusP));
  }

  /** Records a sampled acquire. `sites` leaf first; `internal` filters a library's own frames. */
  acquire(lockName: string, waitNs: number, sites: readonly CallSiteLike[], internal?: (file: string) => boolean): void {
    const r = this.recorder;
    if (!r.hasRoom()) {
      r.drop();
      return;
    }
    let stack = r.stackOfSites(sites, 0, internal);
    if (stack === -2) stack = r.stackOfSites(sites, 0);
    this.sampledAcquires++;
    r.add(stack, lockName, this.scale, Math.max(0, waitNs) * this.scale, 0, 0);
  }

  /** Records the release of a sampled acquire; `fallback` is used when `sites` has only library frames. */
  release(lockName: string, holdNs: number, sites: readonly CallSiteLike[], internal?: (file: string) => boolean,
    fallback?: readonly CallSiteLike[]): void {
    const r = this.recorder;
    if (!r.hasRoom()) {
      r.drop();
      return;
    }
    let stack = r.stackOfSites(sites, 0, internal);
    if (stack === -2 && fallback) stack = r.stackOfSites(fallback, 0, internal);
    if (stack === -2) stack = r.stackOfSites(sites, 0);
    this.sampledReleases++;
    r.add(stack, lockName, 0, 0, this.scale, Math.max(0, holdNs) * this.scale);
  }
}

/** The running state of this thread, or null when contention is not profiled. */
export let state: ContentionState | null = null;

export function setState(s: ContentionState | null): void {
  state = s;
}

/** Monotonic nanoseconds (performance.now() has sub-microsecond resolution in Node). */
export function nowNs(): number {
  return performance.now() * 1e6;
}

export { captureSites };
