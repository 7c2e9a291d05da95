// The exporter contract. Every exporter takes finished profiles (gzipped pprof bytes made by the
// aggregation worker), never throws at its caller, never blocks the event loop, and counts what
// happened to each profile in `stats()`.

/** One finished profile of one kind for one period. */
export interface ProfileExport {
  /** Profile kind: time, heap, contention, exceptions, eventloop. */
  kind: string;
  /** Gzipped pprof, opaque to exporters. */
  bytes: Uint8Array;
  start: Date;
  end: Date;
  /** Tags for this profile only, added to the exporter's own tags. */
  tags?: Record<string, string>;
  /** Sampling rate in Hz of a time profile (Pyroscope's sampleRate); else the exporter's default. */
  sampleRateHz?: number;
}

/**
 * Counters, in profiles (not requests), since the exporter was made:
 * - exported: delivered (2xx, or renamed into place);
 * - failed: given up on after the retries, or refused by the server with a non-retryable status;
 * - dropped: pushed out of the full queue (the oldest goes first) or still queued at close;
 * - retries: upload attempts after the first, in requests;
 * - queued: waiting now (not counting the one in flight).
 */
export interface ExporterStats {
  exported: number;
  failed: number;
  dropped: number;
  retries: number;
  queued: number;
  /** OTLP only: profiles the collector said it rejected (partial_success), in requests it took. */
  rejected?: number;
  /** The latest failure, redacted, for the self-report comment. */
  lastError?: string;
}

/**
 * Rewrites the sample labels of a gzipped pprof as a backend wants them: keys left out, keys
 * renamed, a hex id written in decimal. Runs in the aggregation worker (src/aggregate/relabel.ts).
 */
export interface Relabeler {
  relabel(profile: Uint8Array, rules: { drop?: string[]; rename?: Record<string, { key: string; decimal?: boolean }> }): Promise<Uint8Array>;
  close(): void;
}

export interface Exporter {
  readonly name: string;
  /**
   * Exports one profile. The promise settles when the profile is delivered, failed for good or
   * dropped; it never rejects. Queueing is synchronous, so a caller that does not await it loses
   * nothing.
   */
  export(profile: ProfileExport): Promise<void>;
  /**
   * Exports all profiles of one period. Datadog sends them in one request (its intake wants one
   * event per period); file and Pyroscope handle each profile on its own.
   */
  exportPeriod(profiles: readonly ProfileExport[]): Promise<void>;
  /**
   * Keeps the process alive until every queued profile is handled or `timeoutMs` passes (for the
   * last export at exit). Resolves true when the queue was drained.
   */
  flush(timeoutMs?: number): Promise<boolean>;
  /** Flushes for at most `timeoutMs`, then drops (and counts) what is left. Idempotent. */
  close(timeoutMs?: number): Promise<void>;
  stats(): ExporterStats;
  /**
   * Exports synchronously, for the last profiles at `process.exit()` (only synchronous code runs
   * then). The file exporter writes them; an exporter that cannot counts them as dropped.
   */
  exportSync(profiles: readonly ProfileExport[]): void;
}
