import type { Flag, InputProblem, LineEvent } from '../core/types.ts';
import { detectFormat, formatById } from '../formats/registry.ts';
import { toArray, type IterRecord, type LogFormat, type ParsedRecord, type ThroughputMethod } from '../formats/types.ts';
import { stripEscapes, unwrap } from '../formats/unwrap.ts';
import { createLineDetectors, lineDetectors } from '../signals/registry.ts';
import { FileTrack, type HeldLine } from './file-track.ts';
import { IterHistory } from './iter-history.ts';
import { SniffKeeper } from './sniff-keep.ts';
import { pathInfo } from './path-identity.ts';
import { ownText } from './own-text.ts';
import { Run } from './run.ts';
import type { Phase } from './window-tracker.ts';

export interface WindowOverride {
  /** Format id, or null for every format. */
  format: string | null;
  start: number;
  end: number | null;
}

export interface RunSetOptions {
  windows?: WindowOverride[];
  /** Force a format instead of detecting it. */
  format?: string;
  /** `--method`: the throughput method for every format (default: each format's published one). */
  method?: ThroughputMethod;
  /** Lines held per file while its format is unknown. @default 20000 */
  sniffLines?: number;
  /** Bytes held per file while its format is unknown. @default 8 MiB */
  sniffBytes?: number;
  /** Keep each file's whole throughput-over-iterations curve (bounded; for HTML reports). */
  history?: boolean;
  /**
   * Files get no line after endFile() (summary): reduce each ended file to what its run's report
   * reads (FileTrack.release), so memory follows the files being read, not the files read.
   */
  releaseEnded?: boolean;
}

/** Detectors that need progress lines too (a NaN loss is printed on them); the others skip them. */
const METRIC_DETECTORS: readonly boolean[] = lineDetectors.map((f) => f.id === 'nan-loss');
/** Ids of the detectors that see progress lines (the byte-level path must prove each one would ignore a line it takes). */
export const PROGRESS_LINE_DETECTORS: readonly string[] = lineDetectors.filter((_, i) => METRIC_DETECTORS[i]).map((f) => f.id);

/** Something a live view or NDJSON stream reports as it happens. */
export type RunSetEvent =
  | { type: 'phase'; run: string; node: string; file: string; phase: Phase; time: number }
  | { type: 'flag'; run: string; node: string; file: string; flag: Flag; time: number };

/**
 * All runs of a session, fed line by line. The same object serves summary (every line, then
 * finish()), live (lines as they arrive) and replay (lines at their log time): one implementation
 * of the math for all three.
 */
export class RunSet {
  readonly runs = new Map<string, Run>();
  private readonly tracks = new Map<string, FileTrack>();
  private readonly trackRun = new Map<FileTrack, Run>();
  private events: RunSetEvent[] = [];
  private readonly forced: LogFormat | undefined;
  /** Findings about a file made before or outside its lines (an archive holding its path twice), by path. */
  private readonly pathFlags = new Map<string, Flag[]>();

  /** endFile() reduces each file and makes its kept texts its own (FileTrack.release). */
  get releasesEnded(): boolean {
    return !!this.opts.releaseEnded;
  }

  constructor(private readonly opts: RunSetOptions = {}) {
    this.forced = opts.format ? formatById(opts.format) : undefined;
    if (opts.format && !this.forced) throw new Error(`unknown format '${opts.format}'`);
  }

