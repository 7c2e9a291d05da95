// The contention profile's per-thread state, shared by its three sources (trackLock, Atomics,
// async-mutex): which acquires are sampled, and how a sampled acquire and its release become
// events.
//
// Sampling: a countdown drawn from a geometric distribution (mean 1/share) over the stream of
// all acquires of this thread, so each acquire is sampled with probability `share`
// independently of its lock, stack or timing. A sampled acquire is recorded with values
// 1/share (count) and wait/share (ns), and its release (when it is seen) with the same 1/share
// and hold/share: unbiased estimates of the true totals. An acquire that is not sampled costs a
// decrement and a compare.
//
// Long waits: a wait of LONG_WAIT_NS (10 ms) or more is always recorded, with weight 1, when
// the source can time every wait cheaply (trackLock, Atomics.wait): waits are heavy-tailed (a
// holder descheduled for tens of ms), and a sampled long wait scaled by 100 would swing the
// totals. Inclusion probability 1 for long waits and `share` for the others keeps the totals
// unbiased; the cost stays bounded, since a thread cannot wait 10 ms more than 100 times a second.
//
// Budget: a sampled acquire costs ~100 µs (two structured stack captures, run as cold code:
// bench/RESULTS.md), so the share adapts to keep at most `maxSamplesPerSecond` sampled acquires
// a second on this thread. A window ends after a second, or as soon as it holds that many
// samples (so a burst, or the start at the highest share, is held to the budget at once rather
// than a second later): above the budget the share drops in proportion, below half of it the
// share doubles, up to the configured share. A window's length is the smaller of its wall time
// and the process's CPU time in it, so that on a busy machine (the process descheduled half the
// time) or in a mostly idle program the samples stay within the budget per second of CPU used,
// which is what the cost is measured against (process CPU is read only when a window ends).
// Each acquire's probability is fixed before its outcome is known and its weight is 1/that
// probability, so totals stay unbiased.
import { ALL_FILTERED, Recorder, captureSites } from './event-recorder.js';
import type { CallSiteLike } from './event-recorder.js';

/** Waits this long or longer are always recorded (trackLock, Atomics), with weight 1. */
export const LONG_WAIT_NS = 10e6;
/** Default budget of sampled acquires per second and thread. */
export const DEFAULT_LOCK_SAMPLES_PER_SECOND = 20;
const MIN_SHARE = 1e-5;
/** A window shorter than this counts as this long (a burst of samples does not crash the share). */
const MIN_WINDOW_NS = 100e6;

export class ContentionState {
  readonly recorder: Recorder;
  /** 1/share now: the weight of an acquire decided now. */
  scale: number;
  private share: number;
  private logOneMinusP: number;
  private readonly timer: NodeJS.Timeout | null;
  private windowStart = nowNs();
  private windowStartCpu = cpuNs();
  private windowSamples = 0;
  countdown: number;
  /** Counts for the profile's comments. */
  sampledAcquires = 0;
  sampledReleases = 0;
  lowestShare: number;

  constructor(readonly maxShare: number, readonly maxSamplesPerSecond: number, recorder: Recorder) {
    this.share = maxShare;
    this.lowestShare = maxShare;
    this.scale = 1 / maxShare;
    this.recorder = recorder;
    this.logOneMinusP = maxShare >= 1 ? 0 : Math.log(1 - maxShare);
    this.countdown = this.next();
    if (Number.isFinite(maxSamplesPerSecond)) {
      // Windows also end early (next()), so the timer ends only those a second old.
      this.timer = setInterval(() => {
        if (nowNs() - this.windowStart >= 1e9) this.adapt();
      }, 250);
      this.timer.unref();
    } else {
      this.timer = null;
    }
  }

  /** Acquires until the next sampled one (>= 1). Called at each sampled acquire. */
  next(): number {
    this.windowSamples++;
    // The budget is reached (or a thread busy in synchronous code ran no timer): adapt now.
    if (this.timer !== null && (this.windowSamples >= this.maxSamplesPerSecond || nowNs() - this.windowStart >= 1e9)) this.adapt();
    if (this.share >= 1) return 1;
    return Math.max(1, Math.ceil(Math.log(1 - Math.random()) / this.logOneMinusP));
  }

  private setShare(share: number): void {
    this.share = share;
    this.scale = 1 / share;
    this.logOneMinusP = share >= 1 ? 0 : Math.log(1 - share);
    this.countdown = this.next();
    this.windowSamples--; // that draw was not a sample
    if (share < this.lowestShare) this.lowestShare = share;
  }

  private adapt(): void {
    if (this.adapting) return;
    this.adapting = true;
    try {
      this.adapt0();
    } finally {
      this.adapting = false;
    }
  }

  private adapting = false;

  private adapt0(): void {
    const t = nowNs();
    const cpu = cpuNs();
    const length = Math.min(t - this.windowStart, cpu - this.windowStartCpu);
    const rate = this.windowSamples / (Math.max(MIN_WINDOW_NS, length) / 1e9);
    this.windowStart = t;
    this.windowStartCpu = cpu;
    this.windowSamples = 0;
    const budget = this.maxSamplesPerSecond;
    if (rate > budget) this.setShare(Math.max(MIN_SHARE, (this.share * budget) / rate));
    else if (rate < budget / 2 && this.share < this.maxShare) this.setShare(Math.min(this.maxShare, this.share * 2));
  }

  /** The share in effect now. */
  get currentShare(): number {
    return this.share;
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /**
   * Records a sampled acquire with weight `scale` (1/share when it was decided). `sites` leaf
   * first; `internal` filters a library's own frames.
   */
  acquire(lockName: string, waitNs: number, sites: readonly CallSiteLike[], scale: number, internal?: (file: string) => boolean): void {
    const r = this.recorder;
    if (!r.hasRoom()) {
      r.drop();
      return;
    }
    let stack = r.stackOfSites(sites, 0, internal);
    if (stack === ALL_FILTERED) stack = r.stackOfSites(sites, 0);
    this.sampledAcquires++;
    r.add(stack, lockName, scale, Math.max(0, waitNs) * scale, 0, 0);
  }

  /** Records the release of a sampled acquire (same weight); `fallback` is used when `sites` has only library frames. */
  release(lockName: string, holdNs: number, sites: readonly CallSiteLike[], scale: number, internal?: (file: string) => boolean,
    fallback?: readonly CallSiteLike[]): void {
    const r = this.recorder;
    if (!r.hasRoom()) {
      r.drop();
      return;
    }
    let stack = r.stackOfSites(sites, 0, internal);
    if (stack === ALL_FILTERED && fallback) stack = r.stackOfSites(fallback, 0, internal);
    if (stack === ALL_FILTERED) stack = r.stackOfSites(sites, 0);
    this.sampledReleases++;
    r.add(stack, lockName, 0, 0, scale, Math.max(0, holdNs) * scale);
  }
}

/** The running state of this thread, or null when contention is not profiled. */
export let state: ContentionState | null = null;

export function setState(s: ContentionState | null): void {
  state = s;
}

/** CPU time of the process (all threads), ns: ~1 µs a read, so only at window ends. */
function cpuNs(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) * 1000;
}

/** Monotonic nanoseconds (performance.now() has sub-microsecond resolution in Node). */
export function nowNs(): number {
  return performance.now() * 1e6;
}

export { captureSites };
