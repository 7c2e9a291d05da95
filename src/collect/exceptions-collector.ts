// The exceptions profile: errors by type (constructor name) and the stack that made them,
// sampled, plus every uncaught exception and unhandled rejection.
//
//   createExceptionCollector(settings, options?): KindCollector | null
//
// Mechanism (measured on Node 20, bench/exceptions.ts and bench/RESULTS.md): the global Error
// constructors (Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError,
// URIError, AggregateError) are replaced by Proxies of themselves whose construct/apply traps
// count down a geometric countdown (mean `mean`, 100 by default: each error is sampled with
// probability 1/mean) and pass the call on unchanged. `new Error()`, `Error()` and subclasses
// defined while the collector runs (`class E extends Error`, whose super() reaches the trap)
// all go through it. A sampled error gets its stack captured (the trap's caller: where the
// error was made, which for `throw new X()` is the throw site) and counts `mean`, so totals
// are unbiased estimates.
//   - What the application sees is unchanged: the trap passes itself as new.target when the
//     proxy was `new`ed directly, with the original prototype, so V8 starts error.stack at the
//     caller (no hotpath frame), instanceof, `e.constructor === Error`,
//     Error.stackTraceLimit and Error.prepareStackTrace (both forwarded to the original) work
//     as before. Put back at stop.
//   - Not seen by the sampler: errors V8 throws itself (`undefined.x`, JSON.parse), Node's
//     internal errors (made with the original constructors), values thrown that are not
//     errors, and error classes defined before the collector started. Counted are errors
//     made, which are nearly always errors thrown.
//   - The inspector's pause on exceptions sees every throw, but costs 0.34 ms + ~0.085 ms per
//     frame per paused throw, and merely enabling the Debugger domain slowed `await` 5-10x and
//     every throw 2-3x on Node 20: not usable in production (figures in bench/RESULTS.md).
// Uncaught exceptions ('uncaughtExceptionMonitor', which changes nothing) and unhandled
// rejections (seen as process.emit('unhandledRejection') passes, whether or not the program
// listens) are always counted, with value 1 and a root pseudo-frame `(uncaught exception)` or
// `(unhandled rejection)`; their frames are read from error.stack's text.
import type { KindCollector } from './kind-collector.js';
import type { Settings } from '../common/settings.js';
import { KIND_SPECS } from '../transport/event-batch.js';
import { Recorder, captureSites } from './event-recorder.js';
import type { RecorderLimits } from './event-recorder.js';
import { createEventCollector } from './event-client.js';
import { framesOfStackText } from './exceptions-stack-text.js';
import { logOnce } from '../common/log.js';

/** What tests vary beyond the settings (the mean is settings.exceptionSampling). */
export interface ExceptionOptions {
  limits?: RecorderLimits;
}

const ERROR_NAMES = ['Error', 'TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'EvalError', 'URIError', 'AggregateError'] as const;

interface Installed {
  name: string;
  original: Function;
  proxy: Function;
}

interface ExceptionState {
  recorder: Recorder;
  mean: number;
  logOneMinusP: number;
  countdown: number;
  sampled: number;
  uncaught: number;
  rejections: number;
}

let state: ExceptionState | null = null;

function nextCountdown(s: ExceptionState): number {
  if (s.mean <= 1) return 1;
  return Math.max(1, Math.ceil(Math.log(1 - Math.random()) / s.logOneMinusP));
}

function typeName(newTarget: unknown, fallback: string): string {
  try {
    const n = (newTarget as { name?: unknown }).name;
    return typeof n === 'string' && n !== '' ? n : fallback;
  } catch {
    return fallback;
  }
}

function sample(skip: Function, type: string): void {
  const s = state;
  if (s === null) return;
  s.countdown = nextCountdown(s);
  const r = s.recorder;
  if (!r.hasRoom()) {
    r.drop();
    return;
  }
  const sites = captureSites(skip);
  s.sampled++;
  r.add(r.stackOfSites(sites), type, s.mean);
}

function install(): Installed[] {
  const g = globalThis as unknown as Record<string, Function>;
  const out: Installed[] = [];
  for (const name of ERROR_NAMES) {
    const original = g[name];
    if (typeof original !== 'function') continue;
    let proxy: Function;
    // Both traps are plain functions with the original prototype: V8 gets them as new.target,
    // so the error's prototype is the original one and its stack starts at the trap's caller.
    const construct = function construct(target: Function, args: unknown[], newTarget: Function): object {
      const direct = newTarget === proxy;
      const s = state;
      if (s !== null && --s.countdown <= 0) sample(construct, direct ? name : typeName(newTarget, name));
      return Reflect.construct(target, args, direct ? construct : newTarget) as object;
    };
    const apply = function apply(target: Function, _this: unknown, args: unknown[]): object {
      const s = state;
      if (s !== null && --s.countdown <= 0) sample(apply, name);
      return Reflect.construct(target, args, apply) as object;
    };
    construct.prototype = original.prototype;
    apply.prototype = original.prototype;
    proxy = new Proxy(original, { construct, apply });
    g[name] = proxy;
    original.prototype.constructor = proxy;
    out.push({ name, original, proxy });
  }
  return out;
}

function uninstall(installed: Installed[]): void {
  const g = globalThis as unknown as Record<string, Function>;
  for (const { name, original, proxy } of installed) {
    if (g[name] === proxy) g[name] = original;
    if (original.prototype.constructor === proxy) original.prototype.constructor = original;
  }
}

function errorType(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object' || typeof v === 'function') {
    try {
      const c = (v as { constructor?: { name?: unknown } }).constructor;
      if (c && typeof c.name === 'string' && c.name !== '') return c.name;
    } catch {
      // a hostile object: fall through
    }
    return 'Object';
  }
  return typeof v;
}

