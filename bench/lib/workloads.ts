// Workloads shared by the scenarios. Each is fixed work, so that runs with and without a
// profiler compare like with like.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { root } from './common.js';

/** A leaf that allocates, hashes a JSON string and does integer arithmetic. */
export function leaf(n: number): number {
  const o = { n, s: 'x' + n, a: [n, n * 2, n * 3] };
  const j = JSON.stringify(o);
  let h = 0;
  for (let i = 0; i < j.length; i++) h = (h * 31 + j.charCodeAt(i)) | 0;
  for (let i = 0; i < 200; i++) h ^= Math.imul(h + i, 2654435761);
  return h;
}

type Fn = (n: number, d: number) => number;
const chain: Fn[] = [];
for (let k = 0; k < 33; k++) {
  // 33 distinct small functions calling each other down to the leaf: a deep, varied stack.
  const f: Fn = new Function('chain', 'leaf',
    `return function step${k}(n, d) { return d <= 0 ? leaf(n + ${k}) : chain[(n + d + ${k}) % chain.length](n + 1, d - 1) + ${k}; }`)(chain, leaf);
  chain.push(f);
}

/** CPU-bound: `iterations` calls down a 24-deep chain of the 33 functions. */
export function chainWork(iterations: number, from = 0): number {
  let s = 0;
  for (let i = from; i < from + iterations; i++) s = (s + chain[i % chain.length](i, 24)) | 0;
  return s;
}

/** A node:http JSON service (20 items rendered per request) on an ephemeral port. */
export function jsonServer(onRequest: () => void): http.Server {
  let n = 0;
  return http.createServer((req, res) => {
    onRequest();
    n++;
    const items = [];
    for (let i = 0; i < 20; i++) items.push({ id: i, name: `item-${i}`, score: leaf(i + n) });
    const body = JSON.stringify({ url: req.url, items });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
}

// ------------------------------------------------------------------ builtin-heavy 70/30
// sortHeavy spends its time inside one long builtin (a Float64Array sort), jsLoop in plain JS;
// each measures its own wall time (the truth). Sizes are calibrated so that sortHeavy is ~70%.
const arr = new Float64Array(200_000);
for (let i = 0; i < arr.length; i++) arr[i] = ((i * 2654435761) % 1000003) / 1000003;
let loopN = 100_000;

export function sortHeavy(): number {
  return arr.slice().sort()[7];
}
export function jsLoop(): number {
  let x = 0;
  for (let i = 0; i < loopN; i++) x += Math.sqrt(i) * 1.0001;
  return x;
}

/** Runs the 70/30 loop for `ms`; returns the truth (ms of wall in each function). */
export function builtin7030(ms: number): { sortHeavy: number; jsLoop: number } {
  // Calibrate, once warm (both optimised): jsLoop to 3/7 of one sortHeavy call, twice.
  for (let i = 0; i < 10; i++) {
    sortHeavy();
    jsLoop();
  }
  for (let pass = 0; pass < 2; pass++) {
    let ts = 0;
    let tl = 0;
    for (let i = 0; i < 8; i++) {
      let t = performance.now();
      sortHeavy();
      ts += performance.now() - t;
      t = performance.now();
      jsLoop();
      tl += performance.now() - t;
    }
    loopN = Math.max(1000, Math.round((loopN * (ts * 3 / 7)) / tl));
  }
  const truth = { sortHeavy: 0, jsLoop: 0 };
  let sink = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    let t = performance.now();
    sink += sortHeavy();
    const t2 = performance.now();
    truth.sortHeavy += t2 - t;
    t = t2;
    sink += jsLoop();
    truth.jsLoop += performance.now() - t;
  }
  if (sink === 42) console.log('');
  return truth;
}

// ------------------------------------------------------------------ a real library
/** TypeScript's parser over lib.dom.d.ts (1.9 MB), repeatedly, for `ms`. Returns parses done. */
export function typescriptParse(ms: number): number {
  const require = createRequire(import.meta.url);
  const ts = require('typescript') as {
    createSourceFile(name: string, text: string, target: number, setParents: boolean): { statements: unknown[] };
    ScriptTarget: { Latest: number };
  };
  const text = readFileSync(path.join(root, 'node_modules', 'typescript', 'lib', 'lib.dom.d.ts'), 'utf8');
  let n = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    n += ts.createSourceFile(`dom${n}.d.ts`, text, ts.ScriptTarget.Latest, true).statements.length > 0 ? 1 : 0;
  }
  return n;
}
