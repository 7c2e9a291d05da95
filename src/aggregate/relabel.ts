// A profile's sample labels as a backend wants them: some left out (Pyroscope makes series of
// string labels: a trace id or an OS thread id would make one per request or thread), some
// renamed, a hex id written in decimal (Datadog's span ids). Samples that become equal are
// summed.
import { decodeProfile } from '../profile/decode.js';
import { encodeProfile } from '../profile/encode.js';
import type { Label } from '../profile/model.js';
import type { LabelRules } from '../transport/convert-protocol.js';

function rewrite(l: Label, rules: LabelRules): Label | null {
  if (rules.drop?.includes(l.key)) return null;
  const r = rules.rename?.[l.key];
  if (r === undefined) return l;
  const str = r.decimal && l.str !== undefined && /^[0-9a-f]{1,16}$/.test(l.str) ? BigInt(`0x${l.str}`).toString(10) : l.str;
  return str === undefined ? { ...l, key: r.key } : { key: r.key, str };
}

/** The gzipped pprof `bytes` with its sample labels rewritten by `rules` (the same bytes when none applies). */
export function relabelProfile(bytes: Uint8Array, rules: LabelRules): Uint8Array {
  const keys = new Set([...(rules.drop ?? []), ...Object.keys(rules.rename ?? {})]);
  const p = decodeProfile(bytes);
  if (!p.sample.some((s) => s.label.some((l) => keys.has(l.key)))) return bytes.slice();
  for (const s of p.sample) {
    const out: Label[] = [];
    for (const l of s.label) {
      const x = rewrite(l, rules);
      if (x) out.push(x);
    }
    s.label = out;
  }
  return encodeProfile(p);
}