  /**
   * Register a file. `path` decides the run (files that differ only by a node/rank part are one
   * run); `display` is what the user sees (host:path for SSH). Returns null for non-log files.
   */
  openFile(path: string, display = path, sourceNode?: string): FileTrack | null {
    const existing = this.tracks.get(display);
    if (existing) return existing;
    const info = pathInfo(path);
    if (info.notALog) return null;
    const node = sourceNode && sourceNode !== 'local' ? sourceNode : (info.node ?? 'node0');
    let run = this.runs.get(info.runKey);
    if (!run) {
      run = new Run(info.runKey, info, createLineDetectors());
      this.runs.set(info.runKey, run);
    }
    const t = new FileTrack(node, display, path);
    if (this.opts.history) t.history = new IterHistory();
    // No content bump: an empty file at the end of the merge order changes no merged field (its
    // content, when it comes, does: FileTrack.contentChanged); the files counter says it came.
    t.owner = run.changes;
    const owner = run;
    t.worldSize = () => owner.worldSize()?.value ?? null;
    t.nodes = () => owner.identity().num_nodes;
    run.files.push(t);
    run.changes.files++;
    this.tracks.set(display, t);
    this.trackRun.set(t, run);
    for (const f of this.pathFlags.get(path) ?? []) if (!run.liveFlags.includes(f)) run.liveFlags.push(f);
    const known = this.forced ?? run.files.find((f) => f.format && f !== t)?.format ?? undefined;
    if (known) t.lock(known, this.windowFor(known), this.opts.method);
    return t;
  }

  /**
   * The file started over (truncated, or replaced by a new file of the same name): its numbers
   * start from 0 too. The run keeps its other files and what its detectors saw.
   */
  restartFile(t: FileTrack): FileTrack {
    this.hotTrack = null;
    const run = this.trackRun.get(t)!;
    run.files.splice(run.files.indexOf(t), 1);
    run.changes.files++;
    this.tracks.delete(t.file);
    this.trackRun.delete(t);
    run.changes.version++;
    run.changes.content++;
    run.changes.contentFrom = null;
    return this.openFile(t.path, t.file, t.node)!;
  }

  /**
   * Forget one run's state so it can be fed again from its start (replay seeking back, or going
   * back to an earlier run). The run keeps its key and its place in the run list. Returns the
   * files it had.
   */
  resetRun(key: string): FileTrack[] {
    this.hotTrack = null;
    const run = this.runs.get(key);
    if (!run) return [];
    for (const t of run.files) {
      this.tracks.delete(t.file);
      this.trackRun.delete(t);
    }
    this.runs.set(key, new Run(key, run.pathInfo, createLineDetectors()));
    return run.files;
  }

  /** Let go of a run no file will join any more (summary froze its report): its files are forgotten too. */
  forgetRun(key: string): void {
    this.hotTrack = null;
    const run = this.runs.get(key);
    if (!run) return;
    for (const t of run.files) {
      this.tracks.delete(t.file);
      this.trackRun.delete(t);
    }
    this.runs.delete(key);
  }

  /** An input problem that concerns a file's number (a duplicate archive member): a flag on its run. */
  noteInputProblem(p: InputProblem): void {
    if (p.kind !== 'duplicate_member' || !p.file) return;
    const flag: Flag = { kind: 'duplicate_member', confidence: 'confirmed', evidence: p.file, file: p.file, detail: p.message };
    const list = this.pathFlags.get(p.file) ?? [];
    if (list.some((f) => f.detail === flag.detail)) return;
    list.push(flag);
    this.pathFlags.set(p.file, list);
    const t = this.tracks.get(p.file);
    if (t) this.trackRun.get(t)!.liveFlags.push(flag);
  }

  runOf(t: FileTrack): Run {
    return this.trackRun.get(t)!;
  }

  /** Feed one line of a registered file. Never throws for anything in the line. */
  line(t: FileTrack, ev: LineEvent): void {
    const run = this.trackRun.get(t)!;
    t.lines++;
    t.bytes += ev.text.length + 1;
    t.lastLineAt = ev.time;
    // Sources that deliver NUL bytes (a copytruncate hole before the text; the file sources skip them
    // and say so): the line is its text from the first text byte.
    if (ev.text.charCodeAt(0) === 0) ev = { ...ev, text: ev.text.replace(/^\0+/, '') };
    // unwrap reads the text alone: a line equal to the line before (repeated NCCL INFO or warning
    // lines) reuses its answer.
    const u = ev.text === this.lastRaw ? this.lastUnwrapped! : unwrap(ev.text);
    this.lastRaw = ev.text;
    this.lastUnwrapped = u;
    // A progress line of the run's own format carries no failure signature but a loss value:
    // only the detectors that read metric lines see it (the bulk of a long log; see bench).
    const isProgress = t.format !== null && this.parse(run, t, u.payload, ev);
    for (let i = 0; i < run.detectors.length; i++) {
      if (isProgress && !METRIC_DETECTORS[i]) continue;
      const raised = run.detectors[i]!.onLine(u, ev);
      if (raised) for (const f of raised) this.raise(run, t, f, ev.time);
    }
    if (!t.format) this.sniff(run, t, u.payload, ev);
  }

