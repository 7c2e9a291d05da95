// 100,000 distinct stacks in one period: the aggregation worker keeps at most
// MAX_STACKS_PER_PERIOD of them (and MAX_LOCATIONS_PER_PERIOD frames), counts the rest on one
// `(stacks over the limit)` frame, says so in a comment, loses no sample, stays small in memory
// and encodes as fast as a profile at the limit. The batches are made up
// (test/fixtures/hostile/synthetic-batch.ts): real sampling at 100 Hz would need 17 minutes of
// a program that never repeats a stack.
import t from 'tap';
import { ProfileBuilder, decodeProfile } from '../../dist/src/index.js';
import { attachService } from '../../dist/src/transport/aggregation-host.js';
import type { Profile } from '../../dist/src/index.js';
import { IDLE, ThreadTable, batchFrames, expandBatch } from '../../dist/src/aggregate/stack-batch.js';
import { MAX_LOCATIONS_PER_PERIOD, MAX_STACKS_PER_PERIOD, OVER_LIMIT, StackCap, stackLocations } from '../../dist/src/aggregate/stack-cap.js';
import { syntheticBatch } from '../fixtures/hostile/synthetic-batch.js';
import type { SyntheticOptions } from '../fixtures/hostile/synthetic-batch.js';

/** Sends `batches` batches of `perBatch` distinct stacks to a real aggregation worker; one period. */
async function aggregate(shape: SyntheticOptions['shape'], batches: number, perBatch: number) {
  const svc = attachService('time', { intervalMicros: 10000, outputs: { time: true } });
  const w = svc.port;
  try {
    const got = new Promise<{ bytes: Uint8Array; meta: { samples: number } }>((resolve, reject) => {
      svc.onFailure(reject);
      w.on('message', (m: { code: number; bytes: Uint8Array; meta: { samples: number }; message?: string }) => {
        if (m.code === 3) resolve(m);
        else reject(new Error(`aggregator: ${m.message}`));
      });
    });
    let stringBase = 0;
    let wallNs = 0;
    for (let k = 0; k < batches; k++) {
      const s = syntheticBatch({ samples: perBatch, shape, first: k * perBatch, stringBase });
      stringBase = s.nextStringBase;
      wallNs += s.wallNs;
      w.postMessage({ code: 1, kind: 'time', seq: 1, batch: s.batch });
    }
    w.postMessage({ code: 2, kind: 'time', seq: 1, threads: [], timeoutMs: 0, timeNanos: '1700000000000000000', durationNanos: 60e9 });
    const out = await got;
    return { ...out, wallNs, profile: decodeProfile(out.bytes) };
  } finally {
    svc.release();
  }
}

const sum = (p: Profile, i: number) => p.sample.reduce((a, s) => a + s.value[i], 0);
const isOver = (p: Profile) => {
  const fn = p.function.find((f) => f.name === OVER_LIMIT);
  const loc = fn && p.location.find((l) => l.line[0].functionId === fn.id);
  return (s: Profile['sample'][number]) => loc !== undefined && s.locationId.length === 1 && s.locationId[0] === loc.id;
};

t.test('100,000 distinct stacks of 200 functions: 20,000 kept, the rest counted', async (t) => {
  const n = 100_000;
  const r = await aggregate('combinations', 4, n / 4);
  const p = r.profile;
  const over = isOver(p);
  t.equal(sum(p, 0), n, 'samples in the profile = samples sent');
  t.equal(sum(p, 1), r.wallNs, 'wall in the profile = wall sent');
  const kept = p.sample.filter((s) => !over(s));
  const folded = p.sample.filter(over);
  t.equal(kept.length, MAX_STACKS_PER_PERIOD, `distinct stacks kept (${kept.length})`);
  t.equal(folded.reduce((a, s) => a + s.value[0], 0), n - MAX_STACKS_PER_PERIOD, 'the others are on the over-limit frame');
  t.ok(p.location.length <= 200 * 7 + 20, `${p.location.length} locations (200 functions at 7 lines, and the callers)`);
  const note = p.comment.find((c) => c.includes(OVER_LIMIT));
  t.match(note, new RegExp(`^hotpath: ${n - MAX_STACKS_PER_PERIOD} samples on stacks past the limit`), 'counted in a comment');
  t.ok(r.bytes.length < 2_000_000, `profile ${(r.bytes.length / 1024).toFixed(0)} KiB`);
});

