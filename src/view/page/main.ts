// The viewer page: fetches the profiles the server was given, decodes them in the browser with
// the WASM core (hotpath/browser), and shows a flame graph and a top table with a sample-type
// selector, label filters, search and a diff against a second profile.
import { decodeProfile, initWasm } from '../../browser.js';
import type { Profile } from '../../profile/model.js';
import { formatValue, percent } from '../../report/units.js';
import { buildDiffTree, buildFlameTree, filterProfile, labelValues, matchedTotal, pathTo, searchMatcher, type FlameNode } from '../flame.js';
import { sortRows, viewTable, type SortKey, type ViewRow, type ViewTable } from '../table.js';
import { FlameGraph } from './flame-graph.js';

interface Listed {
  id: number;
  name: string;
  size: number;
}

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page is missing #${id}`);
  return el as T;
};

const ui = {
  profile: $<HTMLSelectElement>('profile'),
  base: $<HTMLSelectElement>('base'),
  sampleType: $<HTMLSelectElement>('sample-type'),
  filters: $<HTMLElement>('label-filters'),
  search: $<HTMLInputElement>('search'),
  reset: $<HTMLButtonElement>('reset'),
  error: $<HTMLElement>('error'),
  status: $<HTMLElement>('status'),
  crumbs: $<HTMLElement>('breadcrumbs'),
  canvas: $<HTMLCanvasElement>('flame'),
  tooltip: $<HTMLElement>('tooltip'),
  thead: document.querySelector<HTMLElement>('#top thead')!,
  tbody: document.querySelector<HTMLElement>('#top tbody')!,
};

const state = {
  listed: [] as Listed[],
  profileId: 0,
  baseId: -1,
  typeName: '',
  filter: new Map<string, string>(),
  sort: { by: 'flat' as SortKey, descending: true },
  table: null as ViewTable | null,
};

const decoded = new Map<number, Promise<Profile>>();

function load(id: number): Promise<Profile> {
  let p = decoded.get(id);
  if (!p) {
    const listed = state.listed[id];
    p = (async () => {
      const res = await fetch(`/api/profiles/${id}`);
      if (!res.ok) throw new Error(`${listed.name}: the server answered ${res.status}`);
      const bytes = new Uint8Array(await res.arrayBuffer());
      try {
        return decodeProfile(bytes);
      } catch (error) {
        throw new Error(`${listed.name}: not a readable pprof profile: ${(error as Error).message}`);
      }
    })();
    decoded.set(id, p);
  }
  return p;
}

function showError(message: string | null): void {
  ui.error.hidden = message === null;
  ui.error.textContent = message ?? '';
}

const graph = new FlameGraph(ui.canvas, ui.tooltip, { onZoom: (node) => showZoom(node) });

function option(value: string, text: string, selected = false): HTMLOptionElement {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = text;
  o.selected = selected;
  return o;
}

function fillTypes(profile: Profile): void {
  const names = profile.sampleType.map((t) => t.type);
  if (!names.includes(state.typeName)) {
    const d = profile.defaultSampleType && names.includes(profile.defaultSampleType) ? profile.defaultSampleType : names[names.length - 1];
    state.typeName = d ?? '';
  }
  ui.sampleType.replaceChildren(...profile.sampleType.map((t) => option(t.type, `${t.type} (${t.unit})`, t.type === state.typeName)));
}

function fillFilters(profiles: Profile[]): void {
  const keys = new Map<string, Set<string>>();
  for (const p of profiles) {
    for (const [key, values] of labelValues(p)) {
      let set = keys.get(key);
      if (!set) keys.set(key, (set = new Set()));
      values.forEach((v) => set.add(v));
    }
  }
  for (const key of [...state.filter.keys()]) {
    if (!keys.get(key)?.has(state.filter.get(key)!)) state.filter.delete(key);
  }
  const controls = [...keys.keys()].sort().map((key) => {
    const label = document.createElement('label');
    label.textContent = `${key} `;
    const select = document.createElement('select');
    select.dataset.key = key;
    select.append(option('', '(all)'));
    const values = [...keys.get(key)!].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    for (const v of values) select.append(option(v, v, state.filter.get(key) === v));
    select.addEventListener('change', () => {
      if (select.value === '') state.filter.delete(key);
      else state.filter.set(key, select.value);
      void render();
    });
    label.append(select);
    return label;
  });
  ui.filters.replaceChildren(...controls);
}

