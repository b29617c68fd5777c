/**
 * The local tail's one read scheduler (fs events mode): a modified file is marked dirty (no
 * syscall), and the dirty files are read at most every `coalesceMs`, so a file appended 20 times a
 * second costs at most 1000 / coalesceMs reads a second. Files read synchronously are read right
 * here (`readNow`); the others (not open yet, polled, on a network filesystem) tick at once: their
 * tick loop already coalesces, and polling keeps its period.
 *
 * `drain` reads the dirty files now, whatever the period: headless live calls it right before each
 * snapshot and sets the period to more than its interval, so that each file is read once per
 * snapshot (at 1,024 busy files and --interval 0.1 that is half the reads of a 50 ms period, for a
 * shorter write → snapshot delay: nothing waits out a period after the snapshot's read).
 */
import { performance } from 'node:perf_hooks';
import type { FileTailer } from './file-tailer.ts';

/** Longest run of one round before it lets other work in. */
const PUMP_SLICE_MS = 20;
/** The same for a drain: the snapshot after it should see every file read. */
const DRAIN_SLICE_MS = 100;

export class ReadScheduler {
  private readonly dirty = new Set<FileTailer>();
  private timer: NodeJS.Timeout | null = null;
  private lastPump = -Infinity;
  private stopped = false;
  /** The last round stopped at its slice, or a file at its step budget, with bytes left: go on at once. */
  private backlog = false;

  constructor(private readonly coalesceMs: number) {}

  /** Something may have changed in a followed file: read it soon (events coalesce meanwhile). */
  kick(t: FileTailer): void {
    if (this.stopped) return;
    if (!t.readsNow) {
      t.schedule();
      return;
    }
    this.dirty.add(t);
    if (!this.timer) this.timer = setTimeout(this.pump, Math.max(0, this.lastPump + this.coalesceMs - performance.now()));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.dirty.clear();
  }

  /**
   * Read the dirty files: synchronously where they allow it, else through their async tick. A
   * round stops after PUMP_SLICE_MS (a backlog to catch up on); the rest goes on at once, after
   * whatever else is waiting.
   */
  private readonly pump = (): void => {
    this.timer = null;
    if (this.stopped) return;
    // A drain came since this timer was set: wait out the period from there.
    const wait = this.lastPump + this.coalesceMs - performance.now();
    if (!this.backlog && wait > 1 && this.dirty.size > 0) {
      this.timer = setTimeout(this.pump, wait);
      return;
    }
    this.read(PUMP_SLICE_MS);
  };

  /**
   * Read every dirty file now (the caller is about to report: headless live's snapshot), within
   * `sliceMs`; what is left goes on through the timer. The period restarts from here.
   */
  drain(sliceMs = DRAIN_SLICE_MS): void {
    if (this.stopped || this.dirty.size === 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.read(sliceMs);
  }

  private read(sliceMs: number): void {
    const t0 = performance.now();
    this.lastPump = t0;
    const list = [...this.dirty];
    this.dirty.clear();
    let cut = false;
    for (let i = 0; i < list.length; i++) {
      const t = list[i]!;
      if (i > 0 && (i & 15) === 0 && performance.now() - t0 > sliceMs) {
        for (let k = i; k < list.length; k++) this.dirty.add(list[k]!);
        cut = true;
        break;
      }
      const r = t.readNow();
      if (r === 'more') {
        this.dirty.add(t);
        cut = true;
      } else if (r === 'async') t.schedule();
    }
    this.backlog = cut;
    if (this.dirty.size > 0 && !this.stopped && !this.timer) this.timer = setTimeout(this.pump, cut ? 0 : Math.max(0, this.coalesceMs));
  }
}
