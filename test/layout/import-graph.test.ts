// The layout's one rule, read from the source: data goes collect -> transport -> aggregate ->
// export, and a file never imports a step that is not its own, the contract it speaks
// (transport, for both ends of the hand-off) or a layer below (profile, wasm, common). No
// import cycles either. Entry files (src/*.ts) and the tools (cli, view, convert, report,
// browser) sit on top and may import anything.
import t from 'tap';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

/** For each layer, the layers its files may import (besides their own). */
const MAY_IMPORT: Record<string, readonly string[]> = {
  common: [],
  wasm: [],
  profile: ['wasm', 'common'],
  collect: ['transport', 'profile', 'common'],
  transport: ['profile', 'common'],
  aggregate: ['transport', 'profile', 'wasm', 'common'],
  export: ['profile', 'common'],
};

/**
 * Threads started by URL, not imported: the host (transport) starts the aggregation worker,
 * whose entry runs in aggregate/. The only reference from transport to a later step.
 */
const STARTS = ['transport/aggregation-host.ts -> aggregate/worker-entry.ts'];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    if (statSync(p).isDirectory()) return sources(p);
    return /\.c?ts$/.test(n) && !n.endsWith('.d.ts') ? [p] : [];
  });
}

/** A file's module imports, and the files it names by URL (threads it starts, preloads it passes). */
function importsOf(file: string): { imports: string[]; urls: string[] } {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  const urls: string[] = [];
  // Static imports, import() and require() (modules loaded when first needed, require(esm)).
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)'(\.[^']+)'/g)) {
    out.push(path.normalize(path.join(path.dirname(file), m[1]!.replace(/\.js$/, '.ts').replace(/\.cjs$/, '.cts'))));
  }
  // module tables that are import()ed by name (the aggregation worker's services)
  for (const m of text.matchAll(/^\s+\w+: '(\.\.\/[\w/-]+\.js)',$/gm)) {
    out.push(path.normalize(path.join(path.dirname(file), m[1]!.replace(/\.js$/, '.ts'))));
  }
  for (const m of text.matchAll(/new URL\('(\.[^']+\.c?js)', import\.meta\.url\)/g)) {
    urls.push(path.normalize(path.join(path.dirname(file), m[1]!.replace(/\.js$/, '.ts').replace(/\.cjs$/, '.cts'))));
  }
  return { imports: out, urls };
}

const layerOf = (file: string): string => {
  const rel = path.relative(SRC, file).split(path.sep);
  return rel.length === 1 ? '(entry)' : rel[0]!;
};

const files = sources(SRC);
const read = new Map(files.map((f) => [f, importsOf(f)]));
/** Module imports: what a file loads. */
const graph = new Map([...read].map(([f, r]) => [f, r.imports]));
/** Module imports and URL references: every way a file reaches another. */
const reaches = new Map([...read].map(([f, r]) => [f, [...r.imports, ...r.urls]]));

t.test('every src file sits in a layer the rule knows, or is an entry or a tool', async (t) => {
  const known = new Set([...Object.keys(MAY_IMPORT), '(entry)', 'cli', 'view', 'convert', 'report', 'browser']);
  t.same([...new Set(files.map(layerOf))].filter((l) => !known.has(l)), []);
});

t.test('no import runs against the flow', async (t) => {
  const bad: string[] = [];
  for (const [file, imports] of reaches) {
    const from = layerOf(file);
    const allowed = MAY_IMPORT[from];
    if (!allowed) continue;
    for (const target of imports) {
      const to = layerOf(target);
      const edge = `${path.relative(SRC, file)} -> ${path.relative(SRC, target)}`;
      if (to !== from && !allowed.includes(to) && !STARTS.includes(edge)) bad.push(edge);
    }
  }
  t.same(bad, [], 'imports against the flow');
});

t.test('every relative import names a file that exists', async (t) => {
  const missing = [...reaches].flatMap(([file, imports]) => imports.filter((i) => !reaches.has(i)).map((i) => `${path.relative(SRC, file)} -> ${i}`));
  t.same(missing, []);
});

t.test('no import cycle (module imports; a URL is not a load on this thread)', async (t) => {
  const cycles: string[] = [];
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (f: string): void => {
    state.set(f, 1);
    stack.push(f);
    for (const g of graph.get(f) ?? []) {
      if (state.get(g) === 1) cycles.push([...stack.slice(stack.indexOf(g)), g].map((x) => path.relative(SRC, x)).join(' -> '));
      else if (!state.has(g)) visit(g);
    }
    stack.pop();
    state.set(f, 2);
  };
  for (const f of files) if (!state.has(f)) visit(f);
  t.same(cycles, []);
});
