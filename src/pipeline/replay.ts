/**
 * Replay: plays archived runs (DLPerf `.tgz` bundles, directories, recorded archives) through the
 * same session store as live mode, at their original log-time pacing.
 *
 * Timed mode (any finite speed):
 *  1. Index: the inputs are streamed once; per file its run key (pathInfo), line count and first/last
 *     log time (FileTimeline: the format's own clock). Non-logs are skipped as `summary` skips them.
 *     While everything fits in `memoryCapBytes`, the timed lines are kept, so nothing is read twice.
 *  2. Runs are played one after another in the order they were recorded: runs with a log clock by
 *     their first log time, then runs without one; ties by path. Files of a run are merged into one
 *     timeline ordered by log time (stable by file path, then line), so a straggler shows as it did.
 *  3. Lines whose time ≤ the clock position are fed to `store.ingest()`, at most ~20 steps/s
 *     (`tickMs`), each followed by `store.tick()`; at the end of a run every file gets an `ended`
 *     status and `store.endFile()`, so its final figures are exactly those of `summary`.
 *     Finished runs stay in the store.
 *  A run whose lines do not fit in the cap is played file after file (each file streamed with a
 *  bounded lookahead, its times shifted to follow the previous file), reported as a problem.
 *
 * Fast path (`speed: 'max'` at creation): no index and no timelines; the inputs are streamed once
 * exactly like `summarize()` (file after file, every line to the store), so a headless replay at max
 * speed costs about what `summary` costs. Runs are listed as they are met.
 *
 * `from` (seconds): a value ≥ 1e8 is an absolute log time (Unix seconds, or the format's own epoch):
 * playing starts with the first run that ends at or after it, at that time. A smaller value is an
 * offset into the first played run. Lines before the start are fed at once. Ignored by the fast path.
 */
import type { InputProblem } from '../core/types.ts';
import { formatById } from '../formats/registry.ts';
import type { LogFormat } from '../formats/types.ts';
import type { FileTrack } from '../metrics/file-track.ts';
import { pathInfo } from '../metrics/path-identity.ts';
import { RunSet, type RunSetOptions } from '../metrics/run-set.ts';
import type { ReplayControls } from '../session/controls.ts';
import { SessionStore, type StoreOptions } from '../session/store.ts';
import type { ReplayInfo } from '../session/types.ts';
import { enumerateInputs, readLines } from '../sources/inputs.ts';
import type { SourceEvent } from '../sources/types.ts';
import { ReplayClock, type ReplaySpeed, type Scheduler } from './replay-clock.ts';
import { FileTimeline, mergeTimelines, runPacing, UNANCHORED, type Pacing, type TimedLine } from './replay-timeline.ts';

/** Default bytes of log lines held in memory for one run's merged timeline. */
export const DEFAULT_MEMORY_CAP_BYTES = 256 * 1024 * 1024;
/** Estimated memory of one held line beyond its text (object, fields, array slot). */
const LINE_OVERHEAD_BYTES = 112;
/** `from` values at or above this are absolute log times (seconds). */
export const ABSOLUTE_FROM_S = 1e8;

export interface ReplayOptions extends RunSetOptions, Pick<StoreOptions, 'publishEveryMs' | 'tailLines' | 'baselinePerGpu' | 'quietMs' | 'staleMs' | 'stallFactor'> {
  inputs: string[];
  /** @default 1 */
  speed?: ReplaySpeed;
  /** Seconds into the first played run, or (≥ 1e8) an absolute log time in seconds. */
  from?: number;
  /** Play only runs whose key or file path matches. */
  runPattern?: RegExp;
  onProblem?: (p: InputProblem) => void;
  /** Wall clock (ms). @default Date.now */
  now?: () => number;
  /** Wall-time scheduler. @default setTimeout */
  schedule?: Scheduler;
  stdin?: NodeJS.ReadableStream;
  /** Bytes of lines held in memory (index pass: all runs; play: one run). @default 256 MiB */
  memoryCapBytes?: number;
  /** Lines a file timeline holds while waiting for its next clock. @default 10000 */
  lookaheadLines?: number;
  /** Gap per progress record for logs with neither clock nor step times (ms). @default 1000 */
  nominalGapMs?: number;
  /** Wall ms between steps while playing (≤ 20 steps/s). @default 50 */
  tickMs?: number;
  /** Longest wall wait between steps while lines are far apart (keeps the position moving). @default 250 */
  maxTickMs?: number;
  /** Lines fed per step at max speed before yielding to the event loop. @default 20000 */
  maxLinesPerStep?: number;
  /** Timed mode: call `onCheckpoint` every this many ms of log time (run-relative grid). */
  checkpointMs?: number;
  onCheckpoint?: (position: number) => void | Promise<void>;
  /** A run was completed (its files ended); `index` in the run list. */
  onRunEnd?: (index: number, key: string) => void | Promise<void>;
}

