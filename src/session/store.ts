import type { InputProblem } from '../core/types.ts';
import type { FileTrack } from '../metrics/file-track.ts';
import type { IterRecord } from '../formats/types.ts';
import { Ring } from '../metrics/rolling.ts';
import { SourceRegistry, type NamedSourceSpec } from './source-registry.ts';
import type { NodeStatus, StoreEvent, StoreOptions } from './store-types.ts';
import type { RunSet } from '../metrics/run-set.ts';
import type { NodeState, SourceEvent } from '../sources/types.ts';
import { TailSet, TAIL_CHARS, TAIL_LINES } from './log-tail.ts';
import { buildSnapshot, SnapshotCache, type SnapshotContext } from './snapshot.ts';
import { quietVerdict } from './node-rules.ts';
import type { PlanProgress } from './plan-progress.ts';
import { StallWatch } from './stall.ts';
import { FastLines } from './fast-line.ts';
import type { FlagEntry, LogLine, ReplayInfo, SessionSnapshot, TimedProblem } from './types.ts';

export type { NodeStatus, StoreEvent, StoreOptions } from './store-types.ts';

/**
 * The single session store: sources dispatch events as fast as they come; the store feeds the
 * run model at once, but publishes an immutable snapshot at most every `publishEveryMs`, so a
 * thousand lines a second cost no more renders than ten. Presenters (Ink, NDJSON) subscribe.
 */
export class SessionStore {
  readonly runSet: RunSet;
  private readonly listeners = new Set<() => void>();
  private snapshot: SessionSnapshot;
  private version = 0;
  private dirty = false;
  private timer: NodeJS.Timeout | null = null;
  private lastPublish = 0;
  readonly status = new Map<string, NodeStatus>();
  /** Node-level states (SSH connections report with an empty file). */
  readonly nodeStatus = new Map<string, NodeStatus>();
  readonly tails: TailSet;
  readonly flagLog = new Ring<FlagEntry>(500);
  readonly problems = new Ring<TimedProblem>(200);
  readonly tracks = new Map<string, FileTrack>();
  private readonly stall: StallWatch;
  /** Run reports and series reused by the next snapshot while unchanged. */
  private readonly snapshotCache = new SnapshotCache();
  private totals = { lines: 0, bytes: 0, files: 0, dropped: 0, problems: 0 };
  private readonly droppedFiles = new Set<string>();
  replay: ReplayInfo | undefined;
  /** A `launch` sweep's plan, shown on the board (launch/index.ts feeds it). */
  plan: PlanProgress | undefined;
  readonly startedAt: number;
  /** Listeners for raw events (NDJSON event lines), called synchronously. */
  private readonly eventListeners = new Set<(e: StoreEvent) => void>();
  readonly sources: SourceRegistry;
  /** The byte path of feedEvent's lines; null: every line through RunSet.line. */
  readonly fastLines: FastLines | null;

  constructor(private readonly opts: StoreOptions) {
    this.runSet = opts.runSet;
    this.fastLines = opts.bytePath ? new FastLines() : null;
    this.startedAt = opts.now();
    this.sources = new SourceRegistry(opts.sources ?? [], this.startedAt);
    this.sources.flush(this.startedAt);
    this.stall = new StallWatch(opts.stallFactor ?? 5);
    this.tails = new TailSet(opts.tailLines ?? TAIL_LINES, opts.tailChars ?? TAIL_CHARS);
    this.snapshot = this.build(true);
  }

  now(): number {
    return this.opts.now();
  }

  /** Feed source events (lines, status changes, problems). */
  ingest(events: readonly SourceEvent[]): void {
    for (const e of events) this.feedEvent(e);
    this.settle();
  }

