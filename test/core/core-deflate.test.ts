// The WASM core's gzip (assembly/deflate.ts) against two independent inflaters: Node's zlib
// and pako. Edge sizes, every level, skewed frequencies that need length-limited codes.
import t from 'tap';
import zlib from 'node:zlib';
import { ungzip } from 'pako';
import { Core } from '../../dist/src/wasm/core.js';

const core = new Core();
core.x.resetAll();
function wasmGzip(data: Uint8Array, level: number): Uint8Array {
  const p = core.x.scratch(Math.max(8, data.length)) >>> 0;
  core.u8.set(data, p);
  const q = core.x.gzipBytes(p, data.length, level) >>> 0;
  return core.u8.slice(q, q + core.x.gzipLength());
}

let seed = 42;
const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;

function check(t: Tap.Test, name: string, data: Uint8Array, levels = [0, 1, 6, 9]): void {
  for (const level of levels) {
    const gz = wasmGzip(data, level);
    let ok = false;
    try {
      const a = zlib.gunzipSync(gz);
      const b = ungzip(gz);
      ok = Buffer.from(data).equals(a) && Buffer.from(data).equals(Buffer.from(b));
    } catch (e) {
      t.fail(`${name} level ${level}: ${(e as Error).message}`);
      return;
    }
    if (!ok) {
      t.fail(`${name} level ${level}: round trip differs`);
      return;
    }
  }
  t.pass(name);
}

t.test('edge sizes and shapes', async (t) => {
  for (const n of [0, 1, 2, 3, 4, 5, 7, 8, 9, 257, 258, 259, 32767, 32768, 32769, 70000]) {
    check(t, `${n} zeros`, new Uint8Array(n));
    check(t, `${n} random`, Uint8Array.from({ length: n }, () => rnd(256)));
  }
  check(t, 'all byte values', Uint8Array.from({ length: 4096 }, (_, i) => i & 255));
  check(t, 'long runs of one byte', new Uint8Array(300_000).fill(7));
  const far = new Uint8Array(100_000);
  for (let i = 0; i < far.length; i++) far[i] = i < 32768 ? rnd(256) : far[i - 32768 + (i % 3)];
  check(t, 'matches at the edge of the window', far);
  const text = new TextEncoder().encode('profile sample location function string_table '.repeat(5000));
  check(t, 'text', text);
});

t.test('skewed frequencies need codes limited to 15 bits', async (t) => {
  // byte i appears fib(i) times; Huffman-only (level 0) makes every byte a literal
  const fib = [1, 1];
  while (fib.length < 27) fib.push(fib[fib.length - 1] + fib[fib.length - 2]);
  const bytes: number[] = [];
  fib.forEach((f, i) => {
    for (let k = 0; k < f; k++) bytes.push(i);
  });
  for (let i = bytes.length - 1; i > 0; i--) {
    const j = rnd(i + 1);
    [bytes[i], bytes[j]] = [bytes[j], bytes[i]];
  }
  check(t, `fibonacci frequencies (${bytes.length} bytes)`, Uint8Array.from(bytes), [0, 1]);
});

t.test('random mixtures', async (t) => {
  let ok = 0;
  for (let i = 0; i < 150; i++) {
    const n = rnd(5) === 0 ? rnd(200_000) : rnd(4000);
    const alphabet = 1 + rnd(256);
    const a = new Uint8Array(n);
    for (let k = 0; k < n; k++) a[k] = rnd(3) ? rnd(alphabet) : a[Math.max(0, k - 1 - rnd(40_000))];
    const level = rnd(10);
    const gz = wasmGzip(a, level);
    if (Buffer.from(a).equals(zlib.gunzipSync(gz))) ok++;
  }
  t.equal(ok, 150);
});
