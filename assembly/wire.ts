// Protocol-buffer wire primitives, and nothing else: varints, tags, length-delimited
// fields, packed lists; the `*Opt` forms skip zero values as proto3 does. Message layouts
// live in encode.ts / decode.ts.
import { E_BAD_VARINT, E_TRUNCATED, E_BAD_WIRE_TYPE } from "./errors";

export const WT_VARINT: u32 = 0;
export const WT_I64: u32 = 1;
export const WT_LEN: u32 = 2;
export const WT_I32: u32 = 5;

// ---------------------------------------------------------------- writer

/** Output buffer. Callers ensure() room for an element before writing it. */
@final export class Out {
  buf: usize;
  cap: i32;
  pos: i32 = 0;

  constructor(cap: i32) {
    this.cap = cap;
    this.buf = heap.alloc(<usize>cap);
  }

  @inline ensure(n: i32): void {
    if (this.pos + n > this.cap) this.grow(this.pos + n);
  }

  grow(min: i32): void {
    let c = this.cap << 1;
    if (c < min) c = min;
    this.buf = heap.realloc(this.buf, <usize>c);
    this.cap = c;
  }

  @inline varint32(v: u32): void {
    let p = this.buf + <usize>this.pos;
    while (v >= 0x80) {
      store<u8>(p++, <u8>(v | 0x80));
      v >>>= 7;
    }
    store<u8>(p++, <u8>v);
    this.pos = <i32>(p - this.buf);
  }

  varint64(v: u64): void {
    if (v < 0x80000000) {
      this.varint32(<u32>v);
      return;
    }
    let p = this.buf + <usize>this.pos;
    while (v >= 0x80) {
      store<u8>(p++, <u8>(v | 0x80));
      v >>>= 7;
    }
    store<u8>(p++, <u8>v);
    this.pos = <i32>(p - this.buf);
  }

  @inline tag(field: u32, wt: u32): void {
    this.varint32((field << 3) | wt);
  }

  /** int64 / uint64 field, always written. */
  @inline int64(field: u32, v: i64): void {
    this.tag(field, WT_VARINT);
    this.varint64(<u64>v);
  }

  /** int64 / uint64 field, skipped when zero. */
  @inline int64Opt(field: u32, v: i64): void {
    if (v != 0) this.int64(field, v);
  }

  /** int32-sized field (string indexes, ids), skipped when zero. */
  @inline int32Opt(field: u32, v: i32): void {
    if (v != 0) {
      this.tag(field, WT_VARINT);
      this.varint64(<u64><i64>v);
    }
  }

  @inline boolOpt(field: u32, v: bool): void {
    if (v) {
      this.tag(field, WT_VARINT);
      this.varint32(1);
    }
  }

  /** Length-delimited bytes. */
  bytes(field: u32, p: usize, n: i32): void {
    this.tag(field, WT_LEN);
    this.varint32(<u32>n);
    memory.copy(this.buf + <usize>this.pos, p, <usize>n);
    this.pos += n;
  }

  /**
   * Starts a length-delimited field whose length is not known yet: writes the tag and
   * reserves one length byte. Returns the mark to hand to end().
   */
  @inline begin(field: u32): i32 {
    this.tag(field, WT_LEN);
    let m = this.pos;
    this.pos = m + 1;
    return m;
  }

  /**
   * Ends the field begun at mark. Most messages are < 128 bytes and fit the reserved byte;
   * longer ones are moved up by the extra length bytes (cheaper than a sizing pass).
   */
  end(mark: i32): void {
    let len = this.pos - mark - 1;
    if (len < 0x80) {
      store<u8>(this.buf + <usize>mark, <u8>len);
      return;
    }
    let n = varintSize(<u32>len);
    this.ensure(n - 1);
    let at = this.buf + <usize>mark;
    memory.copy(at + <usize>n, at + 1, <usize>len);
    let saved = this.pos + n - 1;
    this.pos = mark;
    this.varint32(<u32>len);
    this.pos = saved;
  }
}

export function varintSize(v: u32): i32 {
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  return 5;
}

// ---------------------------------------------------------------- reader

/** Read cursor: position, end of the current message, start of the input (for offsets). */
export let rp: usize = 0;
export let re: usize = 0;
export let rbase: usize = 0;
/** Name of the message being read, for error messages. */
export let rmsg: string = "Profile";

export function setCursor(p: usize, e: usize): void {
  rp = p;
  re = e;
}

export function setBase(p: usize): void {
  rbase = p;
}

export function setMessage(name: string): string {
  let old = rmsg;
  rmsg = name;
  return old;
}

export function fail(what: string): void {
  throw new Error(what + " in " + rmsg + " at byte " + (<u32>(rp - rbase)).toString());
}

export function readVarint(): u64 {
  let r: u64 = 0;
  let shift: u64 = 0;
  while (true) {
    if (rp >= re) {
      fail(E_TRUNCATED);
      return 0;
    }
    let b = <u64>load<u8>(rp);
    rp++;
    if (shift == 63 && b > 1) {
      fail(E_BAD_VARINT);
      return 0;
    }
    r |= (b & 0x7f) << shift;
    if (b < 0x80) return r;
    shift += 7;
    if (shift > 63) {
      fail(E_BAD_VARINT);
      return 0;
    }
  }
}

/** Reads a length prefix and returns the end of the field; checks it lies in the message. */
export function readLenEnd(): usize {
  let n = readVarint();
  if (n > <u64>(re - rp)) fail(E_TRUNCATED);
  return rp + <usize>n;
}

/** Skips a field of an unknown number. Groups (3, 4) and 6, 7 are not valid here. */
export function skipField(wt: u32): void {
  if (wt == WT_VARINT) {
    readVarint();
  } else if (wt == WT_I64) {
    if (re - rp < 8) fail(E_TRUNCATED);
    rp += 8;
  } else if (wt == WT_LEN) {
    rp = readLenEnd();
  } else if (wt == WT_I32) {
    if (re - rp < 4) fail(E_TRUNCATED);
    rp += 4;
  } else {
    fail(E_BAD_WIRE_TYPE);
  }
}
