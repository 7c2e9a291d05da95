// SourceMapper on real TypeScript compiled by tsc: external maps (CommonJS, paths), inline maps
// (ESM, file URLs), a package in node_modules that ships maps; and maps that are missing or
// broken, which are recorded for the profile's comments and never throw.
//
// The generated positions come from real V8 stack traces of the compiled code, so the test
// checks what the profiler will see, not positions worked out by hand.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { SourceMapper, findSourceMappingURL } from '../../dist/src/aggregate/source-maps.js';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const root = realpathSync(mkdtempSync(join(tmpdir(), 'hotpath-sourcemap-')));

// Lines are shifted by the interface and type-only code that tsc removes, so a generated line
// never equals the original one.
const APP_TS = `// app.ts: a few lines that compile away
export interface Options {
  depth: number;
  label: string;
}
export type Maybe<T> = T | undefined;

export function captureStack(o: Options): string {
  const extra: Maybe<string> = o.label;
  return new Error('here ' + extra).stack as string;
}

export const arrow = (n: number): string => {
  const opts: Options = { depth: n, label: 'x' };
  return captureStack(opts);
};
`;

const LIB_TS = `// lib.ts inside a package
type Unused = { a: number };
/** doc
 * comment
 */
export function libCall(cb: () => string): string {
  return cb();
}
`;

