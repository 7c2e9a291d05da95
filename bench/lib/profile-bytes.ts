// Where a pprof file's bytes go: the raw bytes of each part of the (gunzipped) Profile message
// and what each part adds to the gzipped file (the file gzipped without that part, at gzip's
// level 6 as the profilers write, against the whole). Read with a protobuf wire walker, so any
// profiler's file is measured the same way.
import { gunzipSync, gzipSync } from 'node:zlib';

/** Top-level fields of perftools.profiles.Profile (proto/profile.proto). */
const PARTS: Record<number, string> = { 1: 'sample types', 2: 'samples', 3: 'mappings', 4: 'locations', 5: 'functions', 6: 'strings' };
/** Fields of a Sample. */
const SAMPLE_PARTS: Record<number, string> = { 1: 'sample location ids', 2: 'sample values', 3: 'sample labels' };

export interface PartBytes {
  part: string;
  count: number;
  raw: number;
  /** Bytes the part adds to the gzipped file. */
  gz: number;
}

interface Field { no: number; start: number; end: number; body: [number, number] }

function varint(b: Uint8Array, at: number): [number, number] {
  let v = 0;
  let mul = 1;
  for (;;) {
    const c = b[at++]!;
    v += (c & 0x7f) * mul;
    if (c < 0x80) return [v, at];
    mul *= 128;
  }
}

function fields(b: Uint8Array, from = 0, to = b.length): Field[] {
  const out: Field[] = [];
  let at = from;
  while (at < to) {
    const start = at;
    let key: number;
    [key, at] = varint(b, at);
    const no = Math.floor(key / 8);
    const wire = key & 7;
    let body: [number, number];
    if (wire === 0) {
      const s = at;
      [, at] = varint(b, at);
      body = [s, at];
    } else if (wire === 2) {
      let len: number;
      [len, at] = varint(b, at);
      body = [at, at + len];
      at += len;
    } else if (wire === 1) {
      body = [at, at + 8];
      at += 8;
    } else if (wire === 5) {
      body = [at, at + 4];
      at += 4;
    } else {
      throw new Error(`profile-bytes: wire type ${wire} at byte ${start}`);
    }
    out.push({ no, start, end: at, body });
  }
  return out;
}

const gz = (b: Uint8Array): number => gzipSync(b, { level: 6 }).length;

function without(b: Uint8Array, drop: (f: Field) => Uint8Array | null, list: Field[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const f of list) {
    const r = drop(f);
    parts.push(r ?? b.subarray(f.start, f.end));
  }
  return Buffer.concat(parts);
}

/** The parts of one gzipped (or plain) pprof file, and its total sizes. */
export function profileBytes(file: Uint8Array): { raw: number; gz: number; parts: PartBytes[] } {
  const b = file[0] === 0x1f && file[1] === 0x8b ? new Uint8Array(gunzipSync(file)) : file;
  const top = fields(b);
  const whole = gz(b);
  const parts: PartBytes[] = [];
  for (const [no, part] of Object.entries(PARTS)) {
    const mine = top.filter((f) => f.no === Number(no));
    parts.push({
      part, count: mine.length, raw: mine.reduce((a, f) => a + f.end - f.start, 0),
      gz: whole - gz(without(b, (f) => (f.no === Number(no) ? new Uint8Array(0) : null), top)),
    });
  }
  // The comments' strings (Profile.comment holds string-table indices, packed or not).
  const strings = top.filter((f) => f.no === 6);
  const commentIds = new Set<number>();
  for (const f of top.filter((x) => x.no === 13)) {
    if (f.body[1] - f.body[0] > 0 && b[f.start]! % 8 === 2) {
      let at = f.body[0];
      while (at < f.body[1]) {
        let v: number;
        [v, at] = varint(b, at);
        commentIds.add(v);
      }
    } else {
      commentIds.add(varint(b, f.body[0])[0]);
    }
  }
  const commentFields = new Set([...commentIds].map((i) => strings[i]).filter((f): f is Field => f !== undefined));
  parts.push({
    part: '..of the strings: comments', count: commentFields.size,
    raw: [...commentFields].reduce((a, f) => a + f.end - f.start, 0),
    gz: whole - gz(without(b, (f) => (commentFields.has(f) ? new Uint8Array(0) : null), top)),
  });
  // Inside the samples: what each of their fields adds.
  for (const [no, part] of Object.entries(SAMPLE_PARTS)) {
    let raw = 0;
    let count = 0;
    const stripped = without(b, (f) => {
      if (f.no !== 2) return null;
      const inner = fields(b, f.body[0], f.body[1]);
      const kept = inner.filter((x) => x.no !== Number(no));
      for (const x of inner) if (x.no === Number(no)) { raw += x.end - x.start; count++; }
      const body = Buffer.concat(kept.map((x) => b.subarray(x.start, x.end)));
      const head: number[] = [0x12];
      for (let n = body.length; ; n = Math.floor(n / 128)) {
        if (n < 128) { head.push(n); break; }
        head.push((n & 0x7f) | 0x80);
      }
      return Buffer.concat([Uint8Array.from(head), body]);
    }, top);
    parts.push({ part: `..of the samples: ${part.replace('sample ', '')}`, count, raw, gz: whole - gz(stripped) });
  }
  return { raw: b.length, gz: whole, parts };
}
