// mergeProfiles: several profiles of the same kind -> one.
import { ProfileBuilder } from './builder.js';
import { decodeProfile } from './decode.js';
import { addProfile } from './encode.js';
import type { Profile, ValueType } from './model.js';
import { checkValid } from './validate.js';

/** Profiles that cannot be merged (different sample types or period types). */
export class ProfileMergeError extends Error {
  override name = 'ProfileMergeError';
  readonly code = 'HOTPATH_PROFILE_MERGE';
}

const vt = (v: ValueType) => `${v.type}/${v.unit}`;

/**
 * Merges profiles into one. Rules (after google/pprof's Merge):
 * - every profile must have the same sample types, in the same order (else ProfileMergeError);
 *   period types must match where both are set;
 * - time_nanos is the earliest non-zero one; duration_nanos is the sum; period the largest;
 * - comments are concatenated with duplicates removed (first occurrence kept);
 * - default_sample_type, drop_frames, keep_frames, doc_url: the first non-empty;
 * - mappings, functions and locations are keyed by content (not by id) and renumbered from 1;
 *   samples with the same locations (by content) and labels are summed.
 * The inputs are not modified.
 */
export function mergeProfiles(list: readonly Profile[]): Profile {
  if (list.length === 0) throw new ProfileMergeError('mergeProfiles: no profiles to merge');
  const first = list[0];
  const types = first.sampleType.map(vt).join(', ');
  let periodType = first.periodType;
  let timeNanos = 0n;
  let durationNanos = 0;
  let period = 0;
  const comments = new Set<string>();
  const firstOf = (f: (p: Profile) => string | undefined) => list.map(f).find((s) => s) ?? '';
  for (const p of list) {
    checkValid(p);
    const t = p.sampleType.map(vt).join(', ');
    if (t !== types) throw new ProfileMergeError(`cannot merge profiles with different sample types: [${types}] and [${t}]`);
    if (p.periodType.type || p.periodType.unit) {
      if (!periodType.type && !periodType.unit) periodType = p.periodType;
      else if (vt(p.periodType) !== vt(periodType)) {
        throw new ProfileMergeError(`cannot merge profiles with different period types: ${vt(periodType)} and ${vt(p.periodType)}`);
      }
    }
    if (p.timeNanos !== 0n && (timeNanos === 0n || p.timeNanos < timeNanos)) timeNanos = p.timeNanos;
    durationNanos += p.durationNanos;
    period = Math.max(period, p.period);
    for (const c of p.comment) comments.add(c);
  }
  const b = new ProfileBuilder({
    sampleTypes: first.sampleType,
    periodType: periodType.type || periodType.unit ? periodType : undefined,
    period,
    defaultSampleType: firstOf((p) => p.defaultSampleType),
    timeNanos,
    durationNanos,
    dropFrames: firstOf((p) => p.dropFrames),
    keepFrames: firstOf((p) => p.keepFrames),
    docUrl: firstOf((p) => p.docUrl),
    mapping: null,
  });
  for (const c of comments) b.addComment(c);
  for (const p of list) addProfile(b, p);
  return decodeProfile(b.encodeRaw());
}