  /**
   * One event as ingest() feeds it, without ingest()'s end-of-batch work: a reader that
   * interleaves events with progressLines() (the replay's byte path, pipeline/replay-bytes.ts)
   * calls settle() after each batch, so that run events are forwarded when ingest() would.
   */
  feedEvent(e: SourceEvent): void {
    if (e.type === 'line') {
      let t = this.tracks.get(e.file);
      if (!t) {
        const path = this.opts.runPathOf ? this.opts.runPathOf(e.file) : e.file;
        const opened = this.runSet.openFile(path, e.file, e.node);
        if (!opened) {
          this.totals.dropped++;
          if (!this.droppedFiles.has(e.file) && this.droppedFiles.size < 10_000) {
            // Said once per file: a named source whose only file is skipped must not vanish silently.
            this.droppedFiles.add(e.file);
            const problem = { input: e.node, file: e.file, kind: 'unrecognized' as const, message: 'not a training log by its name (README, manifest, archive, image…); its lines are skipped' };
            this.noteProblem(problem, e.time);
          }
          return;
        }
        this.sources.line(e.node, e.file);
        t = opened;
        this.tracks.set(e.file, t);
        this.totals.files++;
        if (!this.status.has(e.file)) {
          const ns = this.nodeStatus.get(e.node);
          this.setState(e.node, e.file, ns && ns.state !== 'connecting' ? ns.state : 'streaming', e.time);
        }
      }
      // Line 1 again on a file we have read: it was truncated or replaced (the sources restart
      // numbering then), so its numbers start over.
      if (e.lineNo === 1 && t.lines > 0) {
        t = this.runSet.restartFile(t);
        this.tracks.set(e.file, t);
      }
      const rec = this.fastLines?.record(t, e.text);
      if (rec !== undefined) this.runSet.progressLine(t, rec, e);
      else this.runSet.line(t, e);
      this.totals.lines++;
      this.totals.bytes += e.text.length + 1;
      this.tails.push(e.file, { lineNo: e.lineNo, text: e.text, time: e.time });
      const st = this.status.get(e.file);
      if (st && st.state !== 'streaming' && st.state !== 'reconnecting') this.setState(e.node, e.file, 'streaming', e.time);
    } else if (e.type === 'status') {
      if (e.file === '') {
        // Node-level state (an SSH connection): applies to every file of that node.
        this.nodeStatus.set(e.node, { state: e.state, since: e.time, ...(e.message !== undefined ? { message: e.message } : {}) });
        this.sources.nodeStatus(e.node, e.state, e.time, e.message);
        // A file in error stays so while its node is up: "no new log bytes" is the node's, the file
        // cannot be opened (it says when it opens again).
        const up = e.state === 'streaming' || e.state === 'quiet' || e.state === 'stale';
        for (const [file, t] of this.tracks) if (t.node === e.node && !(up && this.status.get(file)?.state === 'error')) this.setIdleAware(e.node, file, e.state, e.time, e.message);
        if (e.state === 'ended') for (const t of this.tracks.values()) if (t.node === e.node && !t.ended) this.runSet.endFile(t);
        return;
      }
      this.setIdleAware(e.node, e.file, e.state, e.time, e.message);
      if (e.state === 'ended') {
        const t = this.tracks.get(e.file);
        if (t && !t.ended) this.runSet.endFile(t);
      }
    } else this.noteProblem(e.problem, e.time);
  }

  /** A problem: kept (the problems view, the last 200), counted (NDJSON totals.problems), told to the listeners. */
  private noteProblem(problem: InputProblem, time: number): void {
    this.problems.push({ ...problem, time });
    this.totals.problems++;
    this.sources.problem(problem, time);
    for (const l of this.eventListeners) l({ kind: 'problem', problem, time });
  }

