// The decoder on bad input: every failure is a ProfileFormatError with a one-line message
// naming the problem, quickly, with bounded memory; never a crash, hang or other error.
import t from 'tap';
import zlib from 'node:zlib';
import { ProfileBuilder, ProfileFormatError, decodeProfile, encodeProfile, gzip } from '../../dist/src/index.js';

function sampleProfile() {
  const b = new ProfileBuilder({
    sampleTypes: [{ type: 'samples', unit: 'count' }, { type: 'cpu', unit: 'nanoseconds' }],
    periodType: { type: 'cpu', unit: 'nanoseconds' },
    period: 10_000_000,
    timeNanos: 1_700_000_000_000_000_000n,
    durationNanos: 60e9,
    dropFrames: 'drop.*',
  });
  for (let i = 0; i < 40; i++) {
    const stack = Array.from({ length: 1 + (i % 7) }, (_, k) => ({ name: `f${(i + k) % 11}`, file: `m${k}.js`, line: k + i, column: i % 3 }));
    b.addSample(stack, [1, 1000 * i], [{ key: 'thread id', num: i % 3 }, { key: 'thread name', str: `t${i % 3}` }, { key: 'bytes', num: i, numUnit: 'bytes' }]);
  }
  b.addComment('a comment');
  return b.encodeRaw();
}
const raw = sampleProfile();
const gz = gzip(raw);

/** Decodes and returns the error; fails the test if it is not a one-line ProfileFormatError. */
function expectError(t: Tap.Test, bytes: Uint8Array, pattern: RegExp, opts = {}) {
  const t0 = performance.now();
  let err: unknown;
  try {
    decodeProfile(bytes, opts);
  } catch (e) {
    err = e;
  }
  const ms = performance.now() - t0;
  t.type(err, ProfileFormatError);
  t.equal((err as ProfileFormatError)?.code, 'HOTPATH_PROFILE_FORMAT');
  const msg = (err as Error)?.message ?? '';
  t.match(msg, pattern);
  t.notMatch(msg, /\n/, 'one line');
  t.ok(ms < 2000, `failed in ${ms.toFixed(0)} ms`);
}

t.test('the sample profile itself is fine', async (t) => {
  t.equal(decodeProfile(raw).sample.length, decodeProfile(gz).sample.length);
});

t.test('specific errors', async (t) => {
  expectError(t, new Uint8Array(0), /^empty input/);
  expectError(t, new TextEncoder().encode('this is not a profile, just some text\n'), /wire type|truncated|varint/);
  expectError(t, new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), /wire type|truncated|varint/); // PNG
  expectError(t, raw.subarray(0, raw.length >> 1), /truncated message|string index out of range/);
  expectError(t, new Uint8Array([0x12, 0x05, 0x0a, 0x01]), /^truncated message in Profile at byte 2$/);
  expectError(t, new Uint8Array([0x48, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), /^bad varint in Profile/);
  expectError(t, new Uint8Array([0x48, 0xff, 0xff]), /^truncated message/);
  expectError(t, new Uint8Array([0x83, 0x01, 0x00]), /^bad wire type in Profile at byte 2$/); // field 16, group start
  expectError(t, new Uint8Array([0x10, 0x01]), /^wrong wire type in Profile/); // sample as a varint
  expectError(t, new Uint8Array([0x12, 0x02, 0x1a, 0x00, 0x32, 0x00]), /^profile has samples but no sample types$/);
  expectError(t, new Uint8Array([0x12, 0x03, 0x1a, 0x05, 0x08]), /^truncated message in Sample at byte 4$/);
  // sample_type.type = 5 with a string table of [""]
  expectError(t, new Uint8Array([0x0a, 0x02, 0x08, 0x05, 0x32, 0x00]), /^string index out of range: sample_type.type is 5/);
  expectError(t, new Uint8Array([0x32, 0x01, 0x41]), /string table does not start with ""/);
  expectError(t, new Uint8Array([0x48, 0x01]), /string table is empty/);
  // sample with 1 value for 2 sample types (checkValid)
  const p = decodeProfile(raw);
  p.sample[0].value.pop();
  t.throws(() => encodeProfile(p), /sample 0 has 1 values for 2 sample types/);
});

