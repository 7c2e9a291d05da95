// The WASM core's exports: the ABI that src/wasm/core.ts wraps. Plain numbers only; records
// and batches travel through linear memory (layouts in builder.ts and decode.ts, mirrored in
// src/profile/batch-format.ts). One instance holds one builder or one decoded profile.
import { Builder } from "./builder";
import { encodeProfile } from "./encode";
import { Out } from "./wire";
import { E_NOT_INITIALISED } from "./errors";
import { deflateReset, gzip } from "./deflate";
import { orderReset } from "./order";
export { gzipLength } from "./deflate";
export { decodeProfile as decode, tablePtr, tableLen, timeNanos as decodedTimeNanos } from "./decode";

let B: Builder | null = null;
let scratchPtr: usize = 0;
let scratchCap: i32 = 0;
let out: Out | null = null;

// @ts-ignore: decorator
@inline function b(): Builder {
  if (B === null) throw new Error(E_NOT_INITIALISED);
  return changetype<Builder>(B);
}

/** Drops everything (the whole heap) and starts a builder for nTypes sample types. */
export function init(nTypes: i32): void {
  heap.reset();
  scratchPtr = 0;
  scratchCap = 0;
  out = null;
  deflateReset();
  orderReset();
  B = new Builder(nTypes);
}

/** Drops everything, for decoding. */
export function resetAll(): void {
  heap.reset();
  scratchPtr = 0;
  scratchCap = 0;
  out = null;
  deflateReset();
  orderReset();
  B = null;
}

/** A reusable area of at least n bytes (8-aligned) for records, strings and batches. */
export function scratch(n: i32): usize {
  if (n > scratchCap) {
    let c = max(n, scratchCap << 1);
    scratchPtr = heap.alloc(<usize>c);
    scratchCap = c;
  }
  return scratchPtr;
}

/** Input buffer for decode (not reused). */
export function alloc(n: i32): usize {
  return heap.alloc(<usize>max(n, 8));
}

export function internString(p: usize, n: i32): i32 {
  return b().strings.intern(p, n);
}

export function stringCount(): i32 {
  return b().strings.count;
}

export function internMapping(p: usize): i32 {
  return b().internMapping(p);
}

export function internFunction(p: usize): i32 {
  return b().internFunction(p);
}

export function internLocation(p: usize, nLines: i32): i32 {
  return b().internLocation(p, nLines);
}

export function internLabelSet(p: usize, n: i32): i32 {
  return b().internLabelSet(p, n);
}

export function addSamples(ints: usize, nInts: i32, vals: usize, n: i32): i32 {
  return b().addSamples(ints, nInts, vals, n);
}

export function sampleCount(): i32 {
  return b().samples.count;
}

export function addSampleType(type: i32, unit: i32): void {
  let x = b();
  x.checkString(type);
  x.checkString(unit);
  x.sampleTypes.push(type);
  x.sampleTypes.push(unit);
}

export function setPeriodType(type: i32, unit: i32): void {
  let x = b();
  x.checkString(type);
  x.checkString(unit);
  x.periodType = type;
  x.periodUnit = unit;
}

export function setPeriod(v: f64): void {
  b().period = <i64>v;
}

export function setTimeNanos(v: i64): void {
  b().timeNanos = v;
}

export function setDurationNanos(v: f64): void {
  b().durationNanos = <i64>v;
}

export function addComment(s: i32): void {
  let x = b();
  x.checkString(s);
  x.comments.push(s);
}

/** which: 0 drop_frames, 1 keep_frames, 2 default_sample_type, 3 doc_url */
export function setStringField(which: i32, s: i32): void {
  let x = b();
  x.checkString(s);
  if (which == 0) x.dropFrames = s;
  else if (which == 1) x.keepFrames = s;
  else if (which == 2) x.defaultSampleType = s;
  else x.docUrl = s;
}

/** Writes the uncompressed Profile; returns its address, length from encodedLength(). */
export function encode(): usize {
  let o = out;
  if (o === null) {
    o = new Out(65536);
    out = o;
  }
  o.pos = 0;
  encodeProfile(b(), o);
  return o.buf;
}

export function encodedLength(): i32 {
  let o = out;
  return o === null ? 0 : o.pos;
}

/** gzips the last encode() output; returns its address, length from gzipLength(). */
export function gzipEncoded(level: i32): usize {
  let o = out;
  if (o === null) throw new Error(E_NOT_INITIALISED);
  return gzip(o.buf, o.pos, level);
}

/** gzips n bytes at p (e.g. copied into scratch); length from gzipLength(). */
export function gzipBytes(p: usize, n: i32, level: i32): usize {
  return gzip(p, n, level);
}
