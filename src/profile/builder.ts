// ProfileBuilder: the TypeScript face of the WASM core's builder. It interns strings,
// functions, locations and label sets (each crossing into WASM once, then cached here),
// queues samples as packed records, and hands them to the core in batches
// (format: src/profile/batch-format.ts). The core aggregates and writes pprof.
import { Core, WasmAbort, initWasm } from '../wasm/core.js';
import * as B from './batch-format.js';
import type { SampleBatch } from './batch-format.js';
import { DEFAULT_GZIP_LEVEL } from './gzip.js';
import type { Label, Mapping, ValueType } from './model.js';

/** One stack frame, as profilers see it. */
export interface Frame {
  name: string;
  file: string;
  line: number;
  column?: number;
  /** First line of the function (pprof Function.start_line). */
  startLine?: number;
}

export interface FunctionInfo {
  name: string;
  systemName?: string;
  filename?: string;
  startLine?: number;
}

export interface LineInfo {
  functionId: number;
  line?: number;
  column?: number;
}

export interface LocationOptions {
  /** 0 for none; defaults to the builder's mapping (if it has one). */
  mappingId?: number;
  address?: number;
  isFolded?: boolean;
}

export type MappingInfo = Partial<Omit<Mapping, 'id'>>;

export interface ProfileBuilderOptions {
  sampleTypes: ValueType[];
  periodType?: ValueType;
  period?: number;
  /** The `type` of the sample type viewers show first. */
  defaultSampleType?: string;
  /** Unix nanoseconds at collection start. */
  timeNanos?: bigint;
  durationNanos?: number;
  dropFrames?: string;
  keepFrames?: string;
  docUrl?: string;
  /**
   * The mapping locations made by internFrame/internLocation belong to. Default: one mapping
   * with has_functions/has_filenames/has_line_numbers set; null for none.
   */
  mapping?: MappingInfo | null;
  /** gzip level for encode(), 0-9 (how hard the WASM deflate searches for matches; 0 = Huffman only). */
  gzipLevel?: number;
}

const utf8 = new TextEncoder();
/** Int32 slots queued by addSample before they are handed to the core. */
const FLUSH_INTS = 1 << 16;

/** -0 and NaN become 0 (records are compared by bytes), other numbers are truncated. */
function int(v: number | undefined): number {
  return v ? Math.trunc(v) || 0 : 0;
}

function wrap(e: unknown, what: string): unknown {
  return e instanceof WasmAbort ? new RangeError(`${what}: ${e.message}`) : e;
}

export class ProfileBuilder {
  readonly sampleTypes: readonly ValueType[];
  private readonly core: Core;
  private readonly nTypes: number;
  private readonly gzipLevel: number;
  private readonly mappingInfo: MappingInfo | null;
  private periodType?: ValueType;
  private period: number;
  private defaultSampleType: string;
  private dropFrames: string;
  private keepFrames: string;
  private docUrl: string;
  private mappingId = 0;
  private strings = new Map<string, number>();
  private frames = new Map<string, number>();
  private labelSets = new Map<string, number>();
  private recs = new Int32Array(FLUSH_INTS + 1024);
  private recLen = 0;
  private vals: Float64Array;
  private valLen = 0;
  private pending = 0;
  private scratchPtr = 0;
  private scratchCap = 0;
  /** Ids are dense, so the largest id handed out is the count: checked in addSampleIds. */
  private nLocations = 0;
  private nLabelSets = 1;

