// HTTP load from this process with autocannon, for a given number of milliseconds.
// autocannon checks for the end of its `duration` on its sampling tick, one second by default
// (a 0.3 s run lasted 1.1 s), so the tick is set to 50 ms; throughput is the completed requests
// over the time actually spent (autocannon's per-tick average would depend on the tick).
// @ts-expect-error autocannon ships no types; the fields used are declared below.
import autocannonUntyped from 'autocannon';

interface RawResult { requests: { total: number }; latency: { p99: number; p50: number }; duration: number; non2xx: number; errors: number }
type Autocannon = (opts: Record<string, unknown>, done: (err: Error | null, r: RawResult) => void) => unknown;
const autocannon = autocannonUntyped as Autocannon;

export interface LoadResult { requests: number; rps: number; p99: number; p50: number; errors: number; non2xx: number; ms: number }

/** Loads `url` with `connections` connections for `ms` ms (optionally at `overallRate` req/s in total). */
export function loadFor(url: string, ms: number, connections: number, overallRate?: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    autocannon({ url, connections, duration: ms / 1000, sampleInt: 50, ...(overallRate ? { overallRate } : {}) }, (err, r) => {
      if (err) return reject(err);
      const spent = performance.now() - t0;
      resolve({ requests: r.requests.total, rps: (r.requests.total * 1000) / spent, p99: r.latency.p99, p50: r.latency.p50, errors: r.errors, non2xx: r.non2xx, ms: spent });
    });
  });
}
