// Content-addressed tables: every interned thing (a string's UTF-8 bytes, a function
// record, a location record, a label set, a sample key) is a run of bytes; equal bytes get
// the same dense index. One open-addressing hash table of (index + 1), load factor <= 1/2.
import { Bytes, Vec32 } from "./vec";

// @ts-ignore: decorator
@inline function mix(h: u32, w: u32): u32 {
  w *= 0xcc9e2d51;
  w = rotl<u32>(w, 15);
  w *= 0x1b873593;
  h ^= w;
  h = rotl<u32>(h, 13);
  return h * 5 + 0xe6546b64;
}

/** murmur3-style hash over 4-byte words; the tail (strings) byte by byte. */
export function hashBytes(p: usize, n: i32): u32 {
  let h: u32 = <u32>n * 0x9e3779b1;
  let end = p + (<usize>(n & ~3));
  while (p < end) {
    h = mix(h, load<u32>(p));
    p += 4;
  }
  let t = n & 3;
  if (t) {
    let w: u32 = 0;
    for (let i = 0; i < t; i++) w |= <u32>load<u8>(p + i) << (<u32>i << 3);
    h = mix(h, w);
  }
  h ^= h >>> 16;
  h *= 0x85ebca6b;
  h ^= h >>> 13;
  h *= 0xc2b2ae35;
  h ^= h >>> 16;
  return h;
}

export function equalBytes(a: usize, b: usize, n: i32): bool {
  let i: i32 = 0;
  while (i + 8 <= n) {
    if (load<u64>(a + i) != load<u64>(b + i)) return false;
    i += 8;
  }
  while (i < n) {
    if (load<u8>(a + i) != load<u8>(b + i)) return false;
    i++;
  }
  return true;
}

@final export class Interner {
  data: Bytes;
  off: Vec32;
  len: Vec32;
  hash: Vec32;
  slots: usize;
  mask: u32;
  count: i32 = 0;
  /** Whether the last intern() added a new entry. */
  isNew: bool = false;

  constructor(slots: i32, bytes: i32) {
    this.data = new Bytes(bytes);
    this.off = new Vec32(slots >> 1);
    this.len = new Vec32(slots >> 1);
    this.hash = new Vec32(slots >> 1);
    this.mask = <u32>slots - 1;
    this.slots = heap.alloc(<usize>slots << 2);
    memory.fill(this.slots, 0, <usize>slots << 2);
  }

  @inline keyPtr(i: i32): usize {
    return this.data.ptr + <usize>this.off.get(i);
  }

  @inline keyLen(i: i32): i32 {
    return this.len.get(i);
  }

  intern(p: usize, n: i32): i32 {
    let h = hashBytes(p, n);
    let mask = this.mask;
    let i = h & mask;
    let slots = this.slots;
    while (true) {
      let s = load<i32>(slots + (<usize>i << 2));
      if (s == 0) break;
      let e = s - 1;
      if (<u32>this.hash.get(e) == h && this.len.get(e) == n && equalBytes(this.keyPtr(e), p, n)) {
        this.isNew = false;
        return e;
      }
      i = (i + 1) & mask;
    }
    let e = this.count;
    // keys start 8-byte aligned so records can be read with aligned loads
    let d = this.data;
    let at = (d.len + 7) & ~7;
    if (at + n > d.cap) d.grow(at + n);
    memory.copy(d.ptr + <usize>at, p, <usize>n);
    d.len = at + n;
    this.off.push(at);
    this.len.push(n);
    this.hash.push(<i32>h);
    store<i32>(slots + (<usize>i << 2), e + 1);
    this.count = e + 1;
    this.isNew = true;
    if (<u32>this.count << 1 > mask) this.rehash();
    return e;
  }

  private rehash(): void {
    let size = (this.mask + 1) << 1;
    let mask = size - 1;
    let slots = heap.alloc(<usize>size << 2);
    memory.fill(slots, 0, <usize>size << 2);
    for (let e = 0; e < this.count; e++) {
      let i = <u32>this.hash.get(e) & mask;
      while (load<i32>(slots + (<usize>i << 2)) != 0) i = (i + 1) & mask;
      store<i32>(slots + (<usize>i << 2), e + 1);
    }
    this.slots = slots;
    this.mask = mask;
  }
}
