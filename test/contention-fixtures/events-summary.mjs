// Decodes an event profile (contention, exceptions, event loop) into plain samples, for the
// fixtures of test/contention-*, test/exceptions-* and test/eventloop-*.
import { decodeProfile, checkValid } from '../../dist/src/profile/index.js';

export function samplesOf(bytes) {
  const p = decodeProfile(bytes);
  checkValid?.(p);
  const fn = new Map(p.function.map((f) => [f.id, f]));
  const loc = new Map(p.location.map((l) => [l.id, l]));
  const samples = p.sample.map((s) => ({
    frames: s.locationId.map((id) => {
      const l = loc.get(id).line[0];
      const f = fn.get(l.functionId);
      return { name: f.name, file: f.filename, line: l.line };
    }),
    labels: Object.fromEntries(s.label.map((l) => [l.key, l.str ?? l.num])),
    value: s.value,
  }));
  return {
    sampleTypes: p.sampleType.map((t) => `${t.type}/${t.unit}`),
    period: p.period,
    periodType: p.periodType && `${p.periodType.type}/${p.periodType.unit}`,
    comments: p.comment,
    durationNanos: p.durationNanos,
    samples,
  };
}

/** Sums sample values by a key function (a sample may give several keys, each counted once). */
export function totalsBy(samples, keyOf, n) {
  const out = {};
  for (const s of samples) {
    let keys = keyOf(s);
    if (!Array.isArray(keys)) keys = [keys];
    for (const k of new Set(keys)) {
      out[k] ??= new Array(n).fill(0);
      for (let i = 0; i < n; i++) out[k][i] += s.value[i];
    }
  }
  return out;
}

export function periodNow(startMs) {
  return { timeNanos: BigInt(Math.round(startMs * 1e6)), durationNanos: Math.round((Date.now() - startMs) * 1e6) };
}
