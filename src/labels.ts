// User labels for the time profiler: `withLabels(labels, fn)` and `setLabels(labels)` attach
// labels to every sample taken while that async context runs, including after `await`.
//
// How: a label set is interned to a small integer id (per thread). The id of the running
// context's set is kept in `labelSlot()[0]`, an Int32Array the native SIGPROF hook reads at
// each sample (native/src/thread_registry.cc). Propagation across `await`, timers and I/O is
// AsyncLocalStorage's; the slot is rewritten on every context switch by an async_hooks
// before/after pair (a stack of the outer ids). The hook is installed only on the first use of
// labels, so a program that never labels pays nothing.
//
// On Node >= 22.7 / 24 AsyncLocalStorage rides on AsyncContextFrame (continuation-preserved
// embedder data) and no longer needs async_hooks itself, but the slot still has to be
// rewritten at each switch, so the before/after hook stays: reading the frame from the signal
// handler is not safe.
//
// Cost (bench/overhead.ts "await-heavy" row in bench/RESULTS.md, and a per-await split):
// on Node 20 an await costs ~110 ns bare, ~240 ns under AsyncLocalStorage alone (its own
// propagation) and ~290 ns with this hook too (+55 ns for keeping the slot current); on Node 24
// (AsyncContextFrame) ~105 / ~125 / ~220 ns. v8.promiseHooks would cut the Node 24 hook to
// ~+40 ns but misses timers and I/O callbacks. Code that does not label pays nothing.
import { AsyncLocalStorage, createHook } from 'node:async_hooks';

export type LabelValue = string | number;
export type Labels = Readonly<Record<string, LabelValue>>;

interface LabelSet {
  readonly id: number;
  readonly labels: Labels;
}

/** Bound on distinct label sets per thread: the profile's size must not grow without limit. */
export const MAX_LABEL_SETS = 10000;

const slot = new Int32Array(2);
const storage = new AsyncLocalStorage<LabelSet>();
const byKey = new Map<string, LabelSet>();
const byId: LabelSet[] = [{ id: 0, labels: {} }];
let newSets: { id: number; labels: Labels }[] = [];
let overflowSet: LabelSet | undefined;
let hooked = false;
const outer: number[] = [];

/** The Int32Array whose element 0 the native side reads as the current label-set id. */
export function labelSlot(): Int32Array {
  return slot;
}

function installHook(): void {
  if (hooked) return;
  hooked = true;
  createHook({
    before() {
      outer.push(slot[0]);
      const s = storage.getStore();
      slot[0] = s === undefined ? 0 : s.id;
    },
    after() {
      // An uncaught exception can skip `after`s; the stack then drains back to the loop.
      slot[0] = outer.length > 0 ? outer.pop()! : 0;
    },
  }).enable();
}

function keyOf(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  let k = '';
  for (const key of keys) k += key + '\u0000' + typeof labels[key] + '\u0000' + String(labels[key]) + '\u0001';
  return k;
}

function validate(labels: Labels): void {
  if (labels === null || typeof labels !== 'object') {
    throw new TypeError('hotpath: labels must be an object of string or number values');
  }
  for (const [k, v] of Object.entries(labels)) {
    if (typeof v !== 'string' && typeof v !== 'number') {
      throw new TypeError(`hotpath: label "${k}" must be a string or a number, got ${typeof v}`);
    }
  }
}

function intern(labels: Labels): LabelSet {
  const key = keyOf(labels);
  let set = byKey.get(key);
  if (set !== undefined) return set;
  if (byId.length >= MAX_LABEL_SETS) {
    // Past the bound every new set shares one id, said in the profile as this label.
    overflowSet ??= intern0({ 'hotpath label sets': 'overflow' });
    return overflowSet;
  }
  set = intern0(labels);
  byKey.set(key, set);
  return set;
}

function intern0(labels: Labels): LabelSet {
  const set = { id: byId.length, labels: Object.freeze({ ...labels }) };
  byId.push(set);
  newSets.push({ id: set.id, labels: set.labels });
  return set;
}

function merged(labels: Labels): LabelSet {
  validate(labels);
  const cur = storage.getStore();
  return intern(cur === undefined ? labels : { ...cur.labels, ...labels });
}

/**
 * Runs fn with `labels` added to the current labels; every sample taken while fn (and all the
 * async work it starts) runs carries them. Returns what fn returns.
 */
export function withLabels<T>(labels: Labels, fn: () => T): T {
  installHook();
  const set = merged(labels);
  const prev = slot[0];
  slot[0] = set.id;
  try {
    return storage.run(set, fn);
  } finally {
    slot[0] = prev;
  }
}

/** Adds `labels` to the current async context, for the rest of it (AsyncLocalStorage.enterWith). */
export function setLabels(labels: Labels): void {
  installHook();
  const set = merged(labels);
  storage.enterWith(set);
  slot[0] = set.id;
}

/** The labels of the current async context. */
export function getLabels(): Labels {
  return storage.getStore()?.labels ?? {};
}

/** Label sets created since the last call (the aggregation worker learns each set once). */
export function takeNewLabelSets(): { id: number; labels: Labels }[] {
  const out = newSets;
  newSets = [];
  return out;
}
