// Block coverage of the code under test, per input, from V8's precise coverage through an
// in-process inspector session: this is what guides the fuzzer (an input is kept when it
// reaches a block, or a hit-count bucket of a block, that no earlier input reached).
// Profiler.takePreciseCoverage with callCount returns the counts since the last call and
// resets them, so each call after running one input describes exactly that input.
//
// V8 reports a function's blocks compactly: a block whose count equals that of the range
// around it is left out. So the blocks of a function are learnt over the campaign (every
// range V8 has ever reported for it), and each one's count in a given call is that of the
// innermost range reported in that call that contains it.
import { Session } from 'node:inspector';

interface Range {
  startOffset: number;
  endOffset: number;
  count: number;
}
interface ScriptCoverage {
  url: string;
  functions: { ranges: Range[] }[];
}

/** AFL-style hit-count buckets: 1, 2, 3, 4-7, 8-15, 16-31, 32-127, 128+. */
function bucket(count: number): number {
  if (count <= 3) return count;
  if (count < 8) return 4;
  if (count < 16) return 5;
  if (count < 32) return 6;
  if (count < 128) return 7;
  return 8;
}

export class Coverage {
  private readonly session = new Session();
  private readonly scripts = new Map<string, number>();
  /** Every block (script slot * 2^24 + start offset) that ran at least once... */
  readonly blocks = new Set<number>();
  /** ...and every block V8 has reported, run or not (the blocks of functions that ran). */
  private readonly known = new Set<number>();
  /** Per function (slot * 2^24 + its start): its blocks seen so far, as [start, end] pairs. */
  private readonly functionBlocks = new Map<number, number[]>();

  constructor(private readonly wanted: (url: string) => boolean) {
    this.session.connect();
    this.post('Profiler.enable');
    this.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  }

  /** The main thread's inspector session answers synchronously; this relies on it. */
  private post(method: string, params?: object): unknown {
    let result: unknown;
    let error: Error | null = null;
    let answered = false;
    this.session.post(method, params, (err, res) => {
      error = err;
      result = res;
      answered = true;
    });
    if (!answered) throw new Error(`inspector did not answer ${method} synchronously`);
    if (error) throw error;
    return result;
  }

  /**
   * Features of the code run since the last call: one number per (script, block, hit bucket).
   * `record` also adds the blocks to `blocks` (the campaign's coverage so far).
   */
  take(record = true): number[] {
    const { result } = this.post('Profiler.takePreciseCoverage') as { result: ScriptCoverage[] };
    const out: number[] = [];
    for (const script of result) {
      if (!this.wanted(script.url)) continue;
      let slot = this.scripts.get(script.url);
      if (slot === undefined) this.scripts.set(script.url, (slot = this.scripts.size));
      for (const fn of script.functions) {
        const ranges = fn.ranges;
        if (ranges.length === 0) continue;
        const key = slot * 2 ** 24 + ranges[0].startOffset;
        let blocks = this.functionBlocks.get(key);
        if (!blocks) this.functionBlocks.set(key, (blocks = []));
        for (const r of ranges) {
          let seen = false;
          for (let i = 0; i < blocks.length && !seen; i += 2) seen = blocks[i] === r.startOffset && blocks[i + 1] === r.endOffset;
          if (!seen) blocks.push(r.startOffset, r.endOffset);
        }
        for (let i = 0; i < blocks.length; i += 2) {
          // The innermost reported range around this block: the last one (V8 lists ranges
          // outer before inner) that contains it.
          let count = 0;
          for (const r of ranges) if (r.startOffset <= blocks[i] && r.endOffset >= blocks[i + 1]) count = r.count;
          const block = slot * 2 ** 24 + blocks[i];
          if (record) this.known.add(block);
          if (count <= 0) continue;
          // slot < 2^12, offset < 2^24, bucket < 2^4: exact in a double.
          out.push(block * 16 + bucket(count));
          if (record) this.blocks.add(block);
        }
      }
    }
    return out;
  }

  /**
   * Per script (the part of its URL after /dist/ or /node_modules/): `run/known` blocks, where
   * known blocks are those of the functions that ran at least once (V8 reports no others).
   */
  blocksPerScript(): Record<string, string> {
    const names = new Map([...this.scripts].map(([url, slot]) => [slot, url.replace(/^.*\/(dist|node_modules)\//, '')]));
    const count = (set: Set<number>): Map<string, number> => {
      const m = new Map<string, number>();
      for (const b of set) {
        const name = names.get(Math.floor(b / 2 ** 24))!;
        m.set(name, (m.get(name) ?? 0) + 1);
      }
      return m;
    };
    const run = count(this.blocks);
    return Object.fromEntries([...count(this.known)].map(([name, known]) => [name, `${run.get(name) ?? 0}/${known}`]));
  }
}
