// Event-loop blocks from the time profiler's samples, in the aggregation worker.
//
// Each native batch (native/src/time_profiler.cc) says which turn of its thread's event loop
// every sample was taken in, and lists the turns that kept the thread busy for the block
// threshold or longer, with their busy time: the turn's length less its wait for I/O (so a turn
// that merely waited on slow I/O is not a block). A turn is judged on its busy time less the
// time the thread waited for a CPU (its run-queue delay, from schedstat), so a busy host does
// not make blocks out of short turns; a block's time is still all the time it held the loop.
// A block's time is split among the samples of its turn that were not `(idle)`, in proportion
// to their wall time; its count (an integer in pprof) goes to the stack with the largest share.
// A turn still under way when a batch was cut keeps its samples until the thread's next batch
// says whether it was a block (a synchronous block cannot span a rotation: rotations run on
// the loop).
import type { ExpandedFrame, ExpandedLabel } from './stack-batch.js';

export type BlockSink = (frames: ExpandedFrame[], values: [number, number], labels: ExpandedLabel[]) => void;

interface TurnSample {
  frames: ExpandedFrame[];
  labels: ExpandedLabel[];
  wall: number;
  cpu: number;
}

const NOT_SAMPLED: ExpandedFrame = { name: '(block not sampled)', file: '', line: 0 };

/** Per-period figures of one thread, for the profile's comments. */
export interface BlockStats {
  blocks: number;
  blockNs: number;
  longestNs: number;
  /** Run-queue delay within the blocks' time (the thread waited for a CPU). */
  runDelayNs: number;
  /** CPU time of the blocks' samples: far below blockNs when the blocks waited in system calls (execSync) or for a CPU. */
  sampledCpuNs: number;
  notSampled: number;
  dropped: number;
}

function stackKey(s: TurnSample): string {
  let k = '';
  for (const f of s.frames) k += `${f.name}\u0000${f.file}\u0000${f.line}\u0001`;
  for (const l of s.labels) k += `${l.key}\u0000${l.str ?? l.num}\u0001`;
  return k;
}

export class ThreadBlocks {
  /** Samples of turns not known to be closed yet, by turn number. */
  private open = new Map<number, TurnSample[]>();
  stats: BlockStats = this.emptyStats();

  /** A sample of the batch being expanded (idle samples and `(program)` remainders are skipped by the caller). */
  add(turn: number, frames: ExpandedFrame[], labels: ExpandedLabel[], wall: number, cpu: number): void {
    if (turn === 0) return;  // not joined with a signal record: no turn known
    let l = this.open.get(turn);
    if (l === undefined) {
      l = [];
      this.open.set(turn, l);
    }
    l.push({ frames, labels, wall, cpu });
  }

  /**
   * After a batch's samples: each block record (turn, end ns, busy ns, run delay ns) becomes events; then
   * every turn but the one under way is closed and forgotten.
   */
  close(blocks: Float64Array, currentTurn: number, threadLabels: ExpandedLabel[], dropped: number, sink: BlockSink): void {
    this.stats.dropped += dropped;
    for (let i = 0; i + 3 < blocks.length; i += 4) {
      const turn = blocks[i] >>> 0;
      const busy = blocks[i + 2];
      this.stats.runDelayNs += blocks[i + 3];
      this.stats.blocks++;
      this.stats.blockNs += busy;
      if (busy > this.stats.longestNs) this.stats.longestNs = busy;
      this.emit(this.open.get(turn) ?? [], busy, threadLabels, sink);
      this.open.delete(turn);
    }
    const keep = this.open.get(currentTurn >>> 0);
    this.open.clear();
    if (keep) this.open.set(currentTurn >>> 0, keep);
  }

  takeStats(): BlockStats {
    const s = this.stats;
    this.stats = this.emptyStats();
    return s;
  }

  private emptyStats(): BlockStats {
    return { blocks: 0, blockNs: 0, longestNs: 0, runDelayNs: 0, sampledCpuNs: 0, notSampled: 0, dropped: 0 };
  }

  private emit(samples: TurnSample[], busy: number, threadLabels: ExpandedLabel[], sink: BlockSink): void {
    if (samples.length === 0) {
      this.stats.notSampled++;
      sink([NOT_SAMPLED], [1, busy], threadLabels);
      return;
    }
    const groups = new Map<string, { s: TurnSample; wall: number; n: number }>();
    let totalWall = 0;
    for (const s of samples) {
      const k = stackKey(s);
      const g = groups.get(k);
      if (g) {
        g.wall += s.wall;
        g.n++;
      } else {
        groups.set(k, { s, wall: s.wall, n: 1 });
      }
      totalWall += s.wall;
      this.stats.sampledCpuNs += s.cpu;
    }
    // Shares by wall time; by sample count if no sample carries wall (the first of a thread).
    const share = (g: { wall: number; n: number }): number => (totalWall > 0 ? g.wall / totalWall : g.n / samples.length);
    let top: { wall: number; n: number } | null = null;
    for (const g of groups.values()) if (top === null || share(g) > share(top)) top = g;
    for (const g of groups.values()) sink(g.s.frames, [g === top ? 1 : 0, Math.round(busy * share(g))], g.s.labels);
  }
}
