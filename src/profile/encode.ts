// encodeProfile: Profile -> pprof bytes, through the WASM builder. Ids are renumbered densely
// from 1 in first-use order, equal mappings/functions/locations are merged by content, and
// samples with the same locations and labels are summed.
import { ProfileBuilder } from './builder.js';
import type { Profile } from './model.js';
import { checkValid } from './validate.js';

export interface EncodeOptions {
  /** gzip the output (default true). */
  gzip?: boolean;
  gzipLevel?: number;
}

/** Adds every mapping, function, location and sample of p to b (same sample types). */
export function addProfile(b: ProfileBuilder, p: Profile): void {
  const mappingIds = new Map<number, number>();
  for (const m of p.mapping) mappingIds.set(m.id, b.internMapping(m));
  const functionIds = new Map<number, number>();
  for (const f of p.function) functionIds.set(f.id, b.internFunction(f));
  const locationIds = new Map<number, number>();
  for (const l of p.location) {
    const lines = l.line.map((ln) => ({
      functionId: ln.functionId === 0 ? 0 : functionIds.get(ln.functionId)!,
      line: ln.line,
      column: ln.column,
    }));
    const mappingId = l.mappingId === 0 ? 0 : mappingIds.get(l.mappingId)!;
    locationIds.set(l.id, b.internLocationLines(lines, { mappingId, address: l.address, isFolded: l.isFolded }));
  }
  for (const s of p.sample) {
    const ids = s.locationId.map((id) => locationIds.get(id)!);
    b.addSampleIds(ids, s.value, b.internLabels(s.label));
  }
}

/** Encodes a Profile as pprof (gzipped unless {gzip: false}). Throws ProfileFormatError if p is invalid. */
export function encodeProfile(p: Profile, opts: EncodeOptions = {}): Uint8Array {
  checkValid(p);
  const b = new ProfileBuilder({
    sampleTypes: p.sampleType,
    periodType: p.periodType.type || p.periodType.unit ? p.periodType : undefined,
    period: p.period,
    defaultSampleType: p.defaultSampleType,
    timeNanos: p.timeNanos,
    durationNanos: p.durationNanos,
    dropFrames: p.dropFrames,
    keepFrames: p.keepFrames,
    docUrl: p.docUrl,
    mapping: null,
    gzipLevel: opts.gzipLevel,
  });
  for (const c of p.comment) b.addComment(c);
  addProfile(b, p);
  return opts.gzip === false ? b.encodeRaw() : b.encode();
}
