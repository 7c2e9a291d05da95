// The viewer's allowlist of files: the page's static assets, and the ES modules (plus the WASM
// they load) reachable from the page's entry module, found by following import statements in
// the compiled JavaScript. The server answers only for paths in this list, so nothing else on
// disk can be asked for, with or without `..`.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root: dist/src/view/assets.js is three folders below it. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface Asset {
  file: string;
  type: string;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

export class AssetError extends Error {
  override name = 'AssetError';
}

/** The URL path a file is served at: its path under the package root, else under /_ext. */
export function urlPathOf(file: string, root = PACKAGE_ROOT): string {
  const rel = relative(root, file);
  if (!rel.startsWith('..') && !rel.startsWith(sep) && rel !== '') return `/${rel.split(sep).join('/')}`;
  return `/_ext${file.split(sep).join('/')}`;
}

// Specifiers in compiled ES modules: static imports and re-exports, bare side-effect imports,
// dynamic imports with a literal, and `new URL('x', import.meta.url)` (how modules find WASM).
const SPECIFIERS = [
  /\b(?:import|export)\s*(?:type\s+)?[\w*{}\s,$]*?\sfrom\s*(['"])([^'"\n]+)\1/g,
  /\bimport\s*(['"])([^'"\n]+)\1/g,
  /\bimport\(\s*(['"])([^'"\n]+)\1\s*\)/g,
  /\bnew\s+URL\(\s*(['"])([^'"\n]+)\1\s*,\s*import\.meta\.url\s*\)/g,
];

/** Strips comments so that examples in doc comments are not taken for imports. */
function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

export function specifiersOf(source: string): string[] {
  const code = withoutComments(source);
  const out = new Set<string>();
  for (const re of SPECIFIERS) {
    for (const m of code.matchAll(re)) out.add(m[2]);
  }
  return [...out];
}

/**
 * Resolves a bare specifier (a package) to the file its ES-module export names, from the
 * package's own node_modules (Node 20 resolves only relative to the calling module).
 */
function resolvePackage(specifier: string, from: string): string {
  let resolved: string;
  try {
    resolved = fileURLToPath(import.meta.resolve(specifier));
  } catch (error) {
    throw new AssetError(`browser module ${from} imports "${specifier}", which cannot be resolved: ${(error as Error).message}`);
  }
  return resolved;
}

export interface ModuleGraph {
  /** URL path → asset. */
  assets: Map<string, Asset>;
  /** Bare specifier → URL path, for the page's import map. */
  imports: Record<string, string>;
}

/**
 * Every file reachable from the entry modules. Node built-ins in the graph are an error: the
 * page would fail to load, and it means a Node-only module leaked into the browser side.
 */
export function collectModules(entries: string[], root = PACKAGE_ROOT): ModuleGraph {
  const assets = new Map<string, Asset>();
  const imports: Record<string, string> = {};
  const queue = [...entries.map((e) => resolve(e))];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (!existsSync(file) || !statSync(file).isFile()) throw new AssetError(`viewer asset ${file} is missing (run npm run build)`);
    const ext = extname(file);
    const type = TYPES[ext] ?? 'application/octet-stream';
    assets.set(urlPathOf(file, root), { file, type });
    if (ext !== '.js' && ext !== '.mjs') continue;
    for (const specifier of specifiersOf(readFileSync(file, 'utf8'))) {
      if (specifier.startsWith('node:') || /^(fs|path|url|os|crypto|zlib|worker_threads|child_process|util|http|https)$/.test(specifier)) {
        throw new AssetError(`browser module ${file} imports the Node built-in "${specifier}"`);
      }
      if (/^[a-z][a-z0-9+.-]*:/i.test(specifier) && !specifier.startsWith('file:')) {
        // data:, blob: or a remote URL: the page must not fetch from elsewhere.
        throw new AssetError(`browser module ${file} loads "${specifier}", which is not a local file`);
      }
      if (specifier.startsWith('.') || specifier.startsWith('/')) {
        queue.push(resolve(dirname(file), specifier));
      } else {
        const target = resolvePackage(specifier, file);
        imports[specifier] = urlPathOf(target, root);
        queue.push(target);
      }
    }
  }
  return { assets, imports };
}

/** An inline script's CSP source expression. */
export function cspHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}
