// pprof to speedscope's file format (https://www.speedscope.app/file-format-schema.json):
// one "sampled" profile per sample type, sharing one frame table. Stacks are root first, as
// speedscope wants them; each distinct stack is one weighted sample. speedscope cannot draw
// negative weights, so samples below 0 (from diffs) are left out, as are zeros.
import type { Profile } from '../profile/model.js';
import { sampleTypeIndex } from '../report/top.js';
import { StackResolver } from './stacks.js';

export interface SpeedscopeFrame {
  name: string;
  file?: string;
  line?: number;
}

export interface SpeedscopeSampledProfile {
  type: 'sampled';
  name: string;
  unit: 'none' | 'nanoseconds' | 'microseconds' | 'milliseconds' | 'seconds' | 'bytes';
  startValue: number;
  endValue: number;
  samples: number[][];
  weights: number[];
}

export interface SpeedscopeFile {
  $schema: 'https://www.speedscope.app/file-format-schema.json';
  shared: { frames: SpeedscopeFrame[] };
  profiles: SpeedscopeSampledProfile[];
  name: string;
  activeProfileIndex: number;
  exporter: string;
}

const UNITS: Record<string, SpeedscopeSampledProfile['unit']> = {
  nanoseconds: 'nanoseconds',
  microseconds: 'microseconds',
  milliseconds: 'milliseconds',
  seconds: 'seconds',
  bytes: 'bytes',
};

export interface SpeedscopeOptions {
  /** Shown as the file's name in speedscope. */
  name?: string;
  /** Only this sample type (by name); all of them by default. */
  sampleType?: string;
  exporter?: string;
}

export function profileToSpeedscope(profile: Profile, options: SpeedscopeOptions = {}): SpeedscopeFile {
  const resolver = new StackResolver(profile);
  const frames: SpeedscopeFrame[] = [];
  const frameIndex = new Map<string, number>();
  const stacks = profile.sample.map((sample) =>
    resolver.stack(sample).map((f) => {
      const key = `${f.name}\u0000${f.file}\u0000${f.line}`;
      let i = frameIndex.get(key);
      if (i === undefined) {
        i = frames.length;
        const frame: SpeedscopeFrame = { name: f.name };
        if (f.file) frame.file = f.file;
        if (f.line) frame.line = f.line;
        frames.push(frame);
        frameIndex.set(key, i);
      }
      return i;
    }),
  );
  const indexes =
    options.sampleType !== undefined ? [sampleTypeIndex(profile, options.sampleType)] : profile.sampleType.map((_, i) => i);
  const profiles = indexes.map((t): SpeedscopeSampledProfile => {
    const type = profile.sampleType[t];
    const samples: number[][] = [];
    const weights: number[] = [];
    let total = 0;
    profile.sample.forEach((sample, i) => {
      const value = sample.value[t] ?? 0;
      if (!(value > 0)) return;
      samples.push(stacks[i]);
      weights.push(value);
      total += value;
    });
    return {
      type: 'sampled',
      name: `${options.name ?? 'profile'} (${type.type})`,
      unit: UNITS[type.unit] ?? 'none',
      startValue: 0,
      endValue: total,
      samples,
      weights,
    };
  });
  const active = Math.max(0, indexes.indexOf(sampleTypeIndex(profile)));
  return {
    $schema: 'https://www.speedscope.app/file-format-schema.json',
    shared: { frames },
    profiles,
    name: options.name ?? 'profile',
    activeProfileIndex: active,
    exporter: options.exporter ?? 'hotpath',
  };
}
