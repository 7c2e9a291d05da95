// Maps frames of generated JavaScript (compiled TypeScript, bundles) back to their original file,
// line, column and function name, with @jridgewell/trace-mapping.
//
// Runs in the aggregation worker (plain Node, synchronous fs is fine there and keeps the
// per-location call cheap once a file is cached).
//
// - Finds the map from the generated file's last `//# sourceMappingURL=` comment: inline
//   (`data:` URL, base64 or percent-encoded) or external (a path relative to the generated file).
//   node_modules are treated like any other file: a package that ships maps gets mapped.
// - Caches one entry per generated file (the parsed map, or "no map", or the problem) in an LRU
//   of `maxFiles` entries, so memory does not grow with the number of files seen.
// - A map that is referenced but cannot be read ("missing") or cannot be parsed ("broken") is
//   counted and listed for a profile comment; it is never an error, and the frame stays as it was.
// - Conventions: `line` and `column` are 1-based as in V8 and pprof, 0 when unknown.

import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setCapped } from '../common/capped-map.js';
import {
  AnyMap, GREATEST_LOWER_BOUND, LEAST_UPPER_BOUND, originalPositionFor, type TraceMap,
} from '@jridgewell/trace-mapping';

export interface GeneratedFrame {
  /** Script as V8 names it: a file URL (ESM) or an absolute path (CommonJS). */
  file: string;
  /** 1-based; 0 when unknown. */
  line: number;
  /** 1-based; 0 when unknown. */
  column: number;
  name: string;
  /** 1-based start of the function, to map its name and start line. */
  functionLine?: number;
  functionColumn?: number;
}

export interface MappedFrame {
  /** Original source, in the style of the input: a path for a path, a URL for a URL. */
  file: string;
  line: number;
  column: number;
  name: string;
  /** Original start line of the function, when functionLine was given and mapped. */
  functionLine?: number;
  /** True when the position came from a source map. */
  mapped: boolean;
}

export type MapProblemKind = 'missing' | 'broken';

export interface MapProblem {
  /** The generated file. */
  file: string;
  kind: MapProblemKind;
  /** Short reason, e.g. "ENOENT app.js.map" or "bad JSON". */
  reason: string;
}

export interface SourceMapStats {
  framesMapped: number;
  framesUnmapped: number;
  /** Generated files whose map loaded. */
  filesWithMap: number;
  /** Generated files without any sourceMappingURL. */
  filesWithoutMap: number;
  missing: number;
  broken: number;
  /** Entries in the cache now. */
  cached: number;
}

export interface SourceMapperOptions {
  /** Cache size, in generated files. */
  maxFiles?: number;
  /** Most problems kept for the comments of one profile. */
  maxListed?: number;
  /** Largest generated or map file read, bytes. */
  maxFileBytes?: number;
}

type Entry =
  | { kind: 'map'; map: TraceMap }
  | { kind: 'none' }
  | { kind: 'problem'; problem: MapProblem };