export interface Replay {
  store: SessionStore;
  controls: ReplayControls;
  clock: ReplayClock;
  /** Plays every run once; resolves when the list is finished (or `stop()` was called). */
  run(): Promise<{ runs: number }>;
  stop(): void;
}

interface IndexedFile {
  /** Run key (pathInfo). */
  key: string;
  input: string;
  path: string;
  node: string;
  /** Enumeration order over all inputs. */
  order: number;
  lines: number;
  bytes: number;
  /** First/last finite log time (ms) before offset. */
  first: number | null;
  last: number | null;
  base: 'clock' | 'synthetic' | null;
  pacing: Pacing;
  anchors: number;
  /** Shift applied to this file's times (aligning synthetic times; concatenating in sequential mode). */
  offset: number;
  /** Time given to lines before the file's first anchor. */
  floor: number;
  /** Timed lines kept from the index pass (times final), or null. */
  held: TimedLine[] | null;
  /** Format the file's own lines proved (null: none). */
  format: string | null;
  /** Format its timeline is built with when its own lines prove none: its run's (see retime()). */
  timedAs: LogFormat | null;
}

interface IndexedRun {
  key: string;
  /** Sorted by path (numeric collation): the tie order of the merge. */
  files: IndexedFile[];
  start: number;
  end: number;
  pacing: Pacing;
  hasClock: boolean;
  /** Estimated memory of the run's lines. */
  estBytes: number;
  /** Too large to merge in memory: files are played one after another. */
  sequential: boolean;
  /** The merged timeline while it is held. */
  merged: TimedLine[] | null;
  played: boolean;
  reported: boolean;
}

type Request = { kind: 'seek'; target: number } | { kind: 'toEnd' } | { kind: 'goto'; index: number };

const byPath = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });
const fileKey = (input: string, path: string) => `${input}\u0000${path}`;

/** Reads timed lines batch by batch; `peek()` is sync once `fill()` has returned true. */
class LineCursor {
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

export function createReplay(opts: ReplayOptions): Replay {
  return new ReplayEngine(opts).api();
}

class ReplayEngine {
  readonly runSet: RunSet;
  readonly store: SessionStore;
  readonly clock: ReplayClock;
  private readonly opts: ReplayOptions;
  private readonly cap: number;
  private readonly forced: LogFormat | undefined;
  private readonly fastPath: boolean;
  /** Session clock: the replay position in log ms. */
  private position = 0;
  private stopped = false;
  private finished = false;
  private runs: IndexedRun[] = [];
  private cur = -1;
  private request: Request | null = null;
  private loop: Promise<void> | null = null;
  private indexed = false;
  private nextCheckpoint = Infinity;
  /** Fast path: run keys in the order met. */
  private fastNames: string[] = [];
  private fastCur = -1;
  private fastStart = 0;

  constructor(opts: ReplayOptions) {
    this.opts = opts;
    this.cap = opts.memoryCapBytes ?? DEFAULT_MEMORY_CAP_BYTES;
    this.forced = opts.format ? formatById(opts.format) : undefined;
    this.runSet = new RunSet(opts);
    const speed = opts.speed ?? 1;
    this.fastPath = speed === 'max';
    this.clock = new ReplayClock({ now: opts.now ?? Date.now, speed, ...(opts.schedule ? { schedule: opts.schedule } : {}) });
    this.store = new SessionStore({
      runSet: this.runSet,
      now: () => this.position,
      clock: 'replay',
      ...pick(opts, ['publishEveryMs', 'tailLines', 'baselinePerGpu', 'quietMs', 'staleMs', 'stallFactor']),
    });
    this.updateInfo();
  }

