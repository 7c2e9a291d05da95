// pprof decoder: one function per message, fields in tag order, each commented with its
// line in proto/profile.proto. It only parses: every message becomes a row of f64 in a
// flat table (layouts below), strings are (offset, length) into the input, and JS
// (src/profile/decode.ts) resolves string indexes, checks references and builds the model.
// Every table row consumes at least one input byte, so memory is bounded by the input size.
import { VecF64 } from "./vec";
import {
  WT_LEN, WT_VARINT, fail, readLenEnd, readVarint, rp, re, setBase, setCursor, setMessage,
  skipField,
} from "./wire";
import { E_BAD_VARINT, E_WRONG_WIRE_TYPE } from "./errors";

// Table kinds and their row layouts (mirrored in src/profile/decode.ts).
export const T_STRING = 0;    // offset, length
export const T_SAMPLE_TYPE = 1; // type, unit
export const T_SAMPLE = 2;    // first location id, count, first value, count, first label, count
export const T_LOCATION_ID = 3; // id
export const T_VALUE = 4;     // value
export const T_LABEL = 5;     // key, str, num, num_unit
export const T_MAPPING = 6;   // id, memory_start, memory_limit, file_offset, filename,
                              // build_id, has_functions, has_filenames, has_line_numbers,
                              // has_inline_frames
export const T_LOCATION = 7;  // id, mapping_id, address, first line, count, is_folded
export const T_LINE = 8;      // function_id, line, column
export const T_FUNCTION = 9;  // id, name, system_name, filename, start_line
export const T_COMMENT = 10;  // string index
export const T_HEADER = 11;   // drop_frames, keep_frames, duration_nanos, period_type.type,
                              // period_type.unit, period, default_sample_type, doc_url
export const N_TABLES = 12;

export let tables: StaticArray<VecF64> | null = null;
export let timeNanos: i64 = 0;

// @ts-ignore: decorator
@inline function t(kind: i32): VecF64 {
  return unchecked(changetype<StaticArray<VecF64>>(tables)[kind]);
}

// @ts-ignore: decorator
@inline function i64v(): f64 {
  return <f64><i64>readVarint();
}

// @ts-ignore: decorator
@inline function u64v(): f64 {
  return <f64>readVarint();
}

/** A field key. Keys are uint32 varints: a longer one is an error, not cut to its low bits. */
function readKey(): u32 {
  let v = readVarint();
  if (v > <u64>0xFFFFFFFF) fail(E_BAD_VARINT);
  return <u32>v;
}

function expect(wt: u32, want: u32): void {
  if (wt != want) fail(E_WRONG_WIRE_TYPE);
}

/** Enters a nested message of the given name: returns the outer end to restore. */
function enter(name: string): usize {
  let outer = re;
  let end = readLenEnd();
  setCursor(rp, end);
  setMessage(name);
  return outer;
}

function leave(outer: usize, name: string): void {
  setCursor(rp, outer);
  setMessage(name);
}

/** A repeated scalar: packed (one length-delimited run) or one varint. */
function repeated(wt: u32, table: VecF64, signed: bool): void {
  if (wt == WT_LEN) {
    let outer = re;
    let end = readLenEnd();
    setCursor(rp, end);
    while (rp < end) table.push(signed ? i64v() : u64v());
    setCursor(rp, outer);
  } else if (wt == WT_VARINT) {
    table.push(signed ? i64v() : u64v());
  } else {
    fail(E_WRONG_WIRE_TYPE);
  }
}

// message ValueType; pushes (type, unit) onto `into`, or into the header slots at `at`
function decodeValueType(into: VecF64, at: i32): void {
  let outer = enter("ValueType");
  let type: f64 = 0, unit: f64 = 0;
  while (rp < re) {
    let key = readKey();
    let f = key >>> 3, wt = key & 7;
    if (f == 1) { expect(wt, WT_VARINT); type = i64v(); }       // int64 type = 1;
    else if (f == 2) { expect(wt, WT_VARINT); unit = i64v(); }  // int64 unit = 2;
    else skipField(wt);
  }
  if (at < 0) {
    into.push(type);
    into.push(unit);
  } else {
    into.set(at, type);
    into.set(at + 1, unit);
  }
  leave(outer, "Profile");
}

