// The event-loop watchdog: a worker thread that notices when the main thread's event loop is
// held (its heartbeat stops) and, while it is, samples the main thread's JavaScript stack.
//
// The main thread's collector (src/eventloop/collector.ts) writes a heartbeat from an
// unref'd timer: the monotonic time of each beat and how late that beat was. Here, every
// `pollMs`, the beat's age is checked; past the threshold a block is under way: an inspector
// session is connected to the main thread (Session.connectToMainThread), the Debugger domain
// enabled, and Debugger.pause requested every `sampleIntervalMs`; each pause hands over the
// main thread's call frames and is resumed at once. The session is disconnected as soon as the
// loop turns again: with the Debugger domain enabled V8 runs promises and throws on slow paths
// (bench/RESULTS.md), so it is never left on between blocks.
//
// When the next beat comes, its lateness is the block's length (from the end of the previous
// turn the timer could run in, to the beat; up to one heartbeat interval short of the whole
// turn); the main thread adds it to shared counters when it is at least the threshold (and,
// with the addon, the thread ran for half of it). A block becomes events: each stack sampled during it gets
// 1/n of its length (n = stacks sampled), and the stack sampled most often gets the block's
// count, so event-loop-blocks counts blocks and event-loop-block-time their time, split by what
// ran. A block that ended before any pause landed gets the pseudo-frame `(block not sampled)`.
//
// Messages (parentPort): Take -> Batch (the period's events, buffers transferred); Stop.
import { parentPort, workerData } from 'node:worker_threads';
import { Session } from 'node:inspector';
import { Recorder } from '../worker/event-recorder.js';
import { batchBuffers } from '../worker/event-batch.js';
import { KIND_SPECS } from '../worker/event-batch.js';
import { ATTACHED, BEAT, BLOCKS, BLOCK_NS, EXITING, STARVED, WatchdogCode } from './shared.js';
import type { WatchdogData, WatchdogMessage } from './shared.js';

if (!parentPort) throw new Error('hotpath: the event-loop watchdog must run as a worker thread');
const port = parentPort;
const data = workerData as WatchdogData;
const hb = new BigInt64Array(data.heartbeat);
const thresholdNs = BigInt(Math.round(data.thresholdMs * 1e6));

const recorder = new Recorder('eventloop', KIND_SPECS.eventloop.sampleTypes.length, data.limits);
let blocks = 0;
let unsampled = 0;
/** The main thread's block counters already turned into events. */
let seenBlocks = 0n;
let seenBlockNs = 0n;
let samplesTaken = 0;

interface CallFrame {
  functionName: string;
  url: string;
  location: { scriptId: string; lineNumber: number; columnNumber?: number };
}

/** Script URLs by id, from the Debugger.scriptParsed events of the session (frames' `url` is often empty). */
let scripts = new Map<string, string>();

/** The block under way: the beat it started after, and the stacks sampled so far. */
let block: { beat: bigint; stacks: number[]; pauseTimer: NodeJS.Timeout | null; pausing: boolean } | null = null;
let session: Session | null = null;

function now(): bigint {
  return process.hrtime.bigint();
}

function connect(): void {
  if (session) return;
  const s = new Session();
  try {
    (s as unknown as { connectToMainThread(): void }).connectToMainThread();
  } catch (e) {
    port.postMessage({ code: WatchdogCode.Log, message: `event-loop watchdog cannot attach to the main thread: ${(e as Error).message}` });
    return;
  }
  s.on('Debugger.scriptParsed', (m: { params: { scriptId: string; url: string } }) => {
    if (m.params.url) scripts.set(m.params.scriptId, m.params.url);
  });
  s.on('Debugger.paused', (m: { params: { reason: string; callFrames: CallFrame[] } }) => {
    // Resume first: the main thread waits for it.
    s.post('Debugger.resume', () => {});
    if (!block || !block.pausing) return;
    block.pausing = false;
    // A pause that lands after the loop turned again belongs to no block.
    if (Atomics.load(hb, BEAT) !== block.beat) return;
    samplesTaken++;
    recorder.beginStack();
    for (const f of m.params.callFrames) {
      const url = f.url || scripts.get(f.location.scriptId) || '';
      recorder.pushFrame(f.functionName || '(anonymous)', url, f.location.lineNumber + 1, (f.location.columnNumber ?? 0) + 1);
    }
    const id = recorder.endStack();
    if (id >= 0) block.stacks.push(id);
    else recorder.drop();
    schedulePause();
  });
  s.post('Debugger.enable', () => {});
  session = s;
  Atomics.store(hb, ATTACHED, 1n);
}

