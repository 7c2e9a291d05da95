// The profiler's log lines, captured for the duration of one test (once-only messages reset).
import { setLogSink, resetLogOnce } from '../../dist/src/common/log.js';

export function captureLog(t: Tap.Test): string[] {
  const lines: string[] = [];
  resetLogOnce();
  setLogSink((l) => lines.push(l));
  t.teardown(() => setLogSink(undefined));
  return lines;
}
