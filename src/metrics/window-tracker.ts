import type { IterRecord, WindowSpec } from '../formats/types.ts';
import { pyRound } from './round.ts';

export type Phase = 'warmup' | 'measuring' | 'done';

export interface WindowResult {
  throughput: number;
  method: 'timestamps' | 'reported';
  startIter: number;
  endIter: number;
  /** Iterations the window spans. */
  iterations: number;
  /** Mean seconds per iteration over the window, where the log reports it or the clock tells. */
  latencyMs: number | null;
}

export interface WindowShortfall {
  reason: string;
  /** Last iteration seen. */
  lastIter: number | null;
}

/**
 * Tracks one log's measuring window as records stream in (pure, bounded memory: it keeps only the
 * window's boundary records and running sums). Implements DLPerf's per-format methods
 * (see WindowSpec). `totalBatch` is asked for only when a figure is computed, because a log may
 * state its configuration after its first progress line.
 */
export class WindowTracker {
  readonly spec: WindowSpec;
  private counted = 0;
  private startRec: IterRecord | null = null;
  private endRec: IterRecord | null = null;
  private lastRec: IterRecord | null = null;
  private inWindow = 0;
  private sumReported = 0;
  private nReported = 0;
  private sumLatency = 0;
  private nLatency = 0;
  private ended = false;

  constructor(spec: WindowSpec, override?: { start: number; end: number | null }) {
    this.spec = override ? { ...spec, start: override.start, end: override.end } : spec;
  }

  get phase(): Phase {
    if (this.endRec || (this.ended && this.startRec)) return 'done';
    return this.startRec ? 'measuring' : 'warmup';
  }

  /** Counted lines so far (line unit) or the last iteration (iter unit). */
  get progress(): number | null {
    return this.spec.unit === 'line' ? this.counted : (this.lastRec?.iter ?? null);
  }

  get lastIter(): number | null {
    return this.lastRec?.iter ?? null;
  }

  /** Feed one progress record. Returns the phase after it. */
  push(r: IterRecord): Phase {
    if (this.endRec) return 'done';
    const s = this.spec;
    this.lastRec = r;
    if (s.unit === 'line') {
      if (s.skipIterAtMost !== undefined && r.iter <= s.skipIterAtMost) return this.phase;
      this.counted++;
      const start = s.start === 'first' || s.start === 'auto' ? 1 : s.start;
      if (this.counted === start) this.startRec = r;
      else if (this.startRec) {
        this.addToWindow(r);
        if (s.end !== null && this.counted === s.end) this.endRec = r;
      }
      return this.phase;
    }
    // iter unit
    if (!this.startRec) {
      if (s.start === 'first' || s.start === 'auto' ? !r.skipped : r.iter >= s.start) this.startRec = r;
      return this.phase;
    }
    if (r.iter <= this.startRec.iter) return this.phase; // repeated iteration (loss-scale backoff)
    this.addToWindow(r);
    if (s.end !== null && r.iter >= s.end) this.endRec = r;
    return this.phase;
  }

  private addToWindow(r: IterRecord): void {
    this.inWindow++;
    if (r.skipped) return;
    if (r.throughput !== undefined && Number.isFinite(r.throughput)) {
      this.sumReported += r.throughput;
      this.nReported++;
    }
    if (r.latencyS !== undefined && Number.isFinite(r.latencyS)) {
      this.sumLatency += r.latencyS;
      this.nLatency++;
    }
  }

  /** The input ended: an open-ended window completes now. */
  end(): void {
    this.ended = true;
  }

  /** Boundary record of the window's end so far (the last record while open-ended). */
  private closingRecord(): IterRecord | null {
    if (this.endRec) return this.endRec;
    if (this.spec.end === null && this.ended && this.lastRec && this.startRec && this.lastRec !== this.startRec) return this.lastRec;
    return null;
  }

  /** The run's figure, or why there is none yet. `worldSize` is for trackers of per-device figures (stored-window.ts). */
  result(totalBatch: number | null, _worldSize: number | null = null, _nodes: number | null = null): WindowResult | WindowShortfall {
    const s = this.spec;
    const a = this.startRec;
    const b = this.closingRecord();
    if (!a || !b) {
      const where = s.unit === 'line' ? `${this.counted} progress lines counted` : `last iteration ${this.lastRec?.iter ?? 'none'}`;
      const want = s.end === null ? 'at least two progress lines after warmup' : `${s.unit === 'line' ? 'counted line' : 'iteration'} ${s.end}`;
      return { reason: `log ends before its window ends (${where}; needs ${want})`, lastIter: this.lastRec?.iter ?? null };
    }
    const startCount = s.start === 'first' || s.start === 'auto' ? 1 : s.start;
    const endCount = this.endRec && s.end !== null ? s.end : this.counted;
    const linesIters = s.unit === 'line' && s.itersPerLine !== undefined ? (endCount - startCount) * s.itersPerLine : b.iter - a.iter;
    const dtS = elapsedSeconds(a, b);
    const round = (x: number) => (s.roundTo !== undefined ? pyRound(x, s.roundTo) : x);
    const latencyFromLog = this.nLatency > 0 ? (this.sumLatency / this.nLatency) * 1000 : null;
    if (!s.preferReported && dtS !== null && dtS > 0 && totalBatch) {
      return {
        // Same operation order as DLPerf's scripts, so that ties round identically:
        // NGC-style scripts divide by the time per iteration, OneFlow's by the duration.
        throughput: round(s.roundTo !== undefined ? totalBatch / (dtS / linesIters) : (totalBatch * linesIters) / dtS),
        method: 'timestamps',
        startIter: a.iter,
        endIter: b.iter,
        iterations: linesIters,
        latencyMs: latencyFromLog ?? (dtS / linesIters) * 1000,
      };
    }
    if (latencyFromLog !== null && totalBatch && (s.preferReported || this.nReported === 0)) {
      return { throughput: round(totalBatch / (latencyFromLog / 1000)), method: 'reported', startIter: a.iter, endIter: b.iter, iterations: linesIters, latencyMs: latencyFromLog };
    }
    if (this.nReported > 0) {
      return { throughput: round(this.sumReported / this.nReported), method: 'reported', startIter: a.iter, endIter: b.iter, iterations: linesIters, latencyMs: latencyFromLog };
    }
    if (!totalBatch) return { reason: 'configuration unknown (batch size, GPUs or nodes): cannot turn time into samples/s', lastIter: this.lastRec?.iter ?? null };
    return { reason: 'window lines carry neither a clock nor a reported figure', lastIter: this.lastRec?.iter ?? null };
  }
}

/** Seconds between two records; exact in whole microseconds where both carry them (as Python's datetime). */
export function elapsedSeconds(a: IterRecord, b: IterRecord): number | null {
  if (a.timeUs !== undefined && b.timeUs !== undefined) return (b.timeUs - a.timeUs) / 1e6;
  if (a.time !== undefined && b.time !== undefined) return b.time - a.time;
  return null;
}

export function isShortfall(r: WindowResult | WindowShortfall): r is WindowShortfall {
  return 'reason' in r;
}