  /**
   * `n` progress lines of file `t` (of node `node`) in a row that the byte path parsed into
   * `recs` (pipeline/replay-bytes.ts), all at `time`: what feedEvent() does for each as a line
   * event, with RunSet.progressLine for RunSet.line, except the log tail: the caller hands the
   * same lines to pushTail() before any other line is fed (the tail is the only reader of their
   * order against other files' lines). Only for lines that formats/fast-progress.ts proved to be
   * plain progress lines of the track's locked format, never a line 1 (a restart).
   */
  progressLines(t: FileTrack, node: string, recs: readonly IterRecord[], texts: readonly string[], lineNos: readonly number[], n: number, time: number): void {
    if (n === 0) return;
    const ev = this.progressEv;
    ev.file = t.file;
    ev.time = time;
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      ev.lineNo = lineNos[i]!;
      ev.text = texts[i]!;
      this.runSet.progressLine(t, recs[i]!, ev);
      bytes += ev.text.length + 1;
    }
    ev.text = '';
    this.totals.lines += n;
    this.totals.bytes += bytes;
    // Nothing else runs between these lines: the state check of the first is that of every one.
    const st = this.status.get(t.file);
    if (st && st.state !== 'streaming' && st.state !== 'reconnecting') this.setState(node, t.file, 'streaming', time);
  }

  /**
   * The log tail's part of progressLines(): `n` lines of `file` in a row, `lengths[i]` characters
   * long, at `time`; `text(i)` is asked only for the lines the tail still keeps after the last.
   */
  pushTail(file: string, n: number, lengths: readonly number[], lineNos: readonly number[], time: number, text: (i: number) => string): void {
    this.tails.pushMany(file, n, lengths, lineNos, time, text);
  }

  /** progressLines' event, reused (RunSet.progressLine keeps none of it). */
  private readonly progressEv = { lineNo: 0, text: '', time: 0, file: '' };

  /** ingest()'s end-of-batch work: run events and source changes forwarded, a snapshot scheduled. */
  settle(): void {
    this.forwardRunEvents();
    this.forwardSourceChanges();
    this.markDirty();
  }

  /** Register more named sources (launch: a case's nodes as the case starts); see SourceRegistry.add. */
  addSources(specs: readonly NamedSourceSpec[]): void {
    this.sources.add(specs, this.opts.now());
    this.forwardSourceChanges();
    this.markDirty();
  }

  /** Named sources whose state or reason changed: one event each (NDJSON `state`, headless stderr). */
  private forwardSourceChanges(): void {
    if (this.sources.size === 0) return;
    for (const c of this.sources.flush(this.opts.now())) for (const l of this.eventListeners) l({ kind: 'source', view: c.view, time: c.time });
  }

  /** Mark a file ended (replay reached its end; summary-equivalent finish). */
  endFile(file: string): void {
    const t = this.tracks.get(file);
    if (t && !t.ended) this.runSet.endFile(t);
    this.forwardRunEvents();
    this.markDirty();
  }

  /**
   * A source's own `quiet` / `stale` (after a fixed 10 s / 60 s without bytes) judged by the rules
   * tick() applies (node-rules.ts), for a file that gave lines: a log that prints every 13 s is not
   * quiet at 10 s, a done run's file is `ended`, a file that prints no progress is never `stale`.
   * Taken as it came, it flipped the row (and an event) at every gap those rules let pass.
   */
  private setIdleAware(node: string, file: string, state: NodeState, time: number, message?: string): void {
    const t = state === 'quiet' || state === 'stale' ? this.tracks.get(file) : undefined;
    if (!t || t.lastLineAt === null) return this.setState(node, file, state, time, message);
    const rule = { quietMs: this.opts.quietMs ?? 10_000, staleMs: this.opts.staleMs ?? 60_000 };
    const v = quietVerdict('streaming', time - t.lastLineAt, t, this.runSet.runOf(t), rule);
    if (v === null) return; // not idle yet by the rules: stays as it is
    // Already so by tick(): the source's words would be a second event for the same state.
    if (v.message === undefined && this.status.get(file)?.state === v.state) return;
    this.setState(node, file, v.state, time, v.message ?? (v.state === state ? message : undefined));
  }

  private setState(node: string, file: string, state: NodeState, time: number, message?: string): void {
    const prev = this.status.get(file);
    if (prev && prev.state === state && prev.message === message) return;
    // The sources end every file when following stops ('stopped'): one in error keeps its error,
    // so the last snapshot and the --exit-when-done verdict say it (its run is still ended).
    if (prev?.state === 'error' && state === 'ended' && message === 'stopped') return;
    this.status.set(file, { state, since: time, ...(message !== undefined ? { message } : {}) });
    if (state === 'quiet' || state === 'stale') {
      const t = this.tracks.get(file);
      if (t) this.runSet.idleFile(t);
    }
    this.sources.fileStatus(node, file, state, time, message);
    // A file that is itself a named source is announced as the source (one event, with its reason).
    if (this.sources.isNamed(file)) return;
    for (const l of this.eventListeners) l({ kind: 'state', node, file, state, time, ...(message !== undefined ? { message } : {}) });
  }

  private forwardRunEvents(): void {
    for (const e of this.runSet.drainEvents()) {
      // Flags are announced from the run's verdicts when a snapshot is built (see announceFlags):
      // a detector's first notice can still change confidence, so it is not announced on its own.
      if (e.type === 'flag') continue;
      else {
        for (const l of this.eventListeners) l({ kind: 'phase', run: e.run, node: e.node, file: e.file, phase: e.phase, time: e.time });
      }
    }
  }

  /** Periodic housekeeping: quiet/stale node states and stalls, judged on the session clock. */
  tick(): void {
    const now = this.opts.now();
    const quiet = this.opts.quietMs ?? 10_000;
    const stale = this.opts.staleMs ?? 60_000;
    const notes = new Map<import('../metrics/run.ts').Run, string | null>();
    for (const [file, t] of this.tracks) {
      const st = this.status.get(file);
      if (!st || t.lastLineAt === null) continue;
      // quiet → stale, except for a run that is done or a source that prints no progress (node-rules.ts).
      const v = quietVerdict(st.state, now - t.lastLineAt, t, this.runSet.runOf(t), { quietMs: quiet, staleMs: stale }, notes);
      if (v) this.setState(t.node, file, v.state, now, v.message);
    }
    this.stall.check(this.runSet, now);
    this.forwardSourceChanges();
    this.markDirty();
  }

  stalled(runKey: string): boolean {
    return this.stall.isStalled(runKey);
  }

  onEvent(fn: Parameters<SessionStore['eventListeners']['add']>[0]): () => void {
    this.eventListeners.add(fn);
    return () => this.eventListeners.delete(fn);
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  getSnapshot = (): SessionSnapshot => this.snapshot;

  /** Build and publish now (tests, shutdown, headless intervals); `fresh`: every run's report made now (see analysisEveryMs). */
  flush(opts: { fresh?: boolean } = {}): SessionSnapshot {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.dirty = false;
    this.snapshot = this.build(opts.fresh === true);
    if (this.announceFlags(this.snapshot)) this.snapshot = { ...this.snapshot, flags: this.flagLog.toArray() };
    this.lastPublish = Date.now();
    for (const l of this.listeners) l();
    return this.snapshot;
  }

  private markDirty(): void {
    this.dirty = true;
    if (this.timer || this.listeners.size === 0) return;
    const every = this.opts.publishEveryMs ?? 100;
    const wait = Math.max(0, every - (Date.now() - this.lastPublish));
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.dirty) this.flush();
    }, wait);
    this.timer.unref?.();
  }

  private readonly announced = new Set<string>();

  /** Announce each finding once, the first time it appears in a run's verdicts. */
  private announceFlags(snap: SessionSnapshot): boolean {
    let any = false;
    for (const run of snap.runs) {
      for (const f of run.flags) {
        const key = `${run.key}|${f.kind}|${f.confidence ?? ''}|${f.node ?? ''}|${f.file ?? ''}`;
        if (this.announced.has(key)) continue;
        this.announced.add(key);
        const entry: FlagEntry = { time: f.time ?? snap.now, run: run.key, node: f.node ?? run.nodes[0] ?? '', file: f.file ?? run.source, flag: f };
        this.flagLog.push(entry);
        for (const l of this.eventListeners) l({ kind: 'flag', entry });
        any = true;
      }
    }
    return any;
  }

  private build(fresh: boolean): SessionSnapshot {
    const ctx: SnapshotContext = {
      analysisEveryMs: fresh ? 0 : (this.opts.analysisEveryMs ?? 0),
      now: this.opts.now(),
      clock: this.opts.clock,
      startedAt: this.startedAt,
      runSet: this.runSet,
      status: this.status,
      flagLog: this.flagLog.toArray(),
      problems: this.problems.toArray(),
      totals: { ...this.totals },
      sources: this.sources.views((f) => this.tracks.get(f)),
      stalled: (k) => this.stall.isStalled(k),
      ...(this.opts.baselinePerGpu !== undefined ? { baselinePerGpu: this.opts.baselinePerGpu } : {}),
      ...(this.replay ? { replay: this.replay } : {}),
      ...(this.plan ? { plan: this.plan.view(this.opts.now()) } : {}),
      version: ++this.version,
      cache: this.snapshotCache,
    };
    return buildSnapshot(ctx);
  }

  /** Forget files whose run was reset (replay seeking back): their tracks, states, tails and totals. */
  forgetFiles(tracks: readonly FileTrack[]): void {
    for (const t of tracks) {
      if (this.tracks.get(t.file) === t) {
        this.tracks.delete(t.file);
        this.totals.lines -= t.lines;
        this.totals.bytes -= t.bytes;
        this.totals.files -= 1;
      }
      this.status.delete(t.file);
      this.tails.delete(t.file);
    }
  }

  /** Recent raw lines of a file for the log pane (escape sequences are stripped by the view). */
  tail(file: string): LogLine[] {
    return this.tails.get(file)?.toArray() ?? [];
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.listeners.clear();
    this.eventListeners.clear();
  }
}
