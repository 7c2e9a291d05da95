// The cap on the profiler's own CPU, as the Python profiler the project follows does it: after
// each period, compare what the profiler used with what it may use, and stretch (or shrink back)
// the sampling interval so the next period fits. Most of the cost is proportional to the
// sampling rate, part is not (encoding each period), and one period's reading is noisy, so the
// interval moves by a damped ratio (used / allowed) ** DAMPING rather than the full one, with a
// margin so it settles just under the cap, never below the configured interval or above
// MAX_INTERVAL_MICROS. Measured (1 kHz asked, cap 0.2%, 1 s periods): the undamped step
// overshot from 121 ms to 783 ms on one noisy period.

export const MAX_INTERVAL_MICROS = 1_000_000;
/** Aim this far under the cap, so noise does not push every other period over it. */
const TARGET = 0.8;
const DAMPING = 0.6;
/** Changes smaller than this are not worth a restart of the samplers' timing. */
const DEAD_BAND = 0.15;

export class OverheadCap {
  constructor(
    /** Allowed share of one core, e.g. 0.01. */
    readonly cap: number,
    /** The configured interval: the cap never samples faster than this. */
    readonly baseMicros: number,
  ) {}

  /** The interval for the next period, given the profiler's CPU over the period that ended. */
  next(ownCpuNs: number, periodNs: number, currentMicros: number): number {
    if (periodNs <= 0 || this.cap <= 0) return currentMicros;
    const used = ownCpuNs / periodNs;
    let target = currentMicros * Math.pow(used / (this.cap * TARGET), DAMPING);
    target = Math.min(MAX_INTERVAL_MICROS, Math.max(this.baseMicros, target));
    if (Math.abs(target - currentMicros) < DEAD_BAND * currentMicros) return currentMicros;
    return Math.round(target);
  }
}

export function percentOfCore(ns: number, periodNs: number): string {
  return periodNs > 0 ? `${((100 * ns) / periodNs).toFixed(2)}%` : 'n/a';
}
