// Growable arrays in linear memory. The runtime is `stub` (a bump allocator): nothing is
// freed one by one, `reset()` drops the whole heap at the end of a period. A grown array
// leaves its old block behind, so memory stays under ~2x the live data of one period.

@final export class Bytes {
  ptr: usize;
  len: i32 = 0;
  cap: i32;
  constructor(cap: i32) {
    this.cap = cap;
    this.ptr = heap.alloc(<usize>cap);
  }
  @inline reserve(extra: i32): void {
    if (this.len + extra > this.cap) this.grow(this.len + extra);
  }
  grow(min: i32): void {
    let c = this.cap << 1;
    if (c < min) c = min;
    this.ptr = heap.realloc(this.ptr, <usize>c);
    this.cap = c;
  }
}

@final export class Vec32 {
  ptr: usize;
  len: i32 = 0;
  cap: i32;
  constructor(cap: i32) {
    this.cap = cap;
    this.ptr = heap.alloc(<usize>cap << 2);
  }
  @inline push(v: i32): void {
    if (this.len == this.cap) this.grow(this.len + 1);
    store<i32>(this.ptr + (<usize>this.len << 2), v);
    this.len++;
  }
  @inline get(i: i32): i32 {
    return load<i32>(this.ptr + (<usize>i << 2));
  }
  grow(min: i32): void {
    let c = this.cap << 1;
    if (c < min) c = min;
    this.ptr = heap.realloc(this.ptr, <usize>c << 2);
    this.cap = c;
  }
}

@final export class Vec64 {
  ptr: usize;
  len: i32 = 0;
  cap: i32;
  constructor(cap: i32) {
    this.cap = cap;
    this.ptr = heap.alloc(<usize>cap << 3);
  }
  @inline push(v: i64): void {
    if (this.len == this.cap) this.grow(this.len + 1);
    store<i64>(this.ptr + (<usize>this.len << 3), v);
    this.len++;
  }
  @inline get(i: i32): i64 {
    return load<i64>(this.ptr + (<usize>i << 3));
  }
  /** Appends n zeros and returns the address of the first. */
  zeros(n: i32): usize {
    if (this.len + n > this.cap) this.grow(this.len + n);
    let p = this.ptr + (<usize>this.len << 3);
    memory.fill(p, 0, <usize>n << 3);
    this.len += n;
    return p;
  }
  grow(min: i32): void {
    let c = this.cap << 1;
    if (c < min) c = min;
    this.ptr = heap.realloc(this.ptr, <usize>c << 3);
    this.cap = c;
  }
}

@final export class VecF64 {
  ptr: usize;
  len: i32 = 0;
  cap: i32;
  constructor(cap: i32) {
    this.cap = cap;
    this.ptr = heap.alloc(<usize>cap << 3);
  }
  @inline push(v: f64): void {
    if (this.len == this.cap) this.grow(this.len + 1);
    store<f64>(this.ptr + (<usize>this.len << 3), v);
    this.len++;
  }
  @inline set(i: i32, v: f64): void {
    store<f64>(this.ptr + (<usize>i << 3), v);
  }
  grow(min: i32): void {
    let c = this.cap << 1;
    if (c < min) c = min;
    this.ptr = heap.realloc(this.ptr, <usize>c << 3);
    this.cap = c;
  }
}
