// A bound on what one period of the time profile may hold: at most `maxStacks` distinct
// (stack, labels) samples and `maxLocations` distinct frames. Without it, code that makes new
// functions all the time (generated code, eval in a loop) or 100,000 distinct stacks in one
// period would grow the aggregation worker's memory and the profile without limit.
//
// A sample that would add a stack or a frame past the limits is counted on the one-frame stack
// OVER_LIMIT instead (its values and labels kept), and the period's profile says how many
// samples went there. Known stacks and frames keep being added as usual.
//
// It also replaces ProfileBuilder.addSample's own frame cache: a batch's frames become location
// ids once (locationOf), keyed by small integers for their name and file, and its samples are
// added as ids (addIds): nothing is looked up by string per sample. Every kind's service uses
// it, so the limits and the OVER_LIMIT frame are the same in every profile.
import type { ProfileBuilder } from '../profile/builder.js';
import { MAX_STACK_FRAMES, omittedFrame, stackPaths } from './stack-batch.js';
import type { ExpandedFrame, ExpandedLabel } from './stack-batch.js';

export const MAX_STACKS_PER_PERIOD = 20_000;
export const MAX_LOCATIONS_PER_PERIOD = 20_000;
export const OVER_LIMIT = '(stacks over the limit)';

const OVER_FRAME: ExpandedFrame = { name: OVER_LIMIT, file: '', line: 0 };

export class StackCap {
  private strings = new Map<string, number>();
  private frames = new Map<string, number>();
  /** Hashes of the (stack, labels) pairs added this period. */
  private stacks = new Set<number>();
  private overSamples = 0;
  private overLocation = 0;

  constructor(
    private readonly builder: ProfileBuilder,
    readonly maxStacks = MAX_STACKS_PER_PERIOD,
    readonly maxLocations = MAX_LOCATIONS_PER_PERIOD,
  ) {}

  /**
   * The location id of a frame in this period's profile, or -1 when it is new and the period
   * already holds maxLocations frames. Callers resolve each frame of a batch once.
   */
  locationOf(f: ExpandedFrame): number {
    const key = this.keyOf(f, false);
    const id = key === undefined ? undefined : this.frames.get(key);
    if (id !== undefined) return id;
    if (this.frames.size >= this.maxLocations) return -1;
    return this.intern(f);
  }

  /** Adds one sample (location ids leaf first, -1 for a frame over the limit), or counts it on OVER_LIMIT. */
  addIds(ids: readonly number[], values: readonly number[], labels: readonly ExpandedLabel[]): void {
    const labelSet = this.builder.internLabels(labels);
    // Two 26-bit mixes of the ids make a 52-bit hash: a collision only lets one more stack in.
    let h1 = 0x811c9dc5 ^ labelSet;
    let h2 = 0x01000193 + labelSet;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (id < 0) return this.addOver(values, labelSet);
      h1 = Math.imul(h1 ^ id, 0x01000193);
      h2 = Math.imul(h2 + id, 0x5bd1e995) ^ (h2 >>> 15);
    }
    const hash = (h1 >>> 6) * 0x4000000 + (h2 >>> 6);
    if (!this.stacks.has(hash)) {
      if (this.stacks.size >= this.maxStacks) return this.addOver(values, labelSet);
      this.stacks.add(hash);
    }
    this.builder.addSampleIds(ids, values, labelSet);
  }

  /**
   * Ends the period: the comment for the profile (none when nothing was over the limits) and a
   * fresh state; call it before the builder encodes and is reset.
   */
  endPeriod(): string[] {
    const out = this.overSamples === 0 ? [] : [
      `hotpath: ${this.overSamples} samples on stacks past the limit of ${this.maxStacks} distinct stacks ` +
      `or ${this.maxLocations} distinct frames per period are counted in the frame "${OVER_LIMIT}"`,
    ];
    this.strings.clear();
    this.frames.clear();
    this.stacks.clear();
    this.overSamples = 0;
    this.overLocation = 0;
    return out;
  }

  /** What the limits cost in memory now: distinct stacks and frames held. */
  get size(): { stacks: number; frames: number } {
    return { stacks: this.stacks.size, frames: this.frames.size };
  }

  private addOver(values: readonly number[], labelSet: number): void {
    this.overSamples++;
    if (this.overLocation === 0) {
      const fn = this.builder.internFunction({ name: OVER_FRAME.name, filename: '' });
      this.overLocation = this.builder.internLocation(fn, 0, 0);
    }
    this.builder.addSampleIds([this.overLocation], values, labelSet);
  }

  /** Small integer of a string; undefined for one not seen yet unless `add` (only interned frames add). */
  private stringId(s: string, add: boolean): number | undefined {
    let id = this.strings.get(s);
    if (id === undefined && add) {
      id = this.strings.size;
      this.strings.set(s, id);
    }
    return id;
  }

  private keyOf(f: ExpandedFrame, add: true): string;
  private keyOf(f: ExpandedFrame, add: boolean): string | undefined;
  private keyOf(f: ExpandedFrame, add: boolean): string | undefined {
    const name = this.stringId(f.name, add);
    const file = this.stringId(f.file, add);
    if (name === undefined || file === undefined) return undefined;
    return `${name},${file},${f.line},${f.column ?? 0}`;
  }

  private intern(f: ExpandedFrame): number {
    const fn = this.builder.internFunction({ name: f.name, filename: f.file });
    const id = this.builder.internLocation(fn, f.line, f.column ?? 0);
    this.frames.set(this.keyOf(f, true), id);
    return id;
  }
}

/** A batch's frames as location ids of the cap's period, each resolved on first use; -1 past the limit. */
export function frameLocations(cap: StackCap, frames: readonly ExpandedFrame[]): (frame: number) => number {
  const ids = new Int32Array(frames.length).fill(-2);
  return (f) => {
    let id = ids[f]!;
    if (id === -2) id = ids[f] = cap.locationOf(frames[f]!);
    return id;
  };
}

/** A leaf-first stack cut to MAX_STACK_FRAMES, ending in the `<N+ frames omitted>` root that `omitted(N)` gives. */
export function cutStack<T>(stack: T[], omitted: (n: number) => T): T[] {
  if (stack.length <= MAX_STACK_FRAMES) return stack;
  const kept = stack.slice(0, MAX_STACK_FRAMES - 1);
  kept.push(omitted(stack.length - kept.length));
  return kept;
}

/** A batch's (parent, frame) stacks as leaf-first location ids, each stack resolved once and cut as every kind cuts. */
export function stackLocations(cap: StackCap, frames: readonly ExpandedFrame[], stacks: Int32Array): (stack: number) => number[] {
  return stackPaths(stacks, frameLocations(cap, frames), (n) => cap.locationOf(omittedFrame(n)));
}
