// Helpers for the time-profiler fixtures: decode a profile and total its values by function.
import { decodeProfile } from '../../dist/src/profile/index.js';
import { loadNative } from '../../dist/src/collect/native.js';

export const addon = loadNative();

/** Thread CPU ns and wall ms, for workloads measuring their own truth. */
export function clocks() {
  return { cpu: addon.threadCpuNs(), wall: performance.now() };
}

/**
 * Totals [samples, wall, cpu] by function name: `self` by leaf function, `total` by every
 * function on the stack (each counted once per sample); optionally for one thread id only.
 * Also `threads`: totals per thread id, `labels`: per user-label key=value, `sites`: self by
 * leaf source file (base name) and line, whatever name V8 gave the function; `files`: by every
 * source file (base name) on the stack, each counted once per sample.
 */
export function summarize(bytes, { threadId } = {}) {
  const p = decodeProfile(bytes);
  const fn = new Map(p.function.map((f) => [f.id, f]));
  const loc = new Map(p.location.map((l) => [l.id, l]));
  const self = {}, total = {}, threads = {}, lines = {}, sites = {}, files = {}, labels = {}, threadNames = {};
  const add = (o, k, v) => {
    o[k] ??= [0, 0, 0];
    for (let i = 0; i < 3; i++) o[k][i] += v[i];
  };
  for (const s of p.sample) {
    const tid = s.label.find((l) => l.key === 'thread id')?.str;
    add(threads, tid, s.value);
    threadNames[tid] ??= s.label.find((l) => l.key === 'thread name')?.str;
    if (!s.label.some((l) => l.key === 'os thread id' && Number(l.str) > 0)) threadNames[tid] = '(missing os thread id)';
    if (threadId !== undefined && tid !== String(threadId)) continue;
    const names = s.locationId.map((id) => {
      const l = loc.get(id).line[0];
      const f = fn.get(l.functionId);
      return { name: f.name, file: f.filename.split('/').pop(), line: l.line };
    });
    add(self, names[0].name, s.value);
    add(lines, `${names[0].name}:${names[0].line}`, s.value);
    add(sites, `${names[0].file}:${names[0].line}`, s.value);
    for (const n of new Set(names.map((x) => x.name))) add(total, n, s.value);
    for (const f of new Set(names.map((x) => x.file))) add(files, f, s.value);
    for (const l of s.label) {
      if (l.key.startsWith('thread') || l.key === 'os thread id') continue;
      add(labels, `${l.key}=${l.str ?? l.num}`, s.value);
    }
    if (!s.label.some((l) => !l.key.startsWith('thread') && l.key !== 'os thread id')) add(labels, '(none)', s.value);
  }
  return { self, total, threads, threadNames, lines, sites, files, labels, comments: p.comment, period: p.period, sampleTypes: p.sampleType.map((t) => t.type) };
}

/** Prints the result for the parent test as the last stdout line. */
export function report(obj) {
  process.stdout.write('RESULT ' + JSON.stringify(obj) + '\n');
}