  api(): Replay {
    const controls: ReplayControls = {
      togglePause: () => {
        if (this.clock.speed === 'max') this.clock.seekTo(this.position);
        this.clock.togglePause();
        this.publish();
      },
      faster: () => {
        this.clock.faster();
        this.publish();
      },
      slower: () => {
        if (this.clock.speed === 'max') this.clock.seekTo(this.position);
        this.clock.slower();
        this.publish();
      },
      seek: (ms: number) => {
        if (!Number.isFinite(ms) || ms === 0) return;
        this.navigate({ kind: 'seek', target: this.position + ms });
      },
      nextRun: () => this.navigate({ kind: 'goto', index: this.cur + 1 }),
      prevRun: () => this.navigate({ kind: 'goto', index: Math.max(0, this.cur - 1) }),
      toEnd: () => this.navigate({ kind: 'toEnd' }),
      goToRun: (index: number) => this.navigate({ kind: 'goto', index }),
    };
    return {
      store: this.store,
      controls,
      clock: this.clock,
      run: () => this.runAll(),
      stop: () => {
        this.stopped = true;
        this.clock.wake();
      },
    };
  }

  // ---------------------------------------------------------------- reporting

  private report(p: InputProblem): void {
    this.store.ingest([{ type: 'problem', problem: p, time: this.position }]);
    this.opts.onProblem?.(p);
  }

  private matches(key: string, path: string): boolean {
    const re = this.opts.runPattern;
    if (!re) return true;
    re.lastIndex = 0;
    if (re.test(key)) return true;
    re.lastIndex = 0;
    return re.test(path);
  }

  private updateInfo(): void {
    let info: ReplayInfo;
    if (this.fastPath && !this.indexed) {
      info = {
        speed: this.clock.speed,
        paused: this.clock.paused,
        runIndex: Math.max(0, this.fastCur),
        runCount: this.fastNames.length,
        runNames: [...this.fastNames],
        position: this.position,
        start: this.fastStart,
        end: this.position,
        pacing: 'clock',
        finished: this.finished,
      };
    } else {
      const r = this.runs[this.cur];
      info = {
        speed: this.clock.speed,
        paused: this.clock.paused,
        runIndex: Math.max(0, this.cur),
        runCount: this.runs.length,
        runNames: this.runs.map((x) => x.key),
        position: this.position,
        start: r?.start ?? 0,
        end: r?.end ?? 0,
        pacing: r?.pacing ?? 'clock',
        finished: this.finished,
      };
    }
    this.store.replay = info;
  }

  private publish(): void {
    this.updateInfo();
    this.store.flush();
  }

  // ---------------------------------------------------------------- top level

  private async runAll(): Promise<{ runs: number }> {
    if (this.fastPath) {
      await this.playFast();
      this.finish();
      return { runs: this.fastNames.length };
    }
    await this.buildIndex();
    if (this.stopped) {
      this.finish();
      return { runs: this.runs.length };
    }
    let startIndex = 0;
    let startPos: number | undefined;
    const from = this.opts.from;
    if (from !== undefined && Number.isFinite(from) && this.runs.length > 0) {
      if (from >= ABSOLUTE_FROM_S) {
        const ms = from * 1000;
        const i = this.runs.findIndex((r) => r.end >= ms);
        if (i < 0) {
          this.report({ input: this.opts.inputs.join(' '), kind: 'skipped', message: `--from ${from}: every run ends before that log time; nothing to play` });
          this.finish();
          return { runs: this.runs.length };
        }
        startIndex = i;
        startPos = Math.max(this.runs[i]!.start, ms);
      } else {
        const r = this.runs[0]!;
        startPos = Math.min(r.end, r.start + Math.max(0, from) * 1000);
      }
    }
    this.loop = this.playFrom(startIndex, startPos);
    await this.loop;
    this.loop = null;
    this.finish();
    return { runs: this.runs.length };
  }

  private finish(): void {
    this.finished = true;
    this.publish();
  }

  /** Navigation: handled by the playing loop, or restarts one after the list has finished. */
  private navigate(req: Request): void {
    if (this.stopped) return;
    if (this.loop) {
      this.request = req;
      this.clock.wake();
      return;
    }
    if (!this.finished) return; // still indexing: nothing to navigate yet
    this.restart(req);
  }

