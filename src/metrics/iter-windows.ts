import type { IterRecord } from '../formats/types.ts';
import { median, Ring } from './rolling.ts';

/** Progress prints per straggler window (a window spans this many prints, whatever the log interval). */
export const ITER_WINDOW_PRINTS = 10;
/** Windows per slab allocation. */
const SLAB_WINDOWS = 8;
/** Closed windows kept per file (with 10 prints each: the last 640 progress prints). */
export const ITER_WINDOW_CAP = 64;

/** The line a window keeps as its proof. */
export interface WindowEvidence {
  text: string;
  lineNo: number;
  /** Event-clock time of the line (ms). */
  time: number;
}

/**
 * One window of consecutive progress prints of one file. Files of one run that print the same
 * iteration numbers give windows with the same `key`, so windows can be compared across nodes.
 */
export interface IterWindow {
  /** Alignment key: epoch and iteration range (equal keys cover the same iterations in every file). */
  key: number;
  /** First iteration of the window's range. */
  firstIter: number;
  /** Progress prints that fell in the window. */
  n: number;
  /** Median `computeS`/`dataS` of the window's prints, once closed (null: the log has none). */
  compute: number | null;
  data: number | null;
  /**
   * Iteration numbers and their log times (s), in print order (for same-iteration arrival lag): the
   * first `timed` entries, read with {@link iterAt}/{@link timeAt}. They live in `room`, the
   * file's slab, at `at` (iterations) and `at + cap` (times), `cap` entries each; a window that
   * holds more prints (repeated iteration numbers) gets a room of its own. An offset, not two
   * typed-array views per window: 1,024 live files held 142k views (≈ 14 MB of heap, a heap
   * snapshot of bench live-1024).
   */
  room: Float64Array;
  at: number;
  cap: number;
  timed: number;
  /** The print with the longest compute time (or the last print when there is none). */
  evidence: WindowEvidence | null;
  /** Raw per-print values while the window is open (dropped on close). */
  computeVals: number[] | null;
  dataVals: number[] | null;
  /** Longest compute time seen in the window (the evidence's), and the evidence line while open. */
  maxCompute: number;
  evText: string;
  evLine: number;
  evTime: number;
}

/** Iteration number of the window's print `i` (i < w.timed). */
export function iterAt(w: IterWindow, i: number): number {
  return w.room[w.at + i]!;
}

/** Log time (s) of the window's print `i` (i < w.timed). */
export function timeAt(w: IterWindow, i: number): number {
  return w.room[w.at + w.cap + i]!;
}

/** The window's iteration numbers, print order (a view: use it at once). */
export function itersOf(w: IterWindow): Float64Array {
  return w.room.subarray(w.at, w.at + w.timed);
}

/** The window's print times (s), print order (a view: use it at once). */
export function timesOf(w: IterWindow): Float64Array {
  return w.room.subarray(w.at + w.cap, w.at + w.cap + w.timed);
}

/**
 * Per-file, bounded, O(1)-per-line windows of per-iteration times, for straggler analysis:
 * progress prints are grouped into windows of {@link ITER_WINDOW_PRINTS} prints aligned on the
 * iteration number (`floor(iter / (prints × stride))`, stride = the log's print interval), so the
 * same window of two nodes covers the same iterations.
 */
export class IterWindows {
  private stride: number | null = null;
  private spanIters = 1;
  private epoch = 0;
  private pending: { r: IterRecord; text: string; lineNo: number; time: number } | null = null;
  private current: IterWindow | null = null;
  readonly closed = new Ring<IterWindow>(ITER_WINDOW_CAP);
  /** Windows closed so far (ever): a cheap change counter for caches. */
  closedCount = 0;

  /** Prints kept per window (repeated iteration numbers, fp16 skips, can put more than `prints` in one). */
  private readonly max: number;
  /**
   * Iterations and times of every window of the file, `prints` entries each, in one typed array:
   * two arrays of their own per window cost 16 MiB at 256 files (objects, backing stores, slack
   * for the rare long window), the slab a third of that.
   */
  private readonly slabs: Float64Array[] = [];
  /** Window objects made so far (at most ITER_WINDOW_CAP: the ring's slots are reused). */
  private made = 0;

  constructor(readonly prints = ITER_WINDOW_PRINTS) {
    this.max = 4 * prints;
  }

  /** Feed one steady-state progress record (warm-up and skipped iterations are not fed). O(1), no allocation per line. */
  push(r: IterRecord, text: string, lineNo: number, time: number): void {
    if (this.stride === null) {
      // The first print cannot tell the log interval: hold it until the second one.
      if (!this.pending) {
        this.pending = { r, text, lineNo, time };
        return;
      }
      const p = this.pending;
      const step = r.iter - p.r.iter;
      this.stride = (r.epoch ?? 0) === (p.r.epoch ?? 0) && step > 0 ? step : 1;
      this.spanIters = this.prints * this.stride;
      this.pending = null;
      this.add(p.r, p.text, p.lineNo, p.time);
    }
    this.add(r, text, lineNo, time);
  }