const NOT_A_FILE = /^(node:|internal\/|wasm:|https?:|evalmachine|\[)/;

export class SourceMapper {
  private readonly cache = new Map<string, Entry>();
  private readonly provided = new Map<string, Entry>();
  private readonly maxProvided = 5000;
  private readonly maxFiles: number;
  private readonly maxListed: number;
  private readonly maxFileBytes: number;
  private pending: MapProblem[] = [];
  private pendingMore = 0;
  private readonly counts = { framesMapped: 0, framesUnmapped: 0, filesWithMap: 0, filesWithoutMap: 0, missing: 0, broken: 0 };

  constructor(options: SourceMapperOptions = {}) {
    this.maxFiles = Math.max(1, options.maxFiles ?? 200);
    this.maxListed = Math.max(0, options.maxListed ?? 20);
    this.maxFileBytes = options.maxFileBytes ?? 64 * 1024 * 1024;
  }

  /** Maps one frame; returns it unchanged (mapped: false) when there is no usable map. */
  map(frame: GeneratedFrame): MappedFrame {
    const same: MappedFrame = { file: frame.file, line: frame.line, column: frame.column, name: frame.name, mapped: false };
    if (!frame.file || frame.line <= 0 || NOT_A_FILE.test(frame.file)) {
      this.counts.framesUnmapped++;
      return same;
    }
    const entry = this.entry(frame.file);
    if (entry.kind !== 'map') {
      this.counts.framesUnmapped++;
      return same;
    }
    const pos = lookup(entry.map, frame.line, frame.column);
    if (!pos) {
      this.counts.framesUnmapped++;
      return same;
    }
    if (frame.column <= 0) {
      // Without a column (V8 reports caller lines only) a generated line that holds code of
      // several original lines cannot be mapped to one of them (tsx emits whole modules on one
      // line): keep the original file, say the line is unknown rather than guess.
      const last = originalPositionFor(entry.map, { line: frame.line, column: Number.MAX_SAFE_INTEGER, bias: GREATEST_LOWER_BOUND });
      if (last.source !== null && last.source !== pos.source) {
        this.counts.framesUnmapped++;
        return same;
      }
      if (last.line !== null && last.line !== pos.line) {
        pos.line = 0;
        pos.column = -1;
      }
    }
    const out: MappedFrame = {
      file: outputName(pos.source, frame.file),
      line: pos.line,
      column: pos.column + 1,
      name: frame.name,
      mapped: true,
    };
    if (frame.functionLine && frame.functionLine > 0) {
      const fn = lookup(entry.map, frame.functionLine, frame.functionColumn ?? 0);
      if (fn) {
        if (fn.name && isIdentifier(fn.name) && (frame.name === '' || frame.name === '(anonymous)' || isMinified(frame.name))) {
          out.name = fn.name;
        }
        if (fn.source === pos.source) out.functionLine = fn.line;
      }
    }
    this.counts.framesMapped++;
    return out;
  }

  stats(): SourceMapStats {
    return { ...this.counts, cached: this.cache.size };
  }

  /**
   * Comment lines for the next profile about maps found missing or broken since the last call,
   * e.g. `source map broken for /app/dist/x.js: bad JSON`. Resets the list.
   */
  takeComments(): string[] {
    const lines = this.pending.map((p) => `hotpath: source map ${p.kind} for ${p.file}: ${p.reason}`);
    if (this.pendingMore > 0) lines.push(`hotpath: ${this.pendingMore} more files with missing or broken source maps`);
    this.pending = [];
    this.pendingMore = 0;
    return lines;
  }

  /**
   * A map the profiled thread already had in memory (Node's source-map cache: code compiled on
   * load by tsx, ts-node, or loaders), for a file whose map is not on disk. Kept apart from the
   * disk cache, which may evict: a provided map is sent only once.
   */
  provide(file: string, payload: unknown): void {
    let url: string;
    try {
      url = file.startsWith('file:') ? file : pathToFileURL(file).href;
    } catch {
      return;
    }
    const entry = this.fromJson(file, payload, url);
    setCapped(this.provided, file, entry, this.maxProvided);
  }

  private entry(file: string): Entry {
    const given = this.provided.get(file);
    if (given) return given;
    const hit = this.cache.get(file);
    if (hit) {
      // LRU: move to the end.
      this.cache.delete(file);
      this.cache.set(file, hit);
      return hit;
    }
    const entry = this.load(file);
    this.cache.set(file, entry);
    if (this.cache.size > this.maxFiles) this.cache.delete(this.cache.keys().next().value as string);
    if (entry.kind === 'map') this.counts.filesWithMap++;
    else if (entry.kind === 'none') this.counts.filesWithoutMap++;
    else {
      this.counts[entry.problem.kind]++;
      if (this.pending.length < this.maxListed) this.pending.push(entry.problem);
      else this.pendingMore++;
    }
    return entry;
  }

  private load(file: string): Entry {
    let path: string;
    let fileUrl: URL;
    try {
      if (file.startsWith('file:')) {
        fileUrl = new URL(file);
        path = fileURLToPath(fileUrl);
      } else if (file.startsWith('/') || /^[A-Za-z]:[\\/]/.test(file)) {
        path = file;
        fileUrl = pathToFileURL(file);
      } else {
        return { kind: 'none' };
      }
    } catch {
      return { kind: 'none' };
    }
    let code: string;
    try {
      if (statSync(path).size > this.maxFileBytes) return { kind: 'none' };
      code = readFileSync(path, 'utf8');
    } catch {
      // The generated file itself is gone (deleted after start): nothing to map, not a map problem.
      return { kind: 'none' };
    }
    const ref = findSourceMappingURL(code);
    if (ref === undefined) return { kind: 'none' };

    const problem = (kind: MapProblemKind, reason: string): Entry => ({ kind: 'problem', problem: { file, kind, reason } });
    let text: string;
    let mapUrl: string;
    if (ref.startsWith('data:')) {
      const comma = ref.indexOf(',');
      if (comma < 0) return problem('broken', 'bad data: URL');
      const head = ref.slice(5, comma);
      const body = ref.slice(comma + 1);
      try {
        text = /;base64$/i.test(head) ? Buffer.from(body, 'base64').toString('utf8') : decodeURIComponent(body);
      } catch {
        return problem('broken', 'bad data: URL');
      }
      mapUrl = fileUrl.href;
    } else {
      let target: URL;
      try {
        target = new URL(ref, fileUrl);
      } catch {
        return problem('broken', `bad sourceMappingURL ${short(ref)}`);
      }
      if (target.protocol !== 'file:') return problem('missing', `not a local file: ${short(ref)}`);
      try {
        const mapPath = fileURLToPath(target);
        if (statSync(mapPath).size > this.maxFileBytes) return problem('missing', `${short(ref)} is too large`);
        text = readFileSync(mapPath, 'utf8');
      } catch (err) {
        return problem('missing', `${(err as NodeJS.ErrnoException).code ?? 'unreadable'} ${short(ref)}`);
      }
      mapUrl = target.href;
    }
    let json: unknown;
    try {
      json = JSON.parse(text.replace(/^\)\]\}'[^\n]*\n/, ''));
    } catch {
      return problem('broken', 'bad JSON');
    }
    return this.fromJson(file, json, mapUrl);
  }

  /** Checks a parsed source map and makes it usable. */
  private fromJson(file: string, json: unknown, mapUrl: string): Entry {
    const problem = (kind: MapProblemKind, reason: string): Entry => ({ kind: 'problem', problem: { file, kind, reason } });
    if (!json || typeof json !== 'object' || (json as { version?: unknown }).version !== 3) {
      return problem('broken', 'not a version 3 source map');
    }
    const m = json as { mappings?: unknown; sources?: unknown; sections?: unknown };
    if (!Array.isArray(m.sections)) {
      // trace-mapping decodes leniently: check the VLQ alphabet so garbage is reported, not used.
      if (typeof m.mappings !== 'string' || /[^A-Za-z0-9+/,;]/.test(m.mappings)) return problem('broken', 'bad mappings');
      if (!Array.isArray(m.sources)) return problem('broken', 'no sources');
    }
    try {
      const map = AnyMap(json as Parameters<typeof AnyMap>[0], mapUrl);
      // Decoding is lazy; force it now so a corrupt `mappings` is caught here, once.
      originalPositionFor(map, { line: 1, column: 0 });
      return { kind: 'map', map };
    } catch (err) {
      return problem('broken', `unreadable mappings (${short((err as Error)?.message ?? String(err))})`);
    }
  }
}

