// gzip (RFC 1952) with a deflate (RFC 1951) compressor, so encoding a profile never leaves
// WASM and costs a fraction of a pure-JS gzip (bench/RESULTS.md). Greedy LZ77 over the
// whole input (hash chains over a 32 KiB window, minimum match 4), dynamic Huffman blocks
// of up to BLOCK_SYMBOLS symbols, code lengths limited to 15 bits (7 for the code-length
// code). The level only sets how hard matches are searched for.

const WINDOW: i32 = 32768;
const WMASK: i32 = WINDOW - 1;
const HASH_BITS: u32 = 16;
const MIN_MATCH: i32 = 4;
const MAX_MATCH: i32 = 258;
const BLOCK_SYMBOLS: i32 = 32768;
const N_LITLEN: i32 = 286;
const N_DIST: i32 = 30;
const N_CL: i32 = 19;

// Per level 0-9: max hash-chain steps, "nice" length that stops the search, and the longest
// match whose inner positions are still added to the hash chains.
const CHAIN: StaticArray<i32> = [0, 4, 8, 16, 32, 64, 128, 256, 1024, 4096];
const NICE: StaticArray<i32> = [0, 16, 32, 64, 128, 128, 258, 258, 258, 258];
const INSERT: StaticArray<i32> = [0, 8, 16, 32, 258, 258, 258, 258, 258, 258];

const LBASE: StaticArray<u16> = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LEXT: StaticArray<u8> = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DBASE: StaticArray<u16> = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DEXT: StaticArray<u8> = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const CL_ORDER: StaticArray<u8> = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

// Lookup tables, built once.
let lenCode = new StaticArray<u8>(259);    // match length -> length code index (0-28)
let distLow = new StaticArray<u8>(256);    // dist - 1 < 256 -> distance code
let distHigh = new StaticArray<u8>(256);   // (dist - 1) >> 7 -> distance code
let crcTable = new StaticArray<u32>(1024); // 4 x 256: slicing-by-4 tables
let tablesReady = false;
let nextCode = new StaticArray<u32>(16);

/** (Re)allocates every table: they live on the heap, which reset() drops. */
function buildTables(): void {
  lenCode = new StaticArray<u8>(259);
  distLow = new StaticArray<u8>(256);
  distHigh = new StaticArray<u8>(256);
  crcTable = new StaticArray<u32>(1024);
  sortSym = new StaticArray<i32>(N_LITLEN);
  work = new StaticArray<u32>(N_LITLEN);
  blCount = new StaticArray<i32>(N_LITLEN + 1);
  litFreq = new StaticArray<u32>(N_LITLEN);
  distFreq = new StaticArray<u32>(N_DIST);
  clFreq = new StaticArray<u32>(N_CL);
  litLen = new StaticArray<u8>(N_LITLEN);
  distLen = new StaticArray<u8>(N_DIST);
  clLen = new StaticArray<u8>(N_CL);
  litCode = new StaticArray<u16>(N_LITLEN);
  distCode = new StaticArray<u16>(N_DIST);
  clCode = new StaticArray<u16>(N_CL);
  allLens = new StaticArray<u8>(N_LITLEN + N_DIST);
  rleSym = new StaticArray<u8>(N_LITLEN + N_DIST);
  rleExtra = new StaticArray<u8>(N_LITLEN + N_DIST);
  nextCode = new StaticArray<u32>(16);
  for (let c = 0; c < 29; c++) {
    let b = <i32>LBASE[c];
    let n = 1 << LEXT[c];
    for (let l = b; l < b + n && l <= 258; l++) lenCode[l] = <u8>c;
  }
  for (let c = 0; c < 30; c++) {
    let b = <i32>DBASE[c] - 1;
    let n = 1 << DEXT[c];
    for (let v = b; v < b + n; v++) {
      if (v < 256) distLow[v] = <u8>c;
      else distHigh[v >> 7] = <u8>c;
    }
  }
  for (let i: u32 = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crcTable[i] = c;
  }
  for (let i = 0; i < 256; i++) {
    for (let k = 1; k < 4; k++) {
      let prevEntry = crcTable[(k - 1) * 256 + i];
      crcTable[k * 256 + i] = (prevEntry >>> 8) ^ crcTable[prevEntry & 0xff];
    }
  }
  tablesReady = true;
}

