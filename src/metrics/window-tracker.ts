import type { IterRecord, ThroughputMethod, WindowSpec } from '../formats/types.ts';
import { ClockCheck, type ClockJump } from './clock-check.ts';
import { pyRound } from './round.ts';

export type Phase = 'warmup' | 'measuring' | 'done';

/** A progress line's place in its file, kept for the window's boundaries (the proof of a figure). */
export interface LineAt {
  lineNo: number;
  text: string;
}

export interface WindowResult {
  throughput: number;
  method: ThroughputMethod;
  /** The other method on the same window, where the log has both (a clock and printed figures). */
  crosscheck: number | null;
  startIter: number;
  endIter: number;
  /** Iterations the window spans. */
  iterations: number;
  /** Mean seconds per iteration over the window, where the log reports it or the clock tells. */
  latencyMs: number | null;
  /** The window's first and last progress lines (what the timestamps method reads). */
  startAt: LineAt | null;
  endAt: LineAt | null;
  /** Printed figures the reported method averaged. */
  reportedLines: number;
}

export interface WindowShortfall {
  reason: string;
  /** Last iteration seen. */
  lastIter: number | null;
}

/** What `half` windows keep of each print until the run's length is known (bounded). */
interface Held {
  r: IterRecord;
  at: LineAt | null;
}
const HALF_CAP = 20000;

/**
 * Tracks one log's measuring window as records stream in (pure, bounded memory: it keeps only the
 * window's boundary records and running sums). Implements DLPerf's per-format methods
 * (see WindowSpec): both figures are computed on the same window, the published one is the run's
 * number and the other its cross-check. `totalBatch` is asked for only when a figure is computed,
 * because a log may state its configuration after its first progress line.
 */
export class WindowTracker {
  readonly spec: WindowSpec;
  private counted = 0;
  private startRec: IterRecord | null = null;
  private endRec: IterRecord | null = null;
  private lastRec: IterRecord | null = null;
  private startAt: LineAt | null = null;
  private endAt: LineAt | null = null;
  /** The line of the last print pushed (read by begin/close while it is pushed). */
  lastLineNo = 0;
  lastText = '';
  private inWindow = 0;
  private sumReported = 0;
  private nReported = 0;
  private sumLatency = 0;
  private nLatency = 0;
  private ended = false;
  private frozen = false;
  /** Progress prints fed (all of them, for the too-short reason). */
  private seen = 0;
  private readonly method: ThroughputMethod;
  /** Time going backwards or leaping between two prints of the window (the first such pair). */
  private readonly clock = new ClockCheck();
  /** `half` windows: every print until the result is asked for (bounded), and the run's length. */
  private held: Held[] | null = null;
  trainIters: number | null = null;

  constructor(spec: WindowSpec, override?: { start: number; end: number | null }, method?: ThroughputMethod) {
    this.spec = override ? { ...spec, start: override.start, end: override.end, startRule: undefined } : spec;
    if (override && spec.overrideReported === 'half-open') this.spec = { ...this.spec, reportedIncludesStart: true, reportedExcludesEnd: true };
    this.method = method ?? spec.published ?? (spec.preferReported ? 'reported' : 'timestamps');
    if (this.spec.startRule === 'half') this.held = [];
  }

  get phase(): Phase {
    if (this.held) return this.halfPhase();
    if (this.endRec || ((this.ended || this.frozen) && this.startRec)) return 'done';
    return this.startRec ? 'measuring' : 'warmup';
  }

  /** Counted lines so far (line unit) or the last iteration (iter unit). */
  get progress(): number | null {
    return this.spec.unit === 'line' ? this.counted : (this.lastRec?.iter ?? null);
  }

  get lastIter(): number | null {
    return this.lastRec?.iter ?? null;
  }

  /** The first clock jump inside the window, if any: the window's figure cannot be trusted. */
  get clockJump(): ClockJump | null {
    return this.held ? this.halfTracker().clockJump : this.clock.jump;
  }

  /** Whether the window would give a figure if the input ended now (a restarted log keeps a complete one). */
  holdsCompleteWindow(): boolean {
    if (this.held) return this.held.length >= 2;
    return this.endRec !== null || (this.spec.end === null && this.startRec !== null && this.lastRec !== this.startRec);
  }

  /** Stop taking prints: the window is what it holds now (the process restarted after it). */
  freeze(): void {
    this.frozen = true;
  }