  /** After the list finished: play again from where the request points (one restart at a time). */
  private restart(req: Request): void {
    const loop = (async () => {
      if (this.fastPath && !this.indexed) {
        // The fast pass kept no index: build it now (the store already holds every run).
        await this.buildIndex();
        for (const r of this.runs) r.played = this.runSet.runs.has(r.key);
        this.cur = this.runs.length - 1;
        this.position = this.runs[this.cur]?.end ?? this.position;
      }
      if (this.stopped || this.runs.length === 0) return;
      let index: number;
      let startPos: number | undefined;
      if (req.kind === 'goto') {
        index = Math.min(Math.max(0, req.index), this.runs.length - 1);
        if (index === this.cur && req.index > this.cur) return; // nextRun past the last run
      } else if (req.kind === 'seek') {
        const r = this.runs[this.cur];
        if (!r || req.target >= r.end) return;
        index = this.cur;
        startPos = Math.max(r.start, req.target);
      } else return;
      this.finished = false;
      await this.playFrom(index, startPos);
      this.finish();
    })();
    this.loop = loop;
    const done = () => {
      if (this.loop === loop) this.loop = null;
    };
    loop.then(done, (e: unknown) => {
      done();
      this.report({ input: this.opts.inputs.join(' '), kind: 'unreadable', message: `replay stopped: ${e instanceof Error ? e.message : String(e)}` });
      this.finish();
    });
  }

  // ---------------------------------------------------------------- index pass

  private async buildIndex(): Promise<void> {
    const files: IndexedFile[] = [];
    let holding = true;
    let heldBytes = 0;
    let order = 0;
    const quiet = this.indexed || this.fastPath; // problems were reported by an earlier pass
    const onProblem = (p: InputProblem) => {
      if (!quiet) this.report(p);
    };
    const enumOpts = this.opts.stdin ? { stdin: this.opts.stdin } : {};
    for await (const item of enumerateInputs(this.opts.inputs, enumOpts)) {
      if (this.stopped) break;
      if (item.type === 'problem') {
        onProblem(item.problem);
        continue;
      }
      const f = item.file;
      const info = pathInfo(f.path);
      if (info.notALog) continue;
      if (!this.matches(info.runKey, f.path)) continue;
      const node = info.node ?? 'node0';
      const tl = this.newTimeline();
      let out: TimedLine[] = [];
      for await (const batch of readLines(f, node, (p) => onProblem({ ...p, input: p.input ?? f.input }))) {
        for (const ev of batch) tl.push(ev, out);
        if (holding) {
          for (const ev of batch) heldBytes += ev.text.length + LINE_OVERHEAD_BYTES;
          if (heldBytes > this.cap) {
            holding = false;
            for (const x of files) x.held = null;
          }
        }
        if (!holding) out = [];
        if (this.stopped) break;
      }
      tl.end(out);
      files.push({
        key: info.runKey,
        input: f.input,
        path: f.path,
        node,
        order: order++,
        ...statsOf(tl),
        offset: 0,
        floor: 0,
        held: holding ? out : null,
        timedAs: null,
      });
    }
    await this.retime(files);
    if (!holding && this.opts.inputs.includes('-')) {
      this.report({ input: '-', kind: 'skipped', message: 'stdin is larger than the replay memory cap and cannot be read twice: its runs may play without their lines; use --speed max, or give a file' });
    }
    const groups = new Map<string, IndexedFile[]>();
    for (const f of files) {
      let g = groups.get(f.key);
      if (!g) groups.set(f.key, (g = []));
      g.push(f);
    }
    const runs: IndexedRun[] = [];
    for (const [key, g] of groups) {
      g.sort((a, b) => byPath(a.path, b.path) || a.order - b.order);
      const estBytes = g.reduce((n, f) => n + f.bytes + f.lines * LINE_OVERHEAD_BYTES, 0);
      const run: IndexedRun = {
        key,
        files: g,
        start: 0,
        end: 0,
        pacing: runPacing(g),
        hasClock: g.some((f) => f.base === 'clock'),
        estBytes,
        sequential: estBytes > this.cap,
        merged: null,
        played: false,
        reported: false,
      };
      this.layout(run);
      runs.push(run);
    }
    runs.sort((a, b) => Number(!a.hasClock) - Number(!b.hasClock) || a.start - b.start || byPath(a.files[0]!.path, b.files[0]!.path));
    this.runs = runs;
    this.indexed = true;
    for (const r of runs) {
      if (r.sequential) {
        this.report({
          input: this.opts.inputs.join(' '),
          file: r.files[0]?.path,
          kind: 'skipped',
          message: `run ${r.key}: its lines (~${Math.round(r.estBytes / 2 ** 20)} MiB) exceed the replay memory cap (${Math.round(this.cap / 2 ** 20)} MiB); its ${r.files.length} files are played one after another instead of merged by time`,
        });
      }
    }
    this.updateInfo();
  }

