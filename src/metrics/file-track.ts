import type { LineEvent, RunIdentity } from '../core/types.ts';
import type { IterRecord, LineParser, LogFormat, ParsedRecord, SummaryRecord, ThroughputMethod } from '../formats/types.ts';
import { DamageCheck } from './damage.ts';
import { textOwner } from './own-text.ts';
import type { RunChanges } from './run-changes.ts';
import { IterHistory } from './iter-history.ts';
import { IterWindows } from './iter-windows.ts';
import { Ring, RollingWindow, SeriesRing } from './rolling.ts';
import { makeTracker } from './stored-window.ts';
import { WindowTracker, elapsedSeconds, type Phase } from './window-tracker.ts';

/** Where a piece of the run's identity was read, so a mismatch can show its proof. */
export interface Evidence {
  text: string;
  line: number;
  file: string;
}

export type { SeriesPoint } from './rolling.ts';
export type { RunChanges } from './run-changes.ts';

const SERIES_CAP = 600;

export type ContentFields = Partial<RunIdentity> & { world_size?: number; log_interval?: number; train_iters?: number };

/** Lines held while a file's format is still unknown, replayed through the parser once it locks. */
export interface HeldLine {
  payload: string;
  lineNo: number;
  text: string;
  time: number;
  /** States configuration for some format (see sniff-keep.ts): dropped last. */
  keep?: boolean;
}

/**
 * Everything known about one file (one node or rank) of a run. Pure state plus the arithmetic on
 * it; fed by RunSet. Memory is bounded: rolling windows and boundary records only.
 */
export class FileTrack {
  format: LogFormat | null = null;
  parser: LineParser | null = null;
  tracker: WindowTracker | null = null;
  held: HeldLine[] = [];
  heldBytes = 0;
  heldDropped = 0;

  readonly content: ContentFields = {};
  /** Bumped whenever `content` or the progress state that picks a run's primary file changes (cache key). */
  private ver = 0;
  /**
   * The run's own counters, bumped with ours, so the run can tell a change without visiting every
   * file: `version` with every bump of ours, `content` only when `content` or the format changes
   * (what the run's identity is made of, besides which file is primary).
   */
  owner: RunChanges = { version: 0, content: 0, files: 0 };

  get version(): number {
    return this.ver;
  }

  set version(v: number) {
    this.ver = v;
    this.owner.version++;
  }

  /** `content` or the format changed: a version bump the run's identity must see. */
  private contentChanged(): void {
    this.version++;
    const o = this.owner;
    o.content++;
    o.contentFrom = o.contentFrom === undefined || o.contentFrom === this ? this : null;
  }
  readonly contentEvidence = new Map<string, Evidence>();
  memoryMib: number | null = null;

  lines = 0;
  bytes = 0;
  /** Time (event clock, ms) of the last line and of the last progress line. */
  lastLineAt: number | null = null;
  lastIterAt: number | null = null;
  /** Log time (s) of the latest line that carried a clock. */
  logTime: number | null = null;
  firstLogTime: number | null = null;
  lastIter: IterRecord | null = null;
  lastIterLineNo = 0;
  lastIterText = '';
  instant: number | null = null;
  readonly rolling = new RollingWindow(20);
  /** release() ran: the file's state is reduced to what its run's report reads. */
  released = false;
  /** Seconds per iteration (log clock or reported latency), recent values. */
  readonly stepTimes = new RollingWindow(20);
  /** Event-clock gaps between progress lines (ms), to tell a stall in live mode. */
  readonly arrivalGaps = new RollingWindow(20);
  /** Per-iteration compute / data-loading seconds the log prints for this node (NGC `train.compute_time`), recent values. */
  readonly computeTimes = new RollingWindow(20);
  readonly dataTimes = new RollingWindow(20);
  /** When the latest iterations were printed (log clock, s, where the line has one) and arrived (event clock, ms), for the lag between nodes (bounded). */
  readonly arrivals = new Ring<{ iter: number; at: number; log: number | null }>(32);
  /** Steady-state progress prints in windows aligned on the iteration number, for straggler analysis (bounded). */
  readonly iterWindows = new IterWindows();
  ended = false;
  /** Throughput over time for charts: (event time ms, samples/s, warmup?), bounded. */
  readonly series = new SeriesRing(SERIES_CAP);
  /** The whole curve by iteration, for reports; only when the RunSet was asked for it. */
  history: IterHistory | null = null;
  /** The framework's own end-of-run figure, when the log prints one (Hugging Face). */
  summary: SummaryRecord | null = null;
  /** Devices whose figure a per-device print stands for (the run's world size), for the live figures. */
  worldSize: () => number | null = () => null;
  /** Nodes of the run, for per-node prints (MXNet InsightFace). */
  nodes: () => number | null = () => null;