/** CRC-32 (gzip's), four bytes per step ("slicing by 4": ~3x faster than a byte at a time). */
export function crc32(p: usize, n: i32): u32 {
  let c: u32 = 0xffffffff;
  let e = p + <usize>n;
  let t = changetype<usize>(crcTable);
  while (p + 4 <= e) {
    c ^= load<u32>(p);
    c = load<u32>(t + 3072 + ((c & 0xff) << 2)) ^ load<u32>(t + 2048 + (((c >>> 8) & 0xff) << 2)) ^
        load<u32>(t + 1024 + (((c >>> 16) & 0xff) << 2)) ^ load<u32>(t + ((c >>> 24) << 2));
    p += 4;
  }
  while (p < e) {
    c = unchecked(crcTable[(c ^ load<u8>(p)) & 0xff]) ^ (c >>> 8);
    p++;
  }
  return c ^ 0xffffffff;
}

// ---------------------------------------------------------------- bit output

let out: usize = 0;      // output buffer
let outCap: i32 = 0;
let outPos: i32 = 0;
let bitBuf: u64 = 0;
let bitCnt: u32 = 0;

function ensureOut(n: i32): void {
  if (outPos + n <= outCap) return;
  let c = max(outCap << 1, outPos + n);
  out = out == 0 ? heap.alloc(<usize>c) : heap.realloc(out, <usize>c);
  outCap = c;
}

// @ts-ignore: decorator
@inline function putBits(v: u32, n: u32): void {
  bitBuf |= <u64>v << bitCnt;
  bitCnt += n;
  if (bitCnt >= 32) {
    store<u32>(out + <usize>outPos, <u32>bitBuf);
    outPos += 4;
    bitBuf >>= 32;
    bitCnt -= 32;
  }
}

function flushBits(): void {
  while (bitCnt > 0) {
    store<u8>(out + <usize>outPos, <u8>bitBuf);
    outPos++;
    bitBuf >>= 8;
    bitCnt = bitCnt > 8 ? bitCnt - 8 : 0;
  }
  bitBuf = 0;
}

// ---------------------------------------------------------------- Huffman codes

