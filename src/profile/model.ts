// The decoded form of a pprof Profile, with string-table indexes resolved to strings.
// Every reader (decoder, `hotpath top`, the viewer, converters) works on this shape; the
// WASM core is the only thing that turns it into bytes and back.

export interface ValueType {
  type: string;
  unit: string;
}

/** A label is either a string (`str`) or a number (`num`, with an optional `numUnit`). */
export interface Label {
  key: string;
  str?: string;
  num?: number;
  numUnit?: string;
}

export interface Sample {
  /** Location ids, leaf first. */
  locationId: number[];
  /** One value per Profile.sampleType. */
  value: number[];
  label: Label[];
}

export interface Mapping {
  id: number;
  memoryStart: number;
  memoryLimit: number;
  fileOffset: number;
  filename: string;
  buildId: string;
  hasFunctions: boolean;
  hasFilenames: boolean;
  hasLineNumbers: boolean;
  hasInlineFrames: boolean;
}

export interface Line {
  functionId: number;
  line: number;
  column: number;
}

export interface Location {
  id: number;
  mappingId: number;
  address: number;
  /** Innermost first; the last entry is the caller the others were inlined into. */
  line: Line[];
  isFolded: boolean;
}

export interface ProfileFunction {
  id: number;
  name: string;
  systemName: string;
  filename: string;
  startLine: number;
}

export interface Profile {
  sampleType: ValueType[];
  sample: Sample[];
  mapping: Mapping[];
  location: Location[];
  function: ProfileFunction[];
  dropFrames: string;
  keepFrames: string;
  /** Unix nanoseconds; bigint because it does not fit a double exactly. */
  timeNanos: bigint;
  durationNanos: number;
  periodType: ValueType;
  period: number;
  comment: string[];
  defaultSampleType: string;
  /** pprof doc_url (field 15): documentation for the profile's sample types; optional. */
  docUrl?: string;
}