  private newTimeline(f?: IndexedFile): FileTimeline {
    const format = this.forced ?? f?.timedAs ?? undefined;
    return new FileTimeline({
      ...(this.opts.lookaheadLines !== undefined ? { lookahead: this.opts.lookaheadLines } : {}),
      ...(this.opts.nominalGapMs !== undefined ? { nominalGapMs: this.opts.nominalGapMs } : {}),
      ...(format ? { format } : {}),
    });
  }

  /**
   * A file whose own lines prove no format gets its run's format for timing: Megatron's first node
   * prints the `datetime:` lines but no iteration line (only the last pipeline stage does), and its
   * clock is what places the run in time. (RunSet still parses such a file only where its own lines
   * prove the format, so the numbers do not change.) Held files are re-timed from memory, the others
   * in one more pass over the inputs.
   */
  private async retime(files: IndexedFile[]): Promise<void> {
    if (this.forced) return;
    const runFormat = new Map<string, string>();
    for (const f of files) if (f.format && !runFormat.has(f.key)) runFormat.set(f.key, f.format);
    const todo = files.filter((f) => !f.format && f.lines > 0 && runFormat.has(f.key));
    if (todo.length === 0) return;
    const stream = new Map<string, IndexedFile>();
    for (const f of todo) {
      f.timedAs = formatById(runFormat.get(f.key)!) ?? null;
      if (!f.timedAs) continue;
      if (f.held) {
        const tl = this.newTimeline(f);
        const out: TimedLine[] = [];
        for (const l of f.held) tl.push(l, out);
        tl.end(out);
        Object.assign(f, statsOf(tl), { format: null, held: out });
      } else stream.set(fileKey(f.input, f.path), f);
    }
    if (stream.size === 0) return;
    for await (const item of enumerateInputs(this.opts.inputs, this.opts.stdin ? { stdin: this.opts.stdin } : {})) {
      if (this.stopped) return;
      if (item.type !== 'file') continue;
      const f = stream.get(fileKey(item.file.input, item.file.path));
      if (!f) continue;
      stream.delete(fileKey(item.file.input, item.file.path));
      const tl = this.newTimeline(f);
      let out: TimedLine[] = [];
      for await (const batch of readLines(item.file, f.node, () => {})) {
        for (const ev of batch) tl.push(ev, out);
        out = [];
      }
      tl.end(out);
      Object.assign(f, statsOf(tl), { format: null });
      if (stream.size === 0) break;
    }
  }

  /**
   * Decide each file's time offset and the run's span; fix the times of held lines.
   * Merged runs: files without a clock (synthetic times from 0) are aligned with the run's clocked
   * files — their end just before the clocked files' last clock, but not starting before the clocked
   * start (Megatron: the iterations end as `[after training is done] datetime:` is printed).
   * Sequential runs: each file follows the previous one.
   */
  private layout(run: IndexedRun): void {
    const fs = run.files;
    if (run.sequential) {
      const ordered = [...fs].sort((a, b) => a.order - b.order);
      let cursor: number | null = null;
      for (const f of ordered) {
        const first = f.first ?? 0;
        f.offset = cursor === null ? 0 : cursor - first;
        f.floor = cursor ?? first;
        cursor = (f.last ?? first) + f.offset;
      }
      run.start = ordered[0] ? (ordered[0].first ?? 0) : 0;
      run.end = cursor ?? run.start;
    } else {
      const clocked = fs.filter((f) => f.base === 'clock' && f.first !== null);
      const cStart = clocked.length ? Math.min(...clocked.map((f) => f.first!)) : null;
      const cEnd = clocked.length ? Math.max(...clocked.map((f) => f.last!)) : null;
      for (const f of fs) {
        // 1 ms before the last clock line: that line (e.g. `[after training is done] datetime:`) was printed after.
        f.offset = f.base === 'synthetic' && cStart !== null && cEnd !== null && f.last !== null ? Math.max(cStart, cEnd - 1 - f.last) : 0;
      }
      const firsts = fs.filter((f) => f.first !== null).map((f) => f.first! + f.offset);
      const lasts = fs.filter((f) => f.last !== null).map((f) => f.last! + f.offset);
      run.start = firsts.length ? Math.min(...firsts) : 0;
      run.end = lasts.length ? Math.max(...lasts) : run.start;
      for (const f of fs) f.floor = run.start;
    }
    for (const f of fs) if (f.held) finalizeTimes(f.held, f.offset, f.floor);
  }