// @ts-ignore: decorator
@inline function W(w: usize, i: i32): u32 {
  return load<u32>(w + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline function SET(w: usize, i: i32, v: u32): void {
  store<u32>(w + (<usize>i << 2), v);
}

// Scratch for building one code: symbols sorted by frequency, and the in-place lengths.
let sortSym = new StaticArray<i32>(N_LITLEN);
let work = new StaticArray<u32>(N_LITLEN);
let blCount = new StaticArray<i32>(N_LITLEN + 1);

/**
 * Code lengths (at most maxBits) for n symbols with frequencies freq[], into lens[];
 * canonical codes, bit-reversed for LSB-first output, into codes[]. At least two symbols
 * get a code (deflate decoders expect complete codes).
 */
function buildCode(freq: StaticArray<u32>, n: i32, maxBits: i32, lens: StaticArray<u8>, codes: StaticArray<u16>): void {
  let m = 0;
  memory.fill(changetype<usize>(lens), 0, <usize>n);
  for (let i = 0; i < n; i++) {
    if (unchecked(freq[i]) != 0) unchecked(sortSym[m++] = i);
  }
  // make sure at least two symbols have codes
  for (let i = 0; m < 2 && i < n; i++) {
    if (freq[i] == 0) {
      freq[i] = 1;
      // keep sortSym in symbol order for the insertion sort below
      sortSym[m++] = i;
    }
  }
  // sort by frequency: keys (freq << 9 | symbol), shell sort over raw memory (m <= 286;
  // frequencies < 2^17 as a block has at most BLOCK_SYMBOLS symbols)
  let w = changetype<usize>(work);
  for (let i = 0; i < m; i++) {
    let sym = unchecked(sortSym[i]);
    store<u32>(w + (<usize>i << 2), (unchecked(freq[sym]) << 9) | <u32>sym);
  }
  for (let gap = m >> 1; gap > 0; gap = gap == 2 ? 1 : (gap * 5) / 11) {
    for (let i = gap; i < m; i++) {
      let key = load<u32>(w + (<usize>i << 2));
      let j = i;
      while (j >= gap && load<u32>(w + (<usize>(j - gap) << 2)) > key) {
        store<u32>(w + (<usize>j << 2), load<u32>(w + (<usize>(j - gap) << 2)));
        j -= gap;
      }
      store<u32>(w + (<usize>j << 2), key);
    }
  }
  for (let i = 0; i < m; i++) {
    let key = load<u32>(w + (<usize>i << 2));
    unchecked(sortSym[i] = <i32>(key & 511));
    store<u32>(w + (<usize>i << 2), key >>> 9);
  }
  // Huffman code lengths in place (Moffat & Katajainen) over ascending frequencies
  // (w points at work[]; W(i) reads, SET(i, v) writes, both unchecked)
  store<u32>(w, load<u32>(w) + load<u32>(w, 4));
  let root = 0, leaf = 2;
  for (let next = 1; next < m - 1; next++) {
    if (leaf >= m || W(w, root) < W(w, leaf)) {
      SET(w, next, W(w, root));
      SET(w, root++, <u32>next);
    } else {
      SET(w, next, W(w, leaf++));
    }
    if (leaf >= m || (root < next && W(w, root) < W(w, leaf))) {
      SET(w, next, W(w, next) + W(w, root));
      SET(w, root++, <u32>next);
    } else {
      SET(w, next, W(w, next) + W(w, leaf++));
    }
  }
  SET(w, m - 2, 0);
  for (let next = m - 3; next >= 0; next--) SET(w, next, W(w, <i32>W(w, next)) + 1);
  let avail = 1, used = 0, depth: u32 = 0;
  root = m - 2;
  let next = m - 1;
  while (avail > 0) {
    while (root >= 0 && W(w, root) == depth) {
      used++;
      root--;
    }
    while (avail > used) {
      SET(w, next--, depth);
      avail--;
    }
    avail = used << 1;
    depth++;
    used = 0;
  }
  // count lengths, fold the ones over maxBits and repair the Kraft sum
  for (let i = 0; i <= N_LITLEN; i++) blCount[i] = 0;
  for (let i = 0; i < m; i++) {
    let l = <i32>work[i];
    blCount[l > maxBits ? maxBits : l]++;
  }
  let total: u32 = 0;
  for (let i = 1; i <= maxBits; i++) total += <u32>blCount[i] << <u32>(maxBits - i);
  let full: u32 = 1 << <u32>maxBits;
  while (total > full) {
    blCount[maxBits]--;
    for (let i = maxBits - 1; i > 0; i--) {
      if (blCount[i] != 0) {
        blCount[i]--;
        blCount[i + 1] += 2;
        break;
      }
    }
    total--;
  }
  // longest codes to the least frequent symbols
  let k = 0;
  for (let l = maxBits; l >= 1; l--) {
    for (let c = blCount[l]; c > 0; c--) lens[sortSym[k++]] = <u8>l;
  }
  // canonical codes
  let code: u32 = 0;
  for (let i = 0; i <= N_LITLEN; i++) blCount[i] = 0;
  for (let i = 0; i < n; i++) blCount[lens[i]]++;
  blCount[0] = 0;
  for (let bits = 1; bits <= 15; bits++) {
    code = (code + <u32>blCount[bits - 1]) << 1;
    nextCode[bits] = code;
  }
  for (let i = 0; i < n; i++) {
    let l = <u32>unchecked(lens[i]);
    if (l != 0) {
      let c = unchecked(nextCode[l]);
      unchecked(nextCode[l] = c + 1);
      // bit-reverse the l-bit code (deflate sends Huffman codes most significant bit first)
      let r = c << (32 - l);
      r = ((r >>> 1) & 0x55555555) | ((r & 0x55555555) << 1);
      r = ((r >>> 2) & 0x33333333) | ((r & 0x33333333) << 2);
      r = ((r >>> 4) & 0x0f0f0f0f) | ((r & 0x0f0f0f0f) << 4);
      r = ((r >>> 8) & 0x00ff00ff) | ((r & 0x00ff00ff) << 8);
      r = (r >>> 16) | (r << 16);
      unchecked(codes[i] = <u16>r);
    }
  }
}

// ---------------------------------------------------------------- blocks

let litFreq = new StaticArray<u32>(N_LITLEN);
let distFreq = new StaticArray<u32>(N_DIST);
let clFreq = new StaticArray<u32>(N_CL);
let litLen = new StaticArray<u8>(N_LITLEN);
let distLen = new StaticArray<u8>(N_DIST);
let clLen = new StaticArray<u8>(N_CL);
let litCode = new StaticArray<u16>(N_LITLEN);
let distCode = new StaticArray<u16>(N_DIST);
let clCode = new StaticArray<u16>(N_CL);
let allLens = new StaticArray<u8>(N_LITLEN + N_DIST);
let rleSym = new StaticArray<u8>(N_LITLEN + N_DIST);
let rleExtra = new StaticArray<u8>(N_LITLEN + N_DIST);

let syms: usize = 0;  // BLOCK_SYMBOLS u32: literal byte, or (distance << 16) | length
let nSyms: i32 = 0;

// @ts-ignore: decorator
@inline function dcode(dist: u32): u32 {
  let v = dist - 1;
  return v < 256 ? <u32>unchecked(distLow[v]) : <u32>unchecked(distHigh[v >> 7]);
}

function writeBlock(final: bool): void {
  litFreq[256] = 1; // end of block
  buildCode(litFreq, N_LITLEN, 15, litLen, litCode);
  buildCode(distFreq, N_DIST, 15, distLen, distCode);
  let hlit = N_LITLEN;
  while (hlit > 257 && litLen[hlit - 1] == 0) hlit--;
  let hdist = N_DIST;
  while (hdist > 1 && distLen[hdist - 1] == 0) hdist--;
  let total = hlit + hdist;
  for (let i = 0; i < hlit; i++) allLens[i] = litLen[i];
  for (let i = 0; i < hdist; i++) allLens[hlit + i] = distLen[i];
  // run-length code the code lengths (16: repeat previous 3-6, 17: 3-10 zeros, 18: 11-138 zeros)
  for (let i = 0; i < N_CL; i++) clFreq[i] = 0;
  let nr = 0;
  let i = 0;
  while (i < total) {
    let l = allLens[i];
    let run = 1;
    while (i + run < total && allLens[i + run] == l) run++;
    i += run;
    if (l == 0) {
      while (run >= 11) {
        let r = min(run, 138);
        rleSym[nr] = 18; rleExtra[nr++] = <u8>(r - 11);
        run -= r;
      }
      if (run >= 3) {
        rleSym[nr] = 17; rleExtra[nr++] = <u8>(run - 3);
        run = 0;
      }
    } else {
      rleSym[nr] = l; rleExtra[nr++] = 0;
      run--;
      while (run >= 3) {
        let r = min(run, 6);
        rleSym[nr] = 16; rleExtra[nr++] = <u8>(r - 3);
        run -= r;
      }
    }
    while (run > 0) {
      rleSym[nr] = l; rleExtra[nr++] = 0;
      run--;
    }
  }
  for (let k = 0; k < nr; k++) clFreq[rleSym[k]]++;
  buildCode(clFreq, N_CL, 7, clLen, clCode);
  let hclen = N_CL;
  while (hclen > 4 && clLen[CL_ORDER[hclen - 1]] == 0) hclen--;

  ensureOut(nSyms * 6 + 1024);
  putBits(final ? 1 : 0, 1);
  putBits(2, 2); // dynamic Huffman
  putBits(<u32>(hlit - 257), 5);
  putBits(<u32>(hdist - 1), 5);
  putBits(<u32>(hclen - 4), 4);
  for (let k = 0; k < hclen; k++) putBits(<u32>clLen[CL_ORDER[k]], 3);
  for (let k = 0; k < nr; k++) {
    let s = rleSym[k];
    putBits(<u32>clCode[s], <u32>clLen[s]);
    if (s == 16) putBits(<u32>rleExtra[k], 2);
    else if (s == 17) putBits(<u32>rleExtra[k], 3);
    else if (s == 18) putBits(<u32>rleExtra[k], 7);
  }
  for (let k = 0; k < nSyms; k++) {
    let s = load<u32>(syms + (<usize>k << 2));
    let dist = s >>> 16;
    if (dist == 0) {
      putBits(<u32>unchecked(litCode[s]), <u32>unchecked(litLen[s]));
    } else {
      let len = s & 0xffff;
      let lc = <i32>unchecked(lenCode[len]);
      putBits(<u32>unchecked(litCode[257 + lc]), <u32>unchecked(litLen[257 + lc]));
      let le = <u32>unchecked(LEXT[lc]);
      if (le) putBits(len - <u32>unchecked(LBASE[lc]), le);
      let dc = dcode(dist);
      putBits(<u32>unchecked(distCode[dc]), <u32>unchecked(distLen[dc]));
      let de = <u32>unchecked(DEXT[dc]);
      if (de) putBits(dist - <u32>unchecked(DBASE[dc]), de);
    }
  }
  putBits(<u32>litCode[256], <u32>litLen[256]);
  nSyms = 0;
  memory.fill(changetype<usize>(litFreq), 0, <usize>N_LITLEN << 2);
  memory.fill(changetype<usize>(distFreq), 0, <usize>N_DIST << 2);
}



// ---------------------------------------------------------------- LZ77

let head: usize = 0; // 1 << HASH_BITS i32: latest position with this hash, or -1
let prev: usize = 0; // WINDOW i32: previous position with the same hash



function matchLength(a: usize, b: usize, max: i32): i32 {
  let l = 0;
  while (l + 8 <= max) {
    let x = load<u64>(a + <usize>l) ^ load<u64>(b + <usize>l);
    if (x != 0) return l + <i32>(ctz(x) >> 3);
    l += 8;
  }
  while (l < max && load<u8>(a + <usize>l) == load<u8>(b + <usize>l)) l++;
  return l;
}

/** Allocates the compressor's tables once per heap (after init/reset). */
export function deflateReset(): void {
  tablesReady = false;
  out = 0;
  outCap = 0;
  head = 0;
  prev = 0;
  syms = 0;
}

/** gzips n bytes at src; returns the address of the result, its length from gzipLength(). */
export function gzip(src: usize, n: i32, level: i32): usize {
  if (!tablesReady) buildTables();
  if (head == 0) {
    head = heap.alloc(<usize>(1 << HASH_BITS) << 2);
    prev = heap.alloc(<usize>WINDOW << 2);
    syms = heap.alloc(<usize>BLOCK_SYMBOLS << 2);
  }
  if (level < 0) level = 0;
  if (level > 9) level = 9;
  let maxChain = CHAIN[level], nice = NICE[level], insertMax = INSERT[level];
  memory.fill(head, 0xff, <usize>(1 << HASH_BITS) << 2);
  outPos = 0;
  bitBuf = 0;
  bitCnt = 0;
  nSyms = 0;
  for (let k = 0; k < N_LITLEN; k++) litFreq[k] = 0;
  for (let k = 0; k < N_DIST; k++) distFreq[k] = 0;
  ensureOut(32 + (n >> 3));
  // header: magic, deflate, no flags, mtime 0, no extra flags, OS unknown
  store<u32>(out, 0x00088b1f);
  store<u32>(out, 0, 4);
  store<u16>(out, 0xff00, 8);
  outPos = 10;

  // The loop keeps the symbol buffer, its count and the frequency tables in locals: V8 keeps
  // WASM globals in memory, and this loop runs once per input byte.
  let sp = syms;
  let ns = 0;
  let lf = changetype<usize>(litFreq);
  let df = changetype<usize>(distFreq);
  let hd = head;
  let pv = prev;
  let pos = 0;
  let last = n - MIN_MATCH; // last position with a full hash
  while (pos < n) {
    let best = 0, bestDist = 0;
    if (pos <= last) {
      let h = <usize>((load<u32>(src + <usize>pos) * 2654435761) >>> (32 - HASH_BITS)) << 2;
      let cand = load<i32>(hd + h);
      store<i32>(hd + h, pos);
      store<i32>(pv + (<usize>(pos & WMASK) << 2), cand);
      if (maxChain > 0) {
        let maxLen = min(MAX_MATCH, n - pos);
        let chain = maxChain;
        let here = src + <usize>pos;
        while (cand >= 0 && pos - cand <= WINDOW && cand < pos && chain-- > 0) {
          let there = src + <usize>cand;
          if (load<u8>(there + <usize>best) == load<u8>(here + <usize>best)) {
            let l = matchLength(there, here, maxLen);
            if (l > best) {
              best = l;
              bestDist = pos - cand;
              if (l >= nice || l == maxLen) break;
            }
          }
          cand = load<i32>(pv + (<usize>(cand & WMASK) << 2));
        }
      }
    }
    if (best >= MIN_MATCH) {
      store<u32>(sp + (<usize>ns << 2), (<u32>bestDist << 16) | <u32>best);
      let la = lf + ((<usize>257 + <usize>unchecked(lenCode[best])) << 2);
      store<u32>(la, load<u32>(la) + 1);
      let da = df + (<usize>dcode(<u32>bestDist) << 2);
      store<u32>(da, load<u32>(da) + 1);
      let end = pos + best;
      if (best <= insertMax) {
        let stop = min(end, last + 1);
        for (let q = pos + 1; q < stop; q++) {
          let h = <usize>((load<u32>(src + <usize>q) * 2654435761) >>> (32 - HASH_BITS)) << 2;
          store<i32>(pv + (<usize>(q & WMASK) << 2), load<i32>(hd + h));
          store<i32>(hd + h, q);
        }
      }
      pos = end;
    } else {
      let b = <u32>load<u8>(src + <usize>pos);
      store<u32>(sp + (<usize>ns << 2), b);
      let la = lf + (<usize>b << 2);
      store<u32>(la, load<u32>(la) + 1);
      pos++;
    }
    if (++ns == BLOCK_SYMBOLS) {
      nSyms = ns;
      writeBlock(false);
      ns = 0;
    }
  }
  nSyms = ns;
  writeBlock(true);
  ensureOut(16);
  flushBits();
  store<u32>(out + <usize>outPos, crc32(src, n));
  store<u32>(out + <usize>outPos, <u32>n, 4);
  outPos += 8;
  return out;
}

export function gzipLength(): i32 {
  return outPos;
}
