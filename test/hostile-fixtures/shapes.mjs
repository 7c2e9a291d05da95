// Code shapes a profiler must name sensibly, each run for 300 ms of CPU, profiled at 1 ms:
// a 100 KB function name, a 100 KB data: URL as a script name, a script name that is not valid
// UTF-16 (lone surrogates), an empty script name, eval, new Function, and WebAssembly with and
// without a name section.
// usage: node shapes.mjs OUT.pb.gz
import { writeFileSync } from 'node:fs';
import vm from 'node:vm';
import { wasmModuleBytes } from './wasm-module.mjs';

const { startTimeProfiler } = await import(new URL('../../dist/src/collect/time-profiler.js', import.meta.url).href);

const LOOP = 'let x = 0; for (let i = 0; i < 1e5; i++) x += i; return x;';
function burn(ms, f) {
  const end = performance.now() + ms;
  while (performance.now() < end) f();
}

const p = startTimeProfiler({ intervalMicros: 1000, periodMs: 600_000 });

const longName = eval(`(function ${'L'.repeat(100_000)}() { ${LOOP} })`);
burn(300, longName);

const dataUrl = 'data:text/javascript,' + encodeURIComponent(`export function inDataUrl() { ${LOOP} }\n//${'d'.repeat(100_000)}`);
const { inDataUrl } = await import(dataUrl);
burn(300, inDataUrl);

burn(300, vm.runInThisContext(`(function inBadName() { ${LOOP} })`, { filename: '/srv/\uD800bad\uDFFF.js' }));
burn(300, vm.runInThisContext(`(function inEmptyName() { ${LOOP} })`, { filename: '' }));
burn(300, eval(`(function inEval() { ${LOOP} })`));
burn(300, new Function(LOOP));

const named = (await WebAssembly.instantiate(wasmModuleBytes('spinLoop'))).instance.exports.spin;
burn(300, () => named(1e6));
const unnamed = (await WebAssembly.instantiate(wasmModuleBytes(null))).instance.exports.spin;
burn(300, () => unnamed(1e6));

writeFileSync(process.argv[2], await p.flush());
await p.stop();
