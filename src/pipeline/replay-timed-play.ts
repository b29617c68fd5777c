/**
 * Timed play: one run at a time, its lines fed to the store as the replay clock reaches them, with
 * navigation requests (seek, to end, go to run) and checkpoints handled between steps.
 */
import type { SourceEvent } from '../sources/types.ts';
import type { LineCursor } from './replay-cursor.ts';
import { ReplayEngineBase } from './replay-engine-base.ts';
import { openRun } from './replay-sources.ts';
import type { IndexedRun, NextPlay, Request } from './replay-types.ts';

export class TimedPlayEngine extends ReplayEngineBase {
  takeRequest(): Request | null {
    const r = this.request;
    this.request = null;
    return r;
  }

  async playFrom(index: number, startPos?: number, hold = false): Promise<void> {
    let next: NextPlay | null = { index, ...(startPos !== undefined ? { startPos } : {}), hold };
    while (next && next.index >= 0 && next.index < this.runs.length && !this.stopped) next = await this.playRun(next.index, next.startPos, next.hold === true);
    if (!this.stopped && this.runs.length > 0) this.cur = Math.min(Math.max(this.cur, 0), this.runs.length - 1);
  }

  /**
   * Where a run request leads from run `i`; null: nowhere (the run itself, or before the first).
   * Past the last run the list is over. At max speed a run reached this way is held at its end:
   * it has played in an instant, and its final numbers are what there is to see.
   */
  resolveNav(req: Extract<Request, { kind: 'goto' | 'step' }>, i: number): NextPlay | null {
    const last = this.runs.length - 1;
    const hold = this.clock.speed === 'max' && !this.clock.paused;
    if (req.kind === 'goto') {
      if (req.index < 0 || req.index === i) return null;
      return req.index > last ? { index: this.runs.length } : { index: req.index, hold };
    }
    if (req.delta === 0) return null;
    if (req.delta > 0 && i >= last) return { index: this.runs.length };
    const index = Math.min(last, Math.max(0, i + req.delta));
    if (index === i) return null;
    return req.atEnd ? { index, startPos: this.runs[index]!.end, hold: true } : { index, hold };
  }

  resetRun(run: IndexedRun): void {
    const tracks = this.runSet.resetRun(run.key);
    this.store.forgetFiles(tracks);
  }

  setCheckpointAfter(pos: number, run: IndexedRun): void {
    const cp = this.opts.checkpointMs;
    if (!cp || cp <= 0 || !this.opts.onCheckpoint) {
      this.nextCheckpoint = Infinity;
      return;
    }
    const k = Math.floor((pos - run.start) / cp) + 1;
    this.nextCheckpoint = run.start + k * cp;
  }

  /** Play run `i` (held at its end when `hold`); returns where to play next (null: stop). */
  async playRun(i: number, startPos?: number, hold = false): Promise<NextPlay | null> {
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
    let cursor = openRun(this, run);
    this.updateInfo();
    let next: NextPlay = { index: i + 1 };
    try {
      if (startPos !== undefined && startPos > run.start) await this.jumpTo(cursor, run, startPos);
      for (;;) {
        if (this.stopped) return null;
        const req = this.takeRequest();
        if (req) {
          if (req.kind === 'seek') {
            const target = Math.min(Math.max(req.target, run.start), run.end);
            if (target < this.position) {
              await cursor.close();
              this.resetRun(run);
              cursor = openRun(this, run);
            }
            await this.jumpTo(cursor, run, target);
            continue;
          }
          if (req.kind === 'toEnd') {
            await this.feed(cursor, Infinity, { instant: true });
            hold = true;
            break;
          }
          const to = this.resolveNav(req, i);
          if (!to) continue;
          // Leaving: this run is finished at once (its final numbers stay in the store).
          await this.feed(cursor, Infinity, { instant: true });
          next = to;
          hold = false;
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
    if (this.stopped) return null;
    await this.complete(run, i);
    return hold ? this.holdAt(run, i) : next;
  }

  /**
   * Stay at the end of run `i` (its final numbers, = summary's) until a key moves on: `n`/`N`/the
   * run picker go to that run, `←` replays the run from 10 s before its end, space plays on.
   */
  async holdAt(run: IndexedRun, i: number): Promise<NextPlay | null> {
    this.held = true;
    this.releaseHold = false;
    this.publish();
    try {
      for (;;) {
        if (this.stopped) return null;
        const req = this.takeRequest();
        if (!req) {
          if (this.releaseHold) return { index: i + 1 };
          await this.clock.wait(Infinity);
          continue;
        }
        if (req.kind === 'toEnd') continue;
        if (req.kind === 'seek') {
          if (req.target >= run.end) continue;
          return { index: i, startPos: Math.max(run.start, req.target) };
        }
        const to = this.resolveNav(req, i);
        if (to) return to;
      }
    } finally {
      this.held = false;
      this.releaseHold = false;
      this.updateInfo();
    }
  }

  /** Feed everything up to `target` at once (seek, `from`) and move the clock there. */
  async jumpTo(cursor: LineCursor, run: IndexedRun, target: number): Promise<void> {
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
  async feed(cursor: LineCursor, limit: number, o: { instant: boolean; maxLines?: number }): Promise<void> {
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

  async checkpoint(): Promise<void> {
    const t = this.nextCheckpoint;
    this.position = Math.max(this.position, t);
    this.nextCheckpoint = t + this.opts.checkpointMs!;
    this.store.tick();
    this.updateInfo();
    await this.opts.onCheckpoint?.(t);
  }

  /** End the run's files (summary-equivalent final numbers) and tell the listener. */
  async complete(run: IndexedRun, index: number): Promise<void> {
    this.position = Math.max(this.position, run.end);
    this.endFiles(run.files.map((f) => ({ path: f.path, node: f.node })));
    if (!run.reported) {
      run.reported = true;
      this.reportUnrecognized(run.key);
    }
    this.updateInfo();
    await this.opts.onRunEnd?.(index, run.key);
  }
}
