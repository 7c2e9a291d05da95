// The profiler's own logger: every problem is said once, never repeated every period, and
// never carries a credential.
//
// - `logOnce(key, message)` writes `hotpath: <message>` the first time a key is seen and only
//   counts it afterwards (`logCounts()`), so a dead backend does not flood the application's
//   stderr once a minute.
// - Every message goes through `redact()`, which removes the secrets registered with
//   `addSecret()` (tokens, passwords, API keys) and the user:password part of URLs. Settings
//   register their credentials as soon as they are read, so no later message can leak them.
//
// Plain module state on purpose: the profiler runs one instance per thread, and each thread
// (main, aggregation worker) has its own module instance.

export type LogSink = (line: string) => void;

const defaultSink: LogSink = (line) => {
  try {
    process.stderr.write(line + '\n');
  } catch {
    // stderr closed: nothing sensible left to do, and the profiler must never throw.
  }
};

let sink: LogSink = defaultSink;
const seen = new Map<string, number>();
const secrets = new Set<string>();
/** Bound on distinct keys, so that a stream of unique keys cannot grow memory. */
const MAX_KEYS = 1000;

/** Replaces where log lines go (tests, or a host that wants them elsewhere). `undefined` restores stderr. */
export function setLogSink(next: LogSink | undefined): void {
  sink = next ?? defaultSink;
}

/** Remembers a credential so that `redact()` removes it from every message. Short strings are ignored. */
export function addSecret(secret: string | undefined): void {
  if (typeof secret === 'string' && secret.length >= 3) secrets.add(secret);
}

const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi;

/** Removes registered secrets, URL user:password parts and Authorization values from a text. */
export function redact(text: string): string {
  let out = String(text);
  for (const s of secrets) {
    if (out.includes(s)) out = out.split(s).join('[redacted]');
    // The base64 form of a secret appears in Basic authorization headers.
    const b64 = Buffer.from(s).toString('base64');
    if (b64.length >= 4 && out.includes(b64)) out = out.split(b64).join('[redacted]');
  }
  out = out.replace(URL_USERINFO, '$1[redacted]@');
  out = out.replace(/\b(Bearer|Basic)\s+[A-Za-z0-9+/=._~-]+/g, '$1 [redacted]');
  return out;
}

/**
 * Logs `message` the first time `key` is seen; afterwards only counts. Returns true when the
 * line was written. Never throws.
 */
export function logOnce(key: string, message: string): boolean {
  const n = seen.get(key);
  if (n !== undefined) {
    seen.set(key, n + 1);
    return false;
  }
  if (seen.size >= MAX_KEYS) return false;
  seen.set(key, 1);
  try {
    sink('hotpath: ' + redact(message));
  } catch {
    // A failing sink must not turn into an application error.
  }
  return true;
}

/** How many times each key was logged or suppressed since the start (or the last reset). */
export function logCounts(): Record<string, number> {
  return Object.fromEntries(seen);
}

/** Forgets the keys seen (not the secrets). For tests and for a profiler that restarts. */
export function resetLogOnce(): void {
  seen.clear();
}
