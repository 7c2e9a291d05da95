// pprof to collapsed stacks, the "folded" text of flamegraph.pl's stackcollapse scripts (and
// one of the formats speedscope and inferno read): one line per distinct stack,
// `root;caller;leaf VALUE`, for one sample type, lines sorted.
//
// Frame names lose what would break the format: `;` (the separator) becomes `:`, and line
// breaks become spaces. Samples whose value is 0 are left out; a sample without frames shows
// as `(no frames)`.
import type { Profile } from '../profile/model.js';
import { sampleTypeIndex } from '../report/top.js';
import { StackResolver, type Frame } from './stacks.js';

export interface CollapsedOptions {
  /** Sample type by name; default as `go tool pprof` picks it (default_sample_type, else the last). */
  sampleType?: string;
  /** Append ` (file:line)` to each frame. */
  fileNames?: boolean;
}

function frameText(frame: Frame, fileNames: boolean): string {
  let text = frame.name;
  if (fileNames && frame.file) text += ` (${frame.file}${frame.line ? `:${frame.line}` : ''})`;
  return text.replace(/;/g, ':').replace(/[\r\n]+/g, ' ');
}

export function profileToCollapsed(profile: Profile, options: CollapsedOptions = {}): string {
  const index = sampleTypeIndex(profile, options.sampleType);
  const resolver = new StackResolver(profile);
  const totals = new Map<string, number>();
  for (const sample of profile.sample) {
    const value = sample.value[index] ?? 0;
    if (value === 0) continue;
    const frames = resolver.stack(sample).map((f) => frameText(f, options.fileNames ?? false));
    const key = frames.length === 0 ? '(no frames)' : frames.join(';');
    totals.set(key, (totals.get(key) ?? 0) + value);
  }
  const keys = [...totals.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return keys.map((k) => `${k} ${totals.get(k)}\n`).join('');
}