// message Label
function decodeLabel(): void {
  let outer = enter("Label");
  let key: f64 = 0, str: f64 = 0, num: f64 = 0, unit: f64 = 0;
  while (rp < re) {
    let k = readKey();
    let f = k >>> 3, wt = k & 7;
    if (f == 1) { expect(wt, WT_VARINT); key = i64v(); }        // int64 key = 1;
    else if (f == 2) { expect(wt, WT_VARINT); str = i64v(); }   // int64 str = 2;
    else if (f == 3) { expect(wt, WT_VARINT); num = i64v(); }   // int64 num = 3;
    else if (f == 4) { expect(wt, WT_VARINT); unit = i64v(); }  // int64 num_unit = 4;
    else skipField(wt);
  }
  let l = t(T_LABEL);
  l.push(key); l.push(str); l.push(num); l.push(unit);
  leave(outer, "Sample");
}

// message Sample
function decodeSample(): void {
  let outer = enter("Sample");
  let locs = t(T_LOCATION_ID), vals = t(T_VALUE), labels = t(T_LABEL);
  let l0 = locs.len, v0 = vals.len, b0 = labels.len >> 2;
  while (rp < re) {
    let k = readKey();
    let f = k >>> 3, wt = k & 7;
    if (f == 1) repeated(wt, locs, false);           // repeated uint64 location_id = 1;
    else if (f == 2) repeated(wt, vals, true);       // repeated int64 value = 2;
    else if (f == 3) { expect(wt, WT_LEN); decodeLabel(); } // repeated Label label = 3;
    else skipField(wt);
  }
  let s = t(T_SAMPLE);
  s.push(<f64>l0); s.push(<f64>(locs.len - l0));
  s.push(<f64>v0); s.push(<f64>(vals.len - v0));
  s.push(<f64>b0); s.push(<f64>((labels.len >> 2) - b0));
  leave(outer, "Profile");
}

// message Mapping
function decodeMapping(): void {
  let outer = enter("Mapping");
  let r = new StaticArray<f64>(10);
  while (rp < re) {
    let k = readKey();
    let f = k >>> 3, wt = k & 7;
    // uint64 id = 1; uint64 memory_start = 2; uint64 memory_limit = 3;
    // uint64 file_offset = 4; int64 filename = 5; int64 build_id = 6;
    // bool has_functions = 7; bool has_filenames = 8; bool has_line_numbers = 9;
    // bool has_inline_frames = 10;
    if (f >= 1 && f <= 10) {
      expect(wt, WT_VARINT);
      let v = readVarint();
      unchecked(r[f - 1] = f == 5 || f == 6 ? <f64><i64>v : f >= 7 ? (v != 0 ? 1 : 0) : <f64>v);
    } else skipField(wt);
  }
  let m = t(T_MAPPING);
  for (let i = 0; i < 10; i++) m.push(unchecked(r[i]));
  leave(outer, "Profile");
}

// message Line
function decodeLine(): void {
  let outer = enter("Line");
  let fn: f64 = 0, line: f64 = 0, col: f64 = 0;
  while (rp < re) {
    let k = readKey();
    let f = k >>> 3, wt = k & 7;
    if (f == 1) { expect(wt, WT_VARINT); fn = u64v(); }         // uint64 function_id = 1;
    else if (f == 2) { expect(wt, WT_VARINT); line = i64v(); }  // int64 line = 2;
    else if (f == 3) { expect(wt, WT_VARINT); col = i64v(); }   // int64 column = 3;
    else skipField(wt);
  }
  let l = t(T_LINE);
  l.push(fn); l.push(line); l.push(col);
  leave(outer, "Location");
}

// message Location
function decodeLocation(): void {
  let outer = enter("Location");
  let lines = t(T_LINE);
  let l0 = lines.len / 3;
  let id: f64 = 0, mapping: f64 = 0, address: f64 = 0, folded: f64 = 0;
  while (rp < re) {
    let k = readKey();
    let f = k >>> 3, wt = k & 7;
    if (f == 1) { expect(wt, WT_VARINT); id = u64v(); }             // uint64 id = 1;
    else if (f == 2) { expect(wt, WT_VARINT); mapping = u64v(); }   // uint64 mapping_id = 2;
    else if (f == 3) { expect(wt, WT_VARINT); address = u64v(); }   // uint64 address = 3;
    else if (f == 4) { expect(wt, WT_LEN); decodeLine(); }          // repeated Line line = 4;
    else if (f == 5) { expect(wt, WT_VARINT); folded = readVarint() != 0 ? 1 : 0; } // bool is_folded = 5;
    else skipField(wt);
  }
  let l = t(T_LOCATION);
  l.push(id); l.push(mapping); l.push(address);
  l.push(<f64>l0); l.push(<f64>(lines.len / 3 - l0)); l.push(folded);
  leave(outer, "Profile");
}