  private add(r: IterRecord, text: string, lineNo: number, time: number): void {
    let w = this.current;
    const epoch = r.epoch ?? 0;
    // Same window as the last print: no division (the common case, nine prints in ten).
    if (w === null || epoch !== this.epoch || r.iter < w.firstIter || r.iter >= w.firstIter + this.spanIters) {
      const slot = Math.floor(r.iter / this.spanIters);
      const key = epoch * 1e9 + slot;
      if (w === null || w.key !== key) {
        if (w !== null) this.close(w);
        w = this.current = this.fresh(key, slot * this.spanIters);
      }
      this.epoch = epoch;
    }
    if (w.n >= this.max) return;
    w.n++;
    const c = r.computeS;
    // Evidence: the print with the longest compute time, else the last print.
    if (c !== undefined ? c > w.maxCompute : w.maxCompute === -Infinity) {
      if (c !== undefined) w.maxCompute = c;
      w.evText = text;
      w.evLine = lineNo;
      w.evTime = time;
    }
    if (c !== undefined) (w.computeVals ??= []).push(c);
    if (r.dataS !== undefined) (w.dataVals ??= []).push(r.dataS);
    if (r.time !== undefined) {
      if (w.timed === w.cap) this.grow(w);
      w.room[w.at + w.timed] = r.iter;
      w.room[w.at + w.cap + w.timed++] = r.timeUs !== undefined ? r.timeUs / 1e6 : r.time;
    }
  }

  /** A new open window; reuses the one the ring is about to drop (no garbage in long runs). */
  private fresh(key: number, firstIter: number): IterWindow {
    const old = this.closed.size === this.closed.capacity ? this.closed.oldest() : undefined;
    // No spread in the literal: every window gets one and the same fast shape (its fields are written on every print).
    const slots = old ? null : this.slots();
    const w: IterWindow = old ?? {
      key,
      firstIter,
      n: 0,
      compute: null,
      data: null,
      room: slots!.room,
      at: slots!.at,
      cap: this.prints,
      timed: 0,
      evidence: null,
      computeVals: null,
      dataVals: null,
      maxCompute: -Infinity,
      evText: '',
      evLine: 0,
      evTime: 0,
    };
    if (old) {
      w.key = key;
      w.firstIter = firstIter;
      w.n = 0;
      w.compute = null;
      w.data = null;
      w.timed = 0;
      w.evidence = null;
      w.computeVals = null;
      w.dataVals = null;
      w.maxCompute = -Infinity;
      w.evText = '';
      w.evLine = 0;
      w.evTime = 0;
    }
    return w;
  }

  /** Room for a new window object's first `prints` iterations and times: a slab and the offset in it. */
  private slots(): { room: Float64Array; at: number } {
    const i = this.made++;
    if (i >= ITER_WINDOW_CAP) return { room: new Float64Array(this.prints * 2), at: 0 };
    // The first window has a slab of its own: most tiny logs never make a second one (100k of them
    // with a full slab each held 130 MB).
    if (i === 0) return { room: new Float64Array(this.prints * 2), at: 0 };
    // Then slabs of SLAB_WINDOWS windows, allocated as windows are made.
    const k = Math.floor((i - 1) / SLAB_WINDOWS);
    const slab = (this.slabs[k] ??= new Float64Array(SLAB_WINDOWS * this.prints * 2));
    return { room: slab, at: ((i - 1) % SLAB_WINDOWS) * this.prints * 2 };
  }

  /** A window with more timed prints than its room: give it a room of its own (up to `max` each). */
  private grow(w: IterWindow): void {
    const room = new Float64Array(this.max * 2);
    room.set(w.room.subarray(w.at, w.at + w.timed), 0);
    room.set(w.room.subarray(w.at + w.cap, w.at + w.cap + w.timed), this.max);
    w.room = room;
    w.at = 0;
    w.cap = this.max;
  }

  private close(w: IterWindow): void {
    w.evidence = { text: w.evText, lineNo: w.evLine, time: w.evTime };
    w.compute = w.computeVals ? median(w.computeVals) : null;
    w.data = w.dataVals ? median(w.dataVals) : null;
    w.computeVals = null;
    w.dataVals = null;
    this.closed.push(w);
    this.closedCount++;
  }

  /**
   * Windows to compare, oldest first: every closed window, plus the open one once it holds a full
   * window of prints (or the file has ended). The objects are reused as the ring turns over: use
   * them at once, do not keep them.
   */
  windows(ended = false): IterWindow[] {
    const w = this.current;
    // The open window may be the ring's oldest slot being reused: not a closed window any more.
    const out = this.closed.toArray().filter((x) => x !== w);
    if (w && (ended || w.n >= this.prints)) {
      out.push({ ...w, evidence: { text: w.evText, lineNo: w.evLine, time: w.evTime }, compute: w.computeVals ? median(w.computeVals) : null, data: w.dataVals ? median(w.dataVals) : null, computeVals: null, dataVals: null });
    }
    return out;
  }

  /** Replace every kept line text by `own(text)` (summary: texts sliced from a chunk string must not pin the chunk). */
  ownTexts(own: (s: string) => string): void {
    if (this.pending) this.pending.text = own(this.pending.text);
    const ws = this.closed.toArray();
    if (this.current) ws.push(this.current);
    for (const w of ws) {
      w.evText = own(w.evText);
      if (w.evidence) w.evidence.text = own(w.evidence.text);
    }
  }

  /** Iterations a window spans (prints × the log's print interval; prints until the interval is known). */
  get span(): number {
    return this.prints * (this.stride ?? 1);
  }

  /** Changes whenever {@link windows} could return something new. */
  get version(): number {
    return this.closedCount * 2 + ((this.current?.n ?? 0) >= this.prints ? 1 : 0);
  }
}