  // ---------------------------------------------------------------- sources

  /** A cursor over the run's timeline from its start. */
  private open(run: IndexedRun): LineCursor {
    if (run.merged) return new LineCursor(null, run.merged);
    if (!run.sequential && run.files.every((f) => f.held)) {
      run.merged = mergeTimelines(run.files.map((f) => f.held!));
      return new LineCursor(null, run.merged);
    }
    if (!run.sequential) return new LineCursor(this.loadMerged(run));
    return new LineCursor(this.streamSequential(run));
  }

  /** Re-stream the inputs, collect the run's files, merge them: one batch. */
  private async *loadMerged(run: IndexedRun): AsyncGenerator<TimedLine[]> {
    const byKey = new Map(run.files.map((f) => [fileKey(f.input, f.path), f]));
    const got = new Map<IndexedFile, TimedLine[]>();
    for await (const item of enumerateInputs(this.opts.inputs, this.opts.stdin ? { stdin: this.opts.stdin } : {})) {
      if (this.stopped) return;
      if (item.type !== 'file') continue;
      const f = byKey.get(fileKey(item.file.input, item.file.path));
      if (!f || got.has(f)) continue;
      const tl = this.newTimeline(f);
      const out: TimedLine[] = [];
      for await (const batch of readLines(item.file, f.node, () => {})) for (const ev of batch) tl.push(ev, out);
      tl.end(out);
      finalizeTimes(out, f.offset, f.floor);
      got.set(f, out);
      if (got.size === byKey.size) break;
    }
    run.merged = mergeTimelines(run.files.map((f) => got.get(f) ?? []));
    yield run.merged;
  }

  /** Re-stream the inputs and yield the run's files one after another (bounded memory). */
  private async *streamSequential(run: IndexedRun): AsyncGenerator<TimedLine[]> {
    const byKey = new Map(run.files.map((f) => [fileKey(f.input, f.path), f]));
    const seen = new Set<IndexedFile>();
    for await (const item of enumerateInputs(this.opts.inputs, this.opts.stdin ? { stdin: this.opts.stdin } : {})) {
      if (this.stopped) return;
      if (item.type !== 'file') continue;
      const f = byKey.get(fileKey(item.file.input, item.file.path));
      if (!f || seen.has(f)) continue;
      seen.add(f);
      const tl = this.newTimeline(f);
      for await (const batch of readLines(item.file, f.node, () => {})) {
        const out: TimedLine[] = [];
        for (const ev of batch) tl.push(ev, out);
        if (out.length) yield finalizeTimes(out, f.offset, f.floor);
      }
      const out: TimedLine[] = [];
      tl.end(out);
      if (out.length) yield finalizeTimes(out, f.offset, f.floor);
      if (seen.size === byKey.size) break;
    }
  }

  // ---------------------------------------------------------------- timed play

  private takeRequest(): Request | null {
    const r = this.request;
    this.request = null;
    return r;
  }

  private async playFrom(index: number, startPos?: number): Promise<void> {
    let i = index;
    let pos = startPos;
    while (i >= 0 && i < this.runs.length && !this.stopped) {
      i = await this.playRun(i, pos);
      pos = undefined;
    }
    if (!this.stopped && this.runs.length > 0) this.cur = Math.min(Math.max(this.cur, 0), this.runs.length - 1);
  }

  private resetRun(run: IndexedRun): void {
    const tracks = this.runSet.resetRun(run.key);
    this.store.forgetFiles(tracks);
  }

  private setCheckpointAfter(pos: number, run: IndexedRun): void {
    const cp = this.opts.checkpointMs;
    if (!cp || cp <= 0 || !this.opts.onCheckpoint) {
      this.nextCheckpoint = Infinity;
      return;
    }
    const k = Math.floor((pos - run.start) / cp) + 1;
    this.nextCheckpoint = run.start + k * cp;
  }

