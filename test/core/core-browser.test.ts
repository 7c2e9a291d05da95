// The browser entry imports no Node built-ins, on any path: walk its static import graph.
import t from 'tap';
import { builtinModules } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const entry = fileURLToPath(new URL('../../dist/src/browser.js', import.meta.url));

t.test('dist/src/browser.js reaches only our modules and pako', async (t) => {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const queue = [entry];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm)) {
      const spec = m[1] ?? m[2] ?? m[3];
      t.notOk(builtins.has(spec), `${file.replace(/.*dist\//, 'dist/')} imports ${spec}`);
      if (spec.startsWith('.')) queue.push(resolve(dirname(file), spec));
      else packages.add(spec);
    }
  }
  t.same([...packages].sort(), ['pako']);
  t.ok(seen.size >= 8, `${seen.size} modules checked`);
  const all = [...seen].map((f) => readFileSync(f, 'utf8')).join('\n');
  t.notMatch(all, /\brequire\(|\bprocess\.|\bBuffer\b/, 'no require(), process or Buffer');
});

t.test('the browser entry works with async init', async (t) => {
  const api = await import('../../dist/src/browser.js');
  await api.initWasm();
  const b = await api.ProfileBuilder.create({ sampleTypes: [{ type: 'samples', unit: 'count' }] });
  b.addSample([{ name: 'f', file: 'f.js', line: 1 }], [3]);
  const p = api.decodeProfile(b.encode());
  t.equal(p.sample[0].value[0], 3);
  t.equal(typeof api.gzip, 'function');
});
