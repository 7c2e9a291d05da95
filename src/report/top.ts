// Flat and cumulative totals per function, as `go tool pprof -top` computes them:
// flat is what a function holds as the leaf of a sample, cum is every sample it appears in
// (counted once per sample, however often it recurses). Like go's -top, functions are grouped
// by name: a native `now` and node:internal's `now` are one row (the first file seen is shown).
// Functions without a name are not one row: each is `(anonymous)` with its file:line.
import type { Profile } from '../profile/model.js';

/** The name V8 and the converters give a function without one. */
const UNNAMED = '(anonymous)';

export interface TopRow {
  name: string;
  filename: string;
  flat: number;
  cum: number;
}

export interface TopTable {
  sampleType: string;
  unit: string;
  total: number;
  rows: TopRow[];
}

/** Picks the sample type index: the named one, else default_sample_type, else the last (as pprof does). */
export function sampleTypeIndex(profile: Profile, wanted?: string): number {
  const types = profile.sampleType.map((t) => t.type);
  if (wanted !== undefined) {
    const i = types.indexOf(wanted);
    if (i < 0) {
      throw new Error(`no sample type "${wanted}" (have: ${types.join(', ') || 'none'})`);
    }
    return i;
  }
  if (profile.defaultSampleType) {
    const i = types.indexOf(profile.defaultSampleType);
    if (i >= 0) return i;
  }
  return types.length - 1;
}

export function topTable(profile: Profile, wanted?: string): TopTable {
  const index = sampleTypeIndex(profile, wanted);
  const functions = new Map(profile.function.map((f) => [f.id, f]));
  const locations = new Map(profile.location.map((l) => [l.id, l]));
  const rows = new Map<string, TopRow>();
  const rowFor = (functionId: number, line: number): TopRow => {
    const f = functions.get(functionId);
    let name = f ? f.name || f.systemName || '<unknown>' : '<unknown>';
    let filename = f ? f.filename : '';
    let key = name;
    // Functions without a name are told apart by where they start: (anonymous) file:line.
    if (f && filename !== '' && (name === '<unknown>' || name === UNNAMED || f.name === '')) {
      name = UNNAMED;
      filename = `${filename}:${f.startLine || line}`;
      key = `${name}\u0000${filename}`;
    }
    let row = rows.get(key);
    if (!row) {
      row = { name, filename, flat: 0, cum: 0 };
      rows.set(key, row);
    }
    return row;
  };
  let total = 0;
  const seen = new Set<TopRow>();
  for (const sample of profile.sample) {
    const value = sample.value[index] ?? 0;
    if (value === 0) continue;
    total += value;
    seen.clear();
    let leaf = true;
    for (const locationId of sample.locationId) {
      const location = locations.get(locationId);
      // Lines are innermost first: the first line of the first location is the leaf.
      for (const line of location?.line ?? []) {
        const row = rowFor(line.functionId, line.line);
        if (leaf) {
          row.flat += value;
          leaf = false;
        }
        if (!seen.has(row)) {
          row.cum += value;
          seen.add(row);
        }
      }
    }
  }
  const type = profile.sampleType[index] ?? { type: '', unit: '' };
  // go tool pprof's order for -top: flat, then name (byte order), then cum.
  const sorted = [...rows.values()].sort(
    (a, b) => Math.abs(b.flat) - Math.abs(a.flat) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || Math.abs(b.cum) - Math.abs(a.cum),
  );
  return { sampleType: type.type, unit: type.unit, total, rows: sorted };
}
