/**
 * Bytes that are not a valid pprof profile, or a profile that breaks the format's rules.
 * The message is one line that names the problem, e.g. "bad varint in Sample at byte 812".
 */
export class ProfileFormatError extends Error {
  override name = 'ProfileFormatError';
  readonly code = 'HOTPATH_PROFILE_FORMAT';
}