function showZoom(node: FlameNode): void {
  const parts: Node[] = [];
  for (const step of pathTo(node)) {
    if (parts.length > 0) {
      const sep = document.createElement('span');
      sep.textContent = ' › ';
      parts.push(sep);
    }
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = step.depth === 0 ? 'root' : step.name;
    b.addEventListener('click', () => graph.zoom(step));
    parts.push(b);
  }
  ui.crumbs.replaceChildren(...parts);
  updateStatus();
}

let statusBase = '';
function updateStatus(): void {
  let text = statusBase;
  const tree = currentTree;
  const matcher = searchMatcher(ui.search.value);
  if (tree && matcher) {
    const m = matchedTotal(tree.root, (n) => matcher(n.name));
    text += ` · search matches ${formatValue(m, currentUnit)} (${percent(m, tree.total)})`;
  }
  ui.status.textContent = text;
}

let currentTree: ReturnType<typeof buildFlameTree> | null = null;
let currentUnit = '';

function headers(table: ViewTable): { key: SortKey | null; text: string }[] {
  if (table.diff) {
    return [
      { key: 'flat', text: 'flat' },
      { key: 'baseFlat', text: 'base flat' },
      { key: 'deltaFlat', text: 'Δ flat' },
      { key: 'cum', text: 'cum' },
      { key: 'baseCum', text: 'base cum' },
      { key: 'deltaCum', text: 'Δ cum' },
      { key: 'name', text: 'name' },
    ];
  }
  return [
    { key: 'flat', text: 'flat' },
    { key: null, text: 'flat%' },
    { key: null, text: 'sum%' },
    { key: 'cum', text: 'cum' },
    { key: null, text: 'cum%' },
    { key: 'name', text: 'name' },
  ];
}

const MAX_ROWS = 2000;

