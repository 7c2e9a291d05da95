// A bound on what one period of the time profile may hold: at most `maxStacks` distinct
// (stack, labels) samples and `maxLocations` distinct frames. Without it, code that makes new
// functions all the time (generated code, eval in a loop) or 100,000 distinct stacks in one
// period would grow the aggregation worker's memory and the profile without limit.
//
// A sample that would add a stack or a frame past the limits is counted on the one-frame stack
// OVER_LIMIT instead (its values and labels kept), and the period's profile says how many
// samples went there. Known stacks and frames keep being added as usual.
//
// It also replaces ProfileBuilder.addSample's own frame cache: frames are keyed by small
// integers for their name and file (Map lookups on strings that already exist), not by a string
// built from the whole name and file on every sample.
import type { ProfileBuilder } from '../profile/builder.js';
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
  private ids: number[] = [];
  private overSamples = 0;
  private overLocation = 0;

  constructor(
    private readonly builder: ProfileBuilder,
    readonly maxStacks = MAX_STACKS_PER_PERIOD,
    readonly maxLocations = MAX_LOCATIONS_PER_PERIOD,
  ) {}

  /** Adds one sample (frames leaf first), or counts it on OVER_LIMIT past the limits. */
  add(frames: readonly ExpandedFrame[], values: readonly number[], labels: readonly ExpandedLabel[]): void {
    const ids = this.ids;
    ids.length = frames.length;
    let unknown = 0;
    for (let i = 0; i < frames.length; i++) {
      const key = this.keyOf(frames[i], false);
      const id = key === undefined ? undefined : this.frames.get(key);
      ids[i] = id ?? -1;
      if (id === undefined) unknown++;
    }
    if (unknown > 0 && this.frames.size + unknown > this.maxLocations) return this.addOver(values, labels);
    const labelSet = this.builder.internLabels(labels);
    // Two 26-bit mixes of the ids make a 52-bit hash: a collision only lets one more stack in.
    let h1 = 0x811c9dc5 ^ labelSet;
    let h2 = 0x01000193 + labelSet;
    for (let i = 0; i < frames.length; i++) {
      const id = ids[i] >= 0 ? ids[i] : this.intern(frames[i]);
      ids[i] = id;
      h1 = Math.imul(h1 ^ id, 0x01000193);
      h2 = Math.imul(h2 + id, 0x5bd1e995) ^ (h2 >>> 15);
    }
    const hash = (h1 >>> 6) * 0x4000000 + (h2 >>> 6);
    if (!this.stacks.has(hash)) {
      if (this.stacks.size >= this.maxStacks) return this.addOver(values, labels);
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

  private addOver(values: readonly number[], labels: readonly ExpandedLabel[]): void {
    this.overSamples++;
    if (this.overLocation === 0) {
      const fn = this.builder.internFunction({ name: OVER_FRAME.name, filename: '' });
      this.overLocation = this.builder.internLocation(fn, 0, 0);
    }
    this.builder.addSampleIds([this.overLocation], values, this.builder.internLabels(labels));
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
