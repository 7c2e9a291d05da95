// Resolves a sample's location ids to frames (function name, file, line), expanding inlined
// frames, with a cache per location. Shared by the converters and the viewer's flame graph;
// free of DOM and Node built-ins.
import type { Profile, Sample } from '../profile/model.js';

export interface Frame {
  name: string;
  file: string;
  /** The function's start line, else the line of the location; 0 when unknown. */
  line: number;
  /** Equal for frames with the same name and file (dense from 0, per key map). */
  key: number;
}

export class StackResolver {
  private readonly functions: Map<number, Profile['function'][number]>;
  private readonly locations: Map<number, Profile['location'][number]>;
  private readonly cache = new Map<number, Frame[]>();

  private keyOf(name: string, file: string): number {
    const text = `${name}\u0000${file}`;
    let key = this.keys.get(text);
    if (key === undefined) this.keys.set(text, (key = this.keys.size));
    return key;
  }

  /** `keys` may be shared between resolvers so that equal frames of two profiles get equal keys. */
  constructor(
    profile: Profile,
    private readonly keys = new Map<string, number>(),
  ) {
    this.functions = new Map(profile.function.map((f) => [f.id, f]));
    this.locations = new Map(profile.location.map((l) => [l.id, l]));
  }

  /** Frames of one location, caller first (the reverse of the pprof order). */
  private framesOf(locationId: number): Frame[] {
    let frames = this.cache.get(locationId);
    if (frames) return frames;
    frames = [];
    const location = this.locations.get(locationId);
    const lines = location?.line ?? [];
    if (lines.length === 0) {
      // No symbols: pprof shows the address.
      const name = location ? `0x${location.address.toString(16)}` : `<location ${locationId}>`;
      frames.push({ name, file: '', line: 0, key: this.keyOf(name, '') });
    }
    for (let i = lines.length - 1; i >= 0; i--) {
      const f = this.functions.get(lines[i].functionId);
      const name = f ? f.name || f.systemName || '<unknown>' : '<unknown>';
      const file = f?.filename ?? '';
      frames.push({ name, file, line: f && f.startLine > 0 ? f.startLine : lines[i].line, key: this.keyOf(name, file) });
    }
    this.cache.set(locationId, frames);
    return frames;
  }

  /** The sample's frames, root first. */
  stack(sample: Sample): Frame[] {
    const out: Frame[] = [];
    for (let i = sample.locationId.length - 1; i >= 0; i--) {
      for (const frame of this.framesOf(sample.locationId[i])) out.push(frame);
    }
    return out;
  }
}
