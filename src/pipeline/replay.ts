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
import type { ReplayControls } from '../session/controls.ts';
import { playFast } from './replay-fast.ts';
import { buildIndex } from './replay-index.ts';
import { TimedPlayEngine } from './replay-timed-play.ts';
import { ABSOLUTE_FROM_S, type NextPlay, type Replay, type ReplayOptions, type Request } from './replay-types.ts';

/** `←` this close to a run's start (shown as 0:00) goes to the previous run. */
const AT_START_MS = 1000;

/** A request arriving before the loop took the previous one: run steps add up, otherwise the newer wins. */
function merge(prev: Request | null, req: Request): Request {
  if (prev?.kind === 'step' && req.kind === 'step') return { kind: 'step', delta: prev.delta + req.delta, ...(prev.atEnd || req.atEnd ? { atEnd: true } : {}) };
  return req;
}

// The public surface stays here: importers keep using `pipeline/replay.ts`.
export { ABSOLUTE_FROM_S, DEFAULT_MEMORY_CAP_BYTES, type Replay, type ReplayOptions } from './replay-types.ts';

export function createReplay(opts: ReplayOptions): Replay {
  return new ReplayEngine(opts).api();
}

/** Top level: the public handle, the play order (`from`) and navigation after the list has finished. */
class ReplayEngine extends TimedPlayEngine {
  api(): Replay {
    const controls: ReplayControls = {
      togglePause: () => {
        if (this.held) {
          // Held at a run's end: space plays on with the next run.
          this.releaseHold = true;
          if (this.clock.paused) this.clock.togglePause();
          this.clock.wake();
          return;
        }
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
        // Seeks not taken yet add up (`←←` in one chunk: 20 s).
        const from = this.request?.kind === 'seek' ? this.request.target : this.position;
        const run = this.runs[this.cur];
        if (ms < 0 && run && !this.held && from - run.start < AT_START_MS) {
          // Back from 0:00: the previous run, at its end.
          this.navigate({ kind: 'step', delta: -1, atEnd: true });
          return;
        }
        this.navigate({ kind: 'seek', target: from + ms });
      },
      nextRun: () => this.navigate({ kind: 'step', delta: 1 }),
      prevRun: () => this.navigate({ kind: 'step', delta: -1 }),
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

  async runAll(): Promise<{ runs: number }> {
    if (this.fastPath) {
      await playFast(this);
      this.finish();
      return { runs: this.fastNames.length };
    }
    await buildIndex(this);
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

  finish(): void {
    this.finished = true;
    this.publish();
  }

  /** Navigation: handled by the playing loop, or restarts one after the list has finished. */
  navigate(req: Request): void {
    if (this.stopped) return;
    if (this.loop) {
      this.request = merge(this.request, req);
      this.clock.wake();
      return;
    }
    if (!this.finished) return; // still indexing: nothing to navigate yet
    this.restart(req);
  }

  /** After the list finished: play again from where the request points (one restart at a time). */
  restart(req: Request): void {
    const loop = (async () => {
      if (this.fastPath && !this.indexed) {
        // The fast pass kept no index: build it now (the store already holds every run).
        await buildIndex(this);
        for (const r of this.runs) r.played = this.runSet.runs.has(r.key);
        this.cur = this.runs.length - 1;
        this.position = this.runs[this.cur]?.end ?? this.position;
      }
      if (this.stopped || this.runs.length === 0) return;
      let next: NextPlay | null;
      if (req.kind === 'goto' || req.kind === 'step') next = this.resolveNav(req, this.cur);
      else if (req.kind === 'seek') {
        const r = this.runs[this.cur];
        next = r && req.target < r.end ? { index: this.cur, startPos: Math.max(r.start, req.target) } : null;
      } else next = null; // toEnd: the list is over, its last run is at its end already
      if (!next || next.index >= this.runs.length) return;
      this.finished = false;
      await this.playFrom(next.index, next.startPos, next.hold === true);
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
}