// message Function
function decodeFunction(): void {
  let outer = enter("Function");
  let id: f64 = 0, name: f64 = 0, sys: f64 = 0, file: f64 = 0, start: f64 = 0;
  while (rp < re) {
    let k = readKey();
    let f = k >>> 3, wt = k & 7;
    if (f == 1) { expect(wt, WT_VARINT); id = u64v(); }         // uint64 id = 1;
    else if (f == 2) { expect(wt, WT_VARINT); name = i64v(); }  // int64 name = 2;
    else if (f == 3) { expect(wt, WT_VARINT); sys = i64v(); }   // int64 system_name = 3;
    else if (f == 4) { expect(wt, WT_VARINT); file = i64v(); }  // int64 filename = 4;
    else if (f == 5) { expect(wt, WT_VARINT); start = i64v(); } // int64 start_line = 5;
    else skipField(wt);
  }
  let l = t(T_FUNCTION);
  l.push(id); l.push(name); l.push(sys); l.push(file); l.push(start);
  leave(outer, "Profile");
}

// message Profile
export function decodeProfile(p: usize, n: i32): void {
  let ts = new StaticArray<VecF64>(N_TABLES);
  for (let i = 0; i < N_TABLES; i++) unchecked(ts[i] = new VecF64(64));
  tables = ts;
  timeNanos = 0;
  let h = t(T_HEADER);
  for (let i = 0; i < 8; i++) h.push(0);
  setCursor(p, p + <usize>n);
  setBase(p);
  setMessage("Profile");
  while (rp < re) {
    let k = readKey();
    let f = k >>> 3, wt = k & 7;
    switch (f) {
      case 1: { expect(wt, WT_LEN); decodeValueType(t(T_SAMPLE_TYPE), -1); break; } // repeated ValueType sample_type = 1;
      case 2: { expect(wt, WT_LEN); decodeSample(); break; }      // repeated Sample sample = 2;
      case 3: { expect(wt, WT_LEN); decodeMapping(); break; }     // repeated Mapping mapping = 3;
      case 4: { expect(wt, WT_LEN); decodeLocation(); break; }    // repeated Location location = 4;
      case 5: { expect(wt, WT_LEN); decodeFunction(); break; }    // repeated Function function = 5;
      case 6: {                                                   // repeated string string_table = 6;
        expect(wt, WT_LEN);
        let end = readLenEnd();
        let s = t(T_STRING);
        s.push(<f64>(rp - p));
        s.push(<f64>(end - rp));
        setCursor(end, re);
        break;
      }
      case 7: { expect(wt, WT_VARINT); h.set(0, i64v()); break; }  // int64 drop_frames = 7;
      case 8: { expect(wt, WT_VARINT); h.set(1, i64v()); break; }  // int64 keep_frames = 8;
      case 9: { expect(wt, WT_VARINT); timeNanos = <i64>readVarint(); break; } // int64 time_nanos = 9;
      case 10: { expect(wt, WT_VARINT); h.set(2, i64v()); break; } // int64 duration_nanos = 10;
      case 11: { expect(wt, WT_LEN); decodeValueType(h, 3); break; } // ValueType period_type = 11;
      case 12: { expect(wt, WT_VARINT); h.set(5, i64v()); break; } // int64 period = 12;
      case 13: { repeated(wt, t(T_COMMENT), true); break; }       // repeated int64 comment = 13;
      case 14: { expect(wt, WT_VARINT); h.set(6, i64v()); break; } // int64 default_sample_type = 14;
      case 15: { expect(wt, WT_VARINT); h.set(7, i64v()); break; } // int64 doc_url = 15;
      default: skipField(wt);
    }
  }
}

export function tablePtr(kind: i32): usize {
  return t(kind).ptr;
}

export function tableLen(kind: i32): i32 {
  return t(kind).len;
}