interface Pos { source: string; line: number; column: number; name: string | null }

function lookup(map: TraceMap, line: number, column: number): Pos | undefined {
  const col = column > 0 ? column - 1 : 0;
  let r = originalPositionFor(map, { line, column: col, bias: column > 0 ? GREATEST_LOWER_BOUND : LEAST_UPPER_BOUND });
  if (r.source === null && column > 0) r = originalPositionFor(map, { line, column: col, bias: LEAST_UPPER_BOUND });
  if (r.source === null || r.line === null || r.column === null) return undefined;
  return { source: r.source, line: r.line, column: r.column, name: r.name };
}

/** The last sourceMappingURL comment of a script, if any. */
export function findSourceMappingURL(code: string): string | undefined {
  const re = /(?:\/\/|\/\*)[#@][ \t]+sourceMappingURL=([^\s'"*]+)[ \t]*(?:\*\/)?[ \t]*$/gm;
  // Only look at the tail end: the comment must be on one of the last lines, and scanning a
  // large bundle's whole text with a regex is wasted work.
  let from = code.length;
  for (let i = 0; i < 5 && from > 0; i++) from = code.lastIndexOf('\n', from - 1);
  // An inline map is one long line: make sure it is included.
  const idx = code.lastIndexOf('sourceMappingURL=');
  if (idx < 0) return undefined;
  const start = Math.min(Math.max(0, from), Math.max(0, code.lastIndexOf('\n', idx) + 1));
  let last: string | undefined;
  for (const m of code.slice(start).matchAll(re)) last = m[1];
  return last;
}

function outputName(source: string, input: string): string {
  if (!input.startsWith('file:') && source.startsWith('file:')) {
    try {
      return fileURLToPath(source);
    } catch {
      return source;
    }
  }
  return source;
}

function short(s: string): string {
  const one = s.replace(/[\r\n]+/g, ' ');
  return one.length > 120 ? one.slice(0, 117) + '...' : one;
}

function isIdentifier(s: string): boolean {
  return /^[A-Za-z_$][\w$]*$/.test(s);
}

/** A one- or two-letter name is what a minifier leaves; a real one is kept as the engine saw it. */
function isMinified(name: string): boolean {
  return /^[A-Za-z_$][\w$]?$/.test(name);
}
