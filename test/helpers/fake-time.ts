/**
 * Fake wall time for replay tests: `now()` and `schedule()` that never wait for real.
 * - manual: `advance(ms)` runs due tasks in time order;
 * - auto: `autoSchedule` runs each task on the next macrotask and moves fake time by its delay, so
 *   a whole timed replay plays instantly while its clock sees the waits it asked for.
 */
import type { Scheduler } from '../../src/pipeline/replay-clock.ts';

interface Task {
  at: number;
  seq: number;
  fn: () => void;
}

export class FakeTime {
  nowMs: number;
  private tasks: Task[] = [];
  private seq = 0;
  /** Sum of all the delays auto-scheduled tasks asked for. */
  waitedMs = 0;
  scheduled = 0;
  /** Every delay asked of `autoSchedule`, in order. */
  readonly delays: number[] = [];

  constructor(start = 0) {
    this.nowMs = start;
  }

  now = (): number => this.nowMs;

  schedule: Scheduler = (fn, ms) => {
    this.scheduled++;
    const t: Task = { at: this.nowMs + ms, seq: this.seq++, fn };
    this.tasks.push(t);
    return () => {
      this.tasks = this.tasks.filter((x) => x !== t);
    };
  };

  get pending(): number {
    return this.tasks.length;
  }

  /** Move time forward by `ms`, running every task that falls due, in order. */
  advance(ms: number): void {
    const end = this.nowMs + ms;
    for (;;) {
      this.tasks.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const t = this.tasks[0];
      if (!t || t.at > end) break;
      this.tasks.shift();
      this.nowMs = Math.max(this.nowMs, t.at);
      t.fn();
    }
    this.nowMs = end;
  }

  autoSchedule: Scheduler = (fn, ms) => {
    this.scheduled++;
    this.delays.push(ms);
    let cancelled = false;
    setImmediate(() => {
      if (cancelled) return;
      this.nowMs += ms;
      this.waitedMs += ms;
      fn();
    });
    return () => {
      cancelled = true;
    };
  };
}

/** Let pending promise callbacks and immediates run (real event-loop turns, no timers). */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((r) => setImmediate(r));
}