  constructor(opts: ProfileBuilderOptions) {
    if (!opts || !Array.isArray(opts.sampleTypes)) {
      throw new TypeError('ProfileBuilder: option sampleTypes must be an array of {type, unit}');
    }
    for (const st of opts.sampleTypes) {
      if (!st || typeof st.type !== 'string' || typeof st.unit !== 'string') {
        throw new TypeError('ProfileBuilder: each of sampleTypes must be {type: string, unit: string}');
      }
    }
    if (opts.gzipLevel !== undefined && !(Number.isInteger(opts.gzipLevel) && opts.gzipLevel >= 0 && opts.gzipLevel <= 9)) {
      throw new RangeError('ProfileBuilder: option gzipLevel must be an integer from 0 to 9');
    }
    this.sampleTypes = opts.sampleTypes.map((s) => ({ type: s.type, unit: s.unit }));
    this.nTypes = this.sampleTypes.length;
    this.vals = new Float64Array(Math.max(1, this.nTypes) * 4096);
    this.gzipLevel = opts.gzipLevel ?? DEFAULT_GZIP_LEVEL;
    this.mappingInfo =
      opts.mapping === null
        ? null
        : { hasFunctions: true, hasFilenames: true, hasLineNumbers: true, ...(opts.mapping ?? {}) };
    this.periodType = opts.periodType;
    this.period = opts.period ?? 0;
    this.defaultSampleType = opts.defaultSampleType ?? '';
    this.dropFrames = opts.dropFrames ?? '';
    this.keepFrames = opts.keepFrames ?? '';
    this.docUrl = opts.docUrl ?? '';
    this.core = new Core();
    this.start();
    if (opts.timeNanos !== undefined) this.setTimeNanos(opts.timeNanos);
    if (opts.durationNanos !== undefined) this.setDurationNanos(opts.durationNanos);
  }

  /** Compiles the WASM core asynchronously first (needed on a browser's main thread). */
  static async create(opts: ProfileBuilderOptions): Promise<ProfileBuilder> {
    await initWasm();
    return new ProfileBuilder(opts);
  }

  private start(): void {
    const x = this.core.x;
    x.init(this.nTypes);
    this.scratchPtr = this.scratchCap = 0;
    this.nLocations = 0;
    this.nLabelSets = 1;
    for (const st of this.sampleTypes) x.addSampleType(this.internString(st.type), this.internString(st.unit));
    if (this.periodType) this.setPeriodType(this.periodType);
    if (this.period) this.setPeriod(this.period);
    if (this.defaultSampleType) this.setDefaultSampleType(this.defaultSampleType);
    if (this.dropFrames) this.setDropFrames(this.dropFrames);
    if (this.keepFrames) this.setKeepFrames(this.keepFrames);
    if (this.docUrl) x.setStringField(B.FIELD_DOC_URL, this.internString(this.docUrl));
    this.mappingId = this.mappingInfo ? this.internMapping(this.mappingInfo) : 0;
  }

  /**
   * Starts a new period: drops samples, strings, functions, locations, comments, time and
   * duration (the core's whole heap); keeps sample types, period type, period, default
   * sample type, drop/keep frames and the mapping.
   */
  reset(): void {
    this.strings.clear();
    this.frames.clear();
    this.labelSets.clear();
    this.recLen = this.valLen = this.pending = 0;
    this.start();
  }

  /** The core's scratch area (stable until reset; only grows), without a call when it fits. */
  private scratch(n: number): number {
    if (n > this.scratchCap) {
      this.scratchPtr = this.core.x.scratch(n) >>> 0;
      this.scratchCap = n;
    }
    return this.scratchPtr;
  }

  // ------------------------------------------------------------------ header fields

  setTimeNanos(t: bigint): void {
    this.core.x.setTimeNanos(BigInt.asIntN(64, BigInt(t)));
  }

  setDurationNanos(n: number): void {
    this.core.x.setDurationNanos(int(n));
  }

  setPeriod(n: number): void {
    this.period = n;
    this.core.x.setPeriod(int(n));
  }

  setPeriodType(vt: ValueType): void {
    this.periodType = { type: vt.type, unit: vt.unit };
    this.core.x.setPeriodType(this.internString(vt.type), this.internString(vt.unit));
  }

  setDefaultSampleType(type: string): void {
    this.defaultSampleType = type;
    this.core.x.setStringField(B.FIELD_DEFAULT_SAMPLE_TYPE, this.internString(type));
  }

  setDropFrames(re: string): void {
    this.dropFrames = re;
    this.core.x.setStringField(B.FIELD_DROP_FRAMES, this.internString(re));
  }

  setKeepFrames(re: string): void {
    this.keepFrames = re;
    this.core.x.setStringField(B.FIELD_KEEP_FRAMES, this.internString(re));
  }

