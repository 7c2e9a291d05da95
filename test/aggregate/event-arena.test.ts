// A recorder's arena (src/transport/event-arena.ts) read by another thread, as the events
// service reads a terminated worker's: the same batch as the recorder's own take(), through
// growth from its small first arena up to its limits, and drops counted past them.
import t from 'tap';
import { Worker } from 'node:worker_threads';
import { Recorder } from '../../dist/src/collect/event-recorder.js';
import { EventArena, arenaBatch } from '../../dist/src/transport/event-arena.js';
import { EVENT_INTS } from '../../dist/src/transport/event-batch.js';

const thread = { kind: 'contention' as const, threadId: 7, threadName: 'w', osThreadId: 70 };

function plain(b: ReturnType<Recorder['take']>): unknown {
  return { ...b, frames: [...b.frames], stacks: [...b.stacks], events: [...b.events], traces: [...b.traces], values: [...b.values], notes: [] };
}

/** Records `n` events on stacks of up to 6 frames with names that need UTF-8 and a long one. */
function record(r: Recorder, n: number): number {
  let added = 0;
  for (let i = 0; i < n; i++) {
    r.beginStack();
    for (let d = 0; d <= i % 6; d++) r.pushFrame(`fn_${i % 97}_${d}_ünï`, d === 5 ? 'x'.repeat(300) : `/app/f${d}.js`, d + 1, i % 13);
    if (r.add(r.endStack(), `lock ${i % 5} ✓`, i, i * 2, i * 3, 0.5)) added++;
  }
  return added;
}

t.test('an arena read from outside equals the batch the thread takes, through growth', async (t) => {
  const r = new Recorder('contention', 4, { maxEvents: 5000, maxFrames: 4000, maxStacks: 40000 });
  const grew: number[] = [];
  const first = r.arena.limits().maxEvents;
  r.onGrow = (a, previous) => {
    t.ok(a.limits().maxEvents >= previous.limits().maxEvents, 'a new arena is no smaller');
    grew.push(a.buffer.byteLength);
  };
  t.equal(record(r, 3000), 3000, 'all 3,000 events recorded');
  t.ok(first < 100 && grew.length >= 4, `started at ${first} events and grew ${grew.length} times (to ${grew.at(-1)} bytes)`);
  const outside = arenaBatch(new EventArena(r.arena.buffer), thread);
  const own = r.take(7, 'w', 70);
  t.same(plain(outside), plain(own), 'decoded tables and strings are the same');
  t.equal(arenaBatch(new EventArena(r.arena.buffer), thread).events.length, 0, 'the arena is empty after take()');
});

t.test('stacks are (parent, frame) nodes shared by the stacks that start alike', async (t) => {
  const r = new Recorder('exceptions', 1, {});
  const stack = (...names: string[]): number => {
    r.beginStack();
    for (const n of names) r.pushFrame(n, '/a.js', 1, 1); // leaf first
    return r.endStack();
  };
  const ab = stack('b', 'a');
  const cb = stack('c', 'b', 'a');
  t.equal(stack('b', 'a'), ab, 'the same stack, the same id');
  t.equal(stack(), -1, 'no frames: the empty stack');
  const b = r.take(0, 'main', 1);
  t.equal(b.stacks.length / 2, 3, 'a, a>b, a>b>c: three nodes');
  t.equal(b.stacks[cb * 2], ab, "c's parent is a>b");
  t.equal(b.stacks[b.stacks[ab * 2]! * 2], -1, 'a is a root');
});

t.test('past the limits events are dropped and counted, in the arena too', async (t) => {
  const r = new Recorder('contention', 4, { maxEvents: 100, maxFrames: 50, maxStacks: 300 });
  const added = record(r, 400);
  t.ok(added <= 100 && added > 0, `${added} of 400 recorded`);
  const outside = arenaBatch(new EventArena(r.arena.buffer), thread);
  t.equal(outside.dropped, 400 - added, `${400 - added} drops counted`);
  t.equal(outside.events.length / EVENT_INTS, added, 'the recorded ones are there');
});

t.test('another thread reads the arena of a worker ended by terminate() in the middle of recording', async (t) => {
  const url = new URL('../../dist/src/collect/event-recorder.js', import.meta.url).href;
  const src = `
    const { parentPort } = require('node:worker_threads');
    import(${JSON.stringify(url)}).then(({ Recorder }) => {
      const r = new Recorder('exceptions', 1, {});
      r.onGrow = (a) => parentPort.postMessage(a.buffer);
      parentPort.postMessage(r.arena.buffer);
      for (let i = 0; ; i++) {
        r.beginStack();
        r.pushFrame('f' + (i % 1000), '/w.js', i % 1000, 1);
        if (!r.add(r.endStack(), 'Error', 1)) r.take(1, 'w', 1);
      }
    });`;
  const w = new Worker(src, { eval: true });
  let latest: SharedArrayBuffer | null = null;
  w.on('message', (b: SharedArrayBuffer) => (latest = b));
  await new Promise((resolve) => setTimeout(resolve, 300));
  await w.terminate();
  const b = arenaBatch(new EventArena(latest!), { ...thread, kind: 'exceptions' });
  const n = b.events.length / EVENT_INTS;
  t.ok(n > 0, `${n} events readable`);
  let consistent = true;
  for (let e = 0; e < n; e++) {
    const stack = b.events[e * EVENT_INTS]!;
    const [parent, frame] = [b.stacks[stack * 2]!, b.stacks[stack * 2 + 1]!];
    const name = b.strings[b.frames[frame * 4]!];
    if (!(stack * 2 < b.stacks.length && parent === -1 && name === `f${b.frames[frame * 4 + 2]}` && b.strings[b.events[e * EVENT_INTS + 1]!] === 'Error')) consistent = false;
  }
  t.ok(consistent, 'every event refers to a recorded stack, frame and strings');
});
