// The contract between the profiler (src/profiler.ts) and each kind of profile it collects.
//
// The profiler owns one period clock for every kind: at each period end it asks every collector
// for its profile of the period, then hands all of them to the exporters together (Datadog wants
// one request per period). A collector keeps its raw data on the thread that made it only until
// the period ends; the profile itself is built and encoded in the aggregation worker.
import type { ProfileKind, Settings } from '../common/settings.js';

export interface KindCollector {
  readonly kind: ProfileKind;
  /**
   * Ends the current period and starts the next one with no gap between them. Resolves to the
   * gzipped pprof of the period that ended, or null when the kind has nothing to say.
   * `comments` are added to the profile (the self-report: exports, drops, the profiler's CPU).
   */
  endPeriod(period: PeriodInfo, comments: readonly string[]): Promise<Uint8Array | null>;
  /** Ends the last period like endPeriod and releases everything. Called once. */
  stop(period: PeriodInfo, comments: readonly string[]): Promise<Uint8Array | null>;
  /**
   * Synchronous last period, for `process.exit()` and fatal errors (only synchronous code runs
   * then). Optional: a kind without it loses its last partial period at a hard exit.
   */
  stopSync?(period: PeriodInfo, comments: readonly string[], timeoutMs: number): Uint8Array | null;
  /**
   * A sampling kind whose rate the overhead cap controls: the interval from the next period on,
   * and the interval of the period under way.
   */
  setIntervalMicros?(micros: number): void;
  readonly intervalMicros?: number;
}

export interface PeriodInfo {
  /** Unix nanoseconds at the period's start. */
  timeNanos: bigint;
  durationNanos: number;
}

/**
 * Writes one profile synchronously where the file exporter writes (outDir, its naming), for a
 * profile that cannot wait for the period end (the heap limit); returns the path, or null.
 */
export type WriteNow = (kind: ProfileKind, bytes: Uint8Array, start: Date, end: Date) => string | null;

/** What a collector factory gets: the resolved settings, a way to write now. Null when it cannot run here. */
export type CollectorFactory = (settings: Settings, writeNow: WriteNow) => KindCollector | null;
