// Atomics.wait / Atomics.waitAsync / Atomics.notify, wrapped while the contention profile runs
// on this thread (and put back at stop).
//
// Locks built on SharedArrayBuffers (worker threads) wait with Atomics.wait when the lock is
// taken and wake a waiter with Atomics.notify when they release it. So here an acquire is a wait
// (an uncontended acquire never calls Atomics and is not seen), its wait is the time spent in
// Atomics.wait (or until the waitAsync promise settles), and its release is the next
// Atomics.notify on the same slot by the same thread, with the hold from the wait's end.
//
// A lock here is a slot of a SharedArrayBuffer. JavaScript cannot tell where that buffer was
// made once it crossed threads, so the `lock name` is the place that waits (the lock
// implementation's acquire, file:line), the buffer's size and the slot:
// `lock.js:12 [SharedArrayBuffer 64 B, slot 3]`. nameAtomicsLock() gives a slot a better name.
import { LONG_WAIT_NS, captureSites, nowNs, state } from './contention-state.js';
import { siteWhere } from './event-recorder.js';

type View = Int32Array | BigInt64Array;
type WaitFn = (ta: View, index: number, value: number | bigint, timeout?: number) => 'ok' | 'not-equal' | 'timed-out';
type WaitAsyncResult = { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
type WaitAsyncFn = (ta: View, index: number, value: number | bigint, timeout?: number) => WaitAsyncResult;
type NotifyFn = (ta: View, index: number, count?: number) => number;

const A = Atomics as unknown as { wait: WaitFn; waitAsync?: WaitAsyncFn; notify: NotifyFn };
let original: { wait: WaitFn; waitAsync?: WaitAsyncFn; notify: NotifyFn } | null = null;

/** User names of slots: buffer -> slot -> name (per thread: each thread sees its own buffer object). */
const names = new WeakMap<ArrayBufferLike, Map<number, string>>();
/** Sampled waits whose release has not been seen yet: buffer -> slot -> hold start (ns). */
const held = new WeakMap<ArrayBufferLike, Map<number, { start: number; name: string; scale: number }>>();
let heldCount = 0;

function slotOf(ta: View, index: number): number {
  return ta.byteOffset / ta.BYTES_PER_ELEMENT + index;
}

/** Names slot `index` of `view` (Int32Array or BigInt64Array over a SharedArrayBuffer) on this thread. */
export function nameAtomicsLock(view: View, index: number, name: string): void {
  if (!(view instanceof Int32Array || view instanceof BigInt64Array)) throw new TypeError('hotpath: nameAtomicsLock(view, index, name): view must be an Int32Array or BigInt64Array');
  let m = names.get(view.buffer);
  if (!m) {
    m = new Map();
    names.set(view.buffer, m);
  }
  m.set(slotOf(view, index), String(name));
}

function lockName(ta: View, index: number, sites: ReturnType<typeof captureSites>): string {
  const slot = slotOf(ta, index);
  const given = names.get(ta.buffer)?.get(slot);
  if (given !== undefined) return given;
  const where = sites.length > 0 ? siteWhere(sites[0]) : '(unknown)';
  return `${where} [SharedArrayBuffer ${ta.buffer.byteLength} B, slot ${slot}]`;
}

function hold(ta: View, index: number, name: string, scale: number): void {
  let m = held.get(ta.buffer);
  if (!m) {
    m = new Map();
    held.set(ta.buffer, m);
  }
  if (!m.has(slotOf(ta, index))) heldCount++;
  m.set(slotOf(ta, index), { start: nowNs(), name, scale });
}

export function installAtomics(): void {
  if (original) return;
  const orig = { wait: A.wait, waitAsync: A.waitAsync, notify: A.notify };
  original = orig;

  // Every wait is timed (two clock reads, next to a futex wait): long ones are always recorded.
  A.wait = function wait(ta, index, value, timeout) {
    const s = state;
    if (s === null) return orig.wait.call(Atomics, ta, index, value, timeout);
    const sampled = --s.countdown <= 0;
    if (sampled) s.countdown = s.next();
    const t0 = nowNs();
    const r = orig.wait.call(Atomics, ta, index, value, timeout);
    const waited = nowNs() - t0;
    if (!sampled && waited < LONG_WAIT_NS) return r;
    const scale = waited >= LONG_WAIT_NS ? 1 : s.scale;
    try {
      const sites = captureSites(wait);
      const name = lockName(ta, index, sites);
      s.acquire(name, waited, sites, scale);
      if (r !== 'timed-out') hold(ta, index, name, scale);
    } catch {
      // never turn the profiler's trouble into the application's
    }
    return r;
  };

  if (orig.waitAsync) {
    const waitAsync = orig.waitAsync;
    A.waitAsync = function waitAsyncWrapped(ta, index, value, timeout) {
      const s = state;
      if (s === null || --s.countdown > 0) return waitAsync.call(Atomics, ta, index, value, timeout);
      s.countdown = s.next();
      const scale = s.scale;
      const t0 = nowNs();
      const r = waitAsync.call(Atomics, ta, index, value, timeout);
      try {
        const sites = captureSites(waitAsyncWrapped);
        const name = lockName(ta, index, sites);
        if (!r.async) {
          s.acquire(name, nowNs() - t0, sites, scale);
        } else {
          // A reaction on the same promise: the application's own reactions are not delayed.
          r.value.then((v) => {
            const st = state;
            if (st === null) return;
            st.acquire(name, nowNs() - t0, sites, scale);
            if (v === 'ok') hold(ta, index, name, scale);
          }, () => {});
        }
      } catch {
        // as above
      }
      return r;
    };
  }

  A.notify = function notify(ta, index, count) {
    const r = orig.notify.call(Atomics, ta, index, count);
    if (heldCount === 0) return r;
    const m = held.get(ta.buffer);
    if (m === undefined) return r;
    const slot = slotOf(ta, index);
    const h = m.get(slot);
    if (h === undefined) return r;
    m.delete(slot);
    heldCount--;
    const s = state;
    if (s !== null) {
      try {
        s.release(h.name, nowNs() - h.start, captureSites(notify), h.scale);
      } catch {
        // as above
      }
    }
    return r;
  };
}

export function uninstallAtomics(): void {
  if (!original) return;
  A.wait = original.wait;
  if (original.waitAsync) A.waitAsync = original.waitAsync;
  A.notify = original.notify;
  original = null;
  heldCount = 0;
}