  /**
   * A progress line that the byte-level path (pipeline/byte-feed.ts) parsed into `rec`: does what
   * line() does with it. Only for a line that formats/fast-progress.ts proved to be a plain
   * progress line of the file's locked format that no detector in PROGRESS_LINE_DETECTORS reacts to.
   */
  progressLine(t: FileTrack, rec: IterRecord, ev: { lineNo: number; text: string; time: number; file: string }): void {
    // Every progress line of a file comes here in a row: the track's run and its total-batch
    // getter are looked up once per file, not per line (a Map lookup and a closure per line).
    if (t !== this.hotTrack) {
      this.hotTrack = t;
      this.hotRun = this.trackRun.get(t)!;
      const run = this.hotRun;
      this.hotBatch = () => run.totalBatch();
    }
    const run = this.hotRun!;
    t.lines++;
    t.bytes += ev.text.length + 1;
    t.lastLineAt = ev.time;
    if (t.applyIter(rec, ev, this.hotBatch)) {
      this.push({ type: 'phase', run: run.key, node: t.node, file: t.file, phase: t.phase!, time: ev.time });
    }
  }

  /** line()'s last text and its unwrap (see there). */
  private lastRaw: string | null = null;
  private lastUnwrapped: ReturnType<typeof unwrap> | null = null;

  /** progressLine's cache: the track fed last, its run and its run's total batch (cleared whenever tracks or runs change). */
  private hotTrack: FileTrack | null = null;
  private hotRun: Run | null = null;
  private hotBatch: () => number | null = () => null;

  /** Format still unknown: hold the line, or lock the format it proves and replay what was held. */
  private sniff(run: Run, t: FileTrack, payload: string, ev: LineEvent): void {
    const hint = run.files.find((f) => f.format)?.format ?? undefined;
    const f = detectFormat(payload, hint);
    if (!f) {
      // A keeper let go while the file was idle (idleFile) is rebuilt from the held lines: all of
      // the file's lines so far, so its parsers end in the same state as if it had been kept.
      // The keeper (every format's parser, 32 of them) is needed only once lines must be shed: until
      // then every line is held, and a keeper made over them (SniffKeeper.marking) has the state of one
      // kept all along and marks the same lines. Most files lock their format within a few lines and
      // never make one (≈ 45 µs a file: 3,000 small logs).
      const maxLines = this.opts.sniffLines ?? 20000;
      const maxBytes = this.opts.sniffBytes ?? 8 << 20;
      if (t.sniffKeeper === null && (t.held.length + 1 > maxLines || t.heldBytes + ev.text.length > maxBytes)) t.sniffKeeper = SniffKeeper.marking(t.held);
      const line: HeldLine = { payload, lineNo: ev.lineNo, text: ev.text, time: ev.time };
      if (t.sniffKeeper !== null) line.keep = t.sniffKeeper.keeps(payload);
      t.hold(line, maxLines, maxBytes);
      return;
    }
    this.adopt(run, t, f);
    this.parse(run, t, payload, ev);
    // The other files of the run (e.g. Megatron's node logs without progress lines, that only hold
    // the argument dump) are in the same format: parse what they held too.
    for (const other of run.files) if (!other.format) this.adopt(run, other, f);
  }