  constructor(
    readonly node: string,
    readonly file: string,
    readonly path: string,
  ) {}

  get phase(): Phase | null {
    return this.tracker?.phase ?? null;
  }

  /** Exact repeats, restarts and impossible values among this file's prints (see damage.ts). */
  readonly damage = new DamageCheck();
  private windowOverride: { start: number; end: number | null } | undefined;
  private method: ThroughputMethod | undefined;

  lock(format: LogFormat, window?: { start: number; end: number | null }, method?: ThroughputMethod): void {
    this.contentChanged();
    this.format = format;
    this.parser = format.createParser();
    this.windowOverride = window;
    this.method = method;
    this.damage.repeatsAreRanks = !!(format.window.acrossRanks || format.window.everyRank);
    this.tracker = this.newTracker();
  }

  private newTracker(): WindowTracker {
    const t = makeTracker(this.format!.window, this.windowOverride, this.method);
    if (this.content.train_iters) t.trainIters = this.content.train_iters;
    return t;
  }

  /**
   * The iteration counter started over (a restarted process). The window is taken from one
   * segment only: the earlier one if it already holds a complete window (frozen), else the new one.
   */
  private restartWindow(): void {
    const t = this.tracker!;
    if (t.holdsCompleteWindow()) t.freeze();
    else {
      this.tracker = this.newTracker();
      this.restartedWindow = true;
    }
    this.version++;
  }

  /** The window was started over at a restart (the earlier segment held no complete window). */
  restartedWindow = false;

  /** Apply parsed records. Returns true when the window phase changed. */
  apply(records: ParsedRecord[], ev: { lineNo: number; text: string; time: number; file: string }, totalBatch: () => number | null): boolean {
    let changed = false;
    for (const r of records) {
      switch (r.kind) {
        case 'meta':
          for (const [k, v] of Object.entries(r.fields)) {
            if (v === undefined || v === null) continue;
            // A plain "fp32" flag never overrides a mixed-precision flag read earlier (Megatron prints bf16 then fp16).
            if (k === 'precision' && v === 'fp32' && this.content.precision && this.content.precision !== 'fp32') continue;
            if ((this.content as Record<string, unknown>)[k] !== v) this.contentChanged();
            (this.content as Record<string, unknown>)[k] = v;
            if (k === 'train_iters' && this.tracker && typeof v === 'number') this.tracker.trainIters = v;
            this.contentEvidence.set(k, { text: ev.text, line: ev.lineNo, file: ev.file });
          }
          break;
        case 'memory':
          this.memoryMib = Math.max(this.memoryMib ?? 0, r.mib);
          break;
        case 'clock':
          this.noteLogTime(r.time);
          break;
        case 'summary':
          this.summary = r;
          this.version++;
          break;
        case 'iter':
          changed = this.applyIter(r, ev, totalBatch) || changed;
          break;
      }
    }
    return changed;
  }

