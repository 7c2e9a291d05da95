// decodeProfile: bytes (gzipped or not) -> Profile. The WASM core parses the wire format
// into flat tables (assembly/decode.ts); this file resolves strings and builds the model,
// then checkValid() applies the format's rules. Every failure is a ProfileFormatError with
// a one-line message.
import { Core, WasmAbort } from '../wasm/core.js';
import { ProfileFormatError } from './errors.js';
import { DEFAULT_MAX_DECOMPRESSED_BYTES, DEFAULT_MAX_RATIO, gunzip, isGzip } from './gzip.js';
import type { Label, Location, Mapping, Profile, ProfileFunction, Sample, ValueType } from './model.js';
import { checkValid } from './validate.js';

// Table kinds and row widths, as in assembly/decode.ts.
const T_STRING = 0; // offset, length
const T_SAMPLE_TYPE = 1; // type, unit
const T_SAMPLE = 2; // first location id, count, first value, count, first label, count
const T_LOCATION_ID = 3;
const T_VALUE = 4;
const T_LABEL = 5; // key, str, num, num_unit
const T_MAPPING = 6; // id, start, limit, offset, filename, build_id, 4 flags
const T_LOCATION = 7; // id, mapping_id, address, first line, count, is_folded
const T_LINE = 8; // function_id, line, column
const T_FUNCTION = 9; // id, name, system_name, filename, start_line
const T_COMMENT = 10;
const T_HEADER = 11; // drop, keep, duration, period type, period unit, period, default type, doc url

export interface DecodeOptions {
  /** Cap on the size of the (decompressed) profile (default 256 MiB). */
  maxDecompressedBytes?: number;
  /** Cap on decompressed / compressed size, checked past 4 MiB of output (default 100). */
  maxDecompressionRatio?: number;
}

const utf8 = new TextDecoder('utf-8');

/** Decodes a pprof profile (gzipped or raw). Throws ProfileFormatError on bad input. */
export function decodeProfile(bytes: Uint8Array, opts: DecodeOptions = {}): Profile {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('decodeProfile: bytes must be a Uint8Array');
  if (bytes.length === 0) throw new ProfileFormatError('empty input: not a pprof profile');
  const maxBytes = opts.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
  const raw = isGzip(bytes) ? gunzip(bytes, maxBytes, opts.maxDecompressionRatio ?? DEFAULT_MAX_RATIO) : bytes;
  if (raw.length > maxBytes) throw new ProfileFormatError(`profile exceeds the limit of ${maxBytes} bytes`);
  if (raw.length === 0) throw new ProfileFormatError('empty profile after decompression');
  const core = new Core();
  const x = core.x;
  try {
    x.resetAll();
    const p = x.alloc(raw.length) >>> 0;
    core.u8.set(raw, p);
    x.decode(p, raw.length);
  } catch (e) {
    if (e instanceof WasmAbort) throw new ProfileFormatError(e.message);
    if (e instanceof WebAssembly.RuntimeError) {
      throw new ProfileFormatError(`profile too large to decode (${e.message})`);
    }
    throw e;
  }
  checkSampleWidths(core);
  return materialise(core, raw);
}

/**
 * checkValid's rule that every sample has one value per sample type, applied to the flat
 * tables before any object is built: a small gzip of millions of empty samples fails here in
 * milliseconds instead of after allocating an object per sample.
 */
function checkSampleWidths(core: Core): void {
  const x = core.x;
  const nTypes = x.tableLen(T_SAMPLE_TYPE) >> 1;
  const n = x.tableLen(T_SAMPLE);
  if (n === 0) return;
  if (nTypes === 0) throw new ProfileFormatError('profile has samples but no sample types');
  const p = x.tablePtr(T_SAMPLE) >>> 3;
  const sr = core.f64.subarray(p, p + n);
  for (let j = 3; j < n; j += 6) {
    if (sr[j] !== nTypes) throw new ProfileFormatError(`sample ${(j - 3) / 6} has ${sr[j]} values for ${nTypes} sample types`);
  }
}

