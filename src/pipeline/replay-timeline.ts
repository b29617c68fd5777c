/**
 * Pure: turns a file's lines into timed lines for replay, and merges the files of a run into one
 * timeline. No IO, no timers.
 *
 * A line's log time comes from the format's own clock: a per-file parser instance from the format
 * registry (format detected on the first lines, as RunSet does) parses every payload, and the
 * `time` of its `iter` and `clock` records anchors the line. Lines between two anchored lines are
 * spread evenly between them. Lookahead is bounded: when `lookahead` lines wait for the next
 * anchor, they are released with the last known time.
 *
 * Pacing, decided per file by its first anchor:
 * - `clock`: the log prints times. Progress records without a time in such a file (Megatron prints
 *   `datetime:` lines but no stamp on its iterations) are placed `latencyS × iterations` after the
 *   previous anchor; if most anchors came that way the file is labelled `step-times`.
 * - `step-times`: no clock at all; a synthetic time starting at 0 advances by each iteration
 *   record's `latencyS × (iterations since the previous record)`.
 * - `line-order`: neither clock nor step times: each progress record advances a nominal gap.
 *   A file with no progress record at all has no anchor: its lines get UNANCHORED (−Infinity),
 *   meaning "at the start of the run".
 * Times within a file never decrease (a clock going backwards is clamped), so a stable merge by
 * time keeps every file's own line order.
 */
import type { LineEvent } from '../core/types.ts';
import { detectFormat } from '../formats/registry.ts';
import { toArray, type IterRecord, type LineParser, type LogFormat, type ParsedRecord } from '../formats/types.ts';
import { unwrap } from '../formats/unwrap.ts';

export type Pacing = 'clock' | 'step-times' | 'line-order';

/** A line ready to be fed to the session store (`time`: log ms). */
export interface TimedLine {
  type: 'line';
  node: string;
  file: string;
  offset: number;
  lineNo: number;
  text: string;
  /** Log time in ms; UNANCHORED for lines before the file's first anchor (play them at the run's start). */
  time: number;
}

/** Time of lines that precede any anchor of their file. */
export const UNANCHORED = -Infinity;

export interface TimelineOptions {
  /** Lines held while waiting for the next anchor (and while the format is unknown). @default 10000 */
  lookahead?: number;
  /** Gap (ms) per progress record when a log has neither clock nor step times. @default 1000 */
  nominalGapMs?: number;
  /** Force a format instead of detecting it. */
  format?: LogFormat;
  /** Added to every time produced (aligning or concatenating files of a run). @default 0 */
  offsetMs?: number;
}

export interface TimelineStats {
  lines: number;
  bytes: number;
  /** First and last finite time given to a line (ms, offset included), or null. */
  first: number | null;
  last: number | null;
  /** Anchors by source. */
  clockAnchors: number;
  stepAnchors: number;
  nominalAnchors: number;
  /** What the file's times are measured from: a real clock, a synthetic 0, or nothing (no anchor). */
  base: 'clock' | 'synthetic' | null;
  format: string | null;
}

interface Pending {
  line: TimedLine;
  /** Payload, kept only while the format is unknown (parsed once it is). */
  payload: string | null;
}

/** Per-file timeline builder: push lines in file order, collect timed lines from `out`. */
export class FileTimeline {
  private readonly lookahead: number;
  private readonly nominalGapMs: number;
  private readonly offset: number;
  private format: LogFormat | null;
  private parser: LineParser | null;
  /** Lines held while the format is unknown. */
  private sniff: Pending[] = [];
  /** Lines after the last anchor, waiting for the next one. */
  private pending: TimedLine[] = [];
  private lastAnchor: number | null = null;
  private prevIter: number | null = null;
  private logInterval: number | null = null;
  readonly stats: TimelineStats = {
    lines: 0,
    bytes: 0,
    first: null,
    last: null,
    clockAnchors: 0,
    stepAnchors: 0,
    nominalAnchors: 0,
    base: null,
    format: null,
  };