  /** Apply one progress record (apply's `iter` case; the byte path calls it directly). Returns true when the window phase changed. */
  applyIter(r: IterRecord, ev: { lineNo: number; text: string; time: number }, totalBatch: () => number | null): boolean {
    if (r.globalBatch !== undefined && this.content.global_batch_size === undefined) {
      this.content.global_batch_size = r.globalBatch;
      this.contentChanged();
    }
    // The first progress line can make this file the run's primary: bump after it is recorded.
    const first = this.lastIter === null;
    const changed = this.onIter(r, ev, totalBatch());
    if (first) this.version++;
    return changed;
  }

  private noteLogTime(t: number): void {
    this.logTime = t;
    this.firstLogTime ??= t;
  }

  private onIter(raw: IterRecord, ev: { lineNo: number; text: string; time: number }, tb: number | null): boolean {
    const r = this.damage.inspect(raw, ev.lineNo, ev.text);
    // An exact repeat of a print (two ranks tee'd into one file) is counted once.
    if (r === null) return false;
    if (this.damage.reset) {
      const before = this.tracker!.phase;
      this.restartWindow();
      this.lastIter = null;
      if (before !== this.tracker!.phase) return this.onIter2(r, ev, tb) || true;
    }
    return this.onIter2(r, ev, tb);
  }

  private onIter2(r: IterRecord, ev: { lineNo: number; text: string; time: number }, tb: number | null): boolean {
    const prev = this.lastIter;
    if (r.time !== undefined) this.noteLogTime(r.time);
    // Instantaneous throughput: the log's own figure, else batch / latency, else from the clock.
    let inst: number | null = null;
    if (r.throughput !== undefined && Number.isFinite(r.throughput)) {
      inst = r.throughput;
      const w = this.format?.window;
      if (w?.perDevice || w?.perNode) {
        const k = w.perDevice ? this.worldSize() : this.nodes();
        inst = k ? inst * k : null;
      }
    } else if (r.latencyS && tb) inst = tb / r.latencyS;
    let step: number | null = r.latencyS ?? null;
    if (prev) {
      const dt = elapsedSeconds(prev, r);
      const di = Math.max(1, r.iter - prev.iter);
      if (dt !== null && dt > 0) {
        step ??= dt / di;
        if (inst === null && tb) inst = (tb * di) / dt;
      }
    }
    if (this.lastIterAt !== null) this.arrivalGaps.push(ev.time - this.lastIterAt);
    if (!r.skipped) {
      // Once the ring is full, the entry it drops is reused (no object per progress line).
      const a = this.arrivals.size === this.arrivals.capacity ? this.arrivals.oldest() : undefined;
      if (a) {
        a.iter = r.iter;
        a.at = ev.time;
        a.log = r.time ?? null;
        this.arrivals.push(a);
      } else this.arrivals.push({ iter: r.iter, at: ev.time, log: r.time ?? null });
    }
    this.lastIter = r;
    this.lastIterAt = ev.time;
    this.lastIterLineNo = ev.lineNo;
    this.lastIterText = ev.text;
    const before = this.tracker!.phase;
    const after = this.tracker!.push(r, ev.lineNo, ev.text);
    if (!r.skipped && after !== 'warmup' && before !== 'done') {
      if (inst !== null) {
        this.instant = inst;
        this.rolling.push(inst);
      }
      if (step !== null) this.stepTimes.push(step);
    } else if (inst !== null) this.instant = inst;
    // Straggler evidence keeps accruing after the measuring window closes (the node stays slow).
    if (!r.skipped && after !== 'warmup') {
      if (r.computeS !== undefined) this.computeTimes.push(r.computeS);
      if (r.dataS !== undefined) this.dataTimes.push(r.dataS);
      this.iterWindows.push(r, ev.text, ev.lineNo, ev.time);
    }
    if (inst !== null && !r.skipped) {
      this.series.add(ev.time, inst, after === 'warmup');
      this.history?.push({ iter: r.iter, v: inst, warmup: after === 'warmup', line: ev.lineNo });
    }
    return before !== after;
  }