function renderTable(): void {
  const table = state.table;
  if (!table) return;
  sortRows(table.rows, state.sort.by, state.sort.descending);
  const tr = document.createElement('tr');
  for (const h of headers(table)) {
    const th = document.createElement('th');
    th.scope = 'col';
    if (h.key) {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = h.text;
      b.dataset.sort = h.key;
      b.addEventListener('click', () => {
        if (state.sort.by === h.key) state.sort.descending = !state.sort.descending;
        else state.sort = { by: h.key!, descending: h.key !== 'name' };
        renderTable();
      });
      th.append(b);
      if (state.sort.by === h.key) th.setAttribute('aria-sort', state.sort.descending ? 'descending' : 'ascending');
    } else {
      th.textContent = h.text;
    }
    tr.append(th);
  }
  ui.thead.replaceChildren(tr);
  const v = (n: number): string => formatValue(n, table.unit);
  const cell = (text: string, cls?: string): HTMLTableCellElement => {
    const td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    return td;
  };
  const delta = (n: number): HTMLTableCellElement => cell(`${n > 0 ? '+' : ''}${v(n)}`, n > 0 ? 'up' : n < 0 ? 'down' : undefined);
  const nameCell = (row: ViewRow): HTMLTableCellElement => {
    const td = cell(row.name);
    td.title = row.filename;
    if (row.filename) {
      const file = document.createElement('span');
      file.className = 'file';
      file.textContent = row.filename;
      td.append(file);
    }
    return td;
  };
  let sum = 0;
  const rows = table.rows.slice(0, MAX_ROWS).map((row) => {
    const r = document.createElement('tr');
    r.dataset.name = row.name;
    if (table.diff) {
      r.append(cell(v(row.flat)), cell(v(row.baseFlat)), delta(row.flat - row.baseFlat), cell(v(row.cum)), cell(v(row.baseCum)), delta(row.cum - row.baseCum), nameCell(row));
    } else {
      sum += row.flat;
      r.append(
        cell(v(row.flat)),
        cell(percent(row.flat, table.total)),
        cell(percent(sum, table.total)),
        cell(v(row.cum)),
        cell(percent(row.cum, table.total)),
        nameCell(row),
      );
    }
    // A click on a row searches for exactly that function.
    r.addEventListener('click', () => {
      ui.search.value = `^${row.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
      onSearch();
    });
    return r;
  });
  ui.tbody.replaceChildren(...rows);
}

function onSearch(): void {
  graph.setSearch(searchMatcher(ui.search.value));
  updateStatus();
}

let renderSeq = 0;
let lastDiff = false;

async function render(): Promise<void> {
  const seq = ++renderSeq;
  // Tests and automation wait for 'ready' or 'error' after each change.
  document.body.dataset.state = 'loading';
  const ids = [state.profileId, ...(state.baseId >= 0 ? [state.baseId] : [])];
  let profiles: Profile[];
  try {
    profiles = await Promise.all(ids.map(load));
  } catch (error) {
    if (seq !== renderSeq) return;
    showError((error as Error).message);
    ui.status.textContent = 'Nothing to show.';
    document.body.dataset.state = 'error';
    return;
  }
  if (seq !== renderSeq) return;
  try {
    show(profiles[0], profiles[1]);
  } catch (error) {
    // A profile that decodes but cannot be shown (no sample types, say) is reported, not fatal.
    showError(`${state.listed[state.profileId].name}: cannot show this profile: ${(error as Error).message}`);
    document.body.dataset.state = 'error';
  }
}

function show(profile: Profile, base: Profile | undefined): void {
  if (profile.sampleType.length === 0) throw new Error('it has no sample types');
  fillTypes(profile);
  fillFilters(base ? [profile, base] : [profile]);
  const typeIndex = profile.sampleType.findIndex((t) => t.type === state.typeName);
  const unit = profile.sampleType[typeIndex]?.unit ?? '';
  let baseIndex = -1;
  if (base) {
    baseIndex = base.sampleType.findIndex((t) => t.type === state.typeName);
    if (baseIndex < 0) {
      showError(`${state.listed[state.baseId].name} has no sample type "${state.typeName}"; cannot compare.`);
    } else if (base.sampleType[baseIndex].unit !== unit) {
      showError(`${state.listed[state.baseId].name} measures "${state.typeName}" in ${base.sampleType[baseIndex].unit}, not ${unit}; cannot compare.`);
      baseIndex = -1;
    } else {
      showError(null);
    }
  } else {
    showError(null);
  }
  const filter = state.filter;
  const diff = base !== undefined && baseIndex >= 0;
  const tree = diff ? buildDiffTree(profile, typeIndex, base, baseIndex, filter) : buildFlameTree(profile, typeIndex, filter);
  state.table = viewTable(profile, state.typeName, filter, diff ? { profile: base, sampleType: state.typeName } : undefined);
  if (diff !== lastDiff) {
    // Entering or leaving a diff: sort by what that table is about.
    state.sort = { by: diff ? 'deltaFlat' : 'flat', descending: true };
    lastDiff = diff;
  }
  currentTree = tree;
  currentUnit = unit;
  const samples = filterProfile(profile, filter).sample.length;
  const when = profile.timeNanos > 0n ? ` · taken ${new Date(Number(profile.timeNanos / 1_000_000n)).toISOString().replace('T', ' ').slice(0, 19)} UTC` : '';
  const duration = profile.durationNanos > 0 ? ` for ${formatValue(profile.durationNanos, 'nanoseconds')}` : '';
  statusBase =
    `${state.listed[state.profileId].name}${when}${duration} · ${state.typeName}: total ${formatValue(tree.total, unit)} · ${samples} samples` +
    (diff ? ` · compared with ${state.listed[state.baseId].name} (${formatValue(tree.baseTotal, unit)}): red grew, blue shrank` : '');
  ui.canvas.dataset.sampleType = state.typeName;
  ui.canvas.dataset.total = String(tree.total);
  graph.setTree(tree, unit);
  graph.setSearch(searchMatcher(ui.search.value));
  renderTable();
  updateStatus();
  document.body.dataset.state = 'ready';
}

async function start(): Promise<void> {
  // The main thread may only compile WebAssembly asynchronously.
  await initWasm();
  const res = await fetch('/api/profiles');
  state.listed = (await res.json()) as Listed[];
  ui.profile.replaceChildren(...state.listed.map((p) => option(String(p.id), p.name)));
  ui.base.replaceChildren(option('-1', '(none)'), ...state.listed.map((p) => option(String(p.id), p.name)));
  ui.profile.addEventListener('change', () => {
    state.profileId = Number(ui.profile.value);
    void render();
  });
  ui.base.addEventListener('change', () => {
    state.baseId = Number(ui.base.value);
    void render();
  });
  ui.sampleType.addEventListener('change', () => {
    state.typeName = ui.sampleType.value;
    void render();
  });
  ui.search.addEventListener('input', onSearch);
  ui.reset.addEventListener('click', () => graph.zoom(null));
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && document.activeElement !== ui.search) graph.zoom(null);
  });
  await render();
}

// For automation and tests: what is drawn where, in CSS pixels relative to the canvas.
Object.assign(globalThis, {
  hotpathView: {
    frames: () => graph.frames().map((f) => ({ name: f.node.depth === 0 ? 'root' : f.node.name, depth: f.node.depth, x: f.x, y: f.y, w: f.w, h: f.h })),
    zoomed: () => graph.zoomNode?.name ?? null,
  },
});

start().catch((error: unknown) => {
  showError(`The viewer could not start: ${(error as Error).message}`);
  document.body.dataset.state = 'error';
});
