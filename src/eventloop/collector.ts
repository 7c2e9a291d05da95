// The event-loop blocks profile: every turn of the main thread's event loop that holds it for
// `blockThresholdMs` (50 ms by default) or more, with the stacks that ran during it, as
// event-loop-blocks/count and event-loop-block-time/nanoseconds.
//
//   createEventLoopCollector(settings, options?): KindCollector | null
//
// On the main thread: an unref'd heartbeat timer (every `heartbeatMs`, 10 by default) writes
// the time of each beat and how late it was into shared memory (with the addon, a late beat
// during which the main thread used less than half the threshold in CPU time is not a block:
// the thread was not scheduled, or waited in a system call such as execSync; without the addon
// such turns count);
// a watchdog worker
// (src/eventloop/watchdog.ts) samples the main thread's stack through the inspector while the
// beat is overdue. A loop that waits for I/O still runs its timers, so slow I/O is not a block;
// a turn that runs JavaScript (or synchronous I/O) for longer than the threshold is.
// Worker threads' event loops are not watched (the inspector attaches to the main thread
// only): on a worker this returns null. The last partial period is lost at a hard exit (no
// stopSync: the events are on the watchdog thread).
import { Worker, isMainThread } from 'node:worker_threads';
import type { KindCollector } from '../collector.js';
import type { Settings } from '../settings.js';
import type { EventBatch } from '../worker/event-batch.js';
import { Recorder } from '../worker/event-recorder.js';
import type { RecorderLimits } from '../worker/event-recorder.js';
import { addonIfBuilt, createEventCollector, osThreadId } from '../worker/event-client.js';
import { logOnce } from '../log.js';
import { ATTACHED, BEAT, BLOCKS, BLOCK_NS, EXITING, HEARTBEAT_SLOTS, LATENESS, STARVED, WatchdogCode } from './shared.js';
import type { FromWatchdog, WatchdogData } from './shared.js';

export const DEFAULT_BLOCK_THRESHOLD_MS = 50;

export interface EventLoopOptions {
  /** A turn this long or longer is a block (ms, >= 1). Default 50. */
  blockThresholdMs?: number;
  /** Time between two stacks sampled during a block (ms). Default 10. */
  sampleIntervalMs?: number;
  /** Heartbeat interval (ms). Default 10. */
  heartbeatMs?: number;
  limits?: RecorderLimits;
}

let running = false;

function checkMs(name: string, v: number | undefined, def: number, min: number): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw new RangeError(`hotpath: ${name} must be a number of ms >= ${min}, got ${String(v)}`);
  return v;
}