function run(args: string[], cwd = root): string {
  // Without --enable-source-maps (tap sets it for its own processes): V8 must report the
  // generated positions, as it does to the profiler.
  const env = { ...process.env, NODE_OPTIONS: '' };
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

function lineOf(src: string, needle: string): number {
  return src.split('\n').findIndex((l) => l.includes(needle)) + 1;
}

interface StackFrame { name: string; file: string; line: number; column: number }

function parseStack(stack: string): StackFrame[] {
  const out: StackFrame[] = [];
  for (const l of stack.split('\n')) {
    const m = /^\s+at (?:(.*?) \()?(.*?):(\d+):(\d+)\)?$/.exec(l);
    if (m) out.push({ name: m[1] ?? '', file: m[2], line: Number(m[3]), column: Number(m[4]) });
  }
  return out;
}

mkdirSync(join(root, 'src'));
writeFileSync(join(root, 'src', 'app.ts'), APP_TS);
const libDir = join(root, 'node_modules', 'libpkg');
mkdirSync(join(libDir, 'src'), { recursive: true });
writeFileSync(join(libDir, 'src', 'lib.ts'), LIB_TS);
writeFileSync(join(libDir, 'package.json'), JSON.stringify({ name: 'libpkg', main: 'dist/lib.js' }));
run([tsc, '--sourceMap', '--module', 'commonjs', '--target', 'es2020', '--outDir', 'out-cjs', 'src/app.ts']);
run([tsc, '--inlineSourceMap', '--module', 'es2020', '--target', 'es2020', '--outDir', 'out-esm', 'src/app.ts']);
writeFileSync(join(root, 'out-esm', 'package.json'), '{"type":"module"}');
run([tsc, '--sourceMap', '--module', 'commonjs', '--target', 'es2020', '--outDir', join(libDir, 'dist'), join(libDir, 'src', 'lib.ts')]);

const errorLine = lineOf(APP_TS, "new Error('here");
const errorCols = [APP_TS.split('\n')[errorLine - 1].indexOf('return') + 1, APP_TS.split('\n')[errorLine - 1].indexOf('new Error') + 1];
const callLine = lineOf(APP_TS, 'return captureStack(opts)');

t.test('external map, CommonJS: stack frames map to the .ts file, line and column', async (t) => {
  const stack = run(['-e', `process.setSourceMapsEnabled(false); process.stdout.write(require('./out-cjs/app.js').arrow(1))`]);
  const frames = parseStack(stack);
  const inner = frames.find((f) => f.name === 'captureStack')!;
  const outer = frames.find((f) => /(^|\.)arrow$/.test(f.name))!;
  t.ok(inner && outer, 'both frames in the stack');
  t.equal(inner.file, join(root, 'out-cjs', 'app.js'), 'V8 names CommonJS scripts by path');
  t.not(inner.line, errorLine, 'generated and original lines differ');
  const m = new SourceMapper();
  const a = m.map({ file: inner.file, line: inner.line, column: inner.column, name: inner.name });
  t.equal(a.mapped, true);
  t.equal(a.file, join(root, 'src', 'app.ts'), 'a path for a path');
  t.equal(a.line, errorLine);
  t.ok(errorCols.includes(a.column), `column ${a.column} is the statement or the new expression (${errorCols})`);
  t.equal(a.name, 'captureStack', 'names tsc keeps are kept');
  const b = m.map({ file: outer.file, line: outer.line, column: outer.column, name: outer.name });
  t.equal(b.file, join(root, 'src', 'app.ts'));
  t.equal(b.line, callLine);
  // Line only (column unknown): the first mapping on the line.
  const c = m.map({ file: inner.file, line: inner.line, column: 0, name: 'captureStack' });
  t.equal(c.line, errorLine);
  // The function's own start maps too.
  const fnGenLine = lineOf(readFileSync(join(root, 'out-cjs', 'app.js'), 'utf8'), 'function captureStack');
  const d = m.map({ file: inner.file, line: inner.line, column: inner.column, name: inner.name, functionLine: fnGenLine, functionColumn: 1 });
  t.equal(d.functionLine, lineOf(APP_TS, 'export function captureStack'));
  t.match(m.stats(), { filesWithMap: 1, missing: 0, broken: 0, framesMapped: 4, cached: 1 });
  t.same(m.takeComments(), []);
});

t.test('inline map, ESM: file URLs in, file URLs out', async (t) => {
  const url = pathToFileURL(join(root, 'out-esm', 'app.js')).href;
  const stack = run(['--input-type=module', '-e', `import { arrow } from ${JSON.stringify(url)}; process.setSourceMapsEnabled(false); process.stdout.write(arrow(1));`]);
  const frames = parseStack(stack);
  const inner = frames.find((f) => f.name === 'captureStack')!;
  t.equal(inner.file, url, 'V8 names ES modules by URL');
  t.match(findSourceMappingURL(readFileSync(join(root, 'out-esm', 'app.js'), 'utf8')), /^data:application\/json;base64,/);
  const m = new SourceMapper();
  const a = m.map({ file: inner.file, line: inner.line, column: inner.column, name: inner.name });
  t.equal(a.mapped, true);
  t.equal(a.file, pathToFileURL(join(root, 'src', 'app.ts')).href);
  t.equal(a.line, errorLine);
  t.ok(errorCols.includes(a.column));
});

t.test('a package in node_modules that ships its maps', async (t) => {
  const stack = run(['-e', `
    process.setSourceMapsEnabled(false);
    const { libCall } = require('libpkg');
    process.stdout.write(libCall(() => new Error('x').stack));
  `]);
  const frame = parseStack(stack).find((f) => f.name === 'libCall')!;
  t.equal(frame.file, join(libDir, 'dist', 'lib.js'));
  const m = new SourceMapper();
  const a = m.map(frame);
  t.equal(a.mapped, true);
  t.equal(a.file, join(libDir, 'src', 'lib.ts'));
  t.equal(a.line, lineOf(LIB_TS, 'return cb()'));
});

t.test('missing and broken maps are recorded, never thrown; frames stay as they were', async (t) => {
  const dir = join(root, 'bad');
  mkdirSync(dir);
  const files: Record<string, string> = {};
  const add = (name: string, body: string, map?: string) => {
    files[name] = join(dir, name);
    writeFileSync(files[name], body);
    if (map !== undefined) writeFileSync(files[name] + '.map', map);
  };
  add('badjson.js', 'function f() {}\n//# sourceMappingURL=badjson.js.map\n', '{"version":3, "mappings": ');
  add('missing.js', 'function f() {}\n//# sourceMappingURL=nope.js.map\n');
  add('v2.js', 'function f() {}\n//# sourceMappingURL=v2.js.map\n', JSON.stringify({ version: 2, sources: [], mappings: '' }));
  add('inline-bad.js', 'function f() {}\n//# sourceMappingURL=data:application/json;base64,bm90IGpzb24=\n');
  add('remote.js', 'function f() {}\n//# sourceMappingURL=https://cdn.example/app.js.map\n');
  add('badmappings.js', 'function f() {}\n//# sourceMappingURL=badmappings.js.map\n',
    JSON.stringify({ version: 3, sources: ['a.ts'], names: [], mappings: 'AAAA,{{{{;;' }));
  add('plain.js', 'function f() {}\n');
  add('midfile.js', 'const s = "//# sourceMappingURL=fake.map";\nfunction f() {}\n');

  const m = new SourceMapper();
  for (const [name, file] of Object.entries(files)) {
    const frame = { file, line: 1, column: 10, name: 'f' };
    const out = m.map(frame);
    t.same(out, { ...frame, mapped: false }, `${name}: unchanged`);
    t.same(m.map(frame), { ...frame, mapped: false }, `${name}: unchanged the second time too (cached)`);
  }
  const s = m.stats();
  t.equal(s.missing, 2, 'missing: nope.js.map and the remote one');
  t.equal(s.broken, 4, 'broken: bad JSON, version 2, inline garbage, bad mappings');
  t.equal(s.filesWithoutMap, 2, 'no comment at all, or one that is not a comment');
  t.equal(s.framesUnmapped, 16);
  const comments = m.takeComments();
  t.equal(comments.length, 6);
  t.match(comments.join('\n'), /source map broken for .*badjson\.js: bad JSON/);
  t.match(comments.join('\n'), /source map missing for .*missing\.js: ENOENT nope\.js\.map/);
  t.match(comments.join('\n'), /source map broken for .*v2\.js: not a version 3 source map/);
  t.match(comments.join('\n'), /source map broken for .*inline-bad\.js: bad JSON/);
  t.match(comments.join('\n'), /source map missing for .*remote\.js: not a local file/);
  t.match(comments.join('\n'), /source map broken for .*badmappings\.js/);
  t.same(m.takeComments(), [], 'each problem is reported once');
});

t.test('frames that are not files, and a bounded cache', async (t) => {
  const m = new SourceMapper({ maxFiles: 2, maxListed: 1 });
  for (const file of ['node:internal/timers', 'internal/process/task_queues', '', 'evalmachine.<anonymous>', 'wasm://wasm/abc']) {
    t.same(m.map({ file, line: 3, column: 4, name: 'x' }), { file, line: 3, column: 4, name: 'x', mapped: false });
  }
  t.equal(m.stats().cached, 0, 'nothing read for them');
  const dir = join(root, 'lru');
  mkdirSync(dir);
  for (let i = 0; i < 5; i++) {
    writeFileSync(join(dir, `f${i}.js`), `//# sourceMappingURL=gone${i}.map\n`);
    m.map({ file: join(dir, `f${i}.js`), line: 1, column: 1, name: '' });
  }
  t.equal(m.stats().cached, 2, 'at most maxFiles entries');
  t.equal(m.stats().missing, 5);
  const comments = m.takeComments();
  t.equal(comments.length, 2);
  t.match(comments[1], /4 more files with missing or broken source maps/);
  // A missing generated file is not a map problem.
  t.same(m.map({ file: join(dir, 'deleted.js'), line: 1, column: 1, name: 'g' }).mapped, false);
  t.equal(m.stats().missing, 5);
});
