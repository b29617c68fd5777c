/**
 * A run's whole throughput-over-iterations curve for reports (HTML charts), bounded: when the
 * buffer is full every other point is dropped and from then on only every 2nd (4th, …) progress
 * line is kept, so a log of a million iterations still gives at most `cap` evenly spread points
 * from its first iteration to its last. (The live chart's SeriesRing keeps the LAST points instead,
 * by event time; summary mode has no event time.) Only filled when asked (RunSetOptions.history).
 */
export interface IterPoint {
  iter: number;
  /** Instantaneous throughput (samples/s) at this progress line. */
  v: number;
  warmup: boolean;
  /** 1-based line number of the progress line in its file. */
  line: number;
}

export class IterHistory {
  private pts: IterPoint[] = [];
  private stride = 1;
  private seen = 0;

  constructor(readonly cap = 400) {}

  push(p: IterPoint): void {
    if (this.seen++ % this.stride !== 0) return;
    this.pts.push(p);
    if (this.pts.length >= this.cap) {
      this.pts = this.pts.filter((_, i) => i % 2 === 0);
      this.stride *= 2;
    }
  }

  toArray(): IterPoint[] {
    return [...this.pts];
  }
}