  addComment(s: string): void {
    this.core.x.addComment(this.internString(s));
  }

  // ------------------------------------------------------------------ interning

  /** String-table index of s ("" is 0). */
  internString(s: string): number {
    let i = this.strings.get(s);
    if (i !== undefined) return i;
    const x = this.core.x;
    const n = s.length;
    const p = this.scratch(n * 3);
    const u8 = this.core.u8;
    // ASCII fast path: a charCodeAt loop beats TextEncoder.encodeInto on short strings
    // (~3x on the encode benchmark's 9,000 names and paths).
    let k = 0;
    while (k < n) {
      const c = s.charCodeAt(k);
      if (c >= 0x80) break;
      u8[p + k++] = c;
    }
    if (k < n) k += utf8.encodeInto(s.slice(k), u8.subarray(p + k, p + n * 3)).written!;
    i = x.internString(p, k);
    this.strings.set(s, i);
    return i;
  }

  /** Mapping id (dense from 1) of a mapping, by content. */
  internMapping(m: MappingInfo): number {
    const filename = this.internString(m.filename ?? '');
    const buildId = this.internString(m.buildId ?? '');
    const x = this.core.x;
    const p = this.scratch(B.MAPPING_SIZE);
    const i32 = this.core.i32;
    const f64 = this.core.f64;
    const q = p >> 2;
    i32[q] = filename;
    i32[q + 1] = buildId;
    i32[q + 2] =
      (m.hasFunctions ? B.MAPPING_HAS_FUNCTIONS : 0) |
      (m.hasFilenames ? B.MAPPING_HAS_FILENAMES : 0) |
      (m.hasLineNumbers ? B.MAPPING_HAS_LINE_NUMBERS : 0) |
      (m.hasInlineFrames ? B.MAPPING_HAS_INLINE_FRAMES : 0);
    i32[q + 3] = 0;
    f64[(p >> 3) + 2] = int(m.memoryStart);
    f64[(p >> 3) + 3] = int(m.memoryLimit);
    f64[(p >> 3) + 4] = int(m.fileOffset);
    try {
      return x.internMapping(p);
    } catch (e) {
      throw wrap(e, 'internMapping');
    }
  }

  /** Function id (dense from 1), by content. */
  internFunction(f: FunctionInfo): number {
    const name = this.internString(f.name);
    const sys = this.internString(f.systemName ?? '');
    const file = this.internString(f.filename ?? '');
    const x = this.core.x;
    const p = this.scratch(B.FUNCTION_SIZE);
    const i32 = this.core.i32;
    const q = p >> 2;
    i32[q] = name;
    i32[q + 1] = sys;
    i32[q + 2] = file;
    i32[q + 3] = 0;
    this.core.f64[(p >> 3) + 2] = int(f.startLine);
    try {
      return x.internFunction(p);
    } catch (e) {
      throw wrap(e, 'internFunction');
    }
  }

  /** Location id (dense from 1) of one line in a function, by content. */
  internLocation(functionId: number, line = 0, column = 0, opts?: LocationOptions): number {
    const x = this.core.x;
    const p = this.scratch(B.LOCATION_HEAD + B.LINE_SIZE);
    const i32 = this.core.i32;
    const f64 = this.core.f64;
    const q = p >> 2;
    i32[q] = opts?.mappingId ?? this.mappingId;
    i32[q + 1] = opts?.isFolded ? 1 : 0;
    f64[(p >> 3) + 1] = int(opts?.address);
    i32[q + 4] = 1;
    i32[q + 5] = 0;
    i32[q + 6] = functionId;
    i32[q + 7] = 0;
    f64[(p >> 3) + 4] = int(line);
    f64[(p >> 3) + 5] = int(column);
    let id: number;
    try {
      id = x.internLocation(p, 1);
    } catch (e) {
      throw wrap(e, 'internLocation');
    }
    if (id > this.nLocations) this.nLocations = id;
    return id;
  }

