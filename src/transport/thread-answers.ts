// Which profiled threads have answered which period end, and the bounded wait for those that
// have not: the same for every kind's service in the aggregation worker. A thread that said
// Bye is never waited for again.
export class ThreadAnswers {
  /** Highest period seq each thread has answered. */
  private readonly answered = new Map<number, number>();
  private readonly gone = new Set<number>();
  private waiting: { seq: number; threads: Set<number>; done(): void } | null = null;

  /** Thread `id` answered period `seq`. */
  answer(id: number, seq: number): void {
    this.answered.set(id, Math.max(this.answered.get(id) ?? 0, seq));
    if (this.waiting && seq >= this.waiting.seq) this.settle(id);
  }

  /** Thread `id` ended. */
  bye(id: number): void {
    this.gone.add(id);
    if (this.waiting) this.settle(id);
  }

  hasAnswered(id: number, seq: number): boolean {
    return (this.answered.get(id) ?? 0) >= seq;
  }

  /** Waits up to `ms` for those of `threads` that have not answered `seq`; resolves to the ones that did not in time. */
  async waitFor(seq: number, threads: readonly number[], ms: number): Promise<number[]> {
    const open = new Set(threads.filter((id) => !this.gone.has(id) && !this.hasAnswered(id, seq)));
    if (open.size > 0 && ms > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        this.waiting = { seq, threads: open, done: () => { clearTimeout(timer); resolve(); } };
      });
      this.waiting = null;
    }
    return [...open].filter((id) => !this.hasAnswered(id, seq));
  }

  /** Forgets thread `id` (bounded memory under thread churn). */
  forget(id: number): void {
    this.answered.delete(id);
    this.gone.delete(id);
  }

  /** Forgets every thread that said Bye. */
  forgetGone(): void {
    for (const id of this.gone) this.answered.delete(id);
    this.gone.clear();
  }

  private settle(id: number): void {
    const w = this.waiting!;
    w.threads.delete(id);
    if (w.threads.size === 0) w.done();
  }
}