export function createEventLoopCollector(settings: Settings, options: EventLoopOptions = {}): KindCollector | null {
  const thresholdMs = checkMs('blockThresholdMs', options.blockThresholdMs ?? settings.blockThresholdMs, DEFAULT_BLOCK_THRESHOLD_MS, 1);
  const sampleIntervalMs = checkMs('sampleIntervalMs', options.sampleIntervalMs, 10, 1);
  const heartbeatMs = checkMs('heartbeatMs', options.heartbeatMs, 10, 1);
  if (!isMainThread) return null;
  if (running) {
    logOnce('eventloop-twice', 'the event-loop profile is already running; the second one is ignored');
    return null;
  }
  running = true;

  const sab = new SharedArrayBuffer(HEARTBEAT_SLOTS * 8);
  const hb = new BigInt64Array(sab);
  const intervalNs = BigInt(Math.round(heartbeatMs * 1e6));
  let prev = process.hrtime.bigint();
  Atomics.store(hb, BEAT, prev);
  const thresholdNs = BigInt(Math.round(thresholdMs * 1e6));
  // With the addon, the main thread's own CPU clock tells a turn that held the loop from a
  // thread that was not given a CPU (a busy host): a late beat is a block only if the thread
  // also used at least half the threshold in CPU time during it (25 ms for 50 ms). On an idle
  // host a turn running JavaScript uses a CPU all along; on a host with 4 runnable threads per
  // core a 200 ms spin still got 40% of one (measured), while a thread that merely waited for a
  // CPU, or for the kernel, used almost none. The block's time is still the wall time it held
  // the loop.
  const addon = addonIfBuilt();
  let prevCpu = addon ? addon.threadCpuNs() : 0;
  // The heartbeat: two Atomics stores per beat. Lateness first, so that a reader that sees the
  // new beat sees its lateness. A beat late by the threshold also counts a block, so that a
  // block the watchdog did not see under way (it was starved of CPU, or starting) is counted.
  const beat = (): void => {
    const t = process.hrtime.bigint();
    let late = t - prev - intervalNs;
    if (addon) {
      const cpu = addon.threadCpuNs();
      if (late >= thresholdNs && (cpu - prevCpu) * 2 < Number(thresholdNs)) {
        Atomics.add(hb, STARVED, 1n);
        late = 0n;
      }
      prevCpu = cpu;
    }
    if (late >= thresholdNs) {
      Atomics.add(hb, BLOCKS, 1n);
      Atomics.add(hb, BLOCK_NS, late);
    }
    Atomics.store(hb, LATENESS, late > 0n ? late : 0n);
    Atomics.store(hb, BEAT, t);
    prev = t;
  };
  const timer = setInterval(beat, heartbeatMs);
  timer.unref();

  const data: WatchdogData = {
    heartbeat: sab, thresholdMs, sampleIntervalMs, pollMs: Math.max(5, thresholdMs / 2), osThreadId: osThreadId(), hotpathInternal: true,
  };
  if (options.limits) data.limits = options.limits;
  const worker = new Worker(new URL('./watchdog.js', import.meta.url), {
    workerData: data,
    name: 'hotpath-eventloop-watchdog',
  } as ConstructorParameters<typeof Worker>[1]);
  let seq = 0;
  const waiting = new Map<number, (b: EventBatch | null) => void>();
  let failed = false;
  const failAll = (): void => {
    failed = true;
    for (const w of waiting.values()) w(null);
    waiting.clear();
  };
  worker.on('message', (m: FromWatchdog) => {
    if (m.code === WatchdogCode.Batch) {
      const w = waiting.get(m.seq);
      waiting.delete(m.seq);
      w?.(m.batch);
    } else if (m.code === WatchdogCode.Log) {
      logOnce('eventloop-watchdog', m.message);
    } else {
      logOnce('eventloop-unknown', `this should not happen: unknown watchdog message ${(m as { code: unknown }).code}`);
    }
    if (waiting.size === 0) worker.unref();
  });
  worker.on('error', (e) => {
    logOnce('eventloop-watchdog-error', `event-loop watchdog failed: ${e.message}`);
    failAll();
  });
  worker.on('exit', failAll);
  worker.unref();
  // A process that ends during a block (process.exit() in the blocking code, say) would find the
  // watchdog's session attached, and Node would print "Waiting for the debugger to
  // disconnect...": ask the watchdog to detach and wait for it, up to 100 ms.
  const onExit = (): void => {
    if (Atomics.load(hb, ATTACHED) === 0n) return;
    Atomics.store(hb, EXITING, 1n);
    Atomics.wait(hb, ATTACHED, 1n, 100);
  };
  process.on('exit', onExit);

  // Events are on the watchdog thread: this recorder only stays empty (and says drops if any).
  const local = new Recorder('eventloop', 2);
  const take = (): Promise<EventBatch> => {
    if (failed) return Promise.reject(new Error('the event-loop watchdog is not running'));
    const s = ++seq;
    worker.ref();
    worker.postMessage({ code: WatchdogCode.Take, seq: s });
    return new Promise((resolve, reject) => waiting.set(s, (b) => (b ? resolve(b) : reject(new Error('the event-loop watchdog stopped')))));
  };

  return createEventCollector({
    kind: 'eventloop',
    recorder: local,
    take,
    periodType: { type: 'event-loop-block-time', unit: 'nanoseconds' },
    period: Math.round(sampleIntervalMs * 1e6),
    periodNotes: () => [`hotpath: eventloop: turns of ${thresholdMs} ms or more are blocks (heartbeat every ${heartbeatMs} ms)`],
    uninstall: () => {
      clearInterval(timer);
      process.removeListener('exit', onExit);
      worker.postMessage({ code: WatchdogCode.Stop });
      worker.unref();
      running = false;
    },
  });
}