t.test('gzip problems', async (t) => {
  expectError(t, gz.subarray(0, gz.length - 9), /^truncated gzip data$/);
  const flipped = gz.slice();
  flipped[flipped.length >> 1] ^= 0x10;
  expectError(t, flipped, /^bad gzip data|wire type|truncated|varint|out of range|unknown|values/);
  const badCrc = gz.slice();
  badCrc[badCrc.length - 6] ^= 0xff;
  expectError(t, badCrc, /^bad gzip data \(incorrect data check\)$/);
  expectError(t, new Uint8Array([0x1f, 0x8b, 0x08, 0x00]), /^truncated gzip data$/);
  expectError(t, gzip(new Uint8Array(0)), /^empty profile after decompression$/);
});

t.test('large random input fails fast', async (t) => {
  const big = new Uint8Array(16 << 20);
  let s = 12345;
  for (let i = 0; i < big.length; i++) big[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
  big[0] = 0x0a; // plausible first tag
  expectError(t, big, /wire type|truncated|varint|out of range|string table/);
});

t.test('gzip bombs are stopped early', async (t) => {
  // 20 gzip members of 16 MiB of zeros each: 320 MiB from ~330 KB
  const member = zlib.gzipSync(Buffer.alloc(16 << 20), { level: 9 });
  const bomb = new Uint8Array(Buffer.concat(Array(20).fill(member)));
  expectError(t, bomb, /gzip bomb|exceeds the limit/);
  expectError(t, new Uint8Array(member), /^decompressed profile exceeds the limit of 1048576 bytes$/, { maxDecompressedBytes: 1 << 20 });
  const ok = decodeProfile(gz, { maxDecompressedBytes: raw.length });
  t.ok(ok.sample.length > 0, 'a profile exactly at the cap is fine');
  expectError(t, gz, /exceeds the limit/, { maxDecompressedBytes: raw.length - 1 });
  expectError(t, raw, /^profile exceeds the limit of \d+ bytes$/, { maxDecompressedBytes: raw.length - 1 });
});

t.test('1,000+ mutated inputs: a valid profile or a one-line ProfileFormatError', async (t) => {
  let seed = 0xdecafbad;
  const rnd = (n: number) => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  function mutate(src: Uint8Array): Uint8Array {
    const b = Array.from(src);
    const ops = 1 + rnd(4);
    for (let k = 0; k < ops; k++) {
      switch (rnd(7)) {
        case 0: { const i = rnd(b.length); b[i] ^= 1 << rnd(8); break; }
        case 1: { b[rnd(b.length)] = rnd(256); break; }
        case 2: { b.length = rnd(b.length); break; }
        case 3: { const i = rnd(b.length + 1); b.splice(i, 0, ...Array.from({ length: 1 + rnd(8) }, () => rnd(256))); break; }
        case 4: { const i = rnd(b.length); b.splice(i, 1 + rnd(16)); break; }
        case 5: { const i = rnd(b.length); b.splice(i, 0, ...b.slice(i, i + 1 + rnd(64))); break; }
        case 6: { b[rnd(b.length)] = 0xff; break; }
      }
      if (b.length === 0) break;
    }
    return new Uint8Array(b);
  }
  const counts = { valid: 0, errors: 0 };
  const messages = new Set<string>();
  let slowest = 0;
  for (let i = 0; i < 1200; i++) {
    const input = mutate(i % 4 === 3 ? gz : raw);
    const t0 = performance.now();
    try {
      const p = decodeProfile(input);
      counts.valid++;
      decodeProfile(encodeProfile(p)); // whatever decodes, re-encodes
    } catch (e) {
      if (!(e instanceof ProfileFormatError) || /\n/.test(e.message) || e.message.length > 200) {
        t.fail(`input ${i}: ${(e as Error)?.stack}`);
        break;
      }
      counts.errors++;
      messages.add(e.message.replace(/\d+/g, 'N'));
    }
    slowest = Math.max(slowest, performance.now() - t0);
  }
  t.equal(counts.valid + counts.errors, 1200, `${counts.valid} decoded, ${counts.errors} rejected`);
  t.ok(counts.errors > 600, 'most mutations are caught');
  t.ok(slowest < 2000, `slowest input took ${slowest.toFixed(1)} ms`);
  t.ok(messages.size >= 5, `distinct messages: ${[...messages].slice(0, 12).join(' | ')}`);
});