  /** Lock a file to a format and replay the lines it held while the format was unknown. */
  private adopt(run: Run, t: FileTrack, f: LogFormat): void {
    t.sniffKeeper = null;
    t.lock(f, this.windowFor(f), this.opts.method);
    for (const h of t.takeHeld()) this.parse(run, t, h.payload, { lineNo: h.lineNo, text: h.text, time: h.time, file: t.file });
    // A file that ended unrecognised, parsed now that another file proved the format: reduce it again.
    if (t.released) {
      t.released = false;
      t.release(ownText);
    }
  }

  /** Parse one payload with the file's parser and apply the records. Returns true for a progress line. */
  private parse(run: Run, t: FileTrack, payload: string, ev: { lineNo: number; text: string; time: number; file: string }): boolean {
    let recs: ParsedRecord[] = [];
    try {
      recs = toArray(t.parser!.parse(payload));
    } catch (e) {
      run.errors.push(`${ev.file}:${ev.lineNo}: parser failed: ${(e as Error).message}`);
    }
    const progress = recs.some((r) => r.kind === 'iter');
    // A line with the format's progress marker that gave no iteration would shift the window in
    // silence: counted and flagged (unreadable_progress). The whole line, not the payload: a rank's
    // tag glued after the progress text leaves only that rank's output in the payload.
    if (!progress && t.format!.progressLike?.(stripEscapes(ev.text))) t.damage.noteUnreadable(ev.lineNo, ev.text);
    if (recs.length && t.apply(recs, ev, () => run.totalBatch())) {
      this.push({ type: 'phase', run: run.key, node: t.node, file: t.file, phase: t.phase!, time: ev.time });
    }
    return progress;
  }

  /**
   * A live file went quiet: let its format sniffers go (32 parsers, ≈ 4 KB a file: 19 MB on 5,000
   * idle files) while they can be rebuilt exactly, that is while every line of the file is still
   * held (none shed). A file that sheds lines keeps its sniffers.
   */
  idleFile(t: FileTrack): void {
    if (t.sniffKeeper && t.heldDropped === 0) t.sniffKeeper = null;
  }

  /** The file ended (summary, replay, or a live file that went away). */
  endFile(t: FileTrack): void {
    const run = this.trackRun.get(t)!;
    // Records the parser still holds (the last iteration of an every-rank format).
    if (t.parser?.flush && !t.ended) {
      let recs: ParsedRecord[] = [];
      try {
        recs = toArray(t.parser.flush());
      } catch (e) {
        run.errors.push(`${t.file}: parser failed at the end of the file: ${(e as Error).message}`);
      }
      if (recs.length) t.apply(recs, { lineNo: t.lastIterLineNo, text: t.lastIterText, time: t.lastLineAt ?? 0, file: t.file }, () => run.totalBatch());
    }
    t.ended = true;
    t.tracker?.end();
    // A file that ended before its format was known may still belong to a run whose format another
    // file proves later (Megatron: only the last node prints progress): keep its head, bounded.
    if (!t.format && t.held.length) t.trimHeld(2000, 1 << 20);
    if (t.phase === 'done') this.push({ type: 'phase', run: run.key, node: t.node, file: t.file, phase: 'done', time: t.lastLineAt ?? 0 });
    if (this.opts.releaseEnded) t.release(ownText);
  }

  private raise(run: Run, t: FileTrack, f: Flag, time: number): void {
    run.lineFlags.push(f);
    this.push({ type: 'flag', run: run.key, node: t.node, file: t.file, flag: f, time });
  }

  private push(e: RunSetEvent): void {
    this.events.push(e);
    if (this.events.length > 10000) this.events.splice(0, this.events.length - 10000);
  }

  /** Events since the last call (live/replay presenters drain them). */
  drainEvents(): RunSetEvent[] {
    const e = this.events;
    this.events = [];
    return e;
  }

  private windowFor(f: LogFormat): { start: number; end: number | null } | undefined {
    const w = this.opts.windows?.find((o) => o.format === f.id) ?? this.opts.windows?.find((o) => o.format === null);
    return w ? { start: w.start, end: w.end } : undefined;
  }
}
