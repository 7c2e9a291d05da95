// The aggregation worker's source-map cache (src/aggregate/frame-mapper.ts) is bounded: frames of
// 1,000-character names and files past its limit of 100,000 entries do not grow memory further.
import t from 'tap';
import v8 from 'node:v8';
import vm from 'node:vm';
import { createFrameMapper } from '../../dist/src/aggregate/frame-mapper.js';

t.test('300,000 distinct frames of 1,000-character names and files: memory bounded', async (t) => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const file = `/srv/${'f'.repeat(1000)}.js`;
  const names = Array.from({ length: 20_000 }, (_, i) => `${i}`.padStart(1000, 'n'));
  const m = createFrameMapper();
  let same = 0;
  const lines = (from: number, to: number) => {
    for (let line = from; line <= to; line++) {
      for (const name of names) {
        const f = { name, file, line };
        if (m.map(f) === f) same++;
        if (m.map({ name, file, line }) === f) same++; // a second lookup answers from the cache
      }
    }
  };
  const heap = () => {
    gc();
    return process.memoryUsage().heapUsed;
  };
  const before = heap();
  lines(1, 5);
  const at100k = heap() - before;
  lines(6, 15);
  const at300k = heap() - before;
  const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
  t.equal(same, 600_000, 'unmapped frames come back as they were, the second time from the cache');
  t.ok(at100k < 40 * 2 ** 20, `heap grew ${mb(at100k)} for 100,000 cached frames`);
  t.ok(at300k < 1.5 * at100k, `and ${mb(at300k)} after 300,000`);
  m.provide(file, { version: 3, sources: [], names: [], mappings: '' });
  const again = { name: names[0], file, line: 15 };
  t.equal(m.map(again), again, 'after a map arrives for the file its frames are looked up again');
});
