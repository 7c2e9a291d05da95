// The rows of the viewer's top table: `topTable` of the lead's report module, over the samples
// that pass the label filter, joined with the base profile's rows in a diff.
import type { Profile } from '../profile/model.js';
import { topTable } from '../report/top.js';
import { filterProfile, type LabelFilter } from './flame.js';

export interface ViewRow {
  name: string;
  filename: string;
  flat: number;
  cum: number;
  /** In a diff, the base profile's values; 0 otherwise. */
  baseFlat: number;
  baseCum: number;
}

export interface ViewTable {
  unit: string;
  total: number;
  baseTotal: number;
  diff: boolean;
  rows: ViewRow[];
}

export type SortKey = 'flat' | 'cum' | 'name' | 'baseFlat' | 'baseCum' | 'deltaFlat' | 'deltaCum';

export function viewTable(
  profile: Profile,
  sampleType: string,
  filter?: LabelFilter,
  base?: { profile: Profile; sampleType: string },
): ViewTable {
  const after = topTable(filterProfile(profile, filter), sampleType);
  const rows = new Map<string, ViewRow>();
  for (const r of after.rows) rows.set(`${r.name}\u0000${r.filename}`, { ...r, baseFlat: 0, baseCum: 0 });
  let baseTotal = 0;
  if (base) {
    const before = topTable(filterProfile(base.profile, filter), base.sampleType);
    baseTotal = before.total;
    for (const r of before.rows) {
      const key = `${r.name}\u0000${r.filename}`;
      let row = rows.get(key);
      if (!row) rows.set(key, (row = { name: r.name, filename: r.filename, flat: 0, cum: 0, baseFlat: 0, baseCum: 0 }));
      row.baseFlat = r.flat;
      row.baseCum = r.cum;
    }
  }
  const table: ViewTable = { unit: after.unit, total: after.total, baseTotal, diff: base !== undefined, rows: [...rows.values()] };
  sortRows(table.rows, base ? 'deltaFlat' : 'flat', true);
  return table;
}

function key(row: ViewRow, by: SortKey): number | string {
  switch (by) {
    case 'name':
      return row.name;
    case 'deltaFlat':
      return row.flat - row.baseFlat;
    case 'deltaCum':
      return row.cum - row.baseCum;
    default:
      return row[by];
  }
}

/**
 * Sorts in place. Numbers sort by magnitude (so the largest changes of a diff, up or down,
 * come first), ties by cum then name, as `go tool pprof -top` orders them.
 */
export function sortRows(rows: ViewRow[], by: SortKey, descending: boolean): void {
  const sign = descending ? -1 : 1;
  rows.sort((a, b) => {
    const ka = key(a, by);
    const kb = key(b, by);
    if (typeof ka === 'string' || typeof kb === 'string') {
      const c = String(ka).localeCompare(String(kb));
      return c === 0 ? 0 : descending ? -c : c;
    }
    const d = Math.abs(ka) - Math.abs(kb);
    if (d !== 0) return sign * d;
    return Math.abs(b.cum) - Math.abs(a.cum) || a.name.localeCompare(b.name);
  });
}