  /** Play run `i`; returns the index of the run to play next. */
  private async playRun(i: number, startPos?: number): Promise<number> {
    const run = this.runs[i]!;
    if (this.cur >= 0 && this.cur !== i) {
      const prev = this.runs[this.cur];
      if (prev && prev !== run && prev.merged && !prev.files.every((f) => f.held)) prev.merged = null; // drop a re-read run's lines
    }
    this.cur = i;
    if (run.played) this.resetRun(run);
    run.played = true;
    this.clock.setCap(Infinity);
    this.clock.seekTo(run.start);
    this.clock.setCap(run.end);
    this.position = run.start;
    this.setCheckpointAfter(run.start - 1e-9, run);
    let cursor = this.open(run);
    this.updateInfo();
    let next = i + 1;
    try {
      if (startPos !== undefined && startPos > run.start) await this.jumpTo(cursor, run, startPos);
      for (;;) {
        if (this.stopped) return -1;
        const req = this.takeRequest();
        if (req) {
          if (req.kind === 'seek') {
            const target = Math.min(Math.max(req.target, run.start), run.end);
            if (target < this.position) {
              await cursor.close();
              this.resetRun(run);
              cursor = this.open(run);
            }
            await this.jumpTo(cursor, run, target);
            continue;
          }
          if (req.kind === 'toEnd') {
            await this.feed(cursor, Infinity, { instant: true });
            break;
          }
          // goto
          const target = req.index;
          if (target === i || target < 0 || target >= this.runs.length) {
            if (target >= this.runs.length) {
              // next past the last run: finish this one
              await this.feed(cursor, Infinity, { instant: true });
              next = this.runs.length;
              break;
            }
            continue;
          }
          await this.feed(cursor, Infinity, { instant: true });
          next = target;
          break;
        }
        const max = this.clock.speed === 'max' && !this.clock.paused;
        await this.feed(cursor, this.clock.due(), { instant: false, ...(max ? { maxLines: this.opts.maxLinesPerStep ?? 20000 } : {}) });
        const head = cursor.peek() ?? (await cursor.fill());
        if (!head) break;
        this.position = max ? this.position : Math.max(this.position, this.clock.position());
        this.store.tick();
        this.updateInfo();
        let delay: number;
        if (this.clock.paused) delay = Infinity;
        else if (max) delay = 0;
        else {
          const tick = this.opts.tickMs ?? 50;
          const until = this.clock.msUntil(Math.min(head.time, this.nextCheckpoint));
          delay = Math.min(Math.max(until, tick), Math.max(tick, this.opts.maxTickMs ?? 250));
        }
        await this.clock.wait(delay);
      }
    } finally {
      await cursor.close();
    }
    if (this.stopped) return -1;
    await this.complete(run, i);
    return next;
  }

  /** Feed everything up to `target` at once (seek, `from`) and move the clock there. */
  private async jumpTo(cursor: LineCursor, run: IndexedRun, target: number): Promise<void> {
    await this.feed(cursor, target, { instant: true });
    this.clock.seekTo(target);
    this.position = target;
    this.setCheckpointAfter(target, run);
    this.store.tick();
    this.updateInfo();
  }

  /**
   * Feed lines with time ≤ `limit`. Not instant: stops at each checkpoint on the way to call
   * `onCheckpoint` with the position there. `maxLines`: stop after that many lines (max speed).
   */
  private async feed(cursor: LineCursor, limit: number, o: { instant: boolean; maxLines?: number }): Promise<void> {
    let batch: SourceEvent[] = [];
    let n = 0;
    const flush = () => {
      if (batch.length) {
        this.store.ingest(batch);
        batch = [];
      }
    };
    for (;;) {
      const l = cursor.peek() ?? (await cursor.fill());
      if (this.stopped) break;
      if (!o.instant && this.nextCheckpoint <= limit && (!l || l.time > this.nextCheckpoint)) {
        flush();
        await this.checkpoint();
        // The listener may have paused, changed speed or asked to navigate: honour it now.
        if (this.request) break;
        limit = Math.min(limit, this.clock.due());
        continue;
      }
      if (!l || l.time > limit) break;
      if (o.maxLines !== undefined && n >= o.maxLines) break;
      cursor.take();
      batch.push(l);
      n++;
      if (l.time > this.position) this.position = l.time;
      if (batch.length >= 4096) flush();
    }
    flush();
  }

  private async checkpoint(): Promise<void> {
    const t = this.nextCheckpoint;
    this.position = Math.max(this.position, t);
    this.nextCheckpoint = t + this.opts.checkpointMs!;
    this.store.tick();
    this.updateInfo();
    await this.opts.onCheckpoint?.(t);
  }