function disconnect(): void {
  if (!session) return;
  try {
    session.disconnect();
  } catch {
    // already gone
  }
  session = null;
  scripts = new Map();
  Atomics.store(hb, ATTACHED, 0n);
  Atomics.notify(hb, ATTACHED);
}

function requestPause(): void {
  if (!block || !session) return;
  block.pauseTimer = null;
  block.pausing = true;
  session.post('Debugger.pause', () => {});
}

function schedulePause(): void {
  if (!block || block.pauseTimer) return;
  block.pauseTimer = setTimeout(requestPause, data.sampleIntervalMs);
}

function endBlock(): void {
  const b = block!;
  block = null;
  if (b.pauseTimer) clearTimeout(b.pauseTimer);
  disconnect();
  // The main thread counts a block at the first beat after it (several beats may have passed
  // since, so LATENESS is not read here): what it counted since the last accounting is this
  // block (and, rarely, a block right after it, whose time then goes with these stacks).
  const n = Atomics.load(hb, BLOCKS) - seenBlocks;
  if (n <= 0n) return; // the loop was slow to wake (or the thread was not scheduled), not held
  const lateNs = Atomics.load(hb, BLOCK_NS) - seenBlockNs;
  seenBlocks += n;
  seenBlockNs += lateNs;
  blocks += Number(n);
  const ns = Number(lateNs);
  if (b.stacks.length === 0) {
    unsampled += Number(n);
    recorder.beginStack();
    recorder.pushFrame('(block not sampled)', '', 0, 0);
    recorder.add(recorder.endStack(), '', Number(n), ns);
    return;
  }
  // Time is split evenly between the stacks sampled; the block's count (an integer in pprof)
  // goes to the stack sampled most often in it.
  const k = b.stacks.length;
  const per = new Map<number, number>();
  for (const id of b.stacks) per.set(id, (per.get(id) ?? 0) + 1);
  let top = b.stacks[0];
  for (const [id, c] of per) if (c > per.get(top)!) top = id;
  for (const [id, c] of per) recorder.add(id, '', id === top ? Number(n) : 0, (ns * c) / k);
}

/** Blocks the main thread counted that no sampled block accounted for. */
function catchUp(): void {
  const n = Atomics.load(hb, BLOCKS) - seenBlocks;
  if (n <= 0n) return;
  const ns = Atomics.load(hb, BLOCK_NS) - seenBlockNs;
  seenBlocks += n;
  seenBlockNs += ns;
  blocks += Number(n);
  unsampled += Number(n);
  recorder.beginStack();
  recorder.pushFrame('(block not sampled)', '', 0, 0);
  recorder.add(recorder.endStack(), '', Number(n), Number(ns));
}

function poll(): void {
  if (Atomics.load(hb, EXITING) !== 0n) {
    // The process is ending during a block: detach, or Node prints "Waiting for the debugger
    // to disconnect..." on the application's stderr.
    if (block?.pauseTimer) clearTimeout(block.pauseTimer);
    block = null;
    disconnect();
    return;
  }
  const beat = Atomics.load(hb, BEAT);
  if (block) {
    if (beat !== block.beat) endBlock();
    return;
  }
  catchUp();
  if (now() - beat > thresholdNs) {
    block = { beat, stacks: [], pauseTimer: null, pausing: false };
    connect();
    requestPause();
  }
}

const timer = setInterval(poll, data.pollMs);

port.on('message', (m: WatchdogMessage) => {
  switch (m.code) {
    case WatchdogCode.Take: {
      if (!block) catchUp();
      const notes: string[] = [];
      const starved = Atomics.exchange(hb, STARVED, 0n);
      if (starved > 0n) notes.push(`${starved} turns late by ${data.thresholdMs} ms or more while the main thread hardly ran (not scheduled, or waiting in a system call): not counted as blocks`);
      if (blocks > 0) notes.push(`${blocks} blocks of ${data.thresholdMs} ms or more; ${samplesTaken} stacks sampled every ~${data.sampleIntervalMs} ms during them; ${unsampled} blocks ended before a stack was sampled`);
      recorder.notes.push(...notes);
      blocks = 0;
      unsampled = 0;
      samplesTaken = 0;
      const batch = recorder.take(0, 'main', data.osThreadId);
      port.postMessage({ code: WatchdogCode.Batch, seq: m.seq, batch }, batchBuffers(batch));
      break;
    }
    case WatchdogCode.Stop:
      clearInterval(timer);
      if (block?.pauseTimer) clearTimeout(block.pauseTimer);
      block = null;
      disconnect();
      port.close();
      break;
    default:
      throw new Error(`hotpath: this should not happen: unknown watchdog message ${(m as { code: unknown }).code}`);
  }
});
