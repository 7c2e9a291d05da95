// User labels for the time profiler: `withLabels(labels, fn)` and `setLabels(labels)` attach
// labels to every sample taken while that async context runs, including after `await`.
//
// How: a label set is interned to a small integer id (per thread). The id of the running
// context's set is kept in `labelSlot()[0]`, an Int32Array the native SIGPROF hook reads at
// each sample (native/src/sampler.cc). Propagation across `await`, timers and I/O is
// AsyncLocalStorage's; the slot is rewritten on every context switch by an async_hooks
// before/after pair (a stack of the outer ids). The hook is installed only on the first use of
// labels, so a program that never labels pays nothing.
//
// On Node >= 22.7 / 24 AsyncLocalStorage rides on AsyncContextFrame (continuation-preserved
// embedder data) and no longer needs async_hooks itself, but the slot still has to be
// rewritten at each switch, so the before/after hook stays: reading the frame from the signal
// handler is not safe.
//
// Cost (bench/labels.ts, section "labels" of bench/RESULTS.md, and a per-await split):
// on Node 20 an await costs ~110 ns bare, ~240 ns under AsyncLocalStorage alone (its own
// propagation) and ~290 ns with this hook too (+55 ns for keeping the slot current); on Node 24
// (AsyncContextFrame) ~105 / ~125 / ~220 ns. v8.promiseHooks would cut the Node 24 hook to
// ~+40 ns but misses timers and I/O callbacks. Code that does not label pays nothing.
//
// Limits (label values often come from requests, so they must not grow memory or the profile):
// a key longer than MAX_LABEL_KEY_CHARS or a string value longer than MAX_LABEL_VALUE_CHARS is
// cut, ending in '…'; past MAX_LABELS labels in one context the further keys are dropped; past
// MAX_LABEL_SETS distinct sets, or MAX_LABEL_CHARS characters in all sets, new sets share one
// overflow set. Each is said once on stderr (log.ts), never thrown: labelling must not make a
// request fail. Wrong types (a label that is an object) are a programming error and throw.
import { AsyncLocalStorage, createHook } from 'node:async_hooks';
import { logOnce } from '../common/log.js';

import type { LabelValue, Labels } from '../transport/protocol.js';
export type { LabelValue, Labels } from '../transport/protocol.js';

interface LabelSet {
  readonly id: number;
  readonly labels: Labels;
}

/** Bound on distinct label sets per thread: the profile's size must not grow without limit. */
export const MAX_LABEL_SETS = 10000;
/** Longest label key kept (characters); longer keys are cut and end in '…'. */
export const MAX_LABEL_KEY_CHARS = 64;
/** Longest string label value kept (characters); longer values are cut and end in '…'. */
export const MAX_LABEL_VALUE_CHARS = 256;
/** Labels one context may carry (its own and the ones it inherits); further keys are dropped. */
export const MAX_LABELS = 16;
/** Characters of keys and values in all label sets of a thread (~8 MB as UTF-16). */
export const MAX_LABEL_CHARS = 4_000_000;

/**
 * The thread's label sets, kept on its globalThis so that every copy of hotpath loaded on the
 * thread (another package may bring its own) labels into the one table and slot the running
 * profiler reads.
 */
interface LabelState {
  readonly slot: Int32Array;
  readonly storage: AsyncLocalStorage<LabelSet>;
  readonly byKey: Map<string, LabelSet>;
  readonly byId: LabelSet[];
  newSets: { id: number; labels: Labels }[];
  overflowSet: LabelSet | undefined;
  charsHeld: number;
  hooked: boolean;
  readonly outer: number[];
}
const state = ((globalThis as Record<symbol, unknown>)[Symbol.for('hotpath.labels.v1')] ??= {
  slot: new Int32Array(2),
  storage: new AsyncLocalStorage<LabelSet>(),
  byKey: new Map(),
  byId: [{ id: 0, labels: {} }],
  newSets: [],
  overflowSet: undefined,
  charsHeld: 0,
  hooked: false,
  outer: [],
} satisfies LabelState) as LabelState;
const { slot, storage, byKey, byId, outer } = state;

/** The Int32Array whose element 0 the native side reads as the current label-set id. */
export function labelSlot(): Int32Array {
  return slot;
}

function installHook(): void {
  if (state.hooked) return;
  state.hooked = true;
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

function cut(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** What a message shows of a key a user may have made huge. */
function shown(key: string): string {
  return JSON.stringify(cut(key, 40));
}

/** Checks the types, then applies the key and value length limits (said once each). */
function validate(labels: Labels): Labels {
  if (labels === null || typeof labels !== 'object') {
    throw new TypeError('hotpath: labels must be an object of string or number values');
  }
  let out: Record<string, LabelValue> | undefined;
  for (const [k, v] of Object.entries(labels)) {
    if (typeof v !== 'string' && typeof v !== 'number') {
      throw new TypeError(`hotpath: label ${shown(k)} must be a string or a number, got ${typeof v}`);
    }
    const key = cut(k, MAX_LABEL_KEY_CHARS);
    const value = typeof v === 'string' ? cut(v, MAX_LABEL_VALUE_CHARS) : v;
    if (key !== k) logOnce('label-key-length', `label key ${shown(k)} is ${k.length} characters, over the limit of ${MAX_LABEL_KEY_CHARS}: cut (said once)`);
    if (value !== v) logOnce('label-value-length', `label ${shown(k)} has a value of ${(v as string).length} characters, over the limit of ${MAX_LABEL_VALUE_CHARS}: cut (said once)`);
    if (key !== k || value !== v) out ??= { ...labels };
    if (out) {
      if (key !== k) delete out[k];
      out[key] = value;
    }
  }
  return out ?? labels;
}

/** outer with inner's labels added, keeping at most MAX_LABELS keys (outer's first). */
function combine(outer: Labels | undefined, inner: Labels): Labels {
  const out: Record<string, LabelValue> = outer === undefined ? {} : { ...outer };
  let n = Object.keys(out).length;
  for (const [k, v] of Object.entries(inner)) {
    if (k in out) {
      out[k] = v;
    } else if (n < MAX_LABELS) {
      out[k] = v;
      n++;
    } else {
      logOnce('label-count', `more than ${MAX_LABELS} labels in one context: label ${shown(k)} and any further ones dropped (said once)`);
    }
  }
  return out;
}

function intern(labels: Labels): LabelSet {
  const key = keyOf(labels);
  let set = byKey.get(key);
  if (set !== undefined) return set;
  if (byId.length >= MAX_LABEL_SETS || state.charsHeld + key.length > MAX_LABEL_CHARS) {
    // Past the bound every new set shares one id, said in the profile as this label.
    if (!state.overflowSet) {
      logOnce('label-sets', `more than ${MAX_LABEL_SETS} distinct label sets (or ${MAX_LABEL_CHARS} characters in them) on this thread: ` +
        'samples of new ones carry the label "hotpath label sets: overflow" instead (said once)');
      state.overflowSet = intern0({ 'hotpath label sets': 'overflow' });
    }
    return state.overflowSet;
  }
  set = intern0(labels);
  byKey.set(key, set);
  state.charsHeld += key.length;
  return set;
}

function intern0(labels: Labels): LabelSet {
  const set = { id: byId.length, labels: Object.freeze({ ...labels }) };
  byId.push(set);
  state.newSets.push({ id: set.id, labels: set.labels });
  return set;
}

function merged(labels: Labels): LabelSet {
  const checked = validate(labels);
  return intern(combine(storage.getStore()?.labels, checked));
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
  const out = state.newSets;
  state.newSets = [];
  return out;
}