  constructor(opts: TimelineOptions = {}) {
    this.lookahead = Math.max(1, opts.lookahead ?? 10_000);
    this.nominalGapMs = opts.nominalGapMs ?? 1000;
    this.offset = opts.offsetMs ?? 0;
    this.format = opts.format ?? null;
    this.parser = this.format ? this.format.createParser() : null;
    if (this.format) this.stats.format = this.format.id;
  }

  /** Which pacing this file's times come from. */
  pacing(): Pacing {
    const s = this.stats;
    if (s.base === 'clock') return s.stepAnchors + s.nominalAnchors > s.clockAnchors ? 'step-times' : 'clock';
    if (s.base === 'synthetic') return s.stepAnchors > 0 && s.stepAnchors >= s.nominalAnchors ? 'step-times' : 'line-order';
    return 'line-order';
  }

  /** Feed one line (file order). Lines whose time is now known are appended to `out`. */
  push(ev: LineEvent, out: TimedLine[]): void {
    const line: TimedLine = { type: 'line', node: ev.node, file: ev.file, offset: ev.offset, lineNo: ev.lineNo, text: ev.text, time: UNANCHORED };
    this.stats.lines++;
    this.stats.bytes += ev.text.length + 1;
    const payload = unwrap(ev.text).payload;
    if (!this.parser) {
      const f = detectFormat(payload);
      if (!f) {
        this.sniff.push({ line, payload });
        if (this.sniff.length + this.pending.length >= this.lookahead) {
          // Too long without knowing the format: release what is held with the last known time.
          for (const s of this.sniff) this.pending.push(s.line);
          this.sniff = [];
          this.release(out);
        }
        return;
      }
      this.format = f;
      this.parser = f.createParser();
      this.stats.format = f.id;
      const held = this.sniff;
      this.sniff = [];
      for (const h of held) this.process(h.line, h.payload!, out);
    }
    this.process(line, payload, out);
  }

  /** The file ended: release every held line (with the last known time) into `out`. */
  end(out: TimedLine[]): void {
    for (const s of this.sniff) this.pending.push(s.line);
    this.sniff = [];
    this.release(out);
  }

  private process(line: TimedLine, payload: string, out: TimedLine[]): void {
    let recs: ParsedRecord[];
    try {
      recs = toArray(this.parser!.parse(payload));
    } catch {
      recs = []; // RunSet reports parser failures; for timing the line is simply unanchored
    }
    let anchor: number | null = null;
    for (const r of recs) {
      const t = this.anchorOf(r);
      if (t !== null) anchor = t;
    }
    if (anchor === null) {
      this.pending.push(line);
      if (this.pending.length >= this.lookahead) this.release(out);
      return;
    }
    // Spread the waiting lines evenly between the previous anchor and this one.
    const prev = this.lastAnchor;
    const k = this.pending.length;
    for (let i = 0; i < k; i++) {
      const p = this.pending[i]!;
      p.time = prev === null ? anchor : prev + ((anchor - prev) * (i + 1)) / (k + 1);
      this.emit(p, out);
    }
    this.pending = [];
    this.lastAnchor = anchor;
    line.time = anchor;
    this.emit(line, out);
  }

  /** Release the waiting lines with the last known time (or unanchored). */
  private release(out: TimedLine[]): void {
    const t = this.lastAnchor ?? UNANCHORED;
    for (const p of this.pending) {
      p.time = t;
      this.emit(p, out);
    }
    this.pending = [];
  }

  private emit(line: TimedLine, out: TimedLine[]): void {
    if (line.time !== UNANCHORED) {
      line.time += this.offset;
      this.stats.first ??= line.time;
      this.stats.last = line.time;
    }
    out.push(line);
  }