  /** Median seconds per iteration over recent progress, or null. */
  medianStepS(): number | null {
    return this.stepTimes.median();
  }

  /**
   * Hold a line until the format is known; bounded: when full, the oldest lines that state no
   * configuration go first (a quarter of the room at a time, so a long preamble costs O(1) per line),
   * and only then the oldest configuration lines. Dropped lines are counted.
   */
  hold(line: HeldLine, maxLines: number, maxBytes: number): void {
    this.held.push(line);
    this.heldBytes += line.text.length;
    if (this.held.length <= maxLines && this.heldBytes <= maxBytes) return;
    let room = Math.max(1, Math.floor(this.held.length / 4));
    const kept: HeldLine[] = [];
    for (const h of this.held) {
      if (room > 0 && !h.keep && h !== line) {
        room--;
        this.heldBytes -= h.text.length;
        this.heldDropped++;
        continue;
      }
      kept.push(h);
    }
    this.held = kept;
    while (this.held.length > maxLines || this.heldBytes > maxBytes) {
      const old = this.held.shift()!;
      this.heldBytes -= old.text.length;
      this.heldDropped++;
    }
  }

  /** Every format's parser over the held lines, to tell which state configuration (sniff-keep.ts). */
  sniffKeeper: import('./sniff-keep.ts').SniffKeeper | null = null;

  /** Keep only the first lines held (a file that ended unrecognised: its head has the argument dump). */
  trimHeld(maxLines: number, maxBytes: number): void {
    let bytes = 0;
    let n = 0;
    while (n < this.held.length && n < maxLines && bytes + this.held[n]!.text.length <= maxBytes) bytes += this.held[n++]!.text.length;
    this.heldDropped += this.held.length - n;
    this.held.length = n;
    this.heldBytes = bytes;
  }

  /**
   * The file ended and no line will come (summary): reduce it to what its run's report reads —
   * figures, counts, flags' proof lines, content and its evidence — and drop the rest (parser,
   * sniffers, rolling values, the chart series, damage's recent prints). Every text kept becomes a
   * text of its own (`own`): a view into a chunk string would pin the chunk. The report is the same.
   */
  release(ownOne: (s: string) => string): void {
    if (this.released) return;
    const own = textOwner(ownOne);
    this.released = true;
    this.parser = null;
    this.sniffKeeper = null;
    this.rolling.freeze();
    this.stepTimes.freeze();
    this.arrivalGaps.freeze();
    this.computeTimes.freeze();
    this.dataTimes.freeze();
    this.series.release();
    this.damage.release(own);
    this.tracker?.release(own);
    this.iterWindows.ownTexts(own);
    this.lastIterText = own(this.lastIterText);
    for (const e of this.contentEvidence.values()) e.text = own(e.text);
    for (const h of this.held) {
      const same = h.payload === h.text;
      h.text = own(h.text);
      h.payload = same ? h.text : own(h.payload);
    }
  }

  /**
   * Every text release() keeps becomes a text of its own, but nothing is dropped: a file whose
   * lines came from replay's byte path (views of decoded windows, pipeline/replay-bytes.ts) once it
   * ended, while its state stays on screen.
   */
  ownTexts(ownOne: (s: string) => string): void {
    const own = textOwner(ownOne);
    this.damage.ownTexts(own);
    this.tracker?.ownTexts(own);
    this.iterWindows.ownTexts(own);
    this.lastIterText = own(this.lastIterText);
    for (const e of this.contentEvidence.values()) e.text = own(e.text);
    for (const h of this.held) {
      const same = h.payload === h.text;
      h.text = own(h.text);
      h.payload = same ? h.text : own(h.payload);
    }
  }

  takeHeld(): HeldLine[] {
    const h = this.held;
    this.held = [];
    this.heldBytes = 0;
    return h;
  }
}

export type { LineEvent };