  /**
   * Feed one progress record with its line number and text (the evidence; kept only for the
   * window's boundaries: no allocation per line). Returns the phase after it.
   */
  push(r: IterRecord, lineNo = 0, text = ''): Phase {
    if (this.frozen) return this.phase;
    if (this.held) {
      this.lastRec = r;
      if (this.held.length < HALF_CAP) this.held.push({ r, at: text ? { lineNo, text } : null });
      return this.phase;
    }
    if (this.endRec) return 'done';
    const s = this.spec;
    this.seen++;
    this.clock.observe(r, lineNo, text, this.startRec !== null);
    this.lastRec = r;
    this.lastLineNo = lineNo;
    this.lastText = text;
    const at = text ? this : undefined;
    if (s.unit === 'line') {
      if (s.skipIterAtMost !== undefined && r.iter <= s.skipIterAtMost) return this.phase;
      this.counted++;
      const start = s.start === 'first' || s.start === 'auto' ? 1 : s.start;
      if (this.counted === start) this.begin(r, at);
      else if (this.startRec) {
        this.addToWindow(r);
        if (s.end !== null && this.counted === s.end) this.close(r, at);
      }
      return this.phase;
    }
    // iter unit
    if (!this.startRec) {
      if (s.start === 'first' || s.start === 'auto' ? !r.skipped : r.iter >= s.start) this.begin(r, at);
      return this.phase;
    }
    if (r.iter <= this.startRec.iter) {
      // A repeated iteration (loss-scale backoff). NGC TF BERT's time script starts at the LAST print of it.
      if (s.startAtLastRepeat && r.iter === this.startRec.iter && this.inWindow === 0) this.begin(r, at);
      return this.phase;
    }
    if (s.end !== null && r.iter >= s.end) {
      if (s.reportedExcludesEnd) this.inWindow++;
      else this.addToWindow(r);
      this.close(r, at);
    } else this.addToWindow(r);
    return this.phase;
  }

  /** `at`: this tracker while a line is being pushed (its last line), or a held print's line. */
  private begin(r: IterRecord, at: { lastLineNo: number; lastText: string } | LineAt | undefined): void {
    this.startRec = r;
    this.startAt = lineOf(at);
    if (this.spec.reportedIncludesStart) {
      this.sumReported = 0;
      this.nReported = 0;
      this.addReported(r);
    }
  }

  private close(r: IterRecord, at: { lastLineNo: number; lastText: string } | LineAt | undefined): void {
    this.endRec = r;
    this.endAt = lineOf(at);
  }

  private addToWindow(r: IterRecord): void {
    this.inWindow++;
    if (r.skipped) return;
    this.addReported(r);
  }

