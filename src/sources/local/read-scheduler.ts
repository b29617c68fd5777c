/**
 * The local tail's one read scheduler (fs events mode): a modified file is marked dirty (no
 * syscall), and the dirty files are read at most every `coalesceMs`, so a file appended 20 times a
 * second costs at most 1000 / coalesceMs reads a second. Files read synchronously are read right
 * here (`readNow`); the others (not open yet, polled, on a network filesystem) tick at once: their
 * tick loop already coalesces, and polling keeps its period.
 */
import { performance } from 'node:perf_hooks';
import type { FileTailer } from './file-tailer.ts';

/** Longest run of one round before it lets other work in. */
const PUMP_SLICE_MS = 20;

export class ReadScheduler {
  private readonly dirty = new Set<FileTailer>();
  private timer: NodeJS.Timeout | null = null;
  private lastPump = -Infinity;
  private stopped = false;

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
    const t0 = performance.now();
    this.lastPump = t0;
    const list = [...this.dirty];
    this.dirty.clear();
    for (let i = 0; i < list.length; i++) {
      const t = list[i]!;
      if (i > 0 && (i & 15) === 0 && performance.now() - t0 > PUMP_SLICE_MS) {
        for (let k = i; k < list.length; k++) this.dirty.add(list[k]!);
        break;
      }
      const r = t.readNow();
      if (r === 'more') this.dirty.add(t);
      else if (r === 'async') t.schedule();
    }
    if (this.dirty.size > 0 && !this.stopped) this.timer = setTimeout(this.pump, 0);
  };
}
