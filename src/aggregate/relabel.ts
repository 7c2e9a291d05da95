// A profile without some sample labels, for a backend that must not get them (Pyroscope makes
// series of string labels: a trace id or an OS thread id would make one per request or thread).
// Samples that become equal are summed.
import { decodeProfile } from '../profile/decode.js';
import { encodeProfile } from '../profile/encode.js';

/** The gzipped pprof `bytes` with the labels keyed `drop` left out (the same bytes when it has none). */
export function withoutLabels(bytes: Uint8Array, drop: readonly string[]): Uint8Array {
  const p = decodeProfile(bytes);
  if (!p.sample.some((s) => s.label.some((l) => drop.includes(l.key)))) return bytes.slice();
  for (const s of p.sample) s.label = s.label.filter((l) => !drop.includes(l.key));
  return encodeProfile(p);
}