t.test('100,000 distinct functions: 20,000 frames kept, the rest counted', async (t) => {
  const n = 100_000;
  const r = await aggregate('functions', 4, n / 4);
  const p = r.profile;
  const over = isOver(p);
  t.equal(sum(p, 0), n, 'samples in the profile = samples sent');
  t.ok(p.location.length <= MAX_LOCATIONS_PER_PERIOD + 1, `${p.location.length} locations (limit ${MAX_LOCATIONS_PER_PERIOD} + the over-limit frame)`);
  const folded = p.sample.filter(over).reduce((a, s) => a + s.value[0], 0);
  const kept = p.sample.filter((s) => !over(s)).reduce((a, s) => a + s.value[0], 0);
  // The 4 shared frames (main..route) and the first ~20,000 generated ones fill the limit.
  t.ok(kept >= MAX_LOCATIONS_PER_PERIOD - 10 && kept <= MAX_LOCATIONS_PER_PERIOD, `${kept} samples kept`);
  t.equal(folded, n - kept, `${folded} on the over-limit frame`);
  t.ok(p.comment.some((c) => c.startsWith(`hotpath: ${folded} samples on stacks past the limit`)), 'counted in a comment');
});

// The aggregation path in this thread (expand, cap, builder), to read the core's memory and
// time the encoding alone.
async function inProcess(samples: number, cap: boolean) {
  const b = await ProfileBuilder.create({ sampleTypes: [{ type: 'samples', unit: 'count' }, { type: 'wall', unit: 'nanoseconds' }, { type: 'cpu', unit: 'nanoseconds' }] });
  const sc = new StackCap(b, cap ? MAX_STACKS_PER_PERIOD : Infinity, cap ? MAX_LOCATIONS_PER_PERIOD : Infinity);
  const table = new ThreadTable(0);
  let stringBase = 0;
  const per = Math.min(samples, 25_000);
  for (let k = 0; k < samples / per; k++) {
    const s = syntheticBatch({ samples: per, shape: 'combinations', first: k * per, stringBase });
    stringBase = s.nextStringBase;
    table.learn(s.batch);
    const frames = batchFrames(table, s.batch);
    const idsOf = stackLocations(sc, frames, s.batch.stacks);
    expandBatch(table, s.batch, frames, (_f, values, labels, _i, stack) => sc.addIds(stack >= 0 ? idsOf(stack) : [sc.locationOf(IDLE)], values, labels));
  }
  const held = sc.size.stacks;
  sc.endPeriod();
  const t0 = performance.now();
  const bytes = b.encode();
  const encodeMs = performance.now() - t0;
  const memory = (b as unknown as { core: { x: { memory: WebAssembly.Memory } } }).core.x.memory.buffer.byteLength;
  return { held, bytes, encodeMs, memory };
}

t.test('the capped profile encodes as fast as one at the limit', async (t) => {
  const atLimit: number[] = [];
  const over: number[] = [];
  for (let k = 0; k < 3; k++) {
    atLimit.push((await inProcess(MAX_STACKS_PER_PERIOD, true)).encodeMs);
    over.push((await inProcess(100_000, true)).encodeMs);
  }
  const median = (a: number[]) => [...a].sort((x, y) => x - y)[1];
  t.ok(median(over) < 2 * median(atLimit) + 20,
    `encode: median ${median(over).toFixed(1)} ms with 100,000 stacks sent, ${median(atLimit).toFixed(1)} ms with ${MAX_STACKS_PER_PERIOD}`);
});

t.test('memory: the WASM core holds what the limits allow, not what was sent', async (t) => {
  const capped100k = await inProcess(100_000, true);
  const capped200k = await inProcess(200_000, true);
  const uncapped200k = await inProcess(200_000, false);
  t.equal(capped200k.held, MAX_STACKS_PER_PERIOD, 'stacks held with the limits');
  t.equal(uncapped200k.held, 200_000, 'stacks held without');
  const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
  t.ok(capped200k.memory <= capped100k.memory * 1.25, `capped: ${mb(capped100k.memory)} for 100,000 stacks sent, ${mb(capped200k.memory)} for 200,000`);
  t.ok(uncapped200k.memory > capped200k.memory * 2, `without the limits 200,000 stacks take ${mb(uncapped200k.memory)}`);
});
