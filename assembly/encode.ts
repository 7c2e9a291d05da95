// pprof encoder: one function per message, fields in tag order, each commented with its
// line in proto/profile.proto. Wire primitives are in wire.ts, state in builder.ts.
import { Builder, LABELSET_HEAD, LABEL_SIZE, LINE_SIZE, LOCATION_HEAD } from "./builder";
import { Out } from "./wire";
import { sampleOrder } from "./order";

// message ValueType
function encodeValueType(o: Out, field: u32, type: i32, unit: i32): void {
  o.ensure(24);
  let m = o.begin(field);
  o.int32Opt(1, type); // int64 type = 1;
  o.int32Opt(2, unit); // int64 unit = 2;
  o.end(m);
}

// message Label, from a LABELSET record entry
function encodeLabel(o: Out, l: usize): void {
  let m = o.begin(3);                          // (Sample) repeated Label label = 3;
  o.int32Opt(1, load<i32>(l));                 // int64 key = 1;
  o.int32Opt(2, load<i32>(l, 4));              // int64 str = 2;
  o.int64Opt(3, <i64>load<f64>(l, 16));        // int64 num = 3;
  o.int32Opt(4, load<i32>(l, 8));              // int64 num_unit = 4;
  o.end(m);
}

// message Sample
function encodeSample(o: Out, b: Builder, i: i32): void {
  let key = b.samples.keyPtr(i);
  let depth = load<i32>(key, 4);
  let set = b.labelSets.keyPtr(load<i32>(key));
  let nl = load<i32>(set);
  let nt = b.nTypes;
  o.ensure(32 + depth * 5 + nt * 10 + nl * 56);
  let m = o.begin(2);                          // (Profile) repeated Sample sample = 2;
  if (depth > 0) {                             // repeated uint64 location_id = 1; (packed)
    let mp = o.begin(1);
    let q = key + 8;
    let qe = q + (<usize>depth << 2);
    while (q < qe) {
      o.varint32(load<u32>(q));
      q += 4;
    }
    o.end(mp);
  }
  if (nt > 0) {                                // repeated int64 value = 2; (packed)
    let mv = o.begin(2);
    let v = b.values.ptr + (<usize>(i * nt) << 3);
    for (let t = 0; t < nt; t++) o.varint64(<u64>load<i64>(v + (<usize>t << 3)));
    o.end(mv);
  }
  for (let k = 0; k < nl; k++) {               // repeated Label label = 3;
    encodeLabel(o, set + LABELSET_HEAD + <usize>k * LABEL_SIZE);
  }
  o.end(m);
}

// message Mapping, from a MAPPING record
function encodeMapping(o: Out, b: Builder, i: i32): void {
  let r = b.mappings.keyPtr(i);
  let flags = load<i32>(r, 8);
  o.ensure(96);
  let m = o.begin(3);                          // (Profile) repeated Mapping mapping = 3;
  o.int32Opt(1, i + 1);                        // uint64 id = 1;
  o.int64Opt(2, <i64><u64>load<f64>(r, 16));   // uint64 memory_start = 2;
  o.int64Opt(3, <i64><u64>load<f64>(r, 24));   // uint64 memory_limit = 3;
  o.int64Opt(4, <i64><u64>load<f64>(r, 32));   // uint64 file_offset = 4;
  o.int32Opt(5, load<i32>(r));                 // int64 filename = 5;
  o.int32Opt(6, load<i32>(r, 4));              // int64 build_id = 6;
  o.boolOpt(7, (flags & 1) != 0);              // bool has_functions = 7;
  o.boolOpt(8, (flags & 2) != 0);              // bool has_filenames = 8;
  o.boolOpt(9, (flags & 4) != 0);              // bool has_line_numbers = 9;
  o.boolOpt(10, (flags & 8) != 0);             // bool has_inline_frames = 10;
  o.end(m);
}

// message Line, from a LOCATION record's line entry
function encodeLine(o: Out, l: usize): void {
  let m = o.begin(4);                          // (Location) repeated Line line = 4;
  o.int32Opt(1, load<i32>(l));                 // uint64 function_id = 1;
  o.int64Opt(2, <i64>load<f64>(l, 8));         // int64 line = 2;
  o.int64Opt(3, <i64>load<f64>(l, 16));        // int64 column = 3;
  o.end(m);
}

