import type { TimedLine } from './replay-timeline.ts';

/** Reads timed lines batch by batch; `peek()` is sync once `fill()` has returned true. */
export class LineCursor {
  private buf: TimedLine[];
  private i = 0;
  private done: boolean;

  constructor(
    private readonly gen: AsyncIterator<TimedLine[]> | null,
    initial: TimedLine[] = [],
  ) {
    this.buf = initial;
    this.done = gen === null;
  }

  peek(): TimedLine | null {
    return this.i < this.buf.length ? this.buf[this.i]! : null;
  }

  async fill(): Promise<TimedLine | null> {
    while (this.i >= this.buf.length) {
      if (this.done) return null;
      const r = await this.gen!.next();
      if (r.done) {
        this.done = true;
        return null;
      }
      this.buf = r.value;
      this.i = 0;
    }
    return this.buf[this.i]!;
  }

  take(): TimedLine {
    return this.buf[this.i++]!;
  }

  async close(): Promise<void> {
    this.done = true;
    this.buf = [];
    this.i = 0;
    await this.gen?.return?.(undefined);
  }
}
