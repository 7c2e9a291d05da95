// watchThreadEnd (native/src/thread_end.cc): a worker's watched SharedArrayBuffer slot becomes 1
// once the worker's environment has gone, however it ends (its script ends, process.exit in it,
// terminate() while it runs JS), and a watch moved to a new buffer marks the new one and lets
// the old one go. 200 workers come and go, a few at a time.
import t from 'tap';
import { Worker } from 'node:worker_threads';
import { loadNative } from '../../dist/src/collect/native.js';

const addon = loadNative()!;
const native = new URL('../../dist/src/collect/native.js', import.meta.url).href;

/** A worker that watches slot 0 of `first` (and moves the watch to `second` when given), then ends the `how` way. */
function worker(how: 'end' | 'exit' | 'terminate', first: SharedArrayBuffer, second?: SharedArrayBuffer): Promise<void> {
  const src = `
    const { workerData, parentPort } = require('node:worker_threads');
    import(${JSON.stringify(native)}).then(({ loadNative }) => {
      const addon = loadNative();
      addon.watchThreadEnd(workerData.first, 0);
      if (workerData.second) addon.watchThreadEnd(workerData.second, 0, workerData.first);
      if (workerData.how === 'exit') process.exit(0);
      if (workerData.how === 'terminate') { parentPort.postMessage('busy'); for (;;); }
    });`;
  const w = new Worker(src, { eval: true, workerData: { how, first, second } });
  if (how === 'terminate') w.once('message', () => void w.terminate());
  return new Promise((resolve, reject) => {
    w.once('exit', () => resolve());
    w.once('error', reject);
  });
}

t.test('the slot is 0 while the thread lives, 1 once it has ended, whatever the way', async (t) => {
  const ways = ['end', 'exit', 'terminate'] as const;
  const marked = { end: 0, exit: 0, terminate: 0 };
  const moved = { kept: 0, markedOld: 0 };
  for (let round = 0; round < 50; round++) {
    const runs = ways.map(async (how) => {
      const sab = new SharedArrayBuffer(8);
      await worker(how, sab);
      if (Atomics.load(new Int32Array(sab), 0) === 1) marked[how]++;
    });
    const first = new SharedArrayBuffer(8);
    const second = new SharedArrayBuffer(8);
    runs.push(worker('terminate', first, second).then(() => {
      if (Atomics.load(new Int32Array(second), 0) === 1) moved.kept++;
      if (Atomics.load(new Int32Array(first), 0) === 1) moved.markedOld++;
    }));
    await Promise.all(runs);
  }
  t.same(marked, { end: 50, exit: 50, terminate: 50 }, 'every ended worker marked its slot');
  t.same(moved, { kept: 50, markedOld: 0 }, 'a moved watch marks the new buffer only');
});

t.test('on this thread: bad arguments are refused with a one-line error', async (t) => {
  t.throws(() => addon.watchThreadEnd(new ArrayBuffer(8) as unknown as SharedArrayBuffer, 0), /SharedArrayBuffers/);
  t.throws(() => addon.watchThreadEnd(new SharedArrayBuffer(8), 2), /outside the buffer/);
  const sab = new SharedArrayBuffer(8);
  addon.watchThreadEnd(sab, 1);
  t.equal(Atomics.load(new Int32Array(sab), 1), 0, 'not marked while this thread lives');
});
