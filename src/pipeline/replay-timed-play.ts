/**
 * Timed play: one run at a time, its lines fed to the store as the replay clock reaches them, with
 * navigation requests (seek, to end, go to run) and checkpoints handled between steps.
 */
import type { SourceEvent } from '../sources/types.ts';
import type { LineCursor } from './replay-cursor.ts';
import { ReplayEngineBase } from './replay-engine-base.ts';
import { openRun } from './replay-sources.ts';
import type { IndexedRun, Request } from './replay-types.ts';

export class TimedPlayEngine extends ReplayEngineBase {
  takeRequest(): Request | null {
    const r = this.request;
    this.request = null;
    return r;
  }

  async playFrom(index: number, startPos?: number): Promise<void> {
    let i = index;
    let pos = startPos;
    while (i >= 0 && i < this.runs.length && !this.stopped) {
      i = await this.playRun(i, pos);
      pos = undefined;
    }
    if (!this.stopped && this.runs.length > 0) this.cur = Math.min(Math.max(this.cur, 0), this.runs.length - 1);
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

  /** Play run `i`; returns the index of the run to play next. */
  async playRun(i: number, startPos?: number): Promise<number> {
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
              cursor = openRun(this, run);
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
