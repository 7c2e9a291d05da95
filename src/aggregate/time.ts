// The time profiler's service in the aggregation worker (src/aggregate/worker-entry.ts): it
// owns the time profile's WASM ProfileBuilder. It receives every profiled thread's stack batch
// from the owner (which takes them natively), and each thread's new label sets and source maps
// from that thread (postMessageToThread or the BroadcastChannel). At each period end (EndPeriod
// from the owner) it waits for the listed threads' labels (or the timeout), adds the period's
// samples, writes comments about lost samples, encodes the `time` profile and sends it back,
// transferring the bytes.
// With the event-loop kind on, it also turns each thread's long loop turns into the
// event-loop blocks profile (src/aggregate/eventloop-blocks.ts) from the same samples.
import { constants as osConstants } from 'node:os';
import { BroadcastChannel } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type { Service } from '../transport/aggregation-protocol.js';
import { ProfileBuilder } from '../profile/builder.js';
import { Code, TIME_CHANNEL } from '../transport/protocol.js';
import type { AggregatorOutputs, BatchMessage, EndPeriodMessage, LabelsMessage, ThreadPeriodStats, ToAggregator, TimeProfileMeta } from '../transport/protocol.js';
import { IDLE, ThreadTable, batchFrames, expandBatch } from './stack-batch.js';
import { workerFrameMapper } from './frame-mapper.js';
import { StackCap, stackLocations } from './stack-cap.js';
import { packParts, writeSyncReply } from '../transport/sync-reply.js';
import { periodQueue } from '../transport/period-queue.js';
import { ThreadAnswers } from '../transport/thread-answers.js';
import { listen } from '../transport/service-port.js';
import { ThreadBlocks } from './eventloop-blocks.js';
export function serve(port: MessagePort, data: unknown): Service {
  const intervalMicros: number = (data as { intervalMicros: number }).intervalMicros;
  const outputs: AggregatorOutputs = (data as { outputs?: AggregatorOutputs }).outputs ?? { time: true };
  const blocksWanted = outputs.blocksThresholdMs !== undefined;
  const threadBlocks = new Map<number, ThreadBlocks>();
  let blockEvents = 0;

  const tables = new Map<number, ThreadTable>();
  const frameMapper = workerFrameMapper();
  let stats = new Map<number, ThreadPeriodStats>();
  const answers = new ThreadAnswers();
  let samples = 0;

  const builderPromise = ProfileBuilder.create({
    sampleTypes: [
      { type: 'samples', unit: 'count' },
      { type: 'wall', unit: 'nanoseconds' },
      { type: 'cpu', unit: 'nanoseconds' },
    ],
    periodType: { type: 'wall', unit: 'nanoseconds' },
    period: intervalMicros * 1000,
    defaultSampleType: 'cpu',
  });
  let builder: ProfileBuilder | null = null;
  let stackCap: StackCap | null = null;
  const blockBuilderPromise = blocksWanted
    ? ProfileBuilder.create({
      sampleTypes: [
        { type: 'event-loop-blocks', unit: 'count' },
        { type: 'event-loop-block-time', unit: 'nanoseconds' },
      ],
      periodType: { type: 'wall', unit: 'nanoseconds' },
      period: intervalMicros * 1000,
      defaultSampleType: 'event-loop-block-time',
    })
    : Promise.resolve(null);
  let blockBuilder: ProfileBuilder | null = null;
  /** The period's batches, added once their threads' labels are in (at the period end). */
  const pending: BatchMessage[] = [];

  function tableOf(threadId: number): ThreadTable {
    let t = tables.get(threadId);
    if (!t) {
      t = new ThreadTable(threadId);
      tables.set(threadId, t);
    }
    return t;
  }

  function onLabels(m: LabelsMessage): void {
    tableOf(m.threadId).learnLabels(m.labelSets);
    tableOf(m.threadId).learnSpanNames(m.spanNames);
    tableOf(m.threadId).learnSpanRenames(m.spanRenames);
    for (const map of m.sourceMaps) frameMapper.provide(map.file, map.payload);
    answers.answer(m.threadId, m.seq);
  }

  function addBatch(m: BatchMessage): void {
    const b = m.batch;
    const t = tableOf(b.threadId);
    t.learn(b);
    let tb = threadBlocks.get(b.threadId);
    if (blocksWanted && !tb) {
      tb = new ThreadBlocks();
      threadBlocks.set(b.threadId, tb);
    }
    const frames = batchFrames(t, b, frameMapper.map);
    // Location ids once per frame and per stack of the batch, not per sample (none when only
    // the blocks profile is made: it has its own builder).
    const cap = outputs.time ? (stackCap ??= new StackCap(builder!)) : null;
    const idsOf = cap ? stackLocations(cap, frames, b.stacks) : null;
    const totals = expandBatch(t, b, frames, (sampleFrames, values, labels, i, stack) => {
      if (cap && idsOf) {
        cap.addIds(stack >= 0 ? idsOf(stack) : [cap.locationOf(IDLE)], values, labels);
        samples++;
      }
      // A block's stacks: the turn's samples that were not waiting for I/O.
      if (tb && i >= 0 && sampleFrames[0]!.name !== '(idle)') tb.add(b.sampleTurn[i]! >>> 0, sampleFrames, labels, values[1], values[2]);
    });
    if (tb && blockBuilder) {
      const bb = blockBuilder;
      tb.close(b.blocks, b.currentTurn, t.labelsFor(0), b.stats.blocksDropped ?? 0, (frames, values, labels) => {
        bb.addSample(frames, values, labels);
        blockEvents++;
      });
    }
    let s = stats.get(b.threadId);
    if (!s) {
      s = {
        threadId: b.threadId, threadName: b.threadName, osThreadId: b.osThreadId, batches: 0, samples: 0,
        wallNs: 0, cpuNs: 0, elapsedNs: 0, signals: 0, dropped: 0, handlerNs: 0,
        exactLines: 0, functionLines: 0, nativeLeaves: 0, expected: 0, cpuClockError: 0, cpuSigioSamples: 0,
      };
      stats.set(b.threadId, s);
    }
    s.batches++;
    s.samples += totals.samples;
    s.wallNs += totals.wallNs;
    s.cpuNs += totals.cpuNs;
    s.elapsedNs += b.endNs - b.startNs;
    s.signals += b.stats.signals;
    s.dropped += b.stats.droppedWeight + b.stats.storeFullDropped;
    s.handlerNs += b.stats.handlerNs;
    s.exactLines += b.stats.exactLines;
    s.functionLines += b.stats.functionLines;
    s.nativeLeaves += b.stats.nativeLeaves;
    s.expected += (b.endNs - b.startNs) / (b.stats.intervalMicros * 1000);
    s.cpuClockError ||= b.stats.cpuClockError ?? 0;
    s.cpuSigioSamples += b.stats.cpuSigioSamples ?? 0;
  }

  function comments(): string[] {
    const out: string[] = [];
    for (const s of stats.values()) {
      const who = `thread ${s.threadId} (${s.threadName})`;
      if (s.dropped > 0) {
        out.push(`hotpath: ${who}: ${s.dropped} samples lost: the sampler's ring was full (its drain thread fell behind)`);
      }
      const leaves = s.exactLines + s.functionLines;
      if (leaves > 0) {
        const pct = (n: number) => `${((100 * n) / leaves).toFixed(1)}%`;
        out.push(`hotpath: ${who}: JS leaf lines: ${pct(s.exactLines)} exact, ${pct(s.functionLines)} the function's first line only ` +
          `(Sparkplug and Maglev code has no line positions); ${s.nativeLeaves} samples in native callbacks`);
      }
      if (s.cpuClockError > 0) out.push(cpuTimerNote(who, s.cpuClockError));
      if (s.cpuSigioSamples > 0) {
        out.push(`hotpath: ${who}: ${s.cpuSigioSamples} CPU samples came by SIGIO: the kernel could not queue their ` +
          'real-time signal (the user\'s pending signals at their limit, ulimit -i)');
      }
      const lost = Math.round(s.expected) - s.samples;
      if (s.expected > 0 && lost > Math.max(2, 0.05 * s.expected)) {
        out.push(`hotpath: ${who}: ${s.samples} wall samples for ~${Math.round(s.expected)} expected (elapsed / interval)`);
      }
    }
    return out;
  }

  async function endPeriod(m: EndPeriodMessage): Promise<void> {
    const late = await answers.waitFor(m.seq, m.threads, m.timeoutMs);
    for (const p of pending.splice(0)) addBatch(p);
    const b = builder!;
    const notes = comments();
    if (late.length > 0) notes.push(`hotpath: threads ${late.join(', ')} did not answer in ${m.timeoutMs} ms: label sets they made in the period are not on its samples`);
    for (const c of m.comments ?? []) b.addComment(c);
    for (const c of frameMapper.takeComments()) b.addComment(c);
    for (const c of notes) b.addComment(c);
    for (const c of stackCap?.endPeriod() ?? []) b.addComment(c);
    if (m.intervalMicros) b.setPeriod(m.intervalMicros * 1000);
    b.setTimeNanos(BigInt(m.timeNanos));
    b.setDurationNanos(m.durationNanos);
    const bytes = outputs.time ? b.encode() : new Uint8Array(0);
    const blockBytes = encodeBlocks(m);
    const meta: TimeProfileMeta = {
      seq: m.seq, timeNanos: m.timeNanos, durationNanos: m.durationNanos, samples,
      threads: [...stats.values()], comments: notes,
    };
    b.reset();
    samples = 0;
    stats = new Map();
    // Forget threads that are gone and said nothing this period (bounded memory under churn).
    const live = new Set(m.threads);
    for (const id of tables.keys()) {
      if (!live.has(id) && !answers.hasAnswered(id, m.seq)) {
        tables.delete(id);
        threadBlocks.delete(id);
        answers.forget(id);
      }
    }
    if (m.sync) {
      writeSyncReply(m.sync, packParts([bytes, blockBytes]));  // the owner is blocked at exit, waiting for it
    } else {
      const transfer = [bytes.buffer as ArrayBuffer];
      if (blockBytes) transfer.push(blockBytes.buffer as ArrayBuffer);
      port.postMessage({ code: Code.Profile, kind: 'time', seq: m.seq, bytes, blocks: blockBytes, meta }, transfer);
    }
  }

  /** The event-loop blocks profile of the period, or null when no thread had a block. */
  function encodeBlocks(m: EndPeriodMessage): Uint8Array | null {
    const bb = blockBuilder;
    if (!bb) return null;
    const notes: string[] = [`hotpath: eventloop: turns busy for ${outputs.blocksThresholdMs} ms or more are blocks (busy = the turn less its wait for I/O; judged without the time the thread waited for a CPU); their stacks come from the time samples of the turn`];
    for (const [id, tb] of threadBlocks) {
      const s = tb.takeStats();
      if (s.blocks === 0 && s.dropped === 0) continue;
      const name = tables.get(id)?.threadName ?? '';
      notes.push(`hotpath: eventloop: thread ${id} (${name}): ${s.blocks} blocks, ${(s.blockNs / 1e6).toFixed(1)} ms in all (CPU in their samples ${(s.sampledCpuNs / 1e6).toFixed(1)} ms), longest ${(s.longestNs / 1e6).toFixed(1)} ms` +
        (s.runDelayNs >= 1e6 ? `; of which ${(s.runDelayNs / 1e6).toFixed(1)} ms waiting for a CPU` : '') +
        (s.notSampled > 0 ? `; ${s.notSampled} ended before a sample was taken in them` : '') +
        (s.dropped > 0 ? `; ${s.dropped} more not recorded (over 65,536 in one period)` : ''));
    }
    const had = blockEvents > 0;
    blockEvents = 0;
    if (!had) {
      bb.reset();
      return null;
    }
    for (const c of m.comments ?? []) bb.addComment(c);
    for (const c of notes) bb.addComment(c);
    bb.setTimeNanos(BigInt(m.timeNanos));
    bb.setDurationNanos(m.durationNanos);
    if (m.intervalMicros) bb.setPeriod(m.intervalMicros * 1000);
    const bytes = bb.encode();
    bb.reset();
    return bytes;
  }

  const ready = Promise.all([builderPromise, blockBuilderPromise]).then(([b, bb]) => {
    builder = b;
    blockBuilder = bb;
  }, (e: Error) => {
    throw new Error(`could not create the profile builder: ${e.message}`);
  });
  const queueEndPeriod = periodQueue(port, endPeriod, ready);

  const channel = new BroadcastChannel(TIME_CHANNEL);

  function onMessage(m: ToAggregator | { code: Code.Flush, kind: 'time' }): void {
    switch (m.code) {
      case Code.Batch:
        try {
          // Seen once while workers ended (not reproduced): a Batch whose data was not a time batch.
          // Say what arrived instead of failing inside the expansion.
          if (!m.batch || !Array.isArray(m.batch.newStrings) || !m.batch.frames) {
            throw new Error(`this should not happen: a batch message without time data (keys: ${Object.keys(m.batch ?? m).join(', ')})`);
          }
          pending.push(m);
        } catch (e) {
          port.postMessage({ code: Code.Error, kind: 'time', seq: m.seq, message: (e as Error).stack ?? String(e) });
        }
        break;
      case Code.Labels:
        onLabels(m);
        break;
      case Code.EndPeriod:
        queueEndPeriod(m);
        break;
      case Code.Bye:
        answers.bye(m.threadId);
        break;
      case Code.Flush:
        break; // the owner's own announcement, echoed to every channel member
      default:
        throw new Error(`hotpath: this should not happen: unknown message code ${(m as { code: unknown }).code}`);
    }
  }

  return listen(port, channel, ['time'], onMessage, onMessage);
}

/**
 * Said when a thread's CPU samples come from a CPU-time timer because the kernel refused its
 * perf event: such a timer is checked only at the scheduler tick the thread happens to run at.
 */
function cpuTimerNote(who: string, errno: number): string {
  const name = Object.entries(osConstants.errno).find(([, n]) => n === errno)?.[0] ?? `errno ${errno}`;
  return `hotpath: ${who}: CPU samples from a CPU-time timer (perf_event_open refused: ${name}; ` +
    'perf_event_paranoid above 2 or a seccomp filter): under CPU contention they land late, on the code after the one that used the CPU';
}