  private addReported(r: IterRecord): void {
    if (r.skipped) return;
    if (r.throughput !== undefined && Number.isFinite(r.throughput)) {
      this.sumReported += this.spec.roundEachTo !== undefined ? pyRound(r.throughput, this.spec.roundEachTo) : r.throughput;
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

  /**
   * The file ended and will get no more prints (summary): the texts it keeps as evidence become
   * texts of their own (`own`: not views into a chunk string); what only later prints would read
   * is dropped. The figure stays the same (result() reads boundary records and sums only).
   */
  release(own: (s: string) => string): void {
    if (this.startAt) this.startAt.text = own(this.startAt.text);
    if (this.endAt) this.endAt.text = own(this.endAt.text);
    this.lastText = own(this.lastText);
    this.clock.release(own);
    if (this.held) for (const h of this.held) if (h.at) h.at.text = own(h.at.text);
    this.half = null;
    this.halfKey = '';
  }

  /**
   * The same texts as release() makes texts of their own, with nothing dropped: for a file that
   * may still be asked for its state (replay's byte path, whose texts are views of decoded windows).
   */
  ownTexts(own: (s: string) => string): void {
    if (this.startAt) this.startAt.text = own(this.startAt.text);
    if (this.endAt) this.endAt.text = own(this.endAt.text);
    this.lastText = own(this.lastText);
    this.clock.ownTexts(own);
    if (this.held) for (const h of this.held) if (h.at) h.at.text = own(h.at.text);
    this.half?.ownTexts(own);
  }

  /** Boundary record of the window's end so far (the last record while open-ended). */
  private closingRecord(): IterRecord | null {
    if (this.endRec) return this.endRec;
    if (this.spec.end === null && (this.ended || this.frozen) && this.lastRec && this.startRec && this.lastRec !== this.startRec) {
      this.endAt ??= this.lastText ? { lineNo: this.lastLineNo, text: this.lastText } : null;
      return this.lastRec;
    }
    return null;
  }

  /** The run's figure, or why there is none yet. `worldSize` is for trackers of per-device figures (stored-window.ts). */
  result(totalBatch: number | null, _worldSize: number | null = null, _nodes: number | null = null): WindowResult | WindowShortfall {
    if (this.held) {
      // Unknown length: no figure before the log ends (the half is not known yet).
      if (this.trainIters === null && !this.ended && !this.frozen) return { reason: 'the run has not ended: its second half is not known yet (no train_iters in the log)', lastIter: this.lastRec?.iter ?? null };
      return this.halfTracker().result(totalBatch);
    }
    const s = this.spec;
    const a = this.startRec;
    const b = this.closingRecord();
    if (!a || !b) {
      const where = s.unit === 'line' ? `${this.counted} progress lines counted` : `${this.seen} progress line${this.seen === 1 ? '' : 's'}, last iteration ${this.lastRec?.iter ?? 'none'}`;
      const want = s.end === null ? 'at least two progress lines after warmup: the first opens the window, the last closes it' : `${s.unit === 'line' ? 'counted line' : 'iteration'} ${s.end}`;
      return { reason: `log ends before its window ends (${where}; needs ${want})${s.shortNote ? `; ${s.shortNote}` : ''}`, lastIter: this.lastRec?.iter ?? null };
    }
    const startCount = s.start === 'first' || s.start === 'auto' ? 1 : s.start;
    const endCount = this.endRec && s.end !== null ? s.end : this.counted;
    const linesIters = s.unit === 'line' && s.itersPerLine !== undefined ? (endCount - startCount) * s.itersPerLine : b.iter - a.iter;
    const dtS = elapsedSeconds(a, b);
    const round = (x: number) => (s.roundTo !== undefined ? pyRound(x, s.roundTo) : x);
    const latencyFromLog = this.nLatency > 0 ? (this.sumLatency / this.nLatency) * 1000 : null;
    // Same operation order as DLPerf's scripts, so that ties round identically:
    // NGC-style scripts divide by the time per iteration, OneFlow's by the duration.
    const timed = dtS !== null && dtS > 0 && totalBatch && linesIters > 0 ? round(s.roundTo !== undefined ? totalBatch / (dtS / linesIters) : (totalBatch * linesIters) / dtS) : null;
    // The reported figure: global batch / mean printed latency for formats DLPerf quotes by latency
    // (GPT, Megatron), else the mean of the printed throughput.
    let reported: number | null = null;
    if (latencyFromLog !== null && totalBatch && (s.preferReported || this.nReported === 0)) reported = round(totalBatch / (latencyFromLog / 1000));
    else if (this.nReported > 0) reported = round(this.sumReported / this.nReported);
    const base = { startIter: a.iter, endIter: b.iter, iterations: linesIters, startAt: this.startAt, endAt: this.endAt, reportedLines: Math.max(this.nReported, this.nLatency) };
    const useTimed = this.method === 'timestamps' ? timed !== null : reported === null;
    if (useTimed && timed !== null) {
      return { ...base, throughput: timed, method: 'timestamps', crosscheck: reported, latencyMs: latencyFromLog ?? (dtS! / linesIters) * 1000 };
    }
    if (reported !== null) return { ...base, throughput: reported, method: 'reported', crosscheck: timed, latencyMs: latencyFromLog };
    if (!totalBatch) return { reason: 'configuration unknown (batch size, GPUs or nodes): cannot turn time into samples/s', lastIter: this.lastRec?.iter ?? null };
    return { reason: 'window lines carry neither a clock nor a reported figure', lastIter: this.lastRec?.iter ?? null };
  }

  /** `half`: warmup until past train_iters / 2 (when the run's length is known). */
  private halfPhase(): Phase {
    const last = this.lastRec?.iter ?? null;
    if (last === null) return 'warmup';
    if (this.ended || this.frozen) return 'done';
    if (this.trainIters === null) return 'measuring';
    if (last >= this.trainIters) return 'done';
    return last > this.trainIters / 2 ? 'measuring' : 'warmup';
  }

  /**
   * `half`: the window over the second half of the run, from the held prints: a tracker with a
   * concrete window (start = train_iters / 2, end = train_iters, or the last print when the log does
   * not say), fed the same prints. Cached until another print, the end, or the length changes.
   */
  private halfTracker(): WindowTracker {
    const held = this.held!;
    const key = `${held.length}|${this.trainIters}|${this.ended || this.frozen}`;
    if (this.half && this.halfKey === key) return this.half;
    const total = this.trainIters ?? this.lastRec?.iter ?? 0;
    const t = new WindowTracker({ ...this.spec, startRule: undefined, unit: 'iter', start: total / 2, end: this.trainIters }, undefined, this.method);
    for (const h of held) t.push(h.r, h.at?.lineNo, h.at?.text);
    if (this.ended || this.frozen || this.trainIters === null) t.end();
    this.half = t;
    this.halfKey = key;
    return t;
  }

  private half: WindowTracker | null = null;
  private halfKey = '';
}

function lineOf(at: { lastLineNo: number; lastText: string } | LineAt | undefined): LineAt | null {
  if (!at) return null;
  return 'text' in at ? at : { lineNo: at.lastLineNo, text: at.lastText };
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
