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
let crcTable = new StaticArray<u32>(256);
let tablesReady = false;
let nextCode = new StaticArray<u32>(16);

/** (Re)allocates every table: they live on the heap, which reset() drops. */
function buildTables(): void {
  lenCode = new StaticArray<u8>(259);
  distLow = new StaticArray<u8>(256);
  distHigh = new StaticArray<u8>(256);
  crcTable = new StaticArray<u32>(256);
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
  tablesReady = true;
}

export function crc32(p: usize, n: i32): u32 {
  let c: u32 = 0xffffffff;
  let e = p + <usize>n;
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
  for (let i = 0; i < n; i++) {
    lens[i] = 0;
    if (freq[i] != 0) sortSym[m++] = i;
  }
  // make sure at least two symbols have codes
  for (let i = 0; m < 2 && i < n; i++) {
    if (freq[i] == 0) {
      freq[i] = 1;
      // keep sortSym in symbol order for the insertion sort below
      sortSym[m++] = i;
    }
  }
  // insertion sort by frequency (stable; n <= 286)
  for (let i = 1; i < m; i++) {
    let s = sortSym[i];
    let f = freq[s];
    let j = i - 1;
    while (j >= 0 && freq[sortSym[j]] > f) {
      sortSym[j + 1] = sortSym[j];
      j--;
    }
    sortSym[j + 1] = s;
  }
  // Huffman code lengths in place (Moffat & Katajainen) over ascending frequencies
  for (let i = 0; i < m; i++) work[i] = freq[sortSym[i]];
  work[0] += work[1];
  let root = 0, leaf = 2;
  for (let next = 1; next < m - 1; next++) {
    if (leaf >= m || work[root] < work[leaf]) {
      work[next] = work[root];
      work[root++] = <u32>next;
    } else {
      work[next] = work[leaf++];
    }
    if (leaf >= m || (root < next && work[root] < work[leaf])) {
      work[next] += work[root];
      work[root++] = <u32>next;
    } else {
      work[next] += work[leaf++];
    }
  }
  work[m - 2] = 0;
  for (let next = m - 3; next >= 0; next--) work[next] = work[work[next]] + 1;
  let avail = 1, used = 0, depth: u32 = 0;
  root = m - 2;
  let next = m - 1;
  while (avail > 0) {
    while (root >= 0 && work[root] == depth) {
      used++;
      root--;
    }
    while (avail > used) {
      work[next--] = depth;
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
    let l = <u32>lens[i];
    if (l != 0) {
      let c = nextCode[l]++;
      let r: u32 = 0;
      for (let b: u32 = 0; b < l; b++) {
        r = (r << 1) | (c & 1);
        c >>>= 1;
      }
      codes[i] = <u16>r;
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
  for (let k = 0; k < N_LITLEN; k++) litFreq[k] = 0;
  for (let k = 0; k < N_DIST; k++) distFreq[k] = 0;
}

// @ts-ignore: decorator
@inline function literal(b: u32): void {
  store<u32>(syms + (<usize>nSyms << 2), b);
  nSyms++;
  unchecked(litFreq[b]++);
  if (nSyms == BLOCK_SYMBOLS) writeBlock(false);
}

// @ts-ignore: decorator
@inline function match(len: u32, dist: u32): void {
  store<u32>(syms + (<usize>nSyms << 2), (dist << 16) | len);
  nSyms++;
  unchecked(litFreq[257 + <i32>unchecked(lenCode[len])]++);
  unchecked(distFreq[dcode(dist)]++);
  if (nSyms == BLOCK_SYMBOLS) writeBlock(false);
}

// ---------------------------------------------------------------- LZ77

let head: usize = 0; // 1 << HASH_BITS i32: latest position with this hash, or -1
let prev: usize = 0; // WINDOW i32: previous position with the same hash

// @ts-ignore: decorator
@inline function hash4(p: usize): u32 {
  return (load<u32>(p) * 2654435761) >>> (32 - HASH_BITS);
}

// @ts-ignore: decorator
@inline function insert(src: usize, pos: i32): i32 {
  let h = <usize>hash4(src + <usize>pos) << 2;
  let cand = load<i32>(head + h);
  store<i32>(head + h, pos);
  store<i32>(prev + (<usize>(pos & WMASK) << 2), cand);
  return cand;
}

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

  let pos = 0;
  let last = n - MIN_MATCH; // last position with a full hash
  while (pos < n) {
    if (pos > last) {
      literal(<u32>load<u8>(src + <usize>pos));
      pos++;
      continue;
    }
    let cand = insert(src, pos);
    let best = 0, bestDist = 0;
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
        cand = load<i32>(prev + (<usize>(cand & WMASK) << 2));
      }
    }
    if (best >= MIN_MATCH) {
      match(<u32>best, <u32>bestDist);
      let end = pos + best;
      if (best <= insertMax) {
        let stop = min(end, last + 1);
        for (let q = pos + 1; q < stop; q++) insert(src, q);
      }
      pos = end;
    } else {
      literal(<u32>load<u8>(src + <usize>pos));
      pos++;
    }
  }
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