function recordFatal(v: unknown, root: string): void {
  const s = state;
  if (s === null) return;
  const r = s.recorder;
  let stackText: unknown;
  try {
    stackText = v !== null && typeof v === 'object' ? (v as { stack?: unknown }).stack : undefined;
  } catch {
    stackText = undefined;
  }
  r.beginStack();
  for (const f of framesOfStackText(stackText)) r.pushFrame(f.name, f.file, f.line, f.column);
  r.pushFrame(root, '', 0, 0);
  r.add(r.endStack(), errorType(v), 1);
}

/** Errors sampled so far on this thread by the running collector (0 when none runs): for the benchmark. */
export function sampledExceptions(): number {
  return state?.sampled ?? 0;
}

export function createExceptionCollector(settings: Settings, options: ExceptionOptions = {}): KindCollector | null {
  const mean = settings.exceptionSampling;
  if (state !== null) {
    logOnce('exceptions-twice', 'the exceptions profile is already running on this thread; the second one is ignored');
    return null;
  }
  const recorder = new Recorder('exceptions', KIND_SPECS.exceptions.sampleTypes.length, options.limits);
  const s: ExceptionState = {
    recorder, mean, logOneMinusP: mean <= 1 ? 0 : Math.log(1 - 1 / mean), countdown: 0, sampled: 0, uncaught: 0, rejections: 0,
  };
  s.countdown = nextCountdown(s);
  state = s;
  const installed = install();

  const onUncaught = (err: unknown, origin: unknown): void => {
    // A rejection nobody handled arrives here too (origin 'unhandledRejection'): counted at emit.
    if (origin === 'unhandledRejection') return;
    try {
      s.uncaught++;
      recordFatal(err, '(uncaught exception)');
    } catch {
      // never in the way of the program's own end
    }
  };
  process.on('uncaughtExceptionMonitor', onUncaught);

  const originalEmit = process.emit;
  const emit = function emit(this: NodeJS.Process, name: string | symbol, ...args: unknown[]): boolean {
    if (name === 'unhandledRejection' && state === s) {
      try {
        s.rejections++;
        recordFatal(args[0], '(unhandled rejection)');
      } catch {
        // as above
      }
    }
    return (originalEmit as (...a: unknown[]) => boolean).call(this, name, ...args);
  };
  process.emit = emit as typeof process.emit;

  let lastSampled = 0;
  let lastUncaught = 0;
  let lastRejections = 0;
  return createEventCollector({
    kind: 'exceptions',
    recorder,
    periodType: { type: 'exception-samples', unit: 'count' },
    period: Math.round(mean),
    periodNotes: () => {
      const notes = [`hotpath: exceptions: 1 in ${Math.round(mean)} errors made by the Error constructors sampled on average (${s.sampled - lastSampled} samples); uncaught exceptions (${s.uncaught - lastUncaught}) and unhandled rejections (${s.rejections - lastRejections}) all counted`];
      lastSampled = s.sampled;
      lastUncaught = s.uncaught;
      lastRejections = s.rejections;
      return notes;
    },
    uninstall: () => {
      uninstall(installed);
      process.removeListener('uncaughtExceptionMonitor', onUncaught);
      if (process.emit === emit) process.emit = originalEmit;
      state = null;
    },
  });
}