  /** End the run's files (summary-equivalent final numbers) and tell the listener. */
  private async complete(run: IndexedRun, index: number): Promise<void> {
    this.position = Math.max(this.position, run.end);
    this.endFiles(run.files.map((f) => ({ path: f.path, node: f.node })));
    if (!run.reported) {
      run.reported = true;
      this.reportUnrecognized(run.key);
    }
    this.updateInfo();
    await this.opts.onRunEnd?.(index, run.key);
  }

  private endFiles(files: { path: string; node: string }[]): void {
    const events: SourceEvent[] = [];
    for (const f of files) {
      if (!this.store.tracks.has(f.path)) {
        // An empty (or binary) file: summary opens it too, so its run exists with no lines.
        const t = this.runSet.openFile(f.path, f.path, f.node);
        if (t) this.store.tracks.set(f.path, t);
      }
      events.push({ type: 'status', node: f.node, file: f.path, state: 'ended', time: this.position });
    }
    this.store.ingest(events);
    for (const f of files) this.store.endFile(f.path);
  }

  private reportUnrecognized(key: string): void {
    const run = this.runSet.runs.get(key);
    if (!run || run.status() !== 'unrecognized') return;
    const source = run.primary()?.file ?? run.files[0]?.file ?? key;
    this.report({ input: this.opts.inputs.join(' '), file: source, kind: 'unrecognized', message: `${source}: no line matched a known log format` });
  }

  // ---------------------------------------------------------------- fast path (max speed)

  /** Stream the inputs once, file after file, exactly as summarize() reads them. */
  private async playFast(): Promise<void> {
    const enumOpts = this.opts.stdin ? { stdin: this.opts.stdin } : {};
    const index = new Map<string, number>();
    let curKey: string | null = null;
    let curFiles: string[] = [];
    const leaveRun = async () => {
      if (curKey === null) return;
      this.reportUnrecognized(curKey);
      this.updateInfo();
      await this.opts.onRunEnd?.(index.get(curKey)!, curKey);
    };
    for await (const item of enumerateInputs(this.opts.inputs, enumOpts)) {
      if (this.stopped) break;
      if (item.type === 'problem') {
        this.report(item.problem);
        continue;
      }
      const f = item.file;
      const info = pathInfo(f.path);
      if (info.notALog) continue;
      if (!this.matches(info.runKey, f.path)) continue;
      const key = info.runKey;
      if (key !== curKey) {
        await leaveRun();
        curKey = key;
        curFiles = [];
        if (!index.has(key)) {
          index.set(key, this.fastNames.length);
          this.fastNames.push(key);
        }
        this.fastCur = index.get(key)!;
        this.fastStart = this.position;
      }
      const node = info.node ?? 'node0';
      curFiles.push(f.path);
      for await (const batch of readLines(f, node, (p) => this.report({ ...p, input: p.input ?? f.input }))) {
        while (this.clock.paused && !this.stopped) await this.clock.wait(Infinity);
        if (this.stopped) break;
        const t = this.position;
        const events: SourceEvent[] = new Array(batch.length);
        for (let k = 0; k < batch.length; k++) {
          const ev = batch[k]!;
          events[k] = { type: 'line', node: ev.node, file: ev.file, offset: ev.offset, lineNo: ev.lineNo, text: ev.text, time: t };
        }
        this.store.ingest(events);
        const track = this.store.tracks.get(f.path);
        if (track?.logTime !== null && track?.logTime !== undefined) {
          const ms = track.logTime * 1000;
          if (ms > this.position) this.position = ms;
        }
      }
      this.endFiles([{ path: f.path, node }]);
    }
    await leaveRun();
  }
}

/** The index fields a finished file timeline gives. */
function statsOf(tl: FileTimeline): Pick<IndexedFile, 'lines' | 'bytes' | 'first' | 'last' | 'base' | 'pacing' | 'anchors' | 'format'> {
  const s = tl.stats;
  return {
    lines: s.lines,
    bytes: s.bytes,
    first: s.first,
    last: s.last,
    base: s.base,
    pacing: tl.pacing(),
    anchors: s.clockAnchors + s.stepAnchors + s.nominalAnchors,
    format: s.format,
  };
}

/** Final times of a file's lines: offset applied, unanchored lines at `floor` (idempotent per array). */
function finalizeTimes(lines: TimedLine[], offset: number, floor: number): TimedLine[] {
  for (const l of lines) {
    if (l.time === UNANCHORED) l.time = floor;
    else l.time += offset;
  }
  return lines;
}

function pick<T extends object, K extends keyof T>(o: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
