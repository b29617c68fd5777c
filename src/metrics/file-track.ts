import type { LineEvent, RunIdentity } from '../core/types.ts';
import type { IterRecord, LineParser, LogFormat, ParsedRecord, SummaryRecord } from '../formats/types.ts';
import { IterWindows } from './iter-windows.ts';
import { RollingWindow, SeriesRing } from './rolling.ts';
import { makeTracker } from './stored-window.ts';
import { WindowTracker, elapsedSeconds, type Phase } from './window-tracker.ts';

/** Where a piece of the run's identity was read, so a mismatch can show its proof. */
export interface Evidence {
  text: string;
  line: number;
  file: string;
}

export type { SeriesPoint } from './rolling.ts';

const SERIES_CAP = 600;

export type ContentFields = Partial<RunIdentity> & { world_size?: number; log_interval?: number };

/** Lines held while a file's format is still unknown, replayed through the parser once it locks. */
export interface HeldLine {
  payload: string;
  lineNo: number;
  text: string;
  time: number;
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
  /** The run's own counter, bumped with ours, so the run can tell a change without visiting every file. */
  owner: { version: number } = { version: 0 };

  get version(): number {
    return this.ver;
  }

  set version(v: number) {
    this.ver = v;
    this.owner.version++;
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
  /** Seconds per iteration (log clock or reported latency), recent values. */
  readonly stepTimes = new RollingWindow(20);
  /** Event-clock gaps between progress lines (ms), to tell a stall in live mode. */
  readonly arrivalGaps = new RollingWindow(20);
  /** Per-iteration compute / data-loading seconds the log prints for this node (NGC `train.compute_time`), recent values. */
  readonly computeTimes = new RollingWindow(20);
  readonly dataTimes = new RollingWindow(20);
  /** Steady-state progress prints in windows aligned on the iteration number, for straggler analysis (bounded). */
  readonly iterWindows = new IterWindows();
  ended = false;
  /** Throughput over time for charts: (event time ms, samples/s, warmup?), bounded. */
  readonly series = new SeriesRing(SERIES_CAP);
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

  lock(format: LogFormat, window?: { start: number; end: number | null }): void {
    this.version++;
    this.format = format;
    this.parser = format.createParser();
    this.tracker = makeTracker(format.window, window);
  }

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
            if ((this.content as Record<string, unknown>)[k] !== v) this.version++;
            (this.content as Record<string, unknown>)[k] = v;
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
          if (r.globalBatch !== undefined && this.content.global_batch_size === undefined) {
            this.content.global_batch_size = r.globalBatch;
            this.version++;
          }
          {
            // The first progress line can make this file the run's primary: bump after it is recorded.
            const first = this.lastIter === null;
            changed = this.onIter(r, ev, totalBatch()) || changed;
            if (first) this.version++;
          }
          break;
      }
    }
    return changed;
  }

  private noteLogTime(t: number): void {
    this.logTime = t;
    this.firstLogTime ??= t;
  }

  private onIter(r: IterRecord, ev: { lineNo: number; text: string; time: number }, tb: number | null): boolean {
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
    this.lastIter = r;
    this.lastIterAt = ev.time;
    this.lastIterLineNo = ev.lineNo;
    this.lastIterText = ev.text;
    const before = this.tracker!.phase;
    const after = this.tracker!.push(r);
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
      this.series.push({ t: ev.time, v: inst, warmup: after === 'warmup' });
    }
    return before !== after;
  }

  /** Median seconds per iteration over recent progress, or null. */
  medianStepS(): number | null {
    return this.stepTimes.median();
  }

  /** Hold a line until the format is known; bounded (oldest dropped and counted). */
  hold(line: HeldLine, maxLines: number, maxBytes: number): void {
    this.held.push(line);
    this.heldBytes += line.text.length;
    while (this.held.length > maxLines || this.heldBytes > maxBytes) {
      const old = this.held.shift()!;
      this.heldBytes -= old.text.length;
      this.heldDropped++;
    }
  }

  /** Keep only the first lines held (a file that ended unrecognised: its head has the argument dump). */
  trimHeld(maxLines: number, maxBytes: number): void {
    let bytes = 0;
    let n = 0;
    while (n < this.held.length && n < maxLines && bytes + this.held[n]!.text.length <= maxBytes) bytes += this.held[n++]!.text.length;
    this.heldDropped += this.held.length - n;
    this.held.length = n;
    this.heldBytes = bytes;
  }

  takeHeld(): HeldLine[] {
    const h = this.held;
    this.held = [];
    this.heldBytes = 0;
    return h;
  }
}

export type { LineEvent };
