/**
 * The replay engine's shared state and the services every playing mode uses: reporting problems,
 * the run filter, the `ReplayInfo` published to the store, and ending files. Members are public
 * (not part of the package API: only `createReplay()`'s handle is) so that the index pass, the
 * line sources and the fast path can live in their own modules as functions of the engine.
 */
import type { InputProblem } from '../core/types.ts';
import { formatById } from '../formats/registry.ts';
import type { LogFormat } from '../formats/types.ts';
import { RunSet } from '../metrics/run-set.ts';
import { SessionStore } from '../session/store.ts';
import type { ReplayInfo } from '../session/types.ts';
import type { SourceEvent } from '../sources/types.ts';
import { ReplayClock } from './replay-clock.ts';
import { FileTimeline } from './replay-timeline.ts';
import { DEFAULT_MEMORY_CAP_BYTES, pick, type IndexedFile, type IndexedRun, type ReplayOptions, type Request } from './replay-types.ts';

export class ReplayEngineBase {
  readonly runSet: RunSet;
  readonly store: SessionStore;
  readonly clock: ReplayClock;
  readonly opts: ReplayOptions;
  readonly cap: number;
  readonly forced: LogFormat | undefined;
  readonly fastPath: boolean;
  /** Session clock: the replay position in log ms. */
  position = 0;
  stopped = false;
  finished = false;
  runs: IndexedRun[] = [];
  cur = -1;
  request: Request | null = null;
  /** Stopped at the end of a run, its final numbers on screen, until a key moves on (`e`). */
  held = false;
  /** `space` while held: play on with the next run. */
  releaseHold = false;
  loop: Promise<void> | null = null;
  indexed = false;
  nextCheckpoint = Infinity;
  /** Fast path: run keys in the order met. */
  fastNames: string[] = [];
  fastCur = -1;
  fastStart = 0;

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

  // ---------------------------------------------------------------- reporting

  report(p: InputProblem): void {
    this.runSet.noteInputProblem(p);
    this.store.ingest([{ type: 'problem', problem: p, time: this.position }]);
    this.opts.onProblem?.(p);
  }

  matches(key: string, path: string): boolean {
    const re = this.opts.runPattern;
    if (!re) return true;
    re.lastIndex = 0;
    if (re.test(key)) return true;
    re.lastIndex = 0;
    return re.test(path);
  }

  updateInfo(): void {
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
        ...(this.held ? { held: true } : {}),
      };
    }
    this.store.replay = info;
  }

  publish(): void {
    this.updateInfo();
    this.store.flush();
  }

  endFiles(files: { path: string; node: string }[]): void {
    const events: SourceEvent[] = [];
    for (const f of files) {
      if (!this.store.tracks.has(f.path)) {
        // An empty (or binary) file: summary opens it too, so its run exists with no lines. It
        // never started, so it does not end either: no state event (at a replay position that no
        // log line gave yet, its time would be 1970).
        const t = this.runSet.openFile(f.path, f.path, f.node);
        if (t) this.store.tracks.set(f.path, t);
        continue;
      }
      events.push({ type: 'status', node: f.node, file: f.path, state: 'ended', time: this.position });
    }
    this.store.ingest(events);
    for (const f of files) this.store.endFile(f.path);
  }

  reportUnrecognized(key: string): void {
    // Stopped (q, a closed pipe): the run was not read to its end, so nothing can be said of it.
    if (this.stopped) return;
    const run = this.runSet.runs.get(key);
    // No line at all (a binary file): its own problem said why; "no line matched" would say it twice.
    if (!run || run.status() !== 'unrecognized' || run.files.every((f) => f.lines === 0)) return;
    const source = run.primary()?.file ?? run.files[0]?.file ?? key;
    this.report({ input: this.opts.inputs.join(' '), file: source, kind: 'unrecognized', message: `${source}: no line matched a known log format` });
  }

  newTimeline(f?: IndexedFile): FileTimeline {
    const format = this.forced ?? f?.timedAs ?? undefined;
    return new FileTimeline({
      ...(this.opts.lookaheadLines !== undefined ? { lookahead: this.opts.lookaheadLines } : {}),
      ...(this.opts.nominalGapMs !== undefined ? { nominalGapMs: this.opts.nominalGapMs } : {}),
      ...(format ? { format } : {}),
    });
  }
}
