// The one place that describes how samples and records cross from JS into the WASM core.
// Mirrors the layout comment in assembly/builder.ts; change both together.
//
// SAMPLE BATCH (ProfileBuilder.addSamples): two packed arrays.
//   records: Int32Array, per sample:
//       [ labelSetId, depth, locationId_0 (leaf), ..., locationId_{depth-1} (root) ]
//     labelSetId comes from ProfileBuilder.internLabels() (0 = no labels); location ids from
//     ProfileBuilder.internLocation()/internFrame() (dense from 1).
//   values: Float64Array, per sample: one value per sample type, in sample-type order.
//     Values are integers (summed as int64 in WASM; fractions are truncated, NaN becomes 0).
//   count: number of samples in the batch.
// The whole batch is copied into linear memory once and checked before any of it is added;
// the core sums samples with equal (labelSetId, location ids).
//
// RECORDS (written by src/profile/builder.ts into the core's scratch area, interned by
// content, so padding is written as zero and 64-bit numbers travel as f64):
//   MAPPING   40 bytes: i32 filename, i32 build_id, i32 flags, i32 0,
//                       f64 memory_start, f64 memory_limit, f64 file_offset
//   FUNCTION  24 bytes: i32 name, i32 system_name, i32 filename, i32 0, f64 start_line
//   LOCATION  24 + 24/line: i32 mapping_id, i32 is_folded, f64 address, i32 lines, i32 0,
//             then per line: i32 function_id, i32 0, f64 line, f64 column
//   LABELSET  8 + 24/label: i32 count, i32 0, then per label: i32 key, i32 str,
//             i32 num_unit, i32 0, f64 num
// (i32 fields that name strings are string-table indexes from internString.)

/** Int32 slots before the location ids of a sample record. */
export const RECORD_HEADER = 2;
export const RECORD_LABEL_SET = 0;
export const RECORD_DEPTH = 1;

export const MAPPING_SIZE = 40;
export const FUNCTION_SIZE = 24;
export const LOCATION_HEAD = 24;
export const LINE_SIZE = 24;
export const LABELSET_HEAD = 8;
export const LABEL_SIZE = 24;

export const MAPPING_HAS_FUNCTIONS = 1;
export const MAPPING_HAS_FILENAMES = 2;
export const MAPPING_HAS_LINE_NUMBERS = 4;
export const MAPPING_HAS_INLINE_FRAMES = 8;

/** setStringField selectors. */
export const FIELD_DROP_FRAMES = 0;
export const FIELD_KEEP_FRAMES = 1;
export const FIELD_DEFAULT_SAMPLE_TYPE = 2;
export const FIELD_DOC_URL = 3;

/** A batch of samples for ProfileBuilder.addSamples (format above). */
export interface SampleBatch {
  records: Int32Array;
  values: Float64Array;
  count: number;
  /** Int32 slots of `records` in use; defaults to records.length. */
  recordsLength?: number;
}
