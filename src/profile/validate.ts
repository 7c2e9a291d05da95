// The one place that says what a valid Profile is (after google/pprof's CheckValid). Run
// after decoding and before encoding a Profile object; tests break one rule per case.
import { ProfileFormatError } from './errors.js';
import type { Profile } from './model.js';

/** Throws ProfileFormatError naming the first rule p breaks. */
export function checkValid(p: Profile): void {
  const nTypes = p.sampleType.length;
  if (nTypes === 0 && p.sample.length > 0) {
    throw new ProfileFormatError('profile has samples but no sample types');
  }
  const mappings = new Set<number>();
  for (const m of p.mapping) {
    if (!(m.id > 0)) throw new ProfileFormatError(`mapping has id ${m.id}; ids must be non-zero`);
    if (mappings.has(m.id)) throw new ProfileFormatError(`mapping id ${m.id} is not unique`);
    mappings.add(m.id);
  }
  const functions = new Set<number>();
  for (const f of p.function) {
    if (!(f.id > 0)) throw new ProfileFormatError(`function has id ${f.id}; ids must be non-zero`);
    if (functions.has(f.id)) throw new ProfileFormatError(`function id ${f.id} is not unique`);
    functions.add(f.id);
  }
  const locations = new Set<number>();
  for (const l of p.location) {
    if (!(l.id > 0)) throw new ProfileFormatError(`location has id ${l.id}; ids must be non-zero`);
    if (locations.has(l.id)) throw new ProfileFormatError(`location id ${l.id} is not unique`);
    locations.add(l.id);
    if (l.mappingId !== 0 && !mappings.has(l.mappingId)) {
      throw new ProfileFormatError(`location ${l.id} references unknown mapping id ${l.mappingId}`);
    }
    for (const ln of l.line) {
      if (ln.functionId !== 0 && !functions.has(ln.functionId)) {
        throw new ProfileFormatError(`location ${l.id} references unknown function id ${ln.functionId}`);
      }
    }
  }
  for (let i = 0; i < p.sample.length; i++) {
    const s = p.sample[i];
    if (s.value.length !== nTypes) {
      throw new ProfileFormatError(`sample ${i} has ${s.value.length} values for ${nTypes} sample types`);
    }
    for (const id of s.locationId) {
      if (!locations.has(id)) throw new ProfileFormatError(`sample ${i} references unknown location id ${id}`);
    }
  }
}
