// Two workers contend for lock A (slot 0 of a SharedArrayBuffer) and hold it for HOLD_MS each
// time; each also takes its own lock (slot 1 or 2), which nobody else wants. Each worker
// measures its own truth: time spent waiting for A, acquires of each lock.
//   node locks.mjs <atomics|track> <lockShare> <seconds> [lockSamplesPerSecond]
// Mode atomics: the lock is a plain Atomics mutex, seen through the Atomics.wait/notify hooks.
// Mode track: the same mutex reports through trackLock() (Atomics hooks off).
import { Worker, isMainThread, parentPort, workerData, threadId } from 'node:worker_threads';
import { createContentionCollector, trackLock } from '../../dist/src/collect/contention-collector.js';
import { resolveSettings } from '../../dist/src/common/settings.js';
import { samplesOf, periodNow } from './events-summary.mjs';

const HOLD_MS = 1;
const WORK_MS = 0.2;

function spin(ms) {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

if (isMainThread) {
  const [mode = 'atomics', share = '0.1', seconds = '3', budget = 'Infinity'] = process.argv.slice(2);
  const settings = resolveSettings({ profiles: 'contention', lockShare: Number(share) }, {}, {});
  const opts = { lockSamplesPerSecond: Number(budget), atomics: mode === 'atomics', asyncMutex: false };
  const collector = createContentionCollector(settings, opts);
  const start = Date.now();
  const sab = new SharedArrayBuffer(64);
  const workers = [1, 2].map((i) => new Worker(new URL(import.meta.url), { workerData: { sab, mine: i, mode, opts, share: Number(share), seconds: Number(seconds) }, name: `locker-${i}` }));
  const truths = await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
  const bytes = await collector.stop(periodNow(start), []);
  for (const w of workers) w.postMessage('exit');
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('exit', resolve))));
  const s = samplesOf(bytes);
  console.log('RESULT ' + JSON.stringify({ truths, profile: s }));
} else {
  const { sab, mine, mode, opts, share, seconds } = workerData;
  const collector = createContentionCollector(resolveSettings({ profiles: 'contention', lockShare: share }, {}, {}), opts);
  const ta = new Int32Array(sab);
  const tracked = mode === 'track' ? [trackLock('lock A'), trackLock('lock B1'), trackLock('lock B2')] : null;
  const truth = { inWait: 0, calls: 0, threadId, waitNs: [0, 0, 0], acquires: [0, 0, 0], holdNs: [0, 0, 0] };
  function lockSlot(i) {
    const tl = tracked?.[i];
    const tok = tl ? tl.acquiring() : 0;
    const t0 = performance.now();
    while (Atomics.compareExchange(ta, i, 0, 1) !== 0) {
      const w0 = performance.now();
      Atomics.wait(ta, i, 1);
      truth.inWait += (performance.now() - w0) * 1e6; // time blocked in Atomics.wait (all locks: only A waits)
      truth.calls++;
    }
    truth.waitNs[i] += (performance.now() - t0) * 1e6;
    truth.acquires[i]++;
    tl?.acquired(tok);
    return performance.now();
  }
  function unlockSlot(i, since) {
    truth.holdNs[i] += (performance.now() - since) * 1e6;
    Atomics.store(ta, i, 0);
    tracked?.[i].released(); // the lock is free from here (notify can take a while on a busy machine)
    Atomics.notify(ta, i, 1);
  }
  function holdA() { const t = lockSlot(0); spin(HOLD_MS); unlockSlot(0, t); }
  function holdB() { const t = lockSlot(mine); spin(0.1); unlockSlot(mine, t); }
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    holdA();
    spin(WORK_MS);
    holdB();
  }
  parentPort.postMessage(truth);
  parentPort.once('message', async () => {
    await collector.stop();
    process.exit(0);
  });
}
