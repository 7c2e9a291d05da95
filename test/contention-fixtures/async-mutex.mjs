// Three handlers share one async-mutex Mutex and hold it for known times (0.2, 0.4, 0.6 ms of
// work), each through another API: acquire()/release(), runExclusive(), withTimeout().acquire().
// The truth is each handler's measured hold time.
//   node async-mutex.mjs <lockShare> <iterations>
import { Mutex, Semaphore, withTimeout } from 'async-mutex';
import { createContentionCollector } from '../../dist/src/collect/contention-collector.js';
import { resolveSettings } from '../../dist/src/common/settings.js';
import { samplesOf, periodNow } from './events-summary.mjs';

const [share = '0.1', iterations = '1500'] = process.argv.slice(2);
const collector = createContentionCollector(resolveSettings({ profiles: 'contention', lockShare: Number(share) }, {}, {}), { lockSamplesPerSecond: Infinity, atomics: false });
const start = Date.now();
await new Promise((r) => setTimeout(r, 50)); // the ES module build is instrumented asynchronously

function spin(ms) {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

const mutex = new Mutex();
const timed = withTimeout(mutex, 10_000);
const truth = { plainHandler: 0, exclusiveHandler: 0, timeoutHandler: 0 };

async function plainHandler() {
  const release = await mutex.acquire();
  const t = performance.now();
  spin(0.2);
  truth.plainHandler += performance.now() - t;
  release();
}
async function exclusiveHandler() {
  await mutex.runExclusive(() => {
    const t = performance.now();
    spin(0.4);
    truth.exclusiveHandler += performance.now() - t;
  });
}
async function timeoutHandler() {
  const release = await timed.acquire();
  const t = performance.now();
  spin(0.6);
  truth.timeoutHandler += performance.now() - t;
  release();
}
// A semaphore nobody waits for, so that the profile has a second lock.
const sem = new Semaphore(4);
async function semaphoreHandler() {
  const [, release] = await sem.acquire();
  release();
}

const n = Number(iterations);
const loop = async (fn) => { for (let i = 0; i < n; i++) await fn(); };
await Promise.all([loop(plainHandler), loop(exclusiveHandler), loop(timeoutHandler), loop(semaphoreHandler)]);
const bytes = await collector.stop(periodNow(start), []);
console.log('RESULT ' + JSON.stringify({ truth, profile: samplesOf(bytes) }));
