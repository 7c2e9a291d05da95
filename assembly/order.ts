// Sample order for output: by location ids from the root, then depth, then label set.
// Neighbouring samples then share long runs of bytes (a call tree's common prefixes), which
// gzip finds cheaply: on the encode benchmark this makes the gzipped profile ~6% smaller
// and lets level 1 beat level 6 on unsorted output (bench/RESULTS.md). Also makes the
// output independent of the order samples arrived in.
import { Interner } from "./interner";

function compare(s: Interner, x: i32, y: i32): i32 {
  let kx = s.keyPtr(x), ky = s.keyPtr(y);
  let dx = load<i32>(kx, 4), dy = load<i32>(ky, 4);
  let px = kx + 4 + (<usize>dx << 2); // last location id = root
  let py = ky + 4 + (<usize>dy << 2);
  let n = min(dx, dy);
  for (let i = 0; i < n; i++) {
    let a = load<i32>(px), c = load<i32>(py);
    if (a != c) return a < c ? -1 : 1;
    px -= 4;
    py -= 4;
  }
  if (dx != dy) return dx < dy ? -1 : 1;
  let lx = load<i32>(kx), ly = load<i32>(ky);
  return lx < ly ? -1 : lx > ly ? 1 : 0;
}

// Two index buffers, kept across encodes (a heap reset drops them: see orderReset).
let bufA: usize = 0;
let bufB: usize = 0;
let bufCap: i32 = 0;

export function orderReset(): void {
  bufA = bufB = 0;
  bufCap = 0;
}

/** Returns the address of n sample indexes (i32) in output order. Bottom-up merge sort. */
export function sampleOrder(s: Interner): usize {
  let n = s.count;
  if (n > bufCap) {
    bufCap = max(n, bufCap << 1);
    bufA = heap.alloc(<usize>bufCap << 2);
    bufB = heap.alloc(<usize>bufCap << 2);
  }
  let a = bufA;
  let b = bufB;
  for (let i = 0; i < n; i++) store<i32>(a + (<usize>i << 2), i);
  for (let width = 1; width < n; width <<= 1) {
    for (let lo = 0; lo < n; lo += width << 1) {
      let mid = min(lo + width, n), hi = min(lo + (width << 1), n);
      let i = lo, j = mid, k = lo;
      while (i < mid && j < hi) {
        let x = load<i32>(a + (<usize>i << 2)), y = load<i32>(a + (<usize>j << 2));
        if (compare(s, y, x) < 0) {
          store<i32>(b + (<usize>k << 2), y);
          j++;
        } else {
          store<i32>(b + (<usize>k << 2), x);
          i++;
        }
        k++;
      }
      if (i < mid) memory.copy(b + (<usize>k << 2), a + (<usize>i << 2), <usize>(mid - i) << 2);
      else if (j < hi) memory.copy(b + (<usize>k << 2), a + (<usize>j << 2), <usize>(hi - j) << 2);
    }
    let t = a;
    a = b;
    b = t;
  }
  return a;
}
