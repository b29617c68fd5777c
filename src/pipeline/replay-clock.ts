/**
 * The replay's virtual clock: a position in LOG time (ms) that advances with WALL time × speed.
 * Nothing here reads a real clock or sets a real timer by itself: `now()` (wall ms) and
 * `schedule(fn, ms)` are injected, so tests drive it without waiting.
 *
 * - `position()`: where the replay is (log ms), never beyond `cap` (the end of the current run).
 * - `due()`: how far lines may be fed now — `position()`, or `cap` at speed `max` (at max speed the
 *   player moves the position itself with `seekTo` as it feeds, so pausing or slowing down from max
 *   continues from what was actually shown).
 * - `wait(ms)`: resolves after `ms` of wall time (through the scheduler) or as soon as anything
 *   changes (pause, resume, speed, seek, `wake()`), so a paused replay sleeps without polling.
 */
import { SPEED_STEPS } from '../session/controls.ts';

export type ReplaySpeed = number | 'max';

/** Runs `fn` after `ms` of wall time; returns a function that cancels it. */
export type Scheduler = (fn: () => void, ms: number) => () => void;

/** The real scheduler (setTimeout), used when none is injected. */
export const realScheduler: Scheduler = (fn, ms) => {
  const t = setTimeout(fn, ms);
  return () => clearTimeout(t);
};

export interface ReplayClockOptions {
  /** Wall clock, ms. */
  now: () => number;
  schedule?: Scheduler;
  /** @default 1 */
  speed?: ReplaySpeed;
  /** Initial position, log ms. @default 0 */
  position?: number;
  paused?: boolean;
  /** Highest position the clock reaches (the end of the current run). @default Infinity */
  cap?: number;
}

export class ReplayClock {
  private readonly nowFn: () => number;
  private readonly schedule: Scheduler;
  /** Position at wall time `wallBase`. */
  private base: number;
  private wallBase: number;
  private speedValue: ReplaySpeed;
  private pausedValue: boolean;
  private capValue: number;
  private readonly waiters = new Set<() => void>();
  private readonly listeners = new Set<() => void>();

  constructor(opts: ReplayClockOptions) {
    this.nowFn = opts.now;
    this.schedule = opts.schedule ?? realScheduler;
    this.speedValue = checkSpeed(opts.speed ?? 1);
    this.pausedValue = opts.paused ?? false;
    this.capValue = opts.cap ?? Infinity;
    this.base = Math.min(opts.position ?? 0, this.capValue);
    this.wallBase = this.nowFn();
  }

  get speed(): ReplaySpeed {
    return this.speedValue;
  }

  get paused(): boolean {
    return this.pausedValue;
  }

  get cap(): number {
    return this.capValue;
  }

  /** Current replay position (log ms). */
  position(): number {
    if (this.pausedValue || this.speedValue === 'max') return Math.min(this.base, this.capValue);
    const p = this.base + (this.nowFn() - this.wallBase) * this.speedValue;
    return Math.min(p, this.capValue);
  }

  /** Lines with a log time up to this may be fed now. */
  due(): number {
    if (!this.pausedValue && this.speedValue === 'max') return this.capValue;
    return this.position();
  }

  /** Wall ms until `position()` reaches `target` (0 if already there or at max speed; Infinity while paused). */
  msUntil(target: number): number {
    const p = this.position();
    if (target <= p) return 0;
    if (this.pausedValue) return Infinity;
    if (this.speedValue === 'max') return 0;
    if (Math.min(target, this.capValue) <= p) return Infinity; // the cap stops the clock before target
    return (Math.min(target, this.capValue) - p) / this.speedValue;
  }

  /** Re-anchor at the current position so that a change applies from now on. */
  private rebase(): void {
    this.base = this.position();
    this.wallBase = this.nowFn();
  }

  pause(): void {
    if (this.pausedValue) return;
    this.rebase();
    this.pausedValue = true;
    this.changed();
  }

  resume(): void {
    if (!this.pausedValue) return;
    this.wallBase = this.nowFn();
    this.pausedValue = false;
    this.changed();
  }

  togglePause(): void {
    if (this.pausedValue) this.resume();
    else this.pause();
  }

  setSpeed(speed: ReplaySpeed): void {
    const s = checkSpeed(speed);
    if (s === this.speedValue) return;
    this.rebase();
    this.speedValue = s;
    this.changed();
  }

  /** Next step of SPEED_STEPS above the current speed (stays at max). */
  faster(): void {
    const s = this.speedValue;
    if (s === 'max') return;
    const next = SPEED_STEPS.find((x) => x === 'max' || x > s);
    if (next !== undefined) this.setSpeed(next);
  }

  /** Next step of SPEED_STEPS below the current speed (stays at the lowest step). */
  slower(): void {
    const s = this.speedValue;
    const finite = SPEED_STEPS.filter((x): x is number => x !== 'max');
    const lower = s === 'max' ? finite[finite.length - 1] : [...finite].reverse().find((x) => x < s);
    if (lower !== undefined) this.setSpeed(lower);
  }

  /** Move to an absolute position (log ms), clamped to the cap. */
  seekTo(position: number): void {
    this.base = Math.min(position, this.capValue);
    this.wallBase = this.nowFn();
    this.changed();
  }

  /** Move by `deltaMs` of log time (negative: back). */
  seek(deltaMs: number): void {
    this.seekTo(this.position() + deltaMs);
  }

  /** Set the highest reachable position (a new run's end); the position is clamped to it. */
  setCap(cap: number): void {
    this.rebase();
    this.capValue = cap;
    this.base = Math.min(this.base, cap);
  }

  /**
   * Resolve after `ms` of wall time, or at once when the clock changes or `wake()` is called.
   * `ms = Infinity` waits only for a change.
   */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      let done = false;
      let cancel: () => void = () => {};
      const finish = () => {
        if (done) return;
        done = true;
        cancel();
        this.waiters.delete(finish);
        resolve();
      };
      this.waiters.add(finish);
      if (Number.isFinite(ms)) cancel = this.schedule(finish, Math.max(0, ms));
    });
  }

  /** Resolve every pending `wait()` now. */
  wake(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Called after every pause, resume, speed change or seek. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    for (const l of [...this.listeners]) l();
    this.wake();
  }
}

function checkSpeed(s: ReplaySpeed): ReplaySpeed {
  if (s === 'max') return s;
  if (!Number.isFinite(s) || s <= 0) throw new RangeError(`replay speed must be a positive number or 'max', not ${String(s)}`);
  return s;
}