  /** Location id of a list of lines, innermost (inlined) first, by content. */
  internLocationLines(lines: readonly LineInfo[], opts: LocationOptions = {}): number {
    const n = lines.length;
    const x = this.core.x;
    const p = this.scratch(B.LOCATION_HEAD + n * B.LINE_SIZE);
    const i32 = this.core.i32;
    const f64 = this.core.f64;
    i32[p >> 2] = opts.mappingId ?? this.mappingId;
    i32[(p >> 2) + 1] = opts.isFolded ? 1 : 0;
    f64[(p >> 3) + 1] = int(opts.address);
    i32[(p >> 2) + 4] = n;
    i32[(p >> 2) + 5] = 0;
    for (let k = 0; k < n; k++) {
      const l = lines[k];
      const at = p + B.LOCATION_HEAD + k * B.LINE_SIZE;
      i32[at >> 2] = l.functionId;
      i32[(at >> 2) + 1] = 0;
      f64[(at >> 3) + 1] = int(l.line);
      f64[(at >> 3) + 2] = int(l.column);
    }
    let id: number;
    try {
      id = x.internLocation(p, n);
    } catch (e) {
      throw wrap(e, 'internLocation');
    }
    if (id > this.nLocations) this.nLocations = id;
    return id;
  }

  /** Location id of a frame (function by name/file/startLine, then line/column); cached. */
  internFrame(f: Frame): number {
    const key = `${f.line}|${f.column ?? 0}|${f.startLine ?? 0}|${f.name.length}|${f.name}${f.file}`;
    let id = this.frames.get(key);
    if (id === undefined) {
      const fn = this.internFunction({ name: f.name, filename: f.file, startLine: f.startLine });
      id = this.internLocation(fn, f.line, f.column ?? 0);
      this.frames.set(key, id);
    }
    return id;
  }

  /** Label-set id for a list of labels (0 for none); cached by content. */
  internLabels(labels: readonly Label[] | undefined): number {
    if (!labels || labels.length === 0) return 0;
    let key = '';
    for (const l of labels) {
      key +=
        l.str !== undefined
          ? `${l.key.length}:${l.key}s${l.str.length}:${l.str}`
          : `${l.key.length}:${l.key}n${l.num ?? 0}:${(l.numUnit ?? '').length}:${l.numUnit ?? ''}`;
    }
    let id = this.labelSets.get(key);
    if (id !== undefined) return id;
    const n = labels.length;
    const idx = new Int32Array(n * 3);
    for (let i = 0; i < n; i++) {
      const l = labels[i];
      idx[i * 3] = this.internString(l.key);
      idx[i * 3 + 1] = l.str !== undefined ? this.internString(l.str) : 0;
      idx[i * 3 + 2] = l.str === undefined && l.numUnit ? this.internString(l.numUnit) : 0;
    }
    const x = this.core.x;
    const p = this.scratch(B.LABELSET_HEAD + n * B.LABEL_SIZE);
    const i32 = this.core.i32;
    const f64 = this.core.f64;
    i32[p >> 2] = n;
    i32[(p >> 2) + 1] = 0;
    for (let i = 0; i < n; i++) {
      const at = p + B.LABELSET_HEAD + i * B.LABEL_SIZE;
      i32[at >> 2] = idx[i * 3];
      i32[(at >> 2) + 1] = idx[i * 3 + 1];
      i32[(at >> 2) + 2] = idx[i * 3 + 2];
      i32[(at >> 2) + 3] = 0;
      f64[(at >> 3) + 2] = labels[i].str !== undefined ? 0 : int(labels[i].num);
    }
    try {
      id = x.internLabelSet(p, n);
    } catch (e) {
      throw wrap(e, 'internLabels');
    }
    this.labelSets.set(key, id);
    if (id >= this.nLabelSets) this.nLabelSets = id + 1;
    return id;
  }

  // ------------------------------------------------------------------ samples

  /** Adds one sample: frames leaf first, one value per sample type. Queued, then batched. */
  addSample(frames: readonly Frame[], values: readonly number[], labels?: readonly Label[]): void {
    const ids = new Array<number>(frames.length);
    for (let i = 0; i < frames.length; i++) ids[i] = this.internFrame(frames[i]);
    this.addSampleIds(ids, values, this.internLabels(labels));
  }

