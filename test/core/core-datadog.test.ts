// A profile written by @datadog/pprof (V8 CpuProfiler + pprof-format) decodes with our
// decoder, re-encodes, and merges with itself and with a profile of ours.
import t from 'tap';
import pprof from '@datadog/pprof';
import { ProfileBuilder, decodeProfile, encodeProfile, mergeProfiles, ProfileMergeError } from '../../dist/src/index.js';
import type { Profile } from '../../dist/src/index.js';

function busy(ms: number): number {
  const end = Date.now() + ms;
  let x = 0;
  while (Date.now() < end) x += Math.sqrt(x + 1);
  return x;
}

const total = (p: Profile, i: number) => p.sample.reduce((s, x) => s + x.value[i], 0);

t.test('@datadog/pprof time profile: decode, re-encode, merge', async (t) => {
  pprof.time.start({ intervalMicros: 1000, durationMillis: 10_000, lineNumbers: true });
  busy(300);
  const dd = pprof.time.stop();
  const bytes = new Uint8Array(await pprof.encode(dd));

  const p = decodeProfile(bytes);
  t.same(p.sampleType.map((s) => s.type), ['sample', 'wall']);
  t.ok(p.sample.length > 0, `${p.sample.length} samples`);
  t.ok(p.location.length > 0 && p.function.length > 0);
  t.ok(p.function.some((f) => f.name === 'busy'), 'the busy function is in it');
  t.ok(total(p, 1) > 0, 'wall time recorded');

  // our encoder keeps its content
  const q = decodeProfile(encodeProfile(p));
  t.equal(total(q, 0), total(p, 0));
  t.equal(total(q, 1), total(p, 1));

  // merge with itself: values double, duration sums, time stays
  const m = mergeProfiles([p, p]);
  t.equal(total(m, 0), 2 * total(p, 0));
  t.equal(total(m, 1), 2 * total(p, 1));
  t.equal(m.durationNanos, 2 * p.durationNanos);
  t.equal(m.timeNanos, p.timeNanos);
  t.ok(m.sample.length <= p.sample.length, 'equal samples were summed, not repeated');

  // merge with a profile of ours with the same sample types
  const b = new ProfileBuilder({
    sampleTypes: p.sampleType,
    periodType: p.periodType,
    period: p.period / 2,
    timeNanos: p.timeNanos === 0n ? 0n : p.timeNanos - 1000n,
    durationNanos: 1_000_000,
  });
  b.addSample([{ name: 'busy', file: 'elsewhere.js', line: 1 }], [5, 5_000_000]);
  b.addComment('ours');
  const ours = decodeProfile(b.encode());
  const mo = mergeProfiles([p, ours]);
  t.equal(total(mo, 0), total(p, 0) + 5);
  t.equal(mo.period, p.period, 'largest period');
  if (p.timeNanos !== 0n) t.equal(mo.timeNanos, p.timeNanos - 1000n, 'earliest time');
  t.same(mo.comment, ['ours']);

  // different sample types do not merge
  const other = new ProfileBuilder({ sampleTypes: [{ type: 'alloc_space', unit: 'bytes' }] });
  t.throws(() => mergeProfiles([p, decodeProfile(other.encode())]), ProfileMergeError);
});