  /** The log time (ms, before offset) a record fixes for its line, or null. Updates pacing state. */
  private anchorOf(r: ParsedRecord): number | null {
    if (r.kind === 'meta') {
      if (typeof r.fields.log_interval === 'number' && r.fields.log_interval > 0) this.logInterval = r.fields.log_interval;
      return null;
    }
    if (r.kind === 'memory' || r.kind === 'summary') return null;
    if (r.kind === 'clock') return this.clockAnchor(r.time);
    // iteration record
    const di = this.iterationsSince(r);
    this.prevIter = r.iter;
    if (r.time !== undefined && Number.isFinite(r.time)) {
      return this.clockAnchor(r.time);
    }
    if (this.stats.base === null) this.stats.base = 'synthetic';
    const from = this.lastAnchor ?? 0;
    if (r.latencyS !== undefined && Number.isFinite(r.latencyS) && r.latencyS > 0) {
      this.stats.stepAnchors++;
      return from + r.latencyS * 1000 * di;
    }
    this.stats.nominalAnchors++;
    return from + this.nominalGapMs;
  }

  private clockAnchor(timeS: number): number | null {
    if (!Number.isFinite(timeS)) return null;
    // A file paced synthetically from its start keeps that pacing: a clock appearing later cannot
    // be related to the synthetic times already given.
    if (this.stats.base === 'synthetic') return null;
    this.stats.base = 'clock';
    this.stats.clockAnchors++;
    const t = timeS * 1000;
    return this.lastAnchor !== null && t < this.lastAnchor ? this.lastAnchor : t;
  }

  private iterationsSince(r: IterRecord): number {
    const fallback = r.interval ?? this.logInterval ?? 1;
    if (this.prevIter === null) return fallback;
    const d = r.iter - this.prevIter;
    if (d > 0) return d;
    if (d === 0) return 0; // the same iteration again (another rank, a repeated print)
    return fallback; // the counter restarted
  }
}

/** Convenience: a whole file's lines → timed lines and stats (tests, small inputs). */
export function fileTimeline(lines: readonly LineEvent[], opts: TimelineOptions = {}): { lines: TimedLine[]; stats: TimelineStats; pacing: Pacing } {
  const tl = new FileTimeline(opts);
  const out: TimedLine[] = [];
  for (const l of lines) tl.push(l, out);
  tl.end(out);
  return { lines: out, stats: tl.stats, pacing: tl.pacing() };
}

/**
 * Merge the timed lines of several files (each already in non-decreasing time) into one timeline
 * ordered by time; ties keep file order (the order of `files`), then line order.
 */
export function mergeTimelines(files: readonly (readonly TimedLine[])[]): TimedLine[] {
  const total = files.reduce((n, f) => n + f.length, 0);
  const out: TimedLine[] = new Array<TimedLine>(total);
  if (files.length === 1) {
    for (let i = 0; i < total; i++) out[i] = files[0]![i]!;
    return out;
  }
  // Binary heap of (file index), keyed by (time of its head line, file index).
  const pos = files.map(() => 0);
  const heap: number[] = [];
  const less = (a: number, b: number): boolean => {
    const ta = files[a]![pos[a]!]!.time;
    const tb = files[b]![pos[b]!]!.time;
    return ta < tb || (ta === tb && a < b);
  };
  const up = (i: number) => {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(heap[i]!, heap[p]!)) break;
      [heap[i], heap[p]] = [heap[p]!, heap[i]!];
      i = p;
    }
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
      if (m === i) break;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  };
  files.forEach((f, i) => {
    if (f.length > 0) {
      heap.push(i);
      up(heap.length - 1);
    }
  });
  let n = 0;
  while (heap.length > 0) {
    const f = heap[0]!;
    out[n++] = files[f]![pos[f]!]!;
    pos[f]!++;
    if (pos[f]! >= files[f]!.length) {
      const last = heap.pop()!;
      if (heap.length > 0) {
        heap[0] = last;
        down(0);
      }
    } else down(0);
  }
  return out;
}

/** The pacing of a run: that of its file with the most anchors (the one printing progress). */
export function runPacing(files: readonly { pacing: Pacing; anchors: number }[]): Pacing {
  let best: { pacing: Pacing; anchors: number } | null = null;
  for (const f of files) if (!best || f.anchors > best.anchors) best = f;
  return best?.pacing ?? 'line-order';
}