// message Location, from a LOCATION record
function encodeLocation(o: Out, b: Builder, i: i32): void {
  let r = b.locations.keyPtr(i);
  let nLines = load<i32>(r, 16);
  o.ensure(40 + nLines * 40);
  let m = o.begin(4);                          // (Profile) repeated Location location = 4;
  o.int32Opt(1, i + 1);                        // uint64 id = 1;
  o.int32Opt(2, load<i32>(r));                 // uint64 mapping_id = 2;
  o.int64Opt(3, <i64><u64>load<f64>(r, 8));    // uint64 address = 3;
  for (let k = 0; k < nLines; k++) {           // repeated Line line = 4;
    encodeLine(o, r + LOCATION_HEAD + <usize>k * LINE_SIZE);
  }
  o.boolOpt(5, load<i32>(r, 4) != 0);          // bool is_folded = 5;
  o.end(m);
}

// message Function, from a FUNCTION record
function encodeFunction(o: Out, b: Builder, i: i32): void {
  let r = b.functions.keyPtr(i);
  o.ensure(64);
  let m = o.begin(5);                          // (Profile) repeated Function function = 5;
  o.int32Opt(1, i + 1);                        // uint64 id = 1;
  o.int32Opt(2, load<i32>(r));                 // int64 name = 2;
  o.int32Opt(3, load<i32>(r, 4));              // int64 system_name = 3;
  o.int32Opt(4, load<i32>(r, 8));              // int64 filename = 4;
  o.int64Opt(5, <i64>load<f64>(r, 16));        // int64 start_line = 5;
  o.end(m);
}

// message Profile
export function encodeProfile(b: Builder, o: Out): void {
  let st = b.sampleTypes;
  for (let i = 0; i + 1 < st.len; i += 2) {    // repeated ValueType sample_type = 1;
    encodeValueType(o, 1, st.get(i), st.get(i + 1));
  }
  let ns = b.samples.count;
  let order = sampleOrder(b.samples);
  for (let i = 0; i < ns; i++) {                // repeated Sample sample = 2;
    encodeSample(o, b, load<i32>(order + (<usize>i << 2)));
  }
  let nm = b.mappings.count;
  for (let i = 0; i < nm; i++) encodeMapping(o, b, i);       // repeated Mapping mapping = 3;
  let nl = b.locations.count;
  for (let i = 0; i < nl; i++) encodeLocation(o, b, i);      // repeated Location location = 4;
  let nf = b.functions.count;
  for (let i = 0; i < nf; i++) encodeFunction(o, b, i);      // repeated Function function = 5;
  let s = b.strings;
  for (let i = 0; i < s.count; i++) {         // repeated string string_table = 6;
    let n = s.keyLen(i);
    o.ensure(n + 10);
    o.bytes(6, s.keyPtr(i), n);
  }
  o.ensure(128 + b.comments.len * 5);
  o.int32Opt(7, b.dropFrames);                 // int64 drop_frames = 7;
  o.int32Opt(8, b.keepFrames);                 // int64 keep_frames = 8;
  o.int64Opt(9, b.timeNanos);                  // int64 time_nanos = 9;
  o.int64Opt(10, b.durationNanos);             // int64 duration_nanos = 10;
  if (b.periodType != 0 || b.periodUnit != 0) { // ValueType period_type = 11;
    encodeValueType(o, 11, b.periodType, b.periodUnit);
  }
  o.int64Opt(12, b.period);                    // int64 period = 12;
  let c = b.comments;
  if (c.len > 0) {                             // repeated int64 comment = 13; (packed)
    let m = o.begin(13);
    for (let i = 0; i < c.len; i++) o.varint32(<u32>c.get(i));
    o.end(m);
  }
  o.int32Opt(14, b.defaultSampleType);         // int64 default_sample_type = 14;
  o.int32Opt(15, b.docUrl);                    // int64 doc_url = 15;
}

