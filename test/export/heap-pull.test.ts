// takeHeapProfile() (for /debug/pprof/heap): the live heap and the period's allocations so far,
// without ending the period; the first call starts the sampler when no heap collector runs.
import t from 'tap';
import { gunzipSync } from 'node:zlib';
import { takeHeapProfile } from '../../dist/src/collect/heap-collector.js';
import { decodeProfile } from '../../dist/src/profile/decode.js';

function holdSite(keep: unknown[], n: number): void {
  for (let i = 0; i < n; i++) keep.push({ i, a: new Array(40).fill(i) });
}

t.test('pull: inuse names the holding site; the period goes on', async (tt) => {
  const first = decodeProfile(gunzipSync(await takeHeapProfile()));
  tt.same(first.sampleType.map((s) => s.type), ['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space']);
  const keep: unknown[] = [];
  holdSite(keep, 200000);
  const p = decodeProfile(gunzipSync(await takeHeapProfile()));
  const fn = new Map(p.function.map((f) => [f.id, f.name]));
  const loc = new Map(p.location.map((l) => [l.id, fn.get(l.line[0].functionId)]));
  let held = 0;
  let total = 0;
  let alloc = 0;
  for (const s of p.sample) {
    total += s.value[3];
    if (s.locationId.some((id) => loc.get(id) === 'holdSite')) {
      held += s.value[3];
      alloc += s.value[1];
    }
  }
  tt.ok(held > 0.5 * total, `holdSite holds ${(held / 1e6).toFixed(1)} MB of ${(total / 1e6).toFixed(1)} MB live`);
  tt.ok(alloc > 0, 'and its allocations are in alloc_space');
  const again = decodeProfile(gunzipSync(await takeHeapProfile()));
  const allocAgain = again.sample.reduce((a, s) => a + s.value[1], 0);
  tt.ok(allocAgain >= 0.5 * alloc, 'a second pull still has the period\'s allocations (the period was not ended)');
  tt.ok(keep.length === 200000);
});
