// The pprof toolkit: build, encode, decode, merge. Everything here also runs in browsers.
export { ProfileBuilder } from './builder.js';
export type { Frame, FunctionInfo, LineInfo, LocationOptions, MappingInfo, ProfileBuilderOptions } from './builder.js';
export type { SampleBatch } from './batch-format.js';
export { decodeProfile } from './decode.js';
export type { DecodeOptions } from './decode.js';
export { encodeProfile } from './encode.js';
export type { EncodeOptions } from './encode.js';
export { mergeProfiles, ProfileMergeError } from './merge.js';
export { checkValid } from './validate.js';
export { ProfileFormatError } from './errors.js';
export { gzip, gunzip, isGzip, DEFAULT_MAX_DECOMPRESSED_BYTES, DEFAULT_MAX_RATIO, DEFAULT_GZIP_LEVEL } from './gzip.js';
export { initWasm } from '../wasm/core.js';
export type * from './model.js';