  /** Adds one sample of location ids (leaf first) and a label-set id. Queued, then batched. */
  addSampleIds(locationIds: ArrayLike<number>, values: ArrayLike<number>, labelSetId = 0): void {
    if (values.length !== this.nTypes) {
      throw new RangeError(`addSample: ${values.length} values for ${this.nTypes} sample types`);
    }
    const d = locationIds.length;
    if (this.recLen + d + 2 > this.recs.length || this.valLen + this.nTypes > this.vals.length) {
      this.flush();
      if (d + 2 > this.recs.length) this.recs = new Int32Array(d + 2 + FLUSH_INTS);
    }
    if (!(labelSetId >= 0 && labelSetId < this.nLabelSets)) {
      throw new RangeError(`addSample: unknown label set id ${labelSetId}`);
    }
    const r = this.recs;
    let at = this.recLen;
    r[at++] = labelSetId;
    r[at++] = d;
    const nLoc = this.nLocations;
    for (let i = 0; i < d; i++) {
      const id = locationIds[i];
      if (!(id >= 1 && id <= nLoc)) throw new RangeError(`addSample: unknown location id ${id}`);
      r[at++] = id;
    }
    this.recLen = at;
    const v = this.vals;
    for (let t = 0; t < this.nTypes; t++) v[this.valLen++] = values[t];
    this.pending++;
    if (this.recLen >= FLUSH_INTS) this.flush();
  }

  /**
   * Adds a batch of samples (format in src/profile/batch-format.ts): one copy into WASM
   * memory and one call, whatever the number of samples. Throws RangeError, adding nothing,
   * if a record is malformed or names an unknown location or label set.
   */
  addSamples(batch: SampleBatch): void {
    this.flush();
    this.send(batch.records, batch.recordsLength ?? batch.records.length, batch.values, batch.count);
  }

  /** Hands queued addSample() records to the core. */
  flush(): void {
    if (this.pending === 0) return;
    const n = this.pending;
    this.pending = 0;
    const recLen = this.recLen;
    this.recLen = 0;
    this.valLen = 0;
    this.send(this.recs, recLen, this.vals, n);
  }

  private send(recs: Int32Array, nInts: number, vals: Float64Array, count: number): void {
    const nVals = count * this.nTypes;
    if (!(count >= 0) || nInts > recs.length || nVals > vals.length) {
      throw new RangeError('addSamples: count, records and values do not agree');
    }
    if (count === 0) return;
    const x = this.core.x;
    const valsAt = (nInts * 4 + 7) & ~7;
    const p = this.scratch(valsAt + nVals * 8);
    this.core.i32.set(recs.subarray(0, nInts), p >> 2);
    this.core.f64.set(vals.subarray(0, nVals), (p + valsAt) >> 3);
    try {
      x.addSamples(p, nInts, p + valsAt, count);
    } catch (e) {
      throw wrap(e, 'addSamples');
    }
  }

  /** Distinct (stack, labels) samples so far. */
  get sampleCount(): number {
    this.flush();
    return this.core.x.sampleCount();
  }

  /** Bytes of linear memory the core holds (grows with distinct data, not sample count). */
  get memoryBytes(): number {
    return this.core.x.memory.buffer.byteLength;
  }

  // ------------------------------------------------------------------ output

  private encodeView(): Uint8Array {
    this.flush();
    const x = this.core.x;
    const p = x.encode() >>> 0;
    const n = x.encodedLength();
    return this.core.u8.subarray(p, p + n);
  }

  /** The profile as uncompressed pprof bytes. */
  encodeRaw(): Uint8Array {
    return this.encodeView().slice();
  }

  /** The profile as gzipped pprof bytes (a .pb.gz file), compressed by the WASM core. */
  encode(): Uint8Array {
    this.encodeView();
    const x = this.core.x;
    let p: number;
    try {
      p = x.gzipEncoded(this.gzipLevel) >>> 0;
    } catch (e) {
      throw wrap(e, 'encode');
    }
    return this.core.u8.slice(p, p + x.gzipLength());
  }
}