function materialise(core: Core, raw: Uint8Array): Profile {
  const x = core.x;
  const f64 = core.f64;
  const table = (kind: number): Float64Array => {
    const p = x.tablePtr(kind) >>> 0;
    return f64.subarray(p >> 3, (p >> 3) + x.tableLen(kind));
  };
  const st = table(T_STRING);
  const strings = new Array<string>(st.length >> 1);
  for (let i = 0; i < strings.length; i++) {
    const off = st[2 * i];
    strings[i] = utf8.decode(raw.subarray(off, off + st[2 * i + 1]));
  }
  if (strings.length === 0) throw new ProfileFormatError('string table is empty (string 0 must be "")');
  if (strings[0] !== '') throw new ProfileFormatError('string table does not start with ""');
  const str = (i: number, what: string): string => {
    const s = strings[i];
    if (s === undefined) {
      throw new ProfileFormatError(`string index out of range: ${what} is ${i}, table has ${strings.length}`);
    }
    return s;
  };

  const vt = table(T_SAMPLE_TYPE);
  const sampleType: ValueType[] = [];
  for (let i = 0; i < vt.length; i += 2) {
    sampleType.push({ type: str(vt[i], 'sample_type.type'), unit: str(vt[i + 1], 'sample_type.unit') });
  }

  const locIds = table(T_LOCATION_ID);
  const values = table(T_VALUE);
  const lt = table(T_LABEL);
  const labels: Label[] = new Array(lt.length >> 2);
  for (let i = 0, j = 0; j < lt.length; i++, j += 4) {
    const key = str(lt[j], 'label.key');
    const s = lt[j + 1];
    const unit = lt[j + 3];
    if (s !== 0) {
      labels[i] = { key, str: str(s, 'label.str') };
    } else {
      const l: Label = { key, num: lt[j + 2] };
      if (unit !== 0) l.numUnit = str(unit, 'label.num_unit');
      labels[i] = l;
    }
  }
  const sr = table(T_SAMPLE);
  const sample: Sample[] = new Array(sr.length / 6);
  for (let i = 0, j = 0; j < sr.length; i++, j += 6) {
    sample[i] = {
      locationId: Array.from(locIds.subarray(sr[j], sr[j] + sr[j + 1])),
      value: Array.from(values.subarray(sr[j + 2], sr[j + 2] + sr[j + 3])),
      label: labels.slice(sr[j + 4], sr[j + 4] + sr[j + 5]),
    };
  }

  const mt = table(T_MAPPING);
  const mapping: Mapping[] = [];
  for (let j = 0; j < mt.length; j += 10) {
    mapping.push({
      id: mt[j],
      memoryStart: mt[j + 1],
      memoryLimit: mt[j + 2],
      fileOffset: mt[j + 3],
      filename: str(mt[j + 4], 'mapping.filename'),
      buildId: str(mt[j + 5], 'mapping.build_id'),
      hasFunctions: mt[j + 6] !== 0,
      hasFilenames: mt[j + 7] !== 0,
      hasLineNumbers: mt[j + 8] !== 0,
      hasInlineFrames: mt[j + 9] !== 0,
    });
  }

  const ln = table(T_LINE);
  const lc = table(T_LOCATION);
  const location: Location[] = [];
  for (let j = 0; j < lc.length; j += 6) {
    const lines = [];
    for (let k = lc[j + 3], e = k + lc[j + 4]; k < e; k++) {
      lines.push({ functionId: ln[3 * k], line: ln[3 * k + 1], column: ln[3 * k + 2] });
    }
    location.push({ id: lc[j], mappingId: lc[j + 1], address: lc[j + 2], line: lines, isFolded: lc[j + 5] !== 0 });
  }

  const ft = table(T_FUNCTION);
  const fns: ProfileFunction[] = [];
  for (let j = 0; j < ft.length; j += 5) {
    fns.push({
      id: ft[j],
      name: str(ft[j + 1], 'function.name'),
      systemName: str(ft[j + 2], 'function.system_name'),
      filename: str(ft[j + 3], 'function.filename'),
      startLine: ft[j + 4],
    });
  }

  const h = table(T_HEADER);
  const comment = Array.from(table(T_COMMENT), (c) => str(c, 'comment'));
  const profile: Profile = {
    sampleType,
    sample,
    mapping,
    location,
    function: fns,
    dropFrames: str(h[0], 'drop_frames'),
    keepFrames: str(h[1], 'keep_frames'),
    timeNanos: (x.decodedTimeNanos.value as bigint) ?? 0n,
    durationNanos: h[2],
    periodType: { type: str(h[3], 'period_type.type'), unit: str(h[4], 'period_type.unit') },
    period: h[5],
    comment,
    defaultSampleType: str(h[6], 'default_sample_type'),
  };
  if (h[7] !== 0) profile.docUrl = str(h[7], 'doc_url');
  checkValid(profile);
  return profile;
}
