// The profile builder's state: interned strings, mappings, functions, locations, label
// sets, and samples aggregated by (label set, location ids).
//
// Records are written by JS into the scratch area and interned by content, so their byte
// layout is the key: padding must be zero and 64-bit numbers are f64 (JS writes -0 as 0).
// The layouts below are mirrored in src/profile/batch-format.ts; change both together.
//
// MAPPING   40 bytes: +0 filename i32, +4 build_id i32, +8 flags i32 (1 has_functions,
//           2 has_filenames, 4 has_line_numbers, 8 has_inline_frames), +12 0,
//           +16 memory_start f64, +24 memory_limit f64, +32 file_offset f64
// FUNCTION  24 bytes: +0 name i32, +4 system_name i32, +8 filename i32, +12 0, +16 start_line f64
// LOCATION  24 + 24 * lines: +0 mapping_id i32, +4 is_folded i32, +8 address f64,
//           +16 line count i32, +20 0; each line: +0 function_id i32, +4 0, +8 line f64,
//           +16 column f64 (innermost first)
// LABELSET  8 + 24 * labels: +0 label count i32, +4 0; each label: +0 key i32, +4 str i32,
//           +8 num_unit i32, +12 0, +16 num f64
// SAMPLE    (in a batch) label set id i32, depth i32, depth x location id i32 (leaf first);
//           the sample's values are nTypes f64 in the batch's value area, same order.
import { Interner } from "./interner";
import { Vec32, Vec64 } from "./vec";
import {
  E_BAD_FUNCTION_ID, E_BAD_LABEL_SET, E_BAD_LOCATION_ID, E_BAD_MAPPING_ID, E_BAD_RECORD,
  E_BAD_STRING,
} from "./errors";

export const MAPPING_SIZE = 40;
export const FUNCTION_SIZE = 24;
export const LOCATION_HEAD = 24;
export const LINE_SIZE = 24;
export const LABELSET_HEAD = 8;
export const LABEL_SIZE = 24;

@final export class Builder {
  nTypes: i32;
  strings: Interner = new Interner(1024, 16384);
  mappings: Interner = new Interner(16, 256);
  functions: Interner = new Interner(1024, 16384);
  locations: Interner = new Interner(1024, 32768);
  labelSets: Interner = new Interner(64, 1024);
  samples: Interner = new Interner(4096, 65536);
  /** nTypes sums per distinct sample. */
  values: Vec64 = new Vec64(4096);
  sampleTypes: Vec32 = new Vec32(16); // (type, unit) string indexes
  comments: Vec32 = new Vec32(8);
  dropFrames: i32 = 0;
  keepFrames: i32 = 0;
  defaultSampleType: i32 = 0;
  docUrl: i32 = 0;
  periodType: i32 = 0;
  periodUnit: i32 = 0;
  period: i64 = 0;
  timeNanos: i64 = 0;
  durationNanos: i64 = 0;

  constructor(nTypes: i32) {
    this.nTypes = nTypes;
    this.strings.intern(0, 0); // "" is string 0
    let empty = memory.data(8);
    store<i64>(empty, 0);
    this.labelSets.intern(empty, LABELSET_HEAD); // the empty label set is id 0
  }

  @inline checkString(i: i32): void {
    if (<u32>i >= <u32>this.strings.count) throw new Error(E_BAD_STRING);
  }

  internMapping(p: usize): i32 {
    this.checkString(load<i32>(p));
    this.checkString(load<i32>(p, 4));
    return this.mappings.intern(p, MAPPING_SIZE) + 1;
  }

  internFunction(p: usize): i32 {
    this.checkString(load<i32>(p));
    this.checkString(load<i32>(p, 4));
    this.checkString(load<i32>(p, 8));
    return this.functions.intern(p, FUNCTION_SIZE) + 1;
  }

  internLocation(p: usize, nLines: i32): i32 {
    let m = load<i32>(p);
    if (<u32>m > <u32>this.mappings.count) throw new Error(E_BAD_MAPPING_ID);
    store<i32>(p, nLines, 16);
    let nf = <u32>this.functions.count;
    for (let i = 0; i < nLines; i++) {
      let f = load<i32>(p + LOCATION_HEAD + <usize>i * LINE_SIZE);
      if (<u32>(f - 1) >= nf) throw new Error(E_BAD_FUNCTION_ID);
    }
    return this.locations.intern(p, LOCATION_HEAD + nLines * LINE_SIZE) + 1;
  }

  internLabelSet(p: usize, n: i32): i32 {
    store<i32>(p, n);
    for (let i = 0; i < n; i++) {
      let l = p + LABELSET_HEAD + <usize>i * LABEL_SIZE;
      this.checkString(load<i32>(l));
      this.checkString(load<i32>(l, 4));
      this.checkString(load<i32>(l, 8));
    }
    return this.labelSets.intern(p, LABELSET_HEAD + n * LABEL_SIZE);
  }

  /**
   * Adds n samples. The whole batch is checked first, so a bad record changes nothing.
   * Crosses from JS once per batch; the loop below is the hot path of a profiler.
   */
  addSamples(ip: usize, nInts: i32, vp: usize, n: i32): i32 {
    let end = ip + (<usize>nInts << 2);
    let nLoc = <u32>this.locations.count;
    let nSets = <u32>this.labelSets.count;
    let p = ip;
    for (let i = 0; i < n; i++) {
      if (p + 8 > end) throw new Error(E_BAD_RECORD);
      let d = load<i32>(p, 4);
      if (d < 0 || <usize>d > (end - p - 8) >> 2) throw new Error(E_BAD_RECORD);
      if (<u32>load<i32>(p) >= nSets) throw new Error(E_BAD_LABEL_SET);
      let q = p + 8;
      let qe = q + (<usize>d << 2);
      while (q < qe) {
        if (<u32>(load<i32>(q) - 1) >= nLoc) throw new Error(E_BAD_LOCATION_ID);
        q += 4;
      }
      p = qe;
    }
    let nt = this.nTypes;
    let samples = this.samples;
    let values = this.values;
    p = ip;
    let v = vp;
    for (let i = 0; i < n; i++) {
      let len = 8 + (load<i32>(p, 4) << 2);
      let e = samples.intern(p, len);
      if (samples.isNew) values.zeros(nt);
      let dst = values.ptr + (<usize>(e * nt) << 3);
      for (let t = 0; t < nt; t++) {
        let a = dst + (<usize>t << 3);
        store<i64>(a, load<i64>(a) + <i64>load<f64>(v + (<usize>t << 3)));
      }
      v += <usize>nt << 3;
      p += <usize>len;
    }
    return samples.count;
  }
}
